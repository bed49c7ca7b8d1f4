"""Near-dedup beyond one machine: the same clusters as the pandas engine, partition-parallel on Dask.

The texts stay on the workers from start to end; only small things travel to the driver:

1. **Band keys** (one task per partition): MinHash signatures of the partition's usable texts,
   then one 64-bit key per document and band.
2. **Band buckets** (one task per band): each band is its own hash table, so band ``b``'s keys
   from every partition meet in one task, where equal keys give candidate pairs. The driver
   collects the pairs (a few per duplicate) and makes them unique.
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
from .lsh import (
    NearDuplicates,
    band_keys,
    bucket_pairs,
    check_verify,
    exact_pair_jaccard,
    resolve_banding,
    union_find_roots,
    unique_pairs,
    verify_pairs,
)
from .minhash import shingle_hashes_in_batches, signatures_from_hashes
from .pipeline import dask_client

# texts tokenised together, as minhash_signatures does: one byte array for a whole partition
# (tens of MB) falls out of the CPU cache and made signing five times slower
_TOKENISE_BATCH = 128


def _prepare_partition(part: pd.DataFrame, usable=None) -> pd.DataFrame:
    """Worker side: a partition as ``text, usable`` (``usable`` from the argument, else from the
    partition's own ``usable`` column, else all True)."""
    texts = [text if isinstance(text, str) else "" for text in part["text"].tolist()]
    if usable is None:
        usable = part["usable"] if "usable" in part.columns else np.ones(len(texts), dtype=bool)
    return pd.DataFrame({"text": texts, "usable": np.asarray(usable, dtype=bool)})


def _usable_flags(part: pd.DataFrame) -> np.ndarray:
    """Worker side: a prepared partition's ``usable`` flags (small: one byte per document)."""
    return part["usable"].to_numpy(bool)


def _partition_band_keys(part: pd.DataFrame, num_perm: int, ngram: int, seed: int,
                         bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Worker side: signatures of one partition's usable texts -> ``(keys, rows)``.

    ``keys`` is uint64 [bands, n] (one row per band, ready to be sent to that band's task) and
    ``rows`` int64 [n] the documents' rows in the partition; a text without words gets no keys.
    """
    usable_rows = np.flatnonzero(part["usable"].to_numpy(bool))
    texts = part["text"].tolist()
    hashes, offsets = shingle_hashes_in_batches([texts[row] for row in usable_rows], ngram,
                                                batch_size=_TOKENISE_BATCH)
    signatures = signatures_from_hashes(hashes, offsets, num_perm, seed)
    has_shingles = offsets[1:] > offsets[:-1]  # a text without words is never a candidate
    keys = np.ascontiguousarray(band_keys(signatures[has_shingles], bands, rows).T)
    return keys, usable_rows[has_shingles]


def _band_pairs(band: int, flags: list, *tables) -> np.ndarray:
    """Worker side: band ``band``'s keys of every partition meet here; equal keys give pairs.

    ``flags`` (each partition's usable flags) gives the partitions' lengths, hence the first
    position of each: pairs are of positions in the whole corpus.
    """
    starts = np.cumsum([0] + [len(part_flags) for part_flags in flags[:-1]])
    keys = np.concatenate([keys[band] for keys, _ in tables])
    positions = np.concatenate([start + rows for start, (_, rows) in zip(starts, tables)])
    return bucket_pairs(keys, positions)


def _partition_shingle_sets(part: pd.DataFrame, rows: np.ndarray, ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """Worker side: ``(hashes, offsets)`` of this partition's documents at ``rows``, in the
    layout of :func:`~cs229llm.data.minhash.shingle_hashes`."""
    texts = part["text"].tolist()
    return shingle_hashes_in_batches([texts[row] for row in rows], ngram, batch_size=_TOKENISE_BATCH)


def _verify_block(pairs: np.ndarray, first_sets, second_sets, verify: str, threshold: float,
                  num_perm: int, seed: int) -> np.ndarray:
    """Worker side: similarity of candidate pairs whose documents live in two given partitions.

    ``pairs`` index the first partition's sets, then the second's (None: both documents of every
    pair are in the first).
    """
    hashes, offsets = first_sets
    if second_sets is not None:
        hashes = np.concatenate([hashes, second_sets[0]])
        offsets = np.concatenate([offsets, second_sets[1][1:] + offsets[-1]])
    if verify == "exact":
        return exact_pair_jaccard(pairs, hashes, offsets)
    signatures = signatures_from_hashes(hashes, offsets, num_perm, seed)
    return verify_pairs(pairs, signatures, threshold)[1]


def _distribute(texts, usable, npartitions: int | None, workers: int, client):
    """Futures of the prepared partitions (a ``text`` and a ``usable`` column each)."""
    import dask.dataframe as dd  # heavy optional: only the Dask engine loads it (~0.9 s)

    if isinstance(texts, dd.DataFrame):
        if usable is not None:
            raise InputError("with a Dask table, mark unusable rows in a 'usable' column instead of usable=")
        if "text" not in texts.columns:
            raise InputError(f"the table needs a 'text' column; it has {list(texts.columns)}")
        meta = pd.DataFrame({"text": pd.Series([], dtype=object), "usable": np.zeros(0, dtype=bool)})
        # each worker reads (e.g. Parquet) its own partitions; reading and preparing are one task
        return client.compute(texts.map_partitions(_prepare_partition, meta=meta).to_delayed())
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
    pieces = [_prepare_partition(pd.DataFrame({"text": texts[a:b]}), usable[a:b])
              for a, b in zip(starts[:-1], starts[1:])]
    return client.scatter(pieces)


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
    check_verify(verify)
    bands, rows = resolve_banding(threshold, num_perm, bands, rows)
    if client is None:
        client = dask_client()
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    parts = _distribute(texts, usable, npartitions, workers, client)

    # 1-2: band keys on the workers; one task per band turns its buckets into candidate pairs.
    # No round trip to the driver before the pairs: the partitions' lengths travel as their flags
    flags = client.map(_usable_flags, parts)
    keys = client.map(_partition_band_keys, parts, num_perm=num_perm, ngram=ngram, seed=seed, bands=bands, rows=rows)
    band_pairs = [client.submit(_band_pairs, band, flags, *keys) for band in range(bands)]
    candidates = unique_pairs(np.concatenate(client.gather(band_pairs)))
    del keys, band_pairs  # the key tables are no longer needed on the workers
    flag_arrays = client.gather(flags)
    usable_mask = np.concatenate(flag_arrays + [np.zeros(0, dtype=bool)])
    starts = np.cumsum([0] + [len(part_flags) for part_flags in flag_arrays])

    # 3: verification next to the texts
    similarity = np.zeros(len(candidates))
    if len(candidates):
        owner = np.searchsorted(starts, candidates, side="right") - 1  # [P, 2] partition of each document
        documents, document_owner = candidates.ravel(), owner.ravel()
        needed, shingle_sets = {}, {}
        for index in np.unique(document_owner):
            needed[index] = np.unique(documents[document_owner == index])  # positions, sorted
            shingle_sets[index] = client.submit(_partition_shingle_sets, parts[index],
                                                needed[index] - starts[index], ngram)
        block = owner[:, 0] * len(parts) + owner[:, 1]
        order = np.argsort(block, kind="stable")
        boundaries = np.flatnonzero(np.diff(block[order])) + 1
        selections, futures = np.split(order, boundaries), []
        for selected in selections:
            first, second = owner[selected[0]]
            pairs = np.searchsorted(needed[first], candidates[selected])  # indices into the first's sets
            if second != first:  # the second document's index follows the first partition's sets
                pairs[:, 1] = len(needed[first]) + np.searchsorted(needed[second], candidates[selected, 1])
            futures.append(client.submit(
                _verify_block, pairs, shingle_sets[first], None if first == second else shingle_sets[second],
                verify, threshold, num_perm, seed))
        for selected, values in zip(selections, client.gather(futures)):  # one round trip for all blocks
            similarity[selected] = values
    verified = candidates[similarity >= threshold]

    # 4: clusters on the driver
    roots = union_find_roots(len(usable_mask), verified)
    signatures = np.zeros((0, num_perm), dtype=np.uint32)  # they stayed on the workers
    return NearDuplicates(roots, signatures, candidates, similarity, verified, usable_mask, bands, rows)
