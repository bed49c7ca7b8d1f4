"""Options every command shares, written once: ``--profile``, ``--seed``, ``--compile``, ``--engine``.

``finish(parser, run)`` adds ``--profile {ci,laptop,gpu}`` and ``--seed`` to a command's (leaf)
parser and sets its ``func``: the profile is made active (``CS229LLM_PROFILE``) while ``run``
runs, so every ``by_profile`` size inside the command follows it.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
from collections.abc import Callable

from ..config import PROFILE_ENV, PROFILES, check_seed, get_profile
from ..errors import InputError

DEFAULT_SEED = 0
PROGRESS_ENV = "CS229LLM_PROGRESS"


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


def whole(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number in ``[minimum, maximum]``, refused in one line otherwise.

    The maximum is what a course machine can hold or finish, so ``--num-perm 10000000`` is an error
    at the door, not an hour of hashing or a process killed for memory.
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be between {minimum:,} and {maximum:,}, got {value:,}")
        return value

    parse.kind, parse.bounds = "int", (minimum, maximum)
    parse.__name__ = "whole number"
    return parse


def real(minimum: float, maximum: float, *, low_open: bool = False, high_open: bool = False) -> Callable[[str], float]:
    """An argparse ``type``: a finite number in the interval given (open at an end when asked)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        low_ok = value > minimum if low_open else value >= minimum
        high_ok = value < maximum if high_open else value <= maximum
        if not (math.isfinite(value) and low_ok and high_ok):
            interval = f"{'(' if low_open else '['}{minimum:g}, {maximum:g}{')' if high_open else ']'}"
            raise argparse.ArgumentTypeError(f"must be a number in {interval}, got {text}")
        return value

    parse.kind, parse.bounds = "float", (minimum, maximum)
    parse.__name__ = "number"
    return parse


def physical_memory() -> int | None:
    """Bytes of RAM on this machine (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_model_fits(n_layer: int, n_embd: int, vocab_size: int, batch_size: int, seq_len: int,
                     what: str = "this model") -> None:
    """Refuse a GPT and batch whose training memory (a rough lower bound) exceeds this machine's RAM.

    Weights, gradients and AdamW's two moments are 16 bytes per parameter in fp32; the activations
    kept for the backward pass are at least ~20 numbers per layer, token and channel, plus the logits.
    """
    parameters = 12 * n_layer * n_embd**2 + (vocab_size + seq_len) * n_embd
    activations = batch_size * seq_len * (20 * n_layer * n_embd + 2 * vocab_size)
    needed = 16 * parameters + 4 * activations
    memory = physical_memory()
    if memory is not None and needed > memory:
        raise InputError(f"{what} needs at least {needed / 2**30:,.1f} GiB to train ({parameters:,} parameters, "
                         f"batch {batch_size} x {seq_len}); this machine has {memory / 2**30:,.1f} GiB: "
                         "use fewer layers, a smaller width, batch or sequence")


def progress_wanted() -> bool:
    """Progress bars only for a person at a terminal: not in pipes, CI logs or tests (``CS229LLM_PROGRESS=0/1``)."""
    setting = os.environ.get(PROGRESS_ENV, "").strip()
    if setting:
        return setting not in ("0", "false", "no")
    return sys.stderr.isatty() and "PYTEST_CURRENT_TEST" not in os.environ
