"""``cs229llm env``: the environment check (OK/FAIL per dependency, device, bf16, compile, real-data packages,
Chromium); a WARN or FAIL line ends with the command that fixes it."""
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
    optional = sum(1 for row in rows if not row.ok and not row.required)
    if optional:
        print(f"{optional} optional item(s) not OK (WARN): each such line ends with its fix")
    return 0 if ok else 1
