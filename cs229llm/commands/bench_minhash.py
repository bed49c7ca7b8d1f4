"""``cs229llm bench minhash``: MinHash signature speed on 2 KB documents, ours vs datasketch, same run.

Text in, signature out (128 permutations, word 5-grams): our vectorised NumPy path, datasketch
``MinHash.bulk`` and the per-shingle ``MinHash.update`` loop. Also measures the estimator's
error on pairs of known Jaccard against the theory sqrt(J(1-J)/k).
"""

from __future__ import annotations

import collections
import json
import time

import numpy as np

from ..config import by_profile, set_threads
from ..data.minhash import datasketch_signatures, estimated_jaccard, exact_jaccard, minhash_signatures


def register_bench(bench_subparsers) -> None:
    parser = bench_subparsers.add_parser(
        "minhash", help="MinHash signatures/s: our vectorised NumPy vs datasketch bulk and update")
    parser.add_argument("--docs", type=int, default=None, help="documents for our path (default from the profile)")
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--ngram", type=int, default=5)
    parser.add_argument("--doc-bytes", type=int, default=2048, help="document size in bytes (2 KB)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many timed runs")
    parser.set_defaults(func=run)


def benchmark_vocabulary(seed: int = 0) -> list[str]:
    """Words ranked by frequency: from the sample crawl's clean texts when the samples are
    installed, else 20,000 random letter strings."""
    try:
        from ..data.samples import domain_corpus

        counts = collections.Counter(" ".join(domain_corpus("train")["text"].tolist()).split())
        if len(counts) >= 2000:
            return [word for word, _ in counts.most_common()]
    except Exception:  # samples not installed: synthetic words
        pass
    rng = np.random.default_rng(seed)
    letters = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
    return ["".join(rng.choice(letters, size=rng.integers(1, 11))) for _ in range(20_000)]


def benchmark_documents(count: int, doc_bytes: int = 2048, seed: int = 0, vocabulary=None) -> list[str]:
    """``count`` independent documents of about ``doc_bytes`` bytes: words drawn with Zipf
    frequencies (exponent 1.1) from :func:`benchmark_vocabulary`."""
    vocabulary = np.array(vocabulary if vocabulary is not None else benchmark_vocabulary(seed), dtype=object)
    rng = np.random.default_rng(seed)
    mean_length = float(np.mean([len(w) for w in vocabulary[:1000]])) + 1.0
    words_per_doc = int(doc_bytes / mean_length * 1.3) + 8
    documents = []
    for start in range(0, count, 1000):
        block = min(1000, count - start)
        ranks = np.minimum(rng.zipf(1.1, size=(block, words_per_doc)), len(vocabulary)) - 1
        for row in vocabulary[ranks]:
            text = " ".join(row)
            cut = text.rfind(" ", 0, doc_bytes)
            documents.append(text[:cut if cut > 0 else doc_bytes])
    return documents


def _best_rate(function, count: int, repeats: int) -> tuple[float, float]:
    """(documents per wall second, per CPU second of this process), best of ``repeats``.

    The CPU-time rate is what one core would give on a quiet machine (on a shared machine
    the wall-clock rate also counts the time other jobs held the core).
    """
    best_wall = best_cpu = float("inf")
    for _ in range(max(1, repeats)):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        best_wall = min(best_wall, time.perf_counter() - started)
        best_cpu = min(best_cpu, max(time.process_time() - started_cpu, 1e-9))
    return count / best_wall, count / best_cpu


def estimator_error(signature_function, num_perm: int, ngram: int, pairs: int = 300, seed: int = 0,
                    permutation_seeds=(1, 2, 3)) -> dict:
    """RMS error of the Jaccard estimate over ``pairs`` document pairs at known Jaccard (each under
    several permutation seeds: ``signature_function(texts, seed)``), and the theory
    sqrt(mean J(1-J)/k). Returns ``{"rms": .., "theory": .., "ratio": ..}``."""
    rng = np.random.default_rng(seed)
    texts, truths = [], []
    for index, base in enumerate(benchmark_documents(pairs, 2048, seed=seed + 1)):
        words = base.split()
        edited = list(words)
        changes = rng.integers(1, max(2, len(words) // 8))
        for position in rng.choice(len(words), size=min(changes, len(words)), replace=False):
            edited[position] = f"edit{index}x{position}"
        a, b = " ".join(words), " ".join(edited)
        texts += [a, b]
        truths.append(exact_jaccard(a, b, ngram))
    errors = []
    for permutation_seed in permutation_seeds:
        signatures = signature_function(texts, permutation_seed)
        errors.append(estimated_jaccard(signatures[0::2], signatures[1::2]) - np.array(truths))
    all_errors = np.concatenate(errors)
    truths = np.tile(np.array(truths), len(permutation_seeds))
    rms = float(np.sqrt(np.mean(all_errors ** 2)))
    theory = float(np.sqrt(np.mean(truths * (1 - truths) / num_perm)))
    return {"rms": rms, "theory": theory, "ratio": rms / theory if theory else float("nan")}


def run_minhash_benchmark(docs: int | None = None, num_perm: int = 128, ngram: int = 5, doc_bytes: int = 2048,
                          repeats: int = 3) -> dict:
    """Time the three paths on the same documents; returns rates, error ratios and a text table."""
    docs = docs or by_profile(ci=2000, laptop=20_000)
    texts = benchmark_documents(docs, doc_bytes)
    bulk_docs = min(docs, by_profile(ci=300, laptop=2000))
    update_docs = min(docs, by_profile(ci=60, laptop=300))
    minhash_signatures(texts[:200], num_perm, ngram)  # warm-up: allocations, power tables
    ours, ours_cpu = _best_rate(lambda: minhash_signatures(texts, num_perm, ngram), docs, repeats)
    bulk, bulk_cpu = _best_rate(lambda: datasketch_signatures(texts[:bulk_docs], num_perm, ngram, method="bulk"),
                                bulk_docs, repeats)
    update, update_cpu = _best_rate(
        lambda: datasketch_signatures(texts[:update_docs], num_perm, ngram, method="update"), update_docs, 1)
    pairs = by_profile(ci=100, laptop=300)
    ours_error = estimator_error(lambda t, seed: minhash_signatures(t, num_perm, ngram, seed=seed),
                                 num_perm, ngram, pairs=pairs)
    bulk_error = estimator_error(lambda t, seed: datasketch_signatures(t, num_perm, ngram, seed=seed),
                                 num_perm, ngram, pairs=pairs)
    lines = [f"MinHash signatures on {doc_bytes}-byte documents, {num_perm} permutations, word {ngram}-grams",
             f"{'implementation':<28}{'docs':>8}{'docs/s':>12}{'docs/CPU-s':>12}{'vs bulk':>9}{'err/theory':>12}",
             f"{'ours (vectorised NumPy)':<28}{docs:>8}{ours:>12,.0f}{ours_cpu:>12,.0f}{ours / bulk:>8.1f}x"
             f"{ours_error['ratio']:>12.2f}",
             f"{'datasketch MinHash.bulk':<28}{bulk_docs:>8}{bulk:>12,.0f}{bulk_cpu:>12,.0f}{1.0:>8.1f}x"
             f"{bulk_error['ratio']:>12.2f}",
             f"{'datasketch MinHash.update':<28}{update_docs:>8}{update:>12,.0f}{update_cpu:>12,.0f}"
             f"{update / bulk:>8.1f}x{'':>12}"]
    return {"table": "\n".join(lines), "ours_docs_per_s": round(ours, 1), "datasketch_bulk_docs_per_s": round(bulk, 1),
            "datasketch_update_docs_per_s": round(update, 1), "speedup_vs_bulk": round(ours / bulk, 2),
            "ours_docs_per_cpu_s": round(ours_cpu, 1), "datasketch_bulk_docs_per_cpu_s": round(bulk_cpu, 1),
            "ours_error_over_theory": round(ours_error["ratio"], 3),
            "datasketch_error_over_theory": round(bulk_error["ratio"], 3),
            "docs": docs, "num_perm": num_perm, "ngram": ngram, "doc_bytes": doc_bytes}


def run(args) -> int:
    set_threads(1)
    result = run_minhash_benchmark(docs=args.docs, num_perm=args.num_perm, ngram=args.ngram,
                                   doc_bytes=args.doc_bytes, repeats=args.repeats)
    print(result.pop("table"))
    print(json.dumps(result))
    return 0
