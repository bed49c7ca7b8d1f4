"""Deduplication stages on the documents table (lecture: deduplication).

Exact: a hash of each document's whitespace-normalised text (later copies are dropped), and
line-level dedup (lines that occur in many documents, such as navigation and cookie banners,
are removed from every document). Near: MinHash signatures (:mod:`.minhash`), LSH banding,
verified pairs and union-find clusters (:mod:`.lsh`); one document per cluster is kept.
Rows are never deleted: dropped rows are marked with the stage and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from .dedup_dask import find_near_duplicates_dask
from .documents import is_kept, mark_dropped, require_columns
from .lsh import (
    NearDuplicates,
    candidate_pairs,
    check_verify,
    exact_pair_jaccard,
    resolve_banding,
    union_find_roots,
    verify_pairs,
)
from .minhash import has_words, minhash_signatures, shingle_hashes_in_batches, sorted_unique
from .stage import stage


def _texts(frame: pd.DataFrame) -> list[str]:
    """The ``text`` column as plain strings (missing values become "")."""
    require_columns(frame, ["id", "text"])
    return ["" if not isinstance(text, str) else text for text in frame["text"].tolist()]


# ---------------------------------------------------------------- exact dedup


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


def content_hashes(texts) -> np.ndarray:
    """64-bit hashes of whitespace-normalised texts: uint64 [N] (pandas' SipHash, fixed key)."""
    normalised = pd.Series([normalise_whitespace(t) for t in texts], dtype=object)
    return pd.util.hash_pandas_object(normalised, index=False).to_numpy(np.uint64)


@stage("exact_dedup", compares_documents=True)  # needs the whole table, not one partition at a time
def exact_dedup(docs: pd.DataFrame, stage: str = "exact_dedup") -> pd.DataFrame:
    """Drop later copies of a document whose whitespace-normalised text was seen before.

    Adds ``content_hash`` (hex). Only rows still kept take part; empty texts are left to the
    quality filters. The first copy in input order is kept; the others get the reason
    ``"exact duplicate of <id>"``. Returns a new table.
    """
    texts = _texts(docs)
    out = docs.copy()
    hashes = content_hashes(texts)
    out["content_hash"] = [f"{value:016x}" for value in hashes]
    candidates = is_kept(out).to_numpy() & np.array([bool(t.strip()) for t in texts], dtype=bool)
    frame = pd.DataFrame({"hash": hashes, "id": out["id"].astype(str).to_numpy()})[candidates]
    first_id = frame.groupby("hash", sort=False)["id"].transform("first")
    duplicate = frame["id"] != first_id
    mask = pd.Series(False, index=out.index)
    reasons = pd.Series("", index=out.index, dtype=object)
    positions = out.index[candidates][duplicate.to_numpy()]
    mask.loc[positions] = True
    reasons.loc[positions] = ("exact duplicate of " + first_id[duplicate]).to_numpy()
    return mark_dropped(out, mask, stage, reasons)


@dataclass
class LineDedupReport:
    """What line-level dedup removed: counts a notebook or the CLI can print."""
    documents: int
    lines_seen: int
    lines_removed: int
    distinct_lines_removed: int
    documents_emptied: int
    top_lines: list[tuple[str, int]] = field(default_factory=list)


def repeated_lines(docs: pd.DataFrame, min_documents: int = 3) -> pd.Series:
    """Normalised line -> number of kept documents it occurs in, for lines in at least ``min_documents``.

    Lines are compared after whitespace normalisation; blank lines are never counted. Sorted by
    count, most repeated first.
    """
    if min_documents < 2:
        raise InputError("min_documents must be at least 2 (a line in one document is not repeated)")
    texts = _texts(docs)
    kept_mask = is_kept(docs).to_numpy()
    lines = []  # each distinct line of each kept document once, in reading order (ties stay in that order)
    for position, text in enumerate(texts):
        if kept_mask[position]:
            lines += dict.fromkeys(line for line in map(normalise_whitespace, text.splitlines()) if line)
    counts = pd.Series(lines, dtype=object).value_counts()
    return counts[counts >= min_documents]


@stage("line_dedup", compares_documents=True)  # a line's fate depends on the other documents
def line_dedup(docs: pd.DataFrame, min_documents: int = 3, stage: str = "line_dedup") -> pd.DataFrame:
    """Remove every line that occurs in at least ``min_documents`` different kept documents.

    Adds ``lines_removed`` per row; a document left with no text is dropped (reason
    ``"empty after removing repeated lines"``). Every line that stays keeps its own line ending
    (``\n``, ``\r\n``, ``\f``, ``\u2028``, ... as ``str.splitlines`` splits them), so a document with
    nothing repeated comes back byte for byte. :func:`line_dedup_report` summarises what went.
    """
    repeated = set(repeated_lines(docs, min_documents).index)
    texts = _texts(docs)
    out = docs.copy()
    kept_mask = is_kept(out).to_numpy()
    new_texts, removed_counts, emptied = [], [], np.zeros(len(out), dtype=bool)
    for position, text in enumerate(texts):
        if not kept_mask[position] or not repeated:
            new_texts.append(text)
            removed_counts.append(0)
            continue
        kept_lines, removed = [], 0
        for line in text.splitlines(keepends=True):
            if normalise_whitespace(line) in repeated:
                removed += 1
            else:
                kept_lines.append(line)
        new_text = "".join(kept_lines) if removed else text
        new_texts.append(new_text)
        removed_counts.append(removed)
        emptied[position] = removed > 0 and not new_text.strip()
    out["text"] = new_texts
    out["lines_removed"] = removed_counts
    return mark_dropped(out, emptied, stage, "empty after removing repeated lines")


def line_dedup_report(before: pd.DataFrame, after: pd.DataFrame, min_documents: int = 3,
                      top: int = 10) -> LineDedupReport:
    """What :func:`line_dedup` removed from ``before`` (its input) to give ``after`` (its output)."""
    repeated = repeated_lines(before, min_documents)
    kept_before = is_kept(before)
    lines_seen = sum(sum(1 for line in text.splitlines() if normalise_whitespace(line))
                     for text in np.asarray(_texts(before), dtype=object)[kept_before.to_numpy()])
    emptied = kept_before & ~is_kept(after)
    return LineDedupReport(documents=int(kept_before.sum()), lines_seen=int(lines_seen),
                           lines_removed=int(after["lines_removed"].sum()), distinct_lines_removed=len(repeated),
                           documents_emptied=int(emptied.sum()),
                           top_lines=[(line, int(count)) for line, count in repeated.head(top).items()])


# ---------------------------------------------------------------- near dedup


def cluster_signatures(signatures: np.ndarray, usable: np.ndarray, threshold: float, bands: int, rows: int,
                       texts=None, ngram: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Banding, verification and union-find on precomputed signatures (what a slider reruns).

    Args:
        signatures: uint32 [N, k]; usable: bool [N] documents allowed to join clusters.
        texts: the N texts for exact verification; None verifies by the signature estimate.

    Returns:
        ``(roots [N], candidates [P, 2], similarity [P], verified [V, 2])``.
    """
    candidates = candidate_pairs(signatures, bands, rows, usable=usable)
    verify = "estimate" if texts is None else "exact"
    verified, similarity = verify_candidates(candidates, texts, signatures, threshold, ngram, verify)
    roots = union_find_roots(len(signatures), verified)
    return roots, candidates, similarity, verified


def find_near_duplicates(texts, threshold: float = 0.8, num_perm: int = 128, ngram: int = 5,
                         bands: int | None = None, rows: int | None = None, seed: int = 1,
                         usable=None, verify: str = "exact", progress: bool = False) -> NearDuplicates:
    """Near-duplicate clusters of ``texts`` (pandas engine, one process).

    Args:
        texts: N strings.
        threshold: Jaccard similarity at or above which two documents are duplicates.
        num_perm, ngram, seed: MinHash settings (see :func:`~cs229llm.data.minhash.minhash_signatures`).
        bands, rows: LSH banding; derived from the threshold when both are None.
        usable: optional bool [N]; False rows never join a cluster.
        verify: ``"exact"`` (Jaccard of the shingle-hash sets) or ``"estimate"`` (signatures).
        progress: a bar over the signatures, the long part (for a person at a terminal).
    """
    check_verify(verify)
    bands, rows = resolve_banding(threshold, num_perm, bands, rows)
    texts = list(texts)
    signatures = minhash_signatures(texts, num_perm, ngram, seed, progress=progress)
    usable = has_words(texts) if usable is None else (np.asarray(usable, dtype=bool) & has_words(texts))
    roots, candidates, similarity, verified = cluster_signatures(
        signatures, usable, threshold, bands, rows, texts if verify == "exact" else None, ngram)
    return NearDuplicates(roots, signatures, candidates, similarity, verified, usable, bands, rows)


def verify_candidates(candidates: np.ndarray, texts, signatures: np.ndarray, threshold: float,
                      ngram: int, verify: str = "exact") -> tuple[np.ndarray, np.ndarray]:
    """Verify candidate pairs: exact Jaccard (shingles recomputed for the documents in a pair
    only, so nothing per-shingle is kept for the rest) or the signatures' estimate.

    Returns:
        ``(verified [V, 2], similarity [P])``.
    """
    if len(candidates) == 0:
        return candidates, np.zeros(0)
    involved = sorted_unique(candidates.ravel())
    local_pairs = np.searchsorted(involved, candidates)
    if verify == "exact":
        hashes, offsets = shingle_hashes_in_batches([texts[i] for i in involved], ngram)
        similarity = exact_pair_jaccard(local_pairs, hashes, offsets)
    else:
        _, similarity = verify_pairs(local_pairs, signatures[involved], threshold)
    return candidates[similarity >= threshold], similarity


NO_WORDS_REASON = "no words to compare (empty text)"


def apply_clusters(docs: pd.DataFrame, roots: np.ndarray, stage: str = "near_dedup",
                   no_words=None) -> pd.DataFrame:
    """Add ``cluster_id`` and ``duplicate`` from cluster roots and mark duplicates dropped.

    The root (first member in input order) is kept; every other member is dropped with the
    reason ``"near-duplicate of <root id>"``. Rows in ``no_words`` (bool [N], texts without a
    single word) cannot be compared: they stay their own cluster and are dropped with
    :data:`NO_WORDS_REASON`.
    """
    out = docs.copy()
    ids = out["id"].astype(str).to_numpy()
    out["cluster_id"] = ids[roots]
    duplicate = roots != np.arange(len(roots))
    out["duplicate"] = duplicate
    reasons = pd.Series(["near-duplicate of " + cluster for cluster in out["cluster_id"]], index=out.index)
    out = mark_dropped(out, pd.Series(duplicate, index=out.index), stage, reasons)
    if no_words is not None:
        out = mark_dropped(out, pd.Series(np.asarray(no_words, dtype=bool), index=out.index), stage,
                           NO_WORDS_REASON)
    return out


@stage("near_dedup", compares_documents=True, runs_on_dask=True)  # its own Dask engine
def near_dedup(docs: pd.DataFrame, threshold: float = 0.8, num_perm: int = 128, ngram: int = 5,
               bands: int | None = None, rows: int | None = None, seed: int = 1, engine: str = "pandas",
               verify: str = "exact", npartitions: int | None = None, client=None,
               progress: bool = False) -> pd.DataFrame:
    """The near-dedup stage: adds ``cluster_id`` and ``duplicate``, drops all but one per cluster.

    Only rows still kept take part; earlier-dropped rows and rows without any word are their
    own cluster. ``engine="dask"`` runs partition-parallel (:mod:`.dedup_dask`) with results
    identical to ``"pandas"``. Returns a new table (every input row kept).
    """
    texts = _texts(docs)
    usable = is_kept(docs).to_numpy()
    no_words = ~has_words(texts)
    if engine == "pandas":
        roots = find_near_duplicates(texts, threshold, num_perm, ngram, bands, rows, seed, usable, verify,
                                     progress=progress).roots
    elif engine == "dask":
        roots = find_near_duplicates_dask(texts, threshold, num_perm, ngram, bands, rows, seed, usable, verify,
                                          npartitions=npartitions, client=client).roots
    else:
        raise InputError(f"unknown engine {engine!r}: use 'pandas' or 'dask'")
    return apply_clusters(docs, roots, no_words=no_words & usable)


def near_duplicate_truth(labels: pd.DataFrame, threshold: float) -> pd.Series:
    """Ground-truth near-duplicate groups of the sample crawl at a Jaccard ``threshold``.

    The crawl's ``dup_group`` also joins pages that are NOT near-duplicates by Jaccard: template
    families (pairwise Jaccard 0.1-0.4 here) and heavily edited copies (down to 0.35). A copy
    counts as a duplicate of its base document when its labelled ``similarity`` reaches the
    threshold; identical junk keeps its group; everything else is its own group (None).

    Args:
        labels: rows with ``dup_group``, ``kind`` and ``similarity`` (from ``load_labels``).
    """
    copies = labels["kind"].isin(["original", "mirror", "syndicated", "edited"])
    similar = labels["similarity"].astype(float).fillna(0.0) >= threshold
    keep = (copies & similar) | (labels["kind"] == "junk")
    return labels["dup_group"].where(keep, None)
