"""``cs229llm env``: the environment check (OK/FAIL per dependency, device, bf16, compile)."""
from ..envcheck import all_required_ok, format_rows, run_checks
from ._options import add_compile_option, finish


def configure(parser) -> None:
    add_compile_option(parser, default=True, help="try torch.compile on a tiny function (takes seconds; "
                                                  "--no-compile skips it)")
    finish(parser, run, seed_help="unused: the check draws nothing at random (accepted like every command)")


def run(args) -> int:
    rows = run_checks(try_compile=args.compile)
    print(format_rows(rows))
    ok = all_required_ok(rows)
    print("\nall required packages present" if ok else "\nsome required packages are missing: run `make venv`")
    return 0 if ok else 1
