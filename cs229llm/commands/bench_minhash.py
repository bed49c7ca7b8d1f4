"""``cs229llm bench minhash``: MinHash signature speed on 2 KB documents, ours vs datasketch, same run.

Text in, signature out (128 permutations, word 5-grams): our vectorised NumPy path, datasketch
``MinHash.bulk`` and the per-shingle ``MinHash.update`` loop. Also measures the estimator's
error on pairs of known Jaccard against the theory sqrt(J(1-J)/k)
(:func:`cs229llm.experiments.benchmarks.minhash_benchmark`).
"""

import json

from ..config import set_threads
from ..experiments.benchmarks import minhash_benchmark
from ._options import finish, whole


def configure(parser) -> None:
    parser.add_argument("--docs", type=whole(1, 10**6), default=None, help="documents for our path (default from the profile)")
    parser.add_argument("--num-perm", type=whole(2, 4096), default=128, help="permutations, at least 2 (128)")
    parser.add_argument("--ngram", type=whole(1, 64), default=5, help="words per shingle, at least 1 (5)")
    parser.add_argument("--doc-bytes", type=whole(16, 10**7), default=2048, help="document size in bytes (2 KB)")
    parser.add_argument("--repeats", type=whole(1, 100), default=3, help="best of this many timed runs")
    finish(parser, run, seed_help="seed of the generated documents (default 0)")


def run(args) -> int:
    set_threads(1)
    result = minhash_benchmark(docs=args.docs, num_perm=args.num_perm, ngram=args.ngram,
                               doc_bytes=args.doc_bytes, repeats=args.repeats, seed=args.seed)
    print(result.pop("table"))
    print(json.dumps(result))
    return 0
