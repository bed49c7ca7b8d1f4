"""Options every command shares, written once: ``--profile``, ``--seed``, ``--compile``, ``--engine``.

``finish(parser, run)`` adds ``--profile {ci,laptop,gpu}`` and ``--seed`` to a command's (leaf)
parser and sets its ``func``: the profile is made active (``CS229LLM_PROFILE``) while ``run``
runs, so every ``by_profile`` size inside the command follows it.
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable

from ..config import PROFILE_ENV, PROFILES, check_seed, get_profile
from ..errors import InputError

DEFAULT_SEED = 0


def finish(parser: argparse.ArgumentParser, run: Callable, seed_default: int | None = DEFAULT_SEED,
           seed_help: str | None = None) -> None:
    """Add ``--profile`` and ``--seed`` to ``parser`` and make ``run`` (under that profile) its func.

    Args:
        seed_default: the seed when ``--seed`` is not given (0, unless the command documents why not).
        seed_help: what the seed does in this command.
    """
    parser.add_argument("--profile", choices=PROFILES, default=None,
                        help=f"sizes for this command (default: {PROFILE_ENV} or laptop)")
    parser.add_argument("--seed", type=int, default=seed_default,
                        help=seed_help or f"random seed (default {seed_default})")
    # prog ("cs229llm bench fusion") names the command in a one-line error
    parser.set_defaults(func=functools.partial(_with_profile, run), prog=parser.prog)


def _with_profile(run: Callable, args) -> int:
    """Run ``run(args)`` with ``args.profile`` (if given) as the active profile, then restore it."""
    if getattr(args, "seed", None) is not None:
        check_seed(args.seed, "--seed")
    name = getattr(args, "profile", None)
    if name is None:
        return run(args)
    get_profile(name)  # refuses an unknown name with an InputError
    previous = os.environ.get(PROFILE_ENV)
    os.environ[PROFILE_ENV] = name
    try:
        return run(args)
    finally:
        if previous is None:
            os.environ.pop(PROFILE_ENV, None)
        else:
            os.environ[PROFILE_ENV] = previous


def add_compile_option(parser: argparse.ArgumentParser, default: bool | None = None,
                       help: str = "torch.compile the model (eager fallback where no compiler works)") -> None:
    """``--compile/--no-compile`` (``args.compile``; ``default`` None means: the command decides)."""
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=default, help=help)


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """``--engine pandas|dask`` and ``--scheduler ADDRESS`` of a data stage command."""
    parser.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                        help="run the stage in this process (pandas) or on a Dask cluster")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --engine dask; "
                             "default: a LocalCluster of 2 workers)")


def check_engine(args) -> None:
    """Refuse ``--scheduler`` without ``--engine dask`` (it would be silently ignored)."""
    if getattr(args, "scheduler", None) and getattr(args, "engine", "pandas") != "dask":
        raise InputError("--scheduler needs --engine dask")


def positive(value: int | float | None, flag: str, minimum: int | float = 1) -> None:
    """Refuse ``value < minimum`` with a one-line message naming ``flag``."""
    if value is not None and value < minimum:
        raise InputError(f"{flag} must be at least {minimum}, got {value}")


def describe(parser: argparse.ArgumentParser, more: str) -> None:
    """Add ``more`` after the one-line purpose the CLI put in the parser's description."""
    purpose = parser.description or ""
    parser.description = f"{purpose}. {more}" if purpose else more
