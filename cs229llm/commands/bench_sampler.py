"""``cs229llm bench sampler``: tokens per second of the MixtureSampler (target ≥ 1M tokens/s).

Writes synthetic per-domain shards (8 domains, random ids) to a temporary folder, then times
``next_batch`` for a [B, T] batch under a mixture over all domains.
"""

import json
import tempfile
import time

import numpy as np

from ..data.domain_names import DOMAINS
from ..tokenization.shards import MixtureSampler, write_shards


def register_bench(bench_subparsers) -> None:
    parser = bench_subparsers.add_parser("sampler", help="MixtureSampler tokens/s (memory-mapped shards)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--tokens-per-domain", type=int, default=2_000_000)
    parser.set_defaults(func=run)


class _RandomTokenizer:
    """Stands in for a tokenizer: random ids, so the benchmark needs no corpus."""
    vocab_size, eot_id, fingerprint = 2048, 0, "benchmark"

    def __init__(self, tokens_per_document: int, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.tokens_per_document = tokens_per_document

    def encode_batch(self, texts):
        return [self.rng.integers(1, self.vocab_size, self.tokens_per_document).tolist() for _ in texts]


def run_benchmark(batch_size: int = 32, seq_len: int = 256, batches: int = 300,
                  tokens_per_domain: int = 2_000_000) -> dict:
    """Time ``batches`` calls of ``next_batch``; return tokens/s and the setup."""
    with tempfile.TemporaryDirectory() as folder:
        documents = max(1, tokens_per_domain // 100_000)
        write_shards({d: ["x"] * documents for d in DOMAINS}, _RandomTokenizer(100_000), folder)
        weights = {d: float(i + 1) for i, d in enumerate(DOMAINS)}
        sampler = MixtureSampler(folder, weights, batch_size, seq_len, seed=0)
        for _ in range(5):  # warm the page cache
            sampler.next_batch()
        started = time.perf_counter()
        for _ in range(batches):
            sampler.next_batch()
        seconds = time.perf_counter() - started
    tokens = batches * batch_size * seq_len
    return {"batch_size": batch_size, "seq_len": seq_len, "batches": batches, "seconds": round(seconds, 4),
            "tokens_per_s": round(tokens / seconds), "domains": len(DOMAINS)}


def run(args) -> int:
    result = run_benchmark(args.batch_size, args.seq_len, args.batches, args.tokens_per_domain)
    print(f"MixtureSampler [B={result['batch_size']}, T={result['seq_len']}] over {result['domains']} domains: "
          f"{result['tokens_per_s'] / 1e6:.2f} M tokens/s (target >= 1M)")
    print(json.dumps(result))
    return 0
