"""``cs229llm bench sampler``: tokens per second of the MixtureSampler (target ≥ 1M tokens/s).

Writes synthetic per-domain shards (8 domains, random ids) to a temporary folder, then times
``next_batch`` for a [B, T] batch under a mixture over all domains
(:func:`cs229llm.experiments.benchmarks.sampler_benchmark`).
"""

import json

from ..experiments.benchmarks import sampler_benchmark
from ._options import finish, whole


def configure(parser) -> None:
    parser.add_argument("--batch-size", type=whole(1, 4096), default=32)
    parser.add_argument("--seq-len", type=whole(1, 2**16), default=256)
    parser.add_argument("--batches", type=whole(1, 10**6), default=300)
    parser.add_argument("--tokens-per-domain", type=whole(2, 10**8), default=2_000_000)
    finish(parser, run, seed_help="seed of the random token ids and of the sampler (default 0)")


def run(args) -> int:
    result = sampler_benchmark(args.batch_size, args.seq_len, args.batches, args.tokens_per_domain, seed=args.seed)
    print(f"MixtureSampler [B={result['batch_size']}, T={result['seq_len']}] over {result['domains']} domains: "
          f"{result['tokens_per_s'] / 1e6:.2f} M tokens/s (target >= 1M)")
    print(json.dumps(result))
    return 0
