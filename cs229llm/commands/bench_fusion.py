"""``cs229llm bench fusion``: eager vs torch.compile on memory-bound chains, against copy bandwidth.

Prints one row per operation (time, GB/s of the minimum traffic, the GB/s of a copy moving the same
bytes timed round-robin with it, the compiled fraction of that copy, speedup), then one JSON line with
``copy_GBps`` and per-op speedups and GB/s (:func:`cs229llm.experiments.benchmarks.fusion_benchmark`).
"""

import json

from ..experiments.benchmarks import fusion_benchmark, fusion_table
from ..systems.fusion import summary_json
from ._options import add_compile_option, finish, whole


def configure(parser) -> None:
    parser.add_argument("--elements", type=whole(1024, 2**27), default=1 << 22,
                        help="length of the elementwise chain's vector, at least 1024 (default 4M floats = 16 MB)")
    parser.add_argument("--repeats", type=whole(1, 1000), default=10,
                        help="timing rounds (eager, compiled and a same-bytes copy round-robin; best of each)")
    add_compile_option(parser, default=True, help="also time torch.compile (--no-compile: eager only)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--threads", type=whole(1, 4096), default=None, help="torch threads (default CS229LLM_THREADS or all)")
    finish(parser, run, seed_help="seed of the input tensors (default 0)")


def run(args) -> int:
    summary = fusion_benchmark(args.elements, args.repeats, args.compile, args.device, args.threads, seed=args.seed)
    print(fusion_table(summary))
    print(json.dumps(summary_json(summary)))
    return 0
