"""The ``cs229llm`` command: one subcommand per stage of the course, in lecture order.

:data:`COMMANDS` is the one table of subcommands and their one-line purposes. ``cs229llm --help``
lists it without importing any command module (they pull in torch and pandas); naming a command
imports only ``cs229llm/commands/<name>.py``, whose ``configure(parser)`` adds its options and
sets ``func`` (a function taking the parsed args and returning an exit code).

An :class:`~cs229llm.errors.InputError` is printed as one line ``cs229llm CMD: error: ...`` on
stderr (exit 2), never a traceback; Ctrl-C exits 130. Any other exception is a bug of the course,
not of the input: it is printed as one line naming the file its traceback was saved to (exit 1);
``cs229llm --debug CMD`` (or ``CS229LLM_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from . import __version__
from .errors import InputError
from .paths import cache_dir

DEBUG_ENV = "CS229LLM_DEBUG"
# commands that can take minutes: they end with the elapsed time (on stderr, so stdout stays parseable)
TIMED_COMMANDS = frozenset({"data", "extract", "filter", "dedup", "classify", "tokenize", "train", "evaluate",
                            "run", "bench", "export"})

COMMANDS_PACKAGE = "cs229llm.commands"

# (name, one-line purpose), in the order the lecture meets them. The purpose is written only here:
# it is the command's help line in ``cs229llm --help`` and the start of its own ``--help``.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("env", "check the environment: packages, device, bf16, torch.compile"),
    ("data", "sample crawl, local corpora and downloaders"),
    ("extract", "WARC records -> documents table with each page's main text"),
    ("filter", "language ID, PII masking, quality rules (Gopher, C4, FineWeb)"),
    ("dedup", "exact, line-level or MinHash near-duplicate removal"),
    ("classify", "domain classifier (TF-IDF + logistic): adds domain, domain_score"),
    ("mix", "plan a domain mixture: tokens, epochs and warnings per domain"),
    ("tokenize", "train the BPE tokenizer and write per-domain token shards"),
    ("train", "pretrain a GPT on the domain mixture (writes a run directory)"),
    ("evaluate", "evaluate a checkpoint: bits per byte, multiple choice, samples"),
    ("export", "export a trained checkpoint for use outside the course"),
    ("run", "the whole course stream headlessly: report.md + metrics.json"),
    ("bench", "benchmarks (the last output line is one JSON object)"),
)


class LazyParser(argparse.ArgumentParser):
    """An argument parser whose options are added by ``loader(parser)`` the first time it is used.

    A subcommand's parser is created for every command (so the top-level help lists them all),
    but its module is imported only when argparse hands it the arguments, or prints its help.
    """

    def __init__(self, *args, loader: Callable[[argparse.ArgumentParser], None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._loader = loader

    def load(self) -> LazyParser:
        """Add the options now (once)."""
        loader, self._loader = self._loader, None
        if loader is not None:
            loader(self)
        return self

    def parse_known_args(self, args=None, namespace=None):
        self.load()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self.load()
        return super().format_help()

    def format_usage(self) -> str:
        self.load()
        return super().format_usage()

    def error(self, message: str):
        """A bad option or value: one line naming it and where the options are listed (exit 2)."""
        self.exit(2, f"{self.prog}: error: {message} (`{self.prog} --help` lists the options)\n")


def module_exists(module: str) -> bool:
    """Whether ``module`` can be imported (looked up without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def add_lazy_commands(subparsers, table: Iterable[tuple[str, str]], package: str,
                      eager: bool = False) -> list[str]:
    """Add one :class:`LazyParser` per ``(name, purpose)`` whose module ``package.name`` exists.

    The module is imported when the parser is first used (``eager``: now) and its
    ``configure(parser)`` called. Returns the names added, in order.
    """
    names = []
    for name, purpose in table:
        module = f"{package}.{name}"
        if not module_exists(module):
            continue  # e.g. ``export`` before its module is written
        parser = subparsers.add_parser(name, help=purpose, description=purpose, loader=_loader(module))
        if eager:
            parser.load()
        names.append(name)
    return names


def _loader(module_name: str) -> Callable[[argparse.ArgumentParser], None]:
    def load(parser: argparse.ArgumentParser) -> None:
        # plugin dispatch: only the chosen command's module (and its torch/pandas imports) is loaded
        module = importlib.import_module(module_name)
        module.configure(parser)

    return load


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The ``cs229llm`` parser.

    Args:
        commands: subcommands whose options are added now; None adds every command's (slow:
            imports them all, for tests and docs). :func:`main` passes none: argparse loads the
            one that is named.
    """
    parser = LazyParser(
        prog="cs229llm",
        description="How large language models are really built: data, systems, evaluation. "
        "Each subcommand runs one stage of the course, in lecture order; "
        "`cs229llm COMMAND --help` shows its options.",
    )
    parser.add_argument("--version", action="version", version=f"cs229llm {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help=f"show the full traceback of an unexpected error (also: {DEBUG_ENV}=1)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=LazyParser)
    add_lazy_commands(subparsers, COMMANDS, COMMANDS_PACKAGE, eager=commands is None)
    if commands is not None:
        for name in commands:
            subparsers.choices[name].load()
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run the chosen subcommand's ``func(args)``, return its exit code."""
    parser = build_parser(commands=())
    try:
        args = parser.parse_args(argv)
    except InputError as error:  # a command's configure() refused something
        print(f"cs229llm: error: {error}", file=sys.stderr)
        return 2
    except SystemExit as done:  # --help, --version, or a bad option (one line, from LazyParser.error)
        return done.code if isinstance(done.code, int) else 0 if done.code is None else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    started = time.perf_counter()
    try:
        code = int(args.func(args) or 0)
        if code == 0 and args.command in TIMED_COMMANDS:
            print(f"{getattr(args, 'prog', None) or 'cs229llm ' + args.command}: done in "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
        return code
    except InputError as error:
        print(f"{getattr(args, 'prog', None) or f'cs229llm {args.command}'}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - a bug: one line for the learner, the stack in a file
        if args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            raise
        name = getattr(args, "prog", None) or f"cs229llm {args.command}"
        saved = save_traceback(error, argv)
        where = f"the traceback is in {saved}" if saved else "the traceback could not be saved"
        print(f"{name}: unexpected error (a bug in cs229llm, not in your input): {type(error).__name__}: "
              f"{_first_line(error)}; {where}; rerun with `cs229llm --debug ...` to see it", file=sys.stderr)
        return 1


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else "(no message)"


def save_traceback(error: BaseException, argv: list[str] | None) -> Path | None:
    """Write ``error``'s traceback and the command line to a file under the cache; return its path."""
    try:
        folder = cache_dir() / "errors"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
        command = " ".join(["cs229llm", *(sys.argv[1:] if argv is None else argv)])
        path.write_text(f"{command}\ncs229llm {__version__}, Python {sys.version.split()[0]}\n\n"
                        + "".join(traceback.format_exception(error)), encoding="utf-8")
        return path
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
