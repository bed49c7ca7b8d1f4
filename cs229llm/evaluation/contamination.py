"""Contamination: n-gram overlap between training data and evaluation items.

Stage "evaluation" of the lecture. An evaluation item is *contaminated* when long n-grams of it
(13 words by default, as in GPT-3 and lm-evaluation-harness) also occur in the training data.
N-grams are hashed with a polynomial rolling hash in NumPy (vectorised, wrapping uint64), over
normalised words (lower case, punctuation stripped) or directly over token ids from the shards.
:func:`plant_items` copies items into a training set for the planted-contamination experiment.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

DEFAULT_N = 13
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_BASE = np.uint64(1_000_003)


def normalized_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` with punctuation and underscores removed."""
    return _WORD.findall(text.lower())


def ngram_hashes(ids: np.ndarray, n: int = DEFAULT_N) -> np.ndarray:
    """Hashes of every run of ``n`` consecutive ids: ``[len(ids) - n + 1]`` uint64 (empty if too short).

    ``hash = sum_j ids[i + j] * BASE**(n - 1 - j)`` modulo 2**64 (NumPy's uint64 arithmetic wraps).
    """
    if n < 1:
        raise InputError(f"n-gram length must be >= 1, got {n}")
    ids = np.asarray(ids, dtype=np.uint64)
    count = ids.size - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(n):
            hashes = hashes * _BASE + ids[offset:offset + count]
    return hashes


class NgramIndex:
    """The set of n-gram hashes of a training corpus, built from texts or from token ids.

    Args:
        n: n-gram length (13 by default).
        unit: ``"words"`` (normalised words; :meth:`add_texts`) or ``"tokens"`` (token ids;
            :meth:`add_token_ids`). Queries must use the same unit.
    """

    def __init__(self, n: int = DEFAULT_N, unit: str = "words"):
        if unit not in ("words", "tokens"):
            raise InputError(f"unit must be 'words' or 'tokens', got {unit!r}")
        if n < 1:
            raise InputError(f"n-gram length must be >= 1, got {n}")
        self.n, self.unit = int(n), unit
        self._word_ids: dict[str, int] = {}
        self._chunks: list[np.ndarray] = []
        self._hashes: np.ndarray | None = np.zeros(0, dtype=np.uint64)

    def _ids_for(self, words: list[str], grow: bool) -> np.ndarray:
        ids = np.empty(len(words), dtype=np.uint64)
        for position, word in enumerate(words):
            word_id = self._word_ids.get(word)
            if word_id is None:
                if grow:
                    word_id = self._word_ids[word] = len(self._word_ids) + 1
                else:  # a word never seen in training: the n-grams with it cannot be there
                    word_id = 0
            ids[position] = word_id
        return ids

    def add_texts(self, texts: Iterable[str]) -> "NgramIndex":
        """Index the word n-grams of training ``texts`` (each document separately)."""
        self._require("words")
        for text in texts:
            self._chunks.append(ngram_hashes(self._ids_for(normalized_words(text), grow=True), self.n))
        self._hashes = None
        return self

    def add_token_ids(self, ids: np.ndarray) -> "NgramIndex":
        """Index the n-grams of a token stream (e.g. a whole shard, ``open_shard(path)[0]``)."""
        self._require("tokens")
        self._chunks.append(ngram_hashes(np.asarray(ids), self.n))
        self._hashes = None
        return self

    def _require(self, unit: str) -> None:
        if unit != self.unit:
            raise InputError(f"this index holds {self.unit} n-grams; it cannot take {unit}")

    @property
    def hashes(self) -> np.ndarray:
        """Sorted unique n-gram hashes of everything added so far."""
        if self._hashes is None:
            self._hashes = np.unique(np.concatenate(self._chunks)) if self._chunks else np.zeros(0, np.uint64)
            self._chunks = [self._hashes]
        return self._hashes

    def __len__(self) -> int:
        return int(self.hashes.size)

    def query_hashes(self, text: str | None = None, ids: Sequence[int] | None = None) -> np.ndarray:
        """The n-gram hashes of one evaluation text (words) or token-id list (tokens)."""
        if self.unit == "words":
            if text is None:
                raise InputError("this index holds word n-grams: pass text=")
            words = normalized_words(text)
            return ngram_hashes(self._ids_for(words, grow=False), self.n)
        if ids is None:
            raise InputError("this index holds token n-grams: pass ids=")
        return ngram_hashes(np.asarray(ids), self.n)

    def overlap(self, text: str | None = None, ids: Sequence[int] | None = None) -> tuple[int, int]:
        """``(overlapping n-grams, n-grams)`` of one evaluation text or token list."""
        if self.unit == "words":
            if text is None:
                raise InputError("this index holds word n-grams: pass text=")
            word_ids = self._ids_for(normalized_words(text), grow=False)
            query = ngram_hashes(word_ids, self.n)
            # an n-gram holding a word never seen in training (id 0) cannot be in training
            fully_seen = (np.convolve((word_ids > 0).astype(np.int64), np.ones(self.n, dtype=np.int64),
                                      mode="valid") == self.n) if query.size else np.zeros(0, bool)
        else:
            query = self.query_hashes(text, ids)
            fully_seen = np.ones(query.size, dtype=bool)
        known = self.hashes
        positions = np.minimum(np.searchsorted(known, query), max(known.size - 1, 0))
        hits = (known[positions] == query if known.size else np.zeros(query.size, bool)) & fully_seen
        return int(hits.sum()), int(query.size)


def item_text(item) -> str:
    """The text of an evaluation item checked for contamination: context plus correct answer."""
    if hasattr(item, "choices"):
        return item.context + item.choices[item.answer]
    return str(item)


def contamination_report(index: NgramIndex, items: Sequence, tokenizer=None, threshold: float = 0.0) -> pd.DataFrame:
    """Overlap of each evaluation item with the indexed training data; one row per item.

    Args:
        index: the training n-grams (words or tokens).
        items: multiple-choice items (context + correct answer is checked) or plain strings.
        tokenizer: needed when ``index.unit == "tokens"`` (items are encoded with it).
        threshold: an item is ``contaminated`` when its overlap fraction is above this (0: any
            shared n-gram, the GPT-3 rule).

    Returns:
        DataFrame ``id``, ``ngrams``, ``overlapping``, ``overlap_fraction``, ``contaminated``.
        Items shorter than n have 0 n-grams and are never contaminated.
    """
    rows = []
    for position, item in enumerate(items):
        text = item_text(item)
        if index.unit == "tokens":
            if tokenizer is None:
                raise InputError("a token n-gram index needs the tokenizer that made the shards")
            overlapping, total = index.overlap(ids=tokenizer.encode(text))
        else:
            overlapping, total = index.overlap(text=text)
        fraction = overlapping / total if total else 0.0
        rows.append({"id": getattr(item, "id", str(position)), "ngrams": total, "overlapping": overlapping,
                     "overlap_fraction": fraction, "contaminated": total > 0 and fraction > threshold})
    return pd.DataFrame(rows, columns=["id", "ngrams", "overlapping", "overlap_fraction", "contaminated"])


def plant_items(train_texts: Sequence[str], items: Sequence, fraction: float = 0.5, copies: int = 1,
                seed: int = 0) -> tuple[list[str], list[str]]:
    """Copy a seeded ``fraction`` of evaluation items (context + answer) into the training texts.

    Args:
        train_texts: the clean training documents.
        items: evaluation items with ``id`` (multiple-choice items).
        fraction: share of items to plant; copies: how many times each planted item appears.

    Returns:
        ``(new_train_texts, planted_ids)``: planted documents are inserted at seeded random
        positions (so they are not all at the end), the original texts are unchanged.
    """
    if not 0 <= fraction <= 1:
        raise InputError(f"fraction must be in [0, 1], got {fraction}")
    if copies < 1:
        raise InputError(f"copies must be >= 1, got {copies}")
    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(len(items)), round(fraction * len(items))))
    planted_ids = [str(getattr(items[i], "id", i)) for i in chosen]
    texts = list(train_texts)
    for i in chosen:
        for _ in range(copies):
            texts.insert(rng.randrange(len(texts) + 1), item_text(items[i]))
    return texts, planted_ids


def inflation(scores: pd.DataFrame, planted_ids: Iterable[str], column: str = "correct") -> dict[str, float]:
    """Accuracy on planted (contaminated) vs clean items and the difference (the inflation)."""
    planted = scores["id"].astype(str).isin(set(map(str, planted_ids)))
    if not planted.any() or planted.all():
        raise InputError("need both planted and clean items to measure inflation")
    contaminated, clean = float(scores.loc[planted, column].mean()), float(scores.loc[~planted, column].mean())
    return {"contaminated": contaminated, "clean": clean, "inflation": contaminated - clean,
            "n_contaminated": int(planted.sum()), "n_clean": int((~planted).sum())}
