"""``cs229llm bench NAME``: benchmarks that print a table and, as their last line, one JSON object.

Each benchmark lives in a module ``cs229llm/commands/bench_<name>.py`` with a
``register_bench(bench_subparsers)`` function, so benchmarks are added without editing this file.
"""

import importlib
import pkgutil

from .. import commands


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="benchmarks (last output line is one JSON object)")
    bench_subparsers = parser.add_subparsers(dest="bench", metavar="BENCHMARK")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"{commands.__name__}.{info.name}")
            module.register_bench(bench_subparsers)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)
