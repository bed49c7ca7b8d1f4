"""The ``cs229llm`` command: one subcommand per stage of the course.

Subcommands live in ``cs229llm/commands/``: every module there with a
``register(subparsers)`` function adds its own, so stages can grow without editing this file.
An :class:`~cs229llm.errors.InputError` is printed as a message (exit 2), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import __version__, commands
from .errors import InputError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="cs229llm",
        description="How large language models are really built: data, systems, evaluation. "
        "Each subcommand runs one stage of the course.",
    )
    parser.add_argument("--version", action="version", version=f"cs229llm {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run the chosen subcommand's ``func(args)``, return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except InputError as error:
        print(f"cs229llm {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
