"""Near-duplicate truth for the real corpus: exact word-5-gram Jaccard, every pair that shares a shingle.

Shingles are those near dedup compares (:func:`cs229llm.data.minhash.shingle_strings` over the shingle
words of :mod:`cs229llm.data.words`). Each distinct shingle is hashed to 64 bits (BLAKE2b), a document
is the set of its hashes, and one sparse product ``X @ X.T`` counts the shared shingles of every pair of
documents at once; a pair sharing none has Jaccard 0. So nothing is sampled or estimated: the only
approximation is a 64-bit hash collision (for a few million shingles, odds about 1 in 10^6 that any
occurs at all). Pairs are looked for within each group of ``by`` (the source): documents of different
sources are not compared.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy import sparse

from ..minhash import shingle_strings

NGRAM = 5
THRESHOLD = 0.5


def shingle_ids(text, ngram: int = NGRAM) -> np.ndarray:
    """uint64 [k]: the sorted distinct 64-bit hashes of a text's word ``ngram``-shingles."""
    shingles = set(shingle_strings(text, ngram))
    if not shingles:
        return np.zeros(0, np.uint64)
    digest = b"".join(hashlib.blake2b(shingle, digest_size=8).digest() for shingle in shingles)
    return np.unique(np.frombuffer(digest, dtype="<u8"))


def jaccard_pairs(texts: list, threshold: float = THRESHOLD, ngram: int = NGRAM) -> pd.DataFrame:
    """Every pair ``(a, b)``, ``a < b`` (positions in ``texts``), with exact Jaccard >= ``threshold``.

    Returns:
        DataFrame ``a``, ``b``, ``shared`` (shingles in common), ``jaccard``, sorted by ``a``, ``b``.
    """
    sets = [shingle_ids(text, ngram) for text in texts]
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    empty = pd.DataFrame({"a": np.zeros(0, np.int64), "b": np.zeros(0, np.int64),
                          "shared": np.zeros(0, np.int64), "jaccard": np.zeros(0)})
    if len(texts) < 2 or not sizes.sum():
        return empty
    columns = np.concatenate(sets)
    rows = np.repeat(np.arange(len(sets)), sizes)
    vocabulary, column_ids, frequency = np.unique(columns, return_inverse=True, return_counts=True)
    shared_at_all = frequency[column_ids] > 1  # a shingle in one document adds to no intersection
    matrix = sparse.csr_matrix((np.ones(int(shared_at_all.sum()), np.int32),
                                (rows[shared_at_all], column_ids[shared_at_all])),
                               shape=(len(sets), len(vocabulary)))
    counts = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    a, b, shared = counts.row.astype(np.int64), counts.col.astype(np.int64), counts.data.astype(np.int64)
    jaccard = shared / (sizes[a] + sizes[b] - shared)
    keep = jaccard >= threshold
    out = pd.DataFrame({"a": a[keep], "b": b[keep], "shared": shared[keep], "jaccard": jaccard[keep]})
    return out.sort_values(["a", "b"], kind="stable").reset_index(drop=True) if len(out) else empty


def near_duplicate_pairs(frame: pd.DataFrame, text_column: str = "text", by: str = "source",
                         threshold: float = THRESHOLD, ngram: int = NGRAM) -> pd.DataFrame:
    """Pairs of rows of ``frame`` (same ``by``) whose texts have word-``ngram`` Jaccard >= ``threshold``.

    Returns:
        DataFrame ``id_a``, ``id_b`` (``id_a < id_b``), ``source``, ``shared``, ``jaccard`` (4 decimals),
        ``exact`` (the texts are equal), sorted by source and ids.
    """
    pieces = []
    for value, part in frame.groupby(by, sort=True):
        part = part.sort_values("id", kind="stable")
        ids, texts = part["id"].tolist(), part[text_column].tolist()
        pairs = jaccard_pairs(texts, threshold, ngram)
        if not len(pairs):
            continue
        first = [ids[i] for i in pairs["a"]]
        second = [ids[i] for i in pairs["b"]]
        pieces.append(pd.DataFrame({"id_a": first, "id_b": second, by: value, "shared": pairs["shared"],
                                    "jaccard": pairs["jaccard"].round(4),
                                    "exact": [texts[i] == texts[j] for i, j in zip(pairs["a"], pairs["b"])]}))
    if not pieces:
        return pd.DataFrame(columns=["id_a", "id_b", by, "shared", "jaccard", "exact"])
    return pd.concat(pieces, ignore_index=True).sort_values([by, "id_a", "id_b"], kind="stable",
                                                           ignore_index=True)
