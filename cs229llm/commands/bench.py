"""``cs229llm bench NAME``: benchmarks that print a table and, as their last line, one JSON object.

:data:`BENCHMARKS` lists them with their one-line purposes; ``cs229llm bench --help`` shows that
list without importing any of them, and ``cs229llm bench NAME`` imports only
``cs229llm/commands/bench_<name>.py`` (its ``configure(parser)`` adds the options). The measuring
itself lives in :mod:`cs229llm.experiments.benchmarks`.
"""

import importlib

# (name, one-line purpose); the module is cs229llm/commands/bench_<name>.py
BENCHMARKS: tuple[tuple[str, str], ...] = (
    ("minhash", "MinHash signatures/s: our vectorised NumPy vs datasketch bulk and update"),
    ("tokenizer", "tokenizer training: teaching BPE vs HF tokenizers, 1 MB, 768 vocabulary"),
    ("sampler", "MixtureSampler tokens/s (memory-mapped shards)"),
    ("train", "training step tokens/s: eager fp32 vs compiled + bf16"),
    ("fusion", "operator fusion: eager vs torch.compile, GB/s vs copy bandwidth"),
)


def configure(parser) -> None:
    # no _options.describe here: it would import torch, and `bench --help` stays light
    parser.description = (f"{parser.description}. Each prints a table, then one JSON object as its last line; "
                          "`cs229llm bench NAME --help` shows a benchmark's options.")
    # the CLI hands every command a cli.LazyParser: its class makes the benchmarks' parsers lazy too
    subparsers = parser.add_subparsers(dest="bench", metavar="BENCHMARK", parser_class=type(parser))
    for name, purpose in BENCHMARKS:
        subparsers.add_parser(name, help=purpose, description=purpose, loader=_loader(name))
    parser.set_defaults(func=lambda args: parser.print_help() or 0)


def _loader(name: str):
    def load(parser) -> None:
        # plugin dispatch: only the chosen benchmark's module (and its imports) is loaded
        importlib.import_module(f"{__package__}.bench_{name}").configure(parser)

    return load
