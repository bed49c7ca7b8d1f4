"""Dedup benchmark: 100,000 documents end to end (signatures, banding, verification, clusters).

Documents are 2 KB slices of the sample crawl's texts (or Zipf words when the samples are not
installed) with planted near-duplicates (a few words edited), so pair precision and recall are
measured too. Times the pandas engine, then the Dask engine on 1 and on 2 local workers
(clusters started and workers warmed up before timing; the scatter of the texts is timed). Targets: under 60 s end to end; Dask 2 workers >= 1.6x one.
Usage: python benchmarks/bench_dedup.py [--docs 100000]
"""

import argparse
import json
import time

import numpy as np


def planted_corpus(count: int, duplicate_fraction: float = 0.1, seed: int = 0):
    """``count`` texts where ``duplicate_fraction`` of them are edited copies of earlier ones.

    Returns ``(texts, groups)`` with a ground-truth group per text (its original's index).
    """
    from cs229llm.commands.bench_minhash import benchmark_documents

    rng = np.random.default_rng(seed)
    originals = int(count * (1 - duplicate_fraction))
    texts = benchmark_documents(originals, 2048, seed=seed)
    groups = list(range(originals))
    for _ in range(count - originals):
        source = int(rng.integers(0, originals))
        words = texts[source].split()
        for position in rng.choice(len(words), size=min(3, len(words)), replace=False):
            words[position] = f"edit{int(rng.integers(1_000_000))}"
        texts.append(" ".join(words))
        groups.append(groups[source])
    order = rng.permutation(count)
    return [texts[i] for i in order], [groups[i] for i in order]


def _warm_up_worker() -> None:
    from cs229llm.data.dedup_dask import _partition_band_keys  # noqa: F401
    from cs229llm.data.minhash import minhash_signatures

    minhash_signatures(["warm up the hashing tables of this worker"] * 64)


def main() -> None:
    from cs229llm.config import set_threads
    from cs229llm.data.dedup import find_near_duplicates
    from cs229llm.data.dedup_dask import find_near_duplicates_dask
    from cs229llm.data.lsh import pair_precision_recall
    from cs229llm.data.pipeline import close_dask_clients, dask_client

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    args = parser.parse_args()
    set_threads(1)
    texts, groups = planted_corpus(args.docs)
    started = time.perf_counter()
    result = find_near_duplicates(texts, threshold=0.8)
    pandas_seconds = time.perf_counter() - started
    scores = pair_precision_recall(result.roots, groups)
    seconds = {}
    for workers in (1, 2):
        client = dask_client(n_workers=workers)
        client.wait_for_workers(workers)
        client.run(_warm_up_worker)  # imports and hashing tables, as a long-running worker has them
        started = time.perf_counter()
        dask_result = find_near_duplicates_dask(texts, threshold=0.8, client=client, npartitions=8)
        seconds[workers] = time.perf_counter() - started
        assert np.array_equal(dask_result.roots, result.roots), "dask and pandas disagree"
        close_dask_clients()
    print(f"{'engine':<20}{'seconds':>10}{'docs/s':>12}")
    print(f"{'pandas (1 process)':<20}{pandas_seconds:>10.2f}{args.docs / pandas_seconds:>12,.0f}")
    for workers in (1, 2):
        print(f"{f'dask, {workers} worker(s)':<20}{seconds[workers]:>10.2f}{args.docs / seconds[workers]:>12,.0f}")
    print(f"pair precision {scores['precision']:.3f} recall {scores['recall']:.3f} "
          f"({scores['true_pairs']} true pairs)")
    print(f"pandas end to end {pandas_seconds:.1f} s (target < 60 s); "
          f"dask 2 workers / 1 worker = {seconds[1] / seconds[2]:.2f}x (target >= 1.6x)")
    print(json.dumps({"docs": args.docs, "pandas_seconds": round(pandas_seconds, 2),
                      "dask_1_worker_seconds": round(seconds[1], 2), "dask_2_workers_seconds": round(seconds[2], 2),
                      "dask_speedup_2_vs_1": round(seconds[1] / seconds[2], 2),
                      "precision": round(scores["precision"], 4), "recall": round(scores["recall"], 4)}))


if __name__ == "__main__":
    main()
