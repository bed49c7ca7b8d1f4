"""Near-dedup, step 1: MinHash signatures of word n-gram shingles (lecture: deduplication).

Our signatures are vectorised NumPy: a whole batch of documents is lower-cased and split into
words (the shingle words of :mod:`cs229llm.data.words`) as one byte array, words are hashed with
a polynomial prefix-sum trick, n-gram hashes are combined arithmetically, and all permutations
are applied in one NumPy op per chunk. The permutations are datasketch 2.0's "affine32" scheme
(a*h+b mod 2^32 after a MurmurHash3 finaliser), so datasketch given our shingle hashes gives the
same signature.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasketch import MinHash
from tqdm.auto import tqdm

from .words import WORD_BYTE, has_shingle_word, normalise_bytes, shingle_words

MAX_HASH = np.uint32(0xFFFFFFFF)  # the value of an empty signature slot
_CHUNK_SHINGLES = 12_000  # shingles per permutation chunk: (num_perm, chunk) uint32 stays in cache

_BYTE_BASE = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2^64
_NGRAM_BASE = np.uint64(0x9E3779B97F4A7C15)


def _fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (an avalanching bijection), element-wise, wrapping."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> np.uint64(33))


def fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser on a uint32 array (datasketch applies it before permuting)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


class _Powers:
    """Cached powers of the byte base and of its inverse modulo 2^64 (grown on demand)."""

    def __init__(self):
        self.forward = np.ones(1, dtype=np.uint64)
        self.inverse = np.ones(1, dtype=np.uint64)
        self.base_inverse = np.uint64(pow(int(_BYTE_BASE), -1, 1 << 64))

    def ensure(self, length: int) -> None:
        if len(self.forward) >= length:
            return
        size = max(length, 2 * len(self.forward), 1 << 16)
        with np.errstate(over="ignore"):
            self.forward = np.concatenate(
                [[np.uint64(1)], np.cumprod(np.full(size - 1, _BYTE_BASE, dtype=np.uint64))])
            self.inverse = np.concatenate(
                [[np.uint64(1)], np.cumprod(np.full(size - 1, self.base_inverse, dtype=np.uint64))])


_POWERS = _Powers()


def shingle_strings(text, ngram: int = 5) -> list[bytes]:
    """The word ``ngram``-shingles of one text as bytes (its :func:`~cs229llm.data.words.shingle_words`
    joined by one space); the plain-Python reference for :func:`shingle_hashes`. A text with fewer
    than ``ngram`` words (but at least one) is one shingle; an empty text has none."""
    words = shingle_words(text)
    if not words:
        return []
    if len(words) < ngram:
        return [b" ".join(words)]
    return [b" ".join(words[i:i + ngram]) for i in range(len(words) - ngram + 1)]


def has_words(texts: Sequence) -> np.ndarray:
    """bool [N]: whether each text has at least one word (else it has no shingles to compare)."""
    return np.array([has_shingle_word(text) for text in texts], dtype=bool)


def _word_hash_of_bytes(word: bytes) -> int:
    """The word hash :func:`shingle_hashes` computes, for one word (used by tests and short docs)."""
    value, power = 0, 1
    for byte in word:
        value = (value + byte * power) % (1 << 64)
        power = (power * int(_BYTE_BASE)) % (1 << 64)
    return int(_fmix64(np.array([value], dtype=np.uint64))[0])


def shingle_hashes(texts: Sequence, ngram: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Hash the word ``ngram``-shingles of many texts to uint32, vectorised over the whole batch.

    Args:
        texts: N strings (``None`` or NaN count as empty).
        ngram: words per shingle.

    Returns:
        ``(hashes, offsets)``: ``hashes`` uint32 [S] for all shingles of all texts in order,
        ``offsets`` int64 [N+1] so text i owns ``hashes[offsets[i]:offsets[i+1]]``.
        Shingles follow :func:`shingle_strings` (texts shorter than ``ngram`` words give one).
    """
    if ngram < 1:
        raise ValueError("ngram must be at least 1")
    encoded = [normalise_bytes(text) for text in texts]
    count = len(encoded)
    if count == 0:
        return np.zeros(0, np.uint32), np.zeros(1, np.int64)
    # one byte array for the batch, a space before, between and after the texts
    lengths = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=count)
    text_starts = np.concatenate([[1], 1 + np.cumsum(lengths)[:-1]])
    data = np.frombuffer(b" " + b" ".join(encoded) + b" ", dtype=np.uint8)
    is_word = WORD_BYTE[data]  # the shingle words of cs229llm.data.words
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    word_starts, word_ends = edges[0::2], edges[1::2]  # [start, end) byte ranges, start >= 1
    # word hash = sum_j byte_j * B^(j - start): prefix sums of byte_j * B^j, rescaled by B^-start
    _POWERS.ensure(len(data))
    with np.errstate(over="ignore"):
        prefix = data.astype(np.uint64)
        np.multiply(prefix, _POWERS.forward[:len(data)], out=prefix)
        np.cumsum(prefix, out=prefix)
        word_raw = (prefix[word_ends - 1] - prefix[word_starts - 1]) * _POWERS.inverse[word_starts]
        word_hash = _fmix64(word_raw)
        word_text = np.searchsorted(text_starts, word_starts, side="right") - 1
        words_per_text = np.bincount(word_text, minlength=count)
        # n-gram hash of words i..i+n-1: polynomial in the word hashes, then mixed
        windows = len(word_hash) - ngram + 1
        if windows > 0:
            combined = word_hash[:windows].copy()
            for offset in range(1, ngram):
                combined = combined * _NGRAM_BASE + word_hash[offset:offset + windows]
            valid = word_text[:windows] == word_text[ngram - 1:]
            shingle_text = word_text[:windows][valid]
            shingles = _fmix64(combined[valid])
        else:
            shingle_text = np.zeros(0, np.int64)
            shingles = np.zeros(0, np.uint64)
        short = np.flatnonzero((words_per_text > 0) & (words_per_text < ngram))
        if len(short):  # a text shorter than one n-gram is a single shingle of all its words
            first_word = np.concatenate([[0], np.cumsum(words_per_text)[:-1]])
            extra = []
            for index in short:
                value = np.uint64(0)
                for position in range(first_word[index], first_word[index] + words_per_text[index]):
                    value = value * _NGRAM_BASE + word_hash[position]
                extra.append(value)
            shingle_text = np.concatenate([shingle_text, short])
            shingles = np.concatenate([shingles, _fmix64(np.array(extra, dtype=np.uint64))])
            order = np.argsort(shingle_text, kind="stable")
            shingle_text, shingles = shingle_text[order], shingles[order]
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(shingle_text, minlength=count), out=offsets[1:])
    return (shingles >> np.uint64(32)).astype(np.uint32), offsets


def shingle_hashes_in_batches(texts: Sequence, ngram: int = 5, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_hashes` over batches of ``batch_size`` texts (bounded memory), same result."""
    texts = list(texts)
    pieces, offsets, total = [], [np.zeros(1, np.int64)], 0
    for start in range(0, len(texts), batch_size):
        hashes, batch_offsets = shingle_hashes(texts[start:start + batch_size], ngram)
        pieces.append(hashes)
        offsets.append(batch_offsets[1:] + total)
        total += len(hashes)
    return (np.concatenate(pieces) if pieces else np.zeros(0, np.uint32)), np.concatenate(offsets)


def permutations(num_perm: int = 128, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The ``num_perm`` affine permutations ``h -> a*h + b mod 2^32`` (``a`` odd): uint32 [k] each.

    Drawn exactly as datasketch 2.0 draws its "affine32" permutations for the same seed.
    """
    generator = np.random.RandomState(seed)
    multipliers = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    offsets = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return multipliers, offsets


def signatures_from_hashes(hashes: np.ndarray, offsets: np.ndarray, num_perm: int = 128,
                           seed: int = 1) -> np.ndarray:
    """MinHash signatures from shingle hashes: uint32 [N, num_perm] (a text without shingles
    gets all ``MAX_HASH``).

    Args:
        hashes: uint32 [S] shingle hashes of all texts (from :func:`shingle_hashes`).
        offsets: int64 [N+1] start of each text's shingles in ``hashes``.
    """
    count = len(offsets) - 1
    multipliers, adds = permutations(num_perm, seed)
    multipliers, adds = multipliers[:, None], adds[:, None]
    signature = np.full((count, num_perm), MAX_HASH, dtype=np.uint32)
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    if len(nonempty) == 0:
        return signature
    mixed = fmix32(hashes.astype(np.uint32, copy=False))
    starts = offsets[nonempty]
    buffer = np.empty((num_perm, min(_CHUNK_SHINGLES, len(mixed))), dtype=np.uint32)
    # walk fixed-size chunks of shingles; a text may span chunks (a 10 MB text spans many)
    for low in range(0, len(mixed), _CHUNK_SHINGLES):
        high = min(low + _CHUNK_SHINGLES, len(mixed))
        block = buffer[:, :high - low]
        np.multiply(multipliers, mixed[low:high], out=block)
        np.add(block, adds, out=block)
        first = np.searchsorted(starts, low, side="right") - 1
        last = np.searchsorted(starts, high, side="left")
        segment_starts = np.maximum(starts[first:last], low) - low
        minima = np.minimum.reduceat(block, segment_starts, axis=1)
        rows = nonempty[first:last]
        signature[rows] = np.minimum(signature[rows], minima.T)
    return signature


def minhash_signatures(texts: Sequence, num_perm: int = 128, ngram: int = 5, seed: int = 1,
                       batch_size: int = 1024, tokenise_batch: int = 128, progress: bool = False) -> np.ndarray:
    """Our fast MinHash: texts in, signatures out: uint32 [N, num_perm].

    Args:
        texts: N documents.
        num_perm: number of permutations k (the estimator's error is about sqrt(J(1-J)/k)).
        ngram: words per shingle.
        seed: seeds the permutations (same seed, same permutations as datasketch).
        batch_size: texts whose signatures are computed together (bounds memory).
        tokenise_batch: texts tokenised as one byte array (small: its per-byte arrays stay in
            cache; measured fastest at about 128 texts of 2 KB).
        progress: show a bar over the documents (for a person at a terminal).
    """
    texts = list(texts)
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    with tqdm(total=len(texts), desc="minhash", unit="doc", disable=not progress) as bar:
        for start in range(0, len(texts), batch_size):
            hashes, offsets = shingle_hashes_in_batches(texts[start:start + batch_size], ngram, tokenise_batch)
            out[start:start + batch_size] = signatures_from_hashes(hashes, offsets, num_perm, seed)
            bar.update(min(batch_size, len(texts) - start))
    return out


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort and a neighbour test; faster here than ``np.unique``'s hashing)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def estimated_jaccard(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Fraction of equal signature slots: the MinHash estimate of Jaccard similarity.

    Args:
        first, second: uint32 [..., k] signatures (broadcast against each other).
    Returns:
        float [...] estimates in [0, 1].
    """
    return np.mean(first == second, axis=-1)


def exact_jaccard(text_a, text_b, ngram: int = 5) -> float:
    """True Jaccard similarity of the two texts' shingle sets (0 when both are empty)."""
    set_a, set_b = set(shingle_strings(text_a, ngram)), set(shingle_strings(text_b, ngram))
    union = len(set_a | set_b)
    return len(set_a & set_b) / union if union else 0.0


# ---------------------------------------------------------------- the datasketch path


def datasketch_signatures(texts: Sequence, num_perm: int = 128, ngram: int = 5, seed: int = 1,
                          method: str = "bulk") -> np.ndarray:
    """Signatures by datasketch (SHA-1 of each shingle string): uint32 [N, num_perm].

    ``method="bulk"`` uses ``MinHash.bulk``; ``"update"`` calls ``MinHash.update`` per shingle
    (the slow, textbook way). Same shingles as ours, different shingle hash, so the estimates
    agree within the estimator's error but the values differ.
    """
    shingle_lists = [shingle_strings(text, ngram) for text in texts]
    if method == "bulk":
        sketches = MinHash.bulk(shingle_lists, num_perm=num_perm, seed=seed)
    elif method == "update":
        sketches = []
        for shingles in shingle_lists:
            sketch = MinHash(num_perm=num_perm, seed=seed)
            for shingle in shingles:
                sketch.update(shingle)
            sketches.append(sketch)
    else:
        raise ValueError(f"unknown datasketch method {method!r}: use 'bulk' or 'update'")
    return np.array([s.hashvalues for s in sketches], dtype=np.uint32).reshape(len(shingle_lists), num_perm)


def datasketch_signatures_from_hashes(hashes: np.ndarray, offsets: np.ndarray, num_perm: int = 128,
                                      seed: int = 1) -> np.ndarray:
    """datasketch ``MinHash.bulk`` fed OUR shingle hashes (``hashfunc`` = identity): it must
    reproduce :func:`signatures_from_hashes` bit for bit (same scheme, same permutations)."""
    lists = [hashes[offsets[i]:offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]
    sketches = MinHash.bulk(lists, num_perm=num_perm, seed=seed, hashfunc=int, scheme="affine32")
    return np.array([s.hashvalues for s in sketches], dtype=np.uint32).reshape(len(lists), num_perm)
