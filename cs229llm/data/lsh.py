"""Near-dedup, step 2: LSH banding, verified candidate pairs, union-find clusters (lecture: deduplication).

A signature of k = bands x rows values is cut into bands; two documents become candidates
when any band matches, which happens with probability 1 - (1 - J^rows)^bands (the S-curve).
(bands, rows) come from a threshold by minimising the false-positive plus false-negative
area under that curve, as datasketch's MinHashLSH does. Unlike a plain LSH index, every
candidate pair is verified (its Jaccard must reach the threshold) before clusters are merged.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from .minhash import _fmix64, estimated_jaccard, sorted_unique


def candidate_probability(similarity, bands: int, rows: int):
    """P(two documents with Jaccard ``similarity`` share at least one band): the LSH S-curve."""
    similarity = np.asarray(similarity, dtype=float)
    return 1.0 - (1.0 - similarity ** rows) ** bands


@functools.lru_cache(maxsize=256)
def optimal_bands_rows(threshold: float, num_perm: int, false_positive_weight: float = 0.5,
                       false_negative_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) with bands*rows <= num_perm minimising the weighted error area.

    False-positive area: integral over J in [0, threshold] of P(candidate); false-negative
    area: integral over [threshold, 1] of 1 - P(candidate) (datasketch's MinHashLSH rule;
    docs/references.md#minhash-lsh lists its choices, e.g. 128 hashes at 0.8 -> (9, 13)).
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold}")
    grid = np.linspace(0.0, 1.0, 2001)
    below, above = grid <= threshold, grid >= threshold
    best, best_error = (1, 1), np.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            curve = candidate_probability(grid, bands, rows)
            false_positive = np.trapezoid(curve[below], grid[below])
            false_negative = np.trapezoid(1.0 - curve[above], grid[above])
            error = false_positive_weight * false_positive + false_negative_weight * false_negative
            if error < best_error - 1e-12:
                best, best_error = (bands, rows), error
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit bucket key per (document, band): uint64 [N, bands].

    Args:
        signatures: uint32 [N, k] with k >= bands * rows.
    """
    if bands * rows > signatures.shape[1]:
        raise ValueError(f"bands x rows = {bands * rows} exceeds the {signatures.shape[1]} permutations")
    keys = np.zeros((signatures.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row in range(rows):
            column = signatures[:, row:bands * rows:rows][:, :bands].astype(np.uint64)
            keys = _fmix64(keys * np.uint64(0x9E3779B97F4A7C15) + column)
        # the band index goes into the key so that equal values in different bands never meet
        keys = _fmix64(keys + np.arange(bands, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93))
    return keys


def bucket_pairs(keys: np.ndarray, members: np.ndarray, max_bucket_for_all_pairs: int = 64) -> np.ndarray:
    """Candidate pairs from documents that share a bucket key.

    Args:
        keys: uint64 [M] bucket keys (all bands flattened; the band is part of the key).
        members: int64 [M] document position of each key.
        max_bucket_for_all_pairs: buckets up to this size give every pair; bigger ones (a
            boilerplate page copied thousands of times) give each member paired with the
            bucket's first member, which is enough to connect them.

    Returns:
        int64 [P, 2] unique pairs (i < j), sorted.
    """
    if len(keys) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.lexsort((members, keys))
    keys, members = keys[order], members[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    sizes = np.diff(np.concatenate([starts, [len(keys)]]))
    pieces = []
    pairs_of_two = starts[sizes == 2]
    pieces.append(np.stack([members[pairs_of_two], members[pairs_of_two + 1]], axis=1))
    for start, size in zip(starts[sizes > 2], sizes[sizes > 2]):
        group = members[start:start + size]
        if size <= max_bucket_for_all_pairs:
            left, right = np.triu_indices(size, k=1)
            pieces.append(np.stack([group[left], group[right]], axis=1))
        else:
            pieces.append(np.stack([np.full(size - 1, group[0]), group[1:]], axis=1))
    return unique_pairs(np.concatenate(pieces))


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Distinct pairs (i < j, self-pairs removed), sorted: int64 [P, 2]."""
    pairs = np.sort(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    if len(pairs) == 0:
        return pairs
    encoded = sorted_unique((pairs[:, 0].astype(np.uint64) << np.uint64(32)) | pairs[:, 1].astype(np.uint64))
    return np.stack([(encoded >> np.uint64(32)).astype(np.int64),
                     (encoded & np.uint64(0xFFFFFFFF)).astype(np.int64)], axis=1)


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int, usable=None) -> np.ndarray:
    """Pairs of documents that share at least one band: int64 [P, 2] (i < j), sorted.

    Args:
        signatures: uint32 [N, k].
        usable: optional bool [N]; documents marked False (empty texts, rows dropped earlier)
            never become candidates.
    """
    count = signatures.shape[0]
    positions = np.arange(count) if usable is None else np.flatnonzero(usable)
    keys = band_keys(signatures[positions], bands, rows)
    members = np.repeat(positions, bands)
    return bucket_pairs(keys.ravel(), members)


def verify_pairs(pairs: np.ndarray, signatures: np.ndarray, threshold: float,
                 shingles: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Keep the candidate pairs whose Jaccard reaches ``threshold``.

    Args:
        pairs: int64 [P, 2].
        signatures: uint32 [N, k]; used for the estimate when ``shingles`` is None.
        shingles: ``(hashes, offsets)`` from :func:`~cs229llm.data.minhash.shingle_hashes`;
            when given, the exact Jaccard of the shingle-hash sets is used instead.

    Returns:
        ``(verified_pairs [V, 2], similarity [P])`` with the similarity of every candidate.
    """
    if len(pairs) == 0:
        return pairs, np.zeros(0)
    if shingles is None:
        similarity = np.concatenate([
            estimated_jaccard(signatures[pairs[start:start + 65536, 0]], signatures[pairs[start:start + 65536, 1]])
            for start in range(0, len(pairs), 65536)])
    else:
        similarity = exact_pair_jaccard(pairs, *shingles)
    return pairs[similarity >= threshold], similarity


def _gather_ranges(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``values[starts[i]:starts[i]+lengths[i]]`` for all i; also return i per element."""
    owner = np.repeat(np.arange(len(lengths)), lengths)
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return values[starts[owner] + np.arange(len(owner)) - first[owner]], owner


def exact_pair_jaccard(pairs: np.ndarray, hashes: np.ndarray, offsets: np.ndarray,
                       max_elements: int = 4_000_000) -> np.ndarray:
    """Jaccard of the shingle-hash SETS of each pair, vectorised: float [P].

    Each document's hashes are made unique once (one sort of (document, hash) keys); then for a
    chunk of pairs both sets are tagged with the pair index and sorted together: an equal
    neighbour is a shared shingle.
    """
    involved = sorted_unique(pairs.ravel())
    lengths = offsets[involved + 1] - offsets[involved]
    values, owner = _gather_ranges(hashes, offsets[involved], lengths)
    keys = sorted_unique((owner.astype(np.uint64) << np.uint64(32)) | values.astype(np.uint64))
    set_owner = (keys >> np.uint64(32)).astype(np.int64)
    set_values = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint64)
    set_starts = np.searchsorted(set_owner, np.arange(len(involved)))
    set_sizes = np.bincount(set_owner, minlength=len(involved))
    local = np.searchsorted(involved, pairs)  # [P, 2] positions among the involved documents
    sizes = set_sizes[local]
    similarity = np.zeros(len(pairs))
    budget = np.cumsum(sizes.sum(axis=1))
    low = 0
    while low < len(pairs):
        high = max(low + 1, int(np.searchsorted(budget, budget[low] - sizes[low].sum() + max_elements)))
        chunk = slice(low, high)
        parts = []
        for side in (0, 1):
            members = local[chunk, side]
            gathered, pair_index = _gather_ranges(set_values, set_starts[members], set_sizes[members])
            parts.append((pair_index.astype(np.uint64) << np.uint64(32)) | gathered)
        tagged = np.sort(np.concatenate(parts))
        shared_at = np.flatnonzero(tagged[1:] == tagged[:-1])
        shared = np.bincount((tagged[shared_at] >> np.uint64(32)).astype(np.int64), minlength=high - low)
        union = sizes[chunk].sum(axis=1) - shared
        similarity[chunk] = np.where(union > 0, shared / np.maximum(union, 1), 0.0)
        low = high
    return similarity


def union_find_roots(count: int, pairs: np.ndarray) -> np.ndarray:
    """Connected components of the graph with ``count`` nodes and edges ``pairs``.

    Returns:
        int64 [count]: for each node, the smallest node index in its component (so the root
        is the component's first member in input order: deterministic for any pair order).
    """
    parent = np.arange(count, dtype=np.int64)

    def find(node: int) -> int:
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    for first, second in pairs:
        root_a, root_b = find(int(first)), find(int(second))
        if root_a != root_b:  # the smaller index becomes the root
            parent[max(root_a, root_b)] = min(root_a, root_b)
    return np.array([find(node) for node in range(count)], dtype=np.int64) if count else parent


def pair_precision_recall(predicted_clusters, true_groups) -> dict:
    """Pair precision and recall of a clustering against ground-truth duplicate groups.

    A pair counts as predicted when both documents share a cluster, as true when both share a
    ground-truth group (``None``/NaN/empty group = a singleton).

    Returns:
        dict with ``precision``, ``recall``, ``f1``, ``predicted_pairs``, ``true_pairs``, ``correct_pairs``.
    """
    predicted = pd.Series(list(predicted_clusters), dtype=object).astype(str)
    groups = pd.Series(list(true_groups), dtype=object)
    singleton = groups.isna() | (groups.astype(str).str.strip() == "")
    groups = groups.astype(str).where(~singleton, "__singleton__" + pd.Series(range(len(groups))).astype(str))

    def pair_count(sizes) -> int:
        sizes = np.asarray(sizes, dtype=np.int64)
        return int((sizes * (sizes - 1) // 2).sum())

    predicted_pairs = pair_count(predicted.value_counts().to_numpy())
    true_pairs = pair_count(groups.value_counts().to_numpy())
    correct_pairs = pair_count(pd.DataFrame({"p": predicted, "g": groups}).value_counts().to_numpy())
    precision = correct_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = correct_pairs / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "predicted_pairs": predicted_pairs,
            "true_pairs": true_pairs, "correct_pairs": correct_pairs}


# Verification removes false positives at the cost of one comparison each, while a pair the
# banding misses is lost for good: so we weigh missed pairs 9x more than datasketch's 1:1
# (at 0.8 and 128 hashes: 14 x 9 instead of 9 x 13; P(candidate | J=0.8) 0.87 instead of 0.40).
FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT = 0.1, 0.9


@dataclass
class NearDuplicates:
    """Everything near-dedup found, by document position (input order).

    Attributes:
        roots: int64 [N] position of each document's cluster root (its first member).
        signatures: uint32 [N, num_perm] MinHash signatures.
        candidates: int64 [P, 2] pairs that shared a band.
        similarity: float [P] verified Jaccard of each candidate.
        verified: int64 [V, 2] candidates at or above the threshold (the cluster edges).
        usable: bool [N] documents that took part (kept rows with at least one shingle).
        bands, rows: the LSH banding used.
    """
    roots: np.ndarray
    signatures: np.ndarray
    candidates: np.ndarray
    similarity: np.ndarray
    verified: np.ndarray
    usable: np.ndarray
    bands: int
    rows: int


def resolve_banding(threshold: float, num_perm: int, bands: int | None, rows: int | None,
                    false_positive_weight: float = FALSE_POSITIVE_WEIGHT,
                    false_negative_weight: float = FALSE_NEGATIVE_WEIGHT) -> tuple[int, int]:
    """(bands, rows): the given pair (checked) or the optimum for ``threshold`` under the weights."""
    if not 0.0 < threshold < 1.0:
        raise InputError(f"threshold must be between 0 and 1 (exclusive), got {threshold}")
    if num_perm < 2:
        raise InputError(f"num_perm must be at least 2, got {num_perm}")
    if bands is None and rows is None:
        return optimal_bands_rows(round(float(threshold), 6), int(num_perm),
                                  false_positive_weight, false_negative_weight)
    if bands is None or rows is None or bands < 1 or rows < 1:
        raise InputError("give both bands and rows (positive), or neither to derive them from the threshold")
    if bands * rows > num_perm:
        raise InputError(f"bands x rows = {bands * rows} is more than num_perm = {num_perm}")
    return int(bands), int(rows)


def check_verify(verify: str) -> None:
    """Refuse a verification mode other than ``"exact"`` or ``"estimate"`` (both engines)."""
    if verify not in ("exact", "estimate"):
        raise InputError(f"verify must be 'exact' or 'estimate', got {verify!r}")
