"""``cs229llm env``: the environment check (OK/FAIL per dependency, device, bf16, compile)."""
from ..envcheck import all_required_ok, format_rows, run_checks


def register(subparsers) -> None:
    parser = subparsers.add_parser("env", help="check the environment: packages, device, bf16, torch.compile")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile trial (it takes seconds)")
    parser.set_defaults(func=run)


def run(args) -> int:
    rows = run_checks(try_compile=not args.no_compile)
    print(format_rows(rows))
    ok = all_required_ok(rows)
    print("\nall required packages present" if ok else "\nsome required packages are missing: run `make venv`")
    return 0 if ok else 1
