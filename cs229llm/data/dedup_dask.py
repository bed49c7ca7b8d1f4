"""Near-dedup beyond one machine: the same clusters as the pandas engine, partition-parallel on Dask.

Each partition computes its documents' MinHash signatures and band keys on a worker; a
shuffle brings equal keys to one partition, where buckets become candidate pairs; the driver
verifies the (few) candidates and joins them with union-find. Every step reuses the pandas
engine's functions on the same inputs, so the result is identical (tested).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dedup import NearDuplicates, resolve_banding, verify_candidates
from .lsh import band_keys, bucket_pairs, union_find_roots, unique_pairs
from .minhash import shingle_hashes, signatures_from_hashes


def _partition_band_keys(part: pd.DataFrame, num_perm: int, ngram: int, seed: int,
                         bands: int, rows: int) -> pd.DataFrame:
    """Worker side: signatures of one partition's usable texts -> one row per (document, band)."""
    part = part[part["usable"]]
    if part.empty:
        return pd.DataFrame({"key": np.zeros(0, np.uint64), "position": np.zeros(0, np.int64)})
    hashes, offsets = shingle_hashes(part["text"].tolist(), ngram)
    signatures = signatures_from_hashes(hashes, offsets, num_perm, seed)
    has_shingles = offsets[1:] > offsets[:-1]  # a text without words is never a candidate
    keys = band_keys(signatures[has_shingles], bands, rows)
    positions = part["position"].to_numpy(np.int64)[has_shingles]
    return pd.DataFrame({"key": keys.ravel(), "position": np.repeat(positions, bands)})


def _partition_pairs(part: pd.DataFrame) -> pd.DataFrame:
    """Worker side, after the shuffle: all rows of a key are here, so buckets give pairs."""
    pairs = bucket_pairs(part["key"].to_numpy(np.uint64), part["position"].to_numpy(np.int64))
    return pd.DataFrame({"first": pairs[:, 0], "second": pairs[:, 1]})


def find_near_duplicates_dask(texts, threshold: float = 0.8, num_perm: int = 128, ngram: int = 5,
                              bands: int | None = None, rows: int | None = None, seed: int = 1,
                              usable=None, verify: str = "exact", npartitions: int | None = None,
                              client=None) -> NearDuplicates:
    """Partition-parallel :func:`~cs229llm.data.dedup.find_near_duplicates` (same arguments, same roots).

    Args:
        npartitions: partitions of the text table (default: 4 per worker).
        client: a ``distributed.Client``; None uses :func:`~cs229llm.data.pipeline.dask_client`
            (a LocalCluster of 2 workers, started once and reused; pass
            ``dask_client("tcp://scheduler:8786")`` for a real cluster).

    Returns:
        :class:`~cs229llm.data.dedup.NearDuplicates` (its ``signatures`` are empty: they
        stayed on the workers).
    """
    import dask.dataframe as dd

    bands, rows = resolve_banding(threshold, num_perm, bands, rows)
    texts = ["" if not isinstance(t, str) else t for t in texts]
    count = len(texts)
    usable = np.ones(count, dtype=bool) if usable is None else np.asarray(usable, dtype=bool).copy()
    if client is None:
        from .pipeline import dask_client

        client = dask_client()
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    npartitions = npartitions or max(1, min(4 * workers, count))
    table = pd.DataFrame({"position": np.arange(count, dtype=np.int64), "text": texts, "usable": usable})
    bounds = np.linspace(0, count, npartitions + 1).astype(int)
    # scatter the pieces to the workers once (embedding them in the task graph is slow)
    pieces = client.scatter([table.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
    frame = dd.from_delayed(pieces, meta=table.iloc[:0], verify_meta=False)
    meta_keys = pd.DataFrame({"key": np.zeros(0, np.uint64), "position": np.zeros(0, np.int64)})
    keys = frame.map_partitions(_partition_band_keys, num_perm, ngram, seed, bands, rows, meta=meta_keys)
    meta_pairs = pd.DataFrame({"first": np.zeros(0, np.int64), "second": np.zeros(0, np.int64)})
    pair_frame = keys.shuffle("key", npartitions=npartitions).map_partitions(_partition_pairs, meta=meta_pairs)
    pair_table = client.compute(pair_frame).result()
    candidates = unique_pairs(pair_table[["first", "second"]].to_numpy(np.int64))
    # verification on the driver, for the documents in candidate pairs only (as the pandas engine)
    verified, similarity = verify_candidates(candidates, texts, None, threshold, ngram, verify, num_perm, seed)
    roots = union_find_roots(count, verified)
    signatures = np.zeros((0, num_perm), dtype=np.uint32)  # they stayed on the workers
    return NearDuplicates(roots, signatures, candidates, similarity, verified, usable, bands, rows)
