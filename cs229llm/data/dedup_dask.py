"""Near-dedup beyond one machine: the same clusters as the pandas engine, partition-parallel on Dask.

The texts stay on the workers from start to end; only small things travel to the driver:

1. **Band keys** (one task per partition): MinHash signatures of the partition's usable texts,
   then one ``(key, position)`` row per band.
2. **Shuffle** (``dask.dataframe``): equal keys meet in one partition, where each bucket gives
   candidate pairs. The driver collects the pairs (a few per duplicate) and makes them unique.
3. **Verification** (one task per partition, then one per block of partitions): each partition
   computes the shingle sets of *its* documents that appear in a candidate pair; a pair whose
   documents live in partitions ``a`` and ``b`` is checked by the task of block ``(a, b)``,
   which receives just those two partitions' shingle sets.
4. The driver joins the verified pairs with union-find.

Every step reuses the pandas engine's functions on the same inputs, so the result is identical
(tested). Texts can come from the driver (a list, scattered once) or be read by the workers
themselves (a ``dask.dataframe`` such as ``dd.read_parquet(...)`` with a ``text`` column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from .dedup import NearDuplicates, check_verify, resolve_banding
from .lsh import band_keys, bucket_pairs, exact_pair_jaccard, union_find_roots, unique_pairs, verify_pairs
from .minhash import shingle_hashes_in_batches, signatures_from_hashes

# texts tokenised together, as minhash_signatures does: one byte array for a whole partition
# (tens of MB) falls out of the CPU cache and made signing five times slower
_TOKENISE_BATCH = 128


def _prepare_partition(part: pd.DataFrame, start: int, usable) -> pd.DataFrame:
    """Worker side: a partition as ``position, text, usable`` (positions count from ``start``)."""
    texts = [text if isinstance(text, str) else "" for text in part["text"].tolist()]
    flags = np.ones(len(texts), dtype=bool) if usable is None else np.asarray(usable, dtype=bool)
    return pd.DataFrame({"position": np.arange(start, start + len(texts), dtype=np.int64), "text": texts,
                         "usable": flags})


def _usable_column(part: pd.DataFrame):
    """Worker side: a raw partition's ``usable`` column, or None (every row usable)."""
    return part["usable"] if "usable" in part.columns else None


def _usable_flags(part: pd.DataFrame) -> np.ndarray:
    """Worker side: a prepared partition's ``usable`` flags (small: one byte per document)."""
    return part["usable"].to_numpy(bool)


def _partition_band_keys(part: pd.DataFrame, num_perm: int, ngram: int, seed: int,
                         bands: int, rows: int) -> pd.DataFrame:
    """Worker side: signatures of one partition's usable texts -> one row per (document, band)."""
    part = part[part["usable"]]
    if part.empty:
        return pd.DataFrame({"key": np.zeros(0, np.uint64), "position": np.zeros(0, np.int64)})
    hashes, offsets = shingle_hashes_in_batches(part["text"].tolist(), ngram, batch_size=_TOKENISE_BATCH)
    signatures = signatures_from_hashes(hashes, offsets, num_perm, seed)
    has_shingles = offsets[1:] > offsets[:-1]  # a text without words is never a candidate
    keys = band_keys(signatures[has_shingles], bands, rows)
    positions = part["position"].to_numpy(np.int64)[has_shingles]
    return pd.DataFrame({"key": keys.ravel(), "position": np.repeat(positions, bands)})


def _partition_pairs(part: pd.DataFrame) -> pd.DataFrame:
    """Worker side, after the shuffle: all rows of a key are here, so buckets give pairs."""
    pairs = bucket_pairs(part["key"].to_numpy(np.uint64), part["position"].to_numpy(np.int64))
    return pd.DataFrame({"first": pairs[:, 0], "second": pairs[:, 1]})


def _partition_shingle_sets(part: pd.DataFrame, positions: np.ndarray, ngram: int):
    """Worker side: shingle hashes of this partition's documents at ``positions`` (sorted).

    Returns ``(positions, hashes, offsets)`` in the layout of
    :func:`~cs229llm.data.minhash.shingle_hashes`.
    """
    rows = np.searchsorted(part["position"].to_numpy(np.int64), positions)
    texts = part["text"].tolist()
    hashes, offsets = shingle_hashes_in_batches([texts[row] for row in rows], ngram, batch_size=_TOKENISE_BATCH)
    return positions, hashes, offsets


def _verify_block(pairs: np.ndarray, first_sets, second_sets, verify: str, threshold: float,
                  num_perm: int, seed: int) -> np.ndarray:
    """Worker side: similarity of candidate pairs whose documents live in two given partitions."""
    if second_sets is None:  # both documents of every pair are in the same partition
        positions, hashes, offsets = first_sets
    else:  # partitions hold increasing positions, so the concatenation stays sorted
        positions = np.concatenate([first_sets[0], second_sets[0]])
        hashes = np.concatenate([first_sets[1], second_sets[1]])
        offsets = np.concatenate([first_sets[2], second_sets[2][1:] + first_sets[2][-1]])
    local = np.searchsorted(positions, pairs)
    if verify == "exact":
        return exact_pair_jaccard(local, hashes, offsets)
    signatures = signatures_from_hashes(hashes, offsets, num_perm, seed)
    return verify_pairs(local, signatures, threshold)[1]


def _distribute(texts, usable, npartitions: int | None, workers: int, client):
    """Futures of the prepared partitions, the first position of each (plus the end), and N."""
    import dask.dataframe as dd

    if isinstance(texts, dd.DataFrame):
        if usable is not None:
            raise InputError("with a Dask table, mark unusable rows in a 'usable' column instead of usable=")
        if "text" not in texts.columns:
            raise InputError(f"the table needs a 'text' column; it has {list(texts.columns)}")
        raw = client.compute(texts.to_delayed())  # each worker reads (e.g. Parquet) its own partitions
        lengths = np.array(client.gather(client.map(len, raw)), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        flags = client.map(_usable_column, raw)
        parts = client.map(_prepare_partition, raw, starts[:-1].tolist(), flags)
        return parts, starts, int(starts[-1])
    if isinstance(texts, str):
        raise InputError("texts must be a list of documents (or a Dask table), not one string")
    texts = list(texts)
    count = len(texts)
    usable = np.ones(count, dtype=bool) if usable is None else np.asarray(usable, dtype=bool)
    if len(usable) != count:
        raise InputError(f"usable has {len(usable)} entries for {count} texts")
    npartitions = npartitions or max(1, min(4 * workers, count))
    starts = np.linspace(0, count, npartitions + 1).astype(np.int64)
    # scatter the pieces to the workers once (embedding them in the task graph is slow)
    pieces = [_prepare_partition(pd.DataFrame({"text": texts[a:b]}), int(a), usable[a:b])
              for a, b in zip(starts[:-1], starts[1:])]
    return client.scatter(pieces), starts, count


def find_near_duplicates_dask(texts, threshold: float = 0.8, num_perm: int = 128, ngram: int = 5,
                              bands: int | None = None, rows: int | None = None, seed: int = 1,
                              usable=None, verify: str = "exact", npartitions: int | None = None,
                              client=None) -> NearDuplicates:
    """Partition-parallel :func:`~cs229llm.data.dedup.find_near_duplicates` (same arguments, same roots).

    Args:
        texts: a list of N strings (scattered from here), or a ``dask.dataframe`` with a ``text``
            column (and optionally a bool ``usable`` column) whose partitions the workers read
            themselves, e.g. ``dd.read_parquet("shards/*.parquet", columns=["text"])``.
        npartitions: partitions of a list of texts (default: 4 per worker).
        client: a ``distributed.Client``; None uses :func:`~cs229llm.data.pipeline.dask_client`
            (a LocalCluster of 2 workers, started once and reused; pass
            ``dask_client("tcp://scheduler:8786")`` for a real cluster).

    Returns:
        :class:`~cs229llm.data.dedup.NearDuplicates` (its ``signatures`` are empty: they
        stayed on the workers).
    """
    import dask.dataframe as dd

    check_verify(verify)
    bands, rows = resolve_banding(threshold, num_perm, bands, rows)
    if client is None:
        from .pipeline import dask_client

        client = dask_client()
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    parts, starts, count = _distribute(texts, usable, npartitions, workers, client)

    # 1-2: band keys on the workers, shuffled by key; buckets give candidate pairs
    meta_keys = pd.DataFrame({"key": np.zeros(0, np.uint64), "position": np.zeros(0, np.int64)})
    keys = client.map(_partition_band_keys, parts, num_perm=num_perm, ngram=ngram, seed=seed, bands=bands, rows=rows)
    usable_flags = client.map(_usable_flags, parts)  # fetched at the end: no round trip before the keys
    key_frame = dd.from_delayed(keys, meta=meta_keys, verify_meta=False)
    meta_pairs = pd.DataFrame({"first": np.zeros(0, np.int64), "second": np.zeros(0, np.int64)})
    # the task-based shuffle: the key table is small (16 bytes per document and band), and for
    # small tables it measured faster here than the peer-to-peer shuffle built for large ones
    pair_frame = key_frame.shuffle("key", npartitions=len(parts), shuffle_method="tasks") \
        .map_partitions(_partition_pairs, meta=meta_pairs)
    pair_table = client.compute(pair_frame).result()
    candidates = unique_pairs(pair_table[["first", "second"]].to_numpy(np.int64))

    # 3: verification next to the texts
    similarity = np.zeros(len(candidates))
    if len(candidates):
        owner = np.searchsorted(starts, candidates, side="right") - 1  # [P, 2] partition of each document
        documents, document_owner = candidates.ravel(), owner.ravel()
        shingle_sets = {}
        for index in np.unique(document_owner):
            shingle_sets[int(index)] = client.submit(_partition_shingle_sets, parts[index],
                                                     np.unique(documents[document_owner == index]), ngram)
        block = owner[:, 0] * len(parts) + owner[:, 1]
        order = np.argsort(block, kind="stable")
        boundaries = np.flatnonzero(np.diff(block[order])) + 1
        futures = []
        for selected in np.split(order, boundaries):
            first, second = (int(i) for i in owner[selected[0]])
            futures.append((selected, client.submit(
                _verify_block, candidates[selected], shingle_sets[first],
                None if first == second else shingle_sets[second], verify, threshold, num_perm, seed)))
        for selected, future in futures:
            similarity[selected] = future.result()
    verified = candidates[similarity >= threshold]

    # 4: clusters on the driver
    roots = union_find_roots(count, verified)
    usable_mask = np.concatenate(client.gather(usable_flags) + [np.zeros(0, dtype=bool)])
    signatures = np.zeros((0, num_perm), dtype=np.uint32)  # they stayed on the workers
    return NearDuplicates(roots, signatures, candidates, similarity, verified, usable_mask, bands, rows)
