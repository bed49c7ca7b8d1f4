"""Byte-level BPE from scratch: the teaching version of what ``tokenizers`` does in Rust.

Lecture stage: tokenization. Text becomes UTF-8 bytes (256 base tokens, so nothing is ever
out of vocabulary), GPT-2's regex splits it into words, and training repeatedly merges the most
frequent adjacent pair. Notable: pairs are counted over *unique* words weighted by their
frequency, and a merge updates only the words that contain the merged pair (an index from pair to
words, a max-heap with lazy deletion), so ~1 MB trains in seconds in pure Python.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import regex

from ..errors import InputError
from .train import _require_texts, check_vocab_size

# GPT-2's pre-split: contractions, letters, numbers, punctuation runs (each with one optional
# leading space), and whitespace runs that leave the last space to the next word.
GPT2_SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
END_OF_TEXT = "<|endoftext|>"

Pair = tuple[int, int]


@dataclass(frozen=True)
class MergeStep:
    """One training step: which pair was merged, into which new token, how often the pair occurred."""
    rank: int
    pair: Pair
    new_id: int
    pair_bytes: tuple[bytes, bytes]
    count: int


def merge_pair(ids: Sequence[int], pair: Pair, new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of ``pair`` in ``ids`` (left to right) by ``new_id``."""
    merged, index, first, second = [], 0, pair[0], pair[1]
    length = len(ids)
    while index < length:
        if index + 1 < length and ids[index] == first and ids[index + 1] == second:
            merged.append(new_id)
            index += 2
        else:
            merged.append(ids[index])
            index += 1
    return merged


def _pairs(ids: Sequence[int]) -> Iterable[Pair]:
    return zip(ids, ids[1:])


class TeachingBPE:
    """Byte-level BPE: ids 0-255 are bytes, then one id per merge, then the special tokens.

    Use :meth:`train` (a class method) or :meth:`load`; then :meth:`encode` / :meth:`decode`.
    Same interface as :class:`cs229llm.tokenization.train.Tokenizer` (``encode_batch``, ``eot_id``,
    ``vocab_size``, ``save``), so the two can be compared on the same data.
    """

    def __init__(self, merges: Sequence[Pair], special_tokens: Sequence[str] = (END_OF_TEXT,),
                 pattern: str = GPT2_SPLIT_PATTERN, history: Sequence[MergeStep] = ()):
        self.pattern = pattern
        self._split = regex.compile(pattern)
        self.merges: dict[Pair, int] = {}
        self.vocab: dict[int, bytes] = {byte: bytes([byte]) for byte in range(256)}
        for rank, (first, second) in enumerate(merges):
            new_id = 256 + rank
            self.merges[(int(first), int(second))] = new_id
            self.vocab[new_id] = self.vocab[int(first)] + self.vocab[int(second)]
        self.special_tokens = {name: 256 + len(self.merges) + index for index, name in enumerate(special_tokens)}
        for name, token_id in self.special_tokens.items():
            self.vocab[token_id] = name.encode("utf-8")
        self._special_split = (regex.compile("(" + "|".join(regex.escape(s) for s in self.special_tokens) + ")")
                               if self.special_tokens else None)
        self.history = list(history)
        self._cache: dict[str, list[int]] = {}

    # ------------------------------------------------------------ training

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int, special_tokens: Sequence[str] = (END_OF_TEXT,),
              pattern: str = GPT2_SPLIT_PATTERN) -> TeachingBPE:
        """Learn merges until the vocabulary (bytes + merges + specials) has ``vocab_size`` ids.

        Stops early when no pair is left to merge (every word is a single token).

        Raises:
            InputError: empty corpus, or ``vocab_size`` < 256 + number of special tokens.
        """
        documents = _require_texts(texts)
        vocab_size = check_vocab_size(vocab_size, special_tokens)
        n_merges = vocab_size - 256 - len(special_tokens)
        split = regex.compile(pattern)

        # 1. unique words and their frequencies (the regex never lets a merge cross a word boundary)
        word_counts: Counter[str] = Counter()
        for text in documents:
            word_counts.update(split.findall(text))
        words = [list(word.encode("utf-8")) for word in word_counts]
        frequencies = list(word_counts.values())

        # 2. pair counts weighted by word frequency, and which words hold each pair
        pair_counts: Counter[Pair] = Counter()
        words_with_pair: dict[Pair, set[int]] = {}
        for index, (ids, frequency) in enumerate(zip(words, frequencies)):
            for pair in _pairs(ids):
                pair_counts[pair] += frequency
                words_with_pair.setdefault(pair, set()).add(index)
        # max-heap of (-count, pair); stale entries are skipped when popped
        heap = [(-count, pair) for pair, count in pair_counts.items()]
        heapq.heapify(heap)

        merges: list[Pair] = []
        history: list[MergeStep] = []
        token_bytes = {byte: bytes([byte]) for byte in range(256)}
        while len(merges) < n_merges and heap:
            negative_count, pair = heapq.heappop(heap)
            if pair_counts.get(pair, 0) != -negative_count:
                continue  # stale: the count changed since this entry was pushed
            if -negative_count <= 0:
                break
            new_id = 256 + len(merges)
            merges.append(pair)
            token_bytes[new_id] = token_bytes[pair[0]] + token_bytes[pair[1]]
            history.append(MergeStep(len(merges) - 1, pair, new_id, (token_bytes[pair[0]], token_bytes[pair[1]]),
                                     -negative_count))
            # 3. update only the words that contain the pair
            changed: set[Pair] = set()
            for index in words_with_pair.pop(pair, ()):
                old = words[index]
                new = merge_pair(old, pair, new_id)
                if len(new) == len(old):
                    continue
                frequency = frequencies[index]
                for old_pair in _pairs(old):
                    pair_counts[old_pair] -= frequency
                    changed.add(old_pair)
                for new_pair in _pairs(new):
                    pair_counts[new_pair] += frequency
                    changed.add(new_pair)
                    words_with_pair.setdefault(new_pair, set()).add(index)
                words[index] = new
            pair_counts.pop(pair, None)
            for changed_pair in changed:
                count = pair_counts.get(changed_pair, 0)
                if count > 0:
                    heapq.heappush(heap, (-count, changed_pair))
                else:
                    pair_counts.pop(changed_pair, None)
        return cls(merges, special_tokens, pattern, history)

    # ------------------------------------------------------------ encoding and decoding

    @property
    def vocab_size(self) -> int:
        """Number of ids: 256 bytes + merges + special tokens."""
        return 256 + len(self.merges) + len(self.special_tokens)

    @property
    def eot_id(self) -> int:
        """Id of the end-of-text token (the first special token)."""
        if not self.special_tokens:
            raise InputError("this tokenizer has no special tokens")
        return next(iter(self.special_tokens.values()))

    def _encode_word(self, word: str) -> list[int]:
        """Apply the merges to one pre-split word, lowest rank (earliest learned) first."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        ids = list(word.encode("utf-8"))
        while len(ids) >= 2:
            best = min(_pairs(ids), key=lambda pair: self.merges.get(pair, 1 << 62))
            if best not in self.merges:
                break
            ids = merge_pair(ids, best, self.merges[best])
        if len(self._cache) < 200_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; special-token strings in the text become their single id."""
        pieces = self._special_split.split(text) if self._special_split else [text]
        ids: list[int] = []
        for piece in pieces:
            if piece in self.special_tokens:
                ids.append(self.special_tokens[piece])
                continue
            for word in self._split.findall(piece):
                ids.extend(self._encode_word(word))
        return ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text."""
        return [self.encode(text) for text in texts]

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes one token stands for."""
        if int(token_id) not in self.vocab:
            raise InputError(f"token id {token_id} is outside the vocabulary (size {self.vocab_size})")
        return self.vocab[int(token_id)]

    def decode(self, ids: Sequence[int]) -> str:
        """Text of ``ids`` (bytes joined, then UTF-8; an incomplete character becomes U+FFFD)."""
        return b"".join(self.token_bytes(token_id) for token_id in ids).decode("utf-8", errors="replace")

    def with_first_merges(self, count: int) -> TeachingBPE:
        """The tokenizer as it was after its first ``count`` merges (to watch training step by step)."""
        count = max(0, min(int(count), len(self.merges)))
        return TeachingBPE(list(self.merges)[:count], list(self.special_tokens), self.pattern, self.history[:count])

    def pieces(self, text: str) -> list[str]:
        """How ``text`` is cut into tokens, each shown as text (partial UTF-8 characters as U+FFFD)."""
        return [self.token_bytes(token_id).decode("utf-8", errors="replace") for token_id in self.encode(text)]

    # ------------------------------------------------------------ files

    def save(self, path: str | Path) -> Path:
        """Write the merges, special tokens and pattern as JSON; returns the file path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"format": "cs229llm-teaching-bpe/1", "pattern": self.pattern,
                                    "special_tokens": list(self.special_tokens),
                                    "merges": [list(pair) for pair in self.merges]}))
        return path

    @classmethod
    def load(cls, path: str | Path) -> TeachingBPE:
        """Read a file written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"no teaching BPE file at {path}")
        data = json.loads(path.read_text())
        return cls([tuple(pair) for pair in data["merges"]], data["special_tokens"], data["pattern"])

    def __repr__(self) -> str:
        return f"TeachingBPE(vocab_size={self.vocab_size}, merges={len(self.merges)})"
