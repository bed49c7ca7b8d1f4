"""Byte-level BPE from scratch: the teaching version of what ``tokenizers`` does in Rust.

Lecture stage: tokenization. Text becomes UTF-8 bytes (256 base tokens, so nothing is ever
out of vocabulary), GPT-2's regex splits it into words, and training repeatedly merges the most
frequent adjacent pair. Notable: pairs are counted over *unique* words weighted by their
frequency, and a merge updates only the words that contain the merged pair (an index from pair to
words, a max-heap with lazy deletion), so ~1 MB trains in seconds in pure Python.

Agreement with Hugging Face ``tokenizers`` (tested in ``tests/test_bpe_hf_equivalence.py``):

* Encoding: :meth:`TeachingBPE.from_hf` loads a byte-level ``tokenizer.json`` (HF's ids, merges in
  rank order, special tokens) and then encodes to exactly the library's ids: special tokens are
  matched leftmost-longest, words are split by the GPT-2 regex, and inside a word the merge of
  lowest rank is applied first, leftmost occurrence first (HF's ``Word::merge_all``).
* Training ties: when several pairs share the highest count, HF's ``BpeTrainer`` merges the
  *smallest pair of its token ids*, comparing the left id, then the right. Its ids are the special
  tokens, then the 256 byte characters sorted by GPT-2's printable stand-in character (so ``!`` = 33
  comes first and the space, shown as ``Ġ`` = U+0120, comes late), then the merged tokens in the
  order they were made. :meth:`TeachingBPE.train` breaks ties by the same order
  (:data:`HF_BYTE_ORDER`), so on the same corpus both learn the same merges in the same order.
* Where the trainers differ (documented, not emulated): when a merge spells a token that already
  exists (``"a" + "bc"`` after ``"ab" + "c"``), HF reuses the existing id and keeps a merge that
  adds no vocabulary entry, and its per-pair word sets can then miss words; the teaching trainer
  gives every merge its own id (ids are ``256 + rank``). HF also counts pairs in 32-bit integers,
  which overflow beyond 2**31 occurrences. Up to the first duplicate token the merges are identical.
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
from .train import TOKENIZER_FILENAME, Tokenizer, _byte_level_decoder_table, _require_texts, check_vocab_size

# GPT-2's pre-split: contractions, letters, numbers, punctuation runs (each with one optional
# leading space), and whitespace runs that leave the last space to the next word.
GPT2_SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
END_OF_TEXT = "<|endoftext|>"

Pair = tuple[int, int]

# GPT-2's printable stand-in character of each byte, inverted from the table train.py decodes with
BYTE_TO_CHAR: dict[int, str] = {byte: char for char, byte in _byte_level_decoder_table(()).items()}
# HF's trainer numbers the byte alphabet by stand-in character (code point order); ties are broken by it
HF_BYTE_ORDER: tuple[int, ...] = tuple(
    rank for _, rank in sorted((byte, rank) for rank, byte in
                               enumerate(sorted(range(256), key=lambda b: ord(BYTE_TO_CHAR[b])))))
NO_MERGE = 1 << 62  # rank of a pair that is not a merge


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


def count_pairs(words: Sequence[Sequence[int]], frequencies: Sequence[int]) -> Counter[Pair]:
    """How often each adjacent pair of tokens occurs: every word's pairs, each counted ``frequency`` times.

    One BPE training step starts from these counts (and merges the most frequent pair). A pair that
    appears twice in a word (``(a, a)`` in ``a a a``) counts twice; a word of one token has no pair.

    Args:
        words: the unique words, each as its token ids.
        frequencies: how often each word occurs in the corpus (same order).
    """
    if len(words) != len(frequencies):
        raise InputError(f"{len(words)} words but {len(frequencies)} frequencies: give one frequency per word")
    counts: Counter[Pair] = Counter()
    for ids, frequency in zip(words, frequencies):
        for pair in _pairs(ids):
            counts[pair] += frequency
    return counts


class TeachingBPE:
    """Byte-level BPE: ids 0-255 are bytes, then one id per merge, then the special tokens.

    Use :meth:`train` (a class method), :meth:`load` or :meth:`from_hf`; then :meth:`encode` / :meth:`decode`.
    Same interface as :class:`cs229llm.tokenization.train.Tokenizer` (``encode_batch``, ``eot_id``,
    ``vocab_size``, ``save``), so the two can be compared on the same data.

    Args:
        merges: the merged pairs in rank order, as ids of this tokenizer.
        special_tokens: strings that always become one id (the first is the end-of-text token).
        pattern: the pre-split regex.
        history: the training steps (kept by :meth:`train` for inspection).
        byte_ids, merge_ids, special_ids: another id layout than bytes, merges, specials
            (:meth:`from_hf` passes the library's); ``merge_ids`` may repeat an id whose bytes are the same.
    """

    def __init__(self, merges: Sequence[Pair], special_tokens: Sequence[str] = (END_OF_TEXT,),
                 pattern: str = GPT2_SPLIT_PATTERN, history: Sequence[MergeStep] = (), *,
                 byte_ids: Sequence[int] | None = None, merge_ids: Sequence[int] | None = None,
                 special_ids: Sequence[int] | None = None):
        merges = [(int(first), int(second)) for first, second in merges]
        special_tokens = list(special_tokens)
        self.default_layout = byte_ids is None and merge_ids is None and special_ids is None
        byte_ids = list(range(256)) if byte_ids is None else [int(i) for i in byte_ids]
        merge_ids = [256 + rank for rank in range(len(merges))] if merge_ids is None else [int(i) for i in merge_ids]
        if len(byte_ids) != 256 or len(set(byte_ids)) != 256:
            raise InputError("byte_ids must give 256 distinct ids, one per byte value")
        if len(merge_ids) != len(merges):
            raise InputError(f"merge_ids has {len(merge_ids)} ids for {len(merges)} merges: give one per merge")
        if special_ids is None:
            first_free = max([255, *merge_ids]) + 1
            special_ids = [first_free + index for index in range(len(special_tokens))]
        special_ids = [int(i) for i in special_ids]
        if len(special_ids) != len(special_tokens):
            raise InputError(f"special_ids has {len(special_ids)} ids for {len(special_tokens)} special tokens")

        self.pattern = pattern
        self._split = regex.compile(pattern)
        self.byte_ids = byte_ids
        self.merge_ids = merge_ids
        self._merge_list = merges
        self.vocab: dict[int, bytes] = {token_id: bytes([byte]) for byte, token_id in enumerate(byte_ids)}
        self.merges: dict[Pair, int] = {}  # pair -> id of the merged token, in rank order
        self._ranks: dict[Pair, int] = {}
        for rank, (pair, new_id) in enumerate(zip(merges, merge_ids)):
            if pair[0] not in self.vocab or pair[1] not in self.vocab:
                raise InputError(f"merge {rank} {pair} uses an id that no byte or earlier merge defines")
            spelled = self.vocab[pair[0]] + self.vocab[pair[1]]
            if self.vocab.setdefault(new_id, spelled) != spelled:
                raise InputError(f"merge {rank} {pair} reuses id {new_id}, which already stands for other bytes")
            if pair not in self._ranks:
                self.merges[pair] = new_id
                self._ranks[pair] = rank
        self.special_tokens: dict[str, int] = {}
        for name, token_id in zip(special_tokens, special_ids):
            if token_id in self.vocab:
                raise InputError(f"special token {name!r} has id {token_id}, which a byte or merge already uses")
            self.special_tokens[name] = token_id
            self.vocab[token_id] = name.encode("utf-8")
        # longest first, so that "<|a|><|a|>" wins over "<|a|>" (leftmost-longest, as the library matches)
        by_length = sorted(self.special_tokens, key=len, reverse=True)
        self._special_split = (regex.compile("(" + "|".join(regex.escape(name) for name in by_length) + ")")
                               if self.special_tokens else None)
        self.history = list(history)
        self._cache: dict[str, list[int]] = {}

    # ------------------------------------------------------------ training

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int, special_tokens: Sequence[str] = (END_OF_TEXT,),
              pattern: str = GPT2_SPLIT_PATTERN) -> TeachingBPE:
        """Learn merges until the vocabulary (bytes + merges + specials) has ``vocab_size`` ids.

        Each step merges the pair with the highest count; among equal counts, the smallest pair in
        Hugging Face's token order (:data:`HF_BYTE_ORDER` for bytes, then merged tokens by age), as
        ``tokenizers``' ``BpeTrainer`` does. Stops early when no pair is left to merge (every word
        is a single token). Special tokens in the training text are not treated specially (neither
        does the library when training).

        Raises:
            InputError: empty corpus, or ``vocab_size`` outside 256 + number of special tokens .. 2**20.
        """
        documents = _require_texts(texts)
        vocab_size = check_vocab_size(vocab_size, special_tokens)
        n_merges = vocab_size - 256 - len(special_tokens)
        split = regex.compile(pattern)

        def order(token_id: int) -> int:  # HF's id order: bytes by stand-in character, then merges by age
            return HF_BYTE_ORDER[token_id] if token_id < 256 else token_id

        def entry(count: int, pair: Pair) -> tuple[int, int, int, Pair]:
            return (-count, order(pair[0]), order(pair[1]), pair)

        # 1. unique words and their frequencies (the regex never lets a merge cross a word boundary)
        word_counts: Counter[str] = Counter()
        for text in documents:
            word_counts.update(split.findall(text))
        words = [list(word.encode("utf-8")) for word in word_counts]
        frequencies = list(word_counts.values())

        # 2. pair counts weighted by word frequency, and which words hold each pair
        pair_counts = count_pairs(words, frequencies)
        words_with_pair: dict[Pair, set[int]] = {}
        for index, ids in enumerate(words):
            for pair in _pairs(ids):
                words_with_pair.setdefault(pair, set()).add(index)
        # min-heap of (-count, tie-break order, pair): highest count first; stale entries are skipped
        heap = [entry(count, pair) for pair, count in pair_counts.items()]
        heapq.heapify(heap)

        merges: list[Pair] = []
        history: list[MergeStep] = []
        token_bytes = {byte: bytes([byte]) for byte in range(256)}
        while len(merges) < n_merges and heap:
            negative_count, _, _, pair = heapq.heappop(heap)
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
                    heapq.heappush(heap, entry(count, changed_pair))
                else:
                    pair_counts.pop(changed_pair, None)
        return cls(merges, special_tokens, pattern, history)

    # ------------------------------------------------------------ the library's tokenizers

    @classmethod
    def from_hf(cls, tokenizer) -> TeachingBPE:
        """The teaching BPE with a trained Hugging Face tokenizer's ids, merges and special tokens.

        Args:
            tokenizer: a :class:`cs229llm.tokenization.train.Tokenizer`, a ``tokenizers.Tokenizer``,
                or the path of a ``tokenizer.json`` (or of its folder), byte-level with GPT-2's regex
                as :func:`cs229llm.tokenization.train.train_tokenizer` makes them.

        Raises:
            InputError: no such file, or a tokenizer this class cannot reproduce (another model,
                pre-tokenizer, normaliser, or added-token options).
        """
        data = json.loads(_hf_json(tokenizer))
        model = data.get("model") or {}
        where = "the tokenizer"
        if model.get("type") != "BPE":
            raise InputError(f"{where} is a {model.get('type')} model: from_hf reads byte-level BPE tokenizers only")
        unsupported = [key for key in ("dropout", "continuing_subword_prefix", "end_of_word_suffix")
                       if model.get(key)] + [key for key in ("byte_fallback", "ignore_merges") if model.get(key)]
        if data.get("normalizer") is not None:
            unsupported.append("normalizer")
        pre = data.get("pre_tokenizer") or {}
        if pre.get("type") != "ByteLevel" or not pre.get("use_regex", True) or pre.get("add_prefix_space"):
            unsupported.append("pre_tokenizer (needs ByteLevel, use_regex=True, add_prefix_space=False)")
        added = sorted(data.get("added_tokens") or [], key=lambda token: token["id"])
        if any(token.get(option) for token in added for option in ("lstrip", "rstrip", "single_word")):
            unsupported.append("added-token lstrip/rstrip/single_word")
        if unsupported:
            raise InputError(f"{where} uses options the teaching BPE does not reproduce: {', '.join(unsupported)}; "
                             f"train it with cs229llm.tokenization.train.train_tokenizer")
        vocab: dict[str, int] = model["vocab"]
        missing = [byte for byte in range(256) if BYTE_TO_CHAR[byte] not in vocab]
        if missing:
            raise InputError(f"{where} lacks byte tokens (e.g. byte {missing[0]}): it is not a full byte-level "
                             f"vocabulary; train it with initial_alphabet=ByteLevel.alphabet()")
        pairs, merge_ids = [], []
        for merge in model.get("merges") or []:
            first, second = merge.split(" ", 1) if isinstance(merge, str) else merge
            if first not in vocab or second not in vocab or first + second not in vocab:
                raise InputError(f"{where} has a merge {first!r} + {second!r} whose tokens are not in its vocabulary")
            pairs.append((vocab[first], vocab[second]))
            merge_ids.append(vocab[first + second])
        return cls(pairs, [token["content"] for token in added], GPT2_SPLIT_PATTERN,
                   byte_ids=[vocab[BYTE_TO_CHAR[byte]] for byte in range(256)], merge_ids=merge_ids,
                   special_ids=[token["id"] for token in added])

    # ------------------------------------------------------------ encoding and decoding

    @property
    def vocab_size(self) -> int:
        """Number of ids (one past the largest): 256 bytes + merges + special tokens."""
        return max(self.vocab) + 1

    @property
    def eot_id(self) -> int:
        """Id of the end-of-text token (the first special token)."""
        if not self.special_tokens:
            raise InputError("this tokenizer has no special tokens")
        return next(iter(self.special_tokens.values()))

    def _encode_word(self, word: str) -> list[int]:
        """Apply the merges to one pre-split word: lowest rank (earliest learned) first, leftmost first."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        ranks, byte_ids = self._ranks, self.byte_ids
        ids = [byte_ids[byte] for byte in word.encode("utf-8")]
        while len(ids) >= 2:
            # min() keeps the first of equal ranks, so the leftmost occurrence of the best pair
            position = min(range(len(ids) - 1), key=lambda i: ranks.get((ids[i], ids[i + 1]), NO_MERGE))
            pair = (ids[position], ids[position + 1])
            if pair not in ranks:
                break
            ids[position:position + 2] = [self.merges[pair]]
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
        """The tokenizer as it was after its first ``count`` merges (to watch training step by step).

        In the default layout the special tokens move down to follow the merges kept; a tokenizer
        from :meth:`from_hf` keeps all its ids.
        """
        count = max(0, min(int(count), len(self._merge_list)))
        if self.default_layout:
            return TeachingBPE(self._merge_list[:count], list(self.special_tokens), self.pattern, self.history[:count])
        return TeachingBPE(self._merge_list[:count], list(self.special_tokens), self.pattern, self.history[:count],
                           byte_ids=self.byte_ids, merge_ids=self.merge_ids[:count],
                           special_ids=list(self.special_tokens.values()))

    def pieces(self, text: str) -> list[str]:
        """How ``text`` is cut into tokens, each shown as text (partial UTF-8 characters as U+FFFD)."""
        return [self.token_bytes(token_id).decode("utf-8", errors="replace") for token_id in self.encode(text)]

    # ------------------------------------------------------------ files

    def save(self, path: str | Path) -> Path:
        """Write the merges, special tokens and pattern (and a non-default id layout) as JSON; return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": "cs229llm-teaching-bpe/1", "pattern": self.pattern,
                "special_tokens": list(self.special_tokens), "merges": [list(pair) for pair in self._merge_list]}
        if not self.default_layout:
            data.update(byte_ids=self.byte_ids, merge_ids=self.merge_ids,
                        special_ids=list(self.special_tokens.values()))
        path.write_text(json.dumps(data))
        return path

    @classmethod
    def load(cls, path: str | Path) -> TeachingBPE:
        """Read a file written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"no teaching BPE file at {path}")
        data = json.loads(path.read_text())
        return cls([tuple(pair) for pair in data["merges"]], data["special_tokens"], data["pattern"],
                   byte_ids=data.get("byte_ids"), merge_ids=data.get("merge_ids"),
                   special_ids=data.get("special_ids"))

    def __repr__(self) -> str:
        return f"TeachingBPE(vocab_size={self.vocab_size}, merges={len(self.merges)})"


def _hf_json(tokenizer) -> str:
    """The ``tokenizer.json`` text of a wrapped or bare Hugging Face tokenizer, or of a file or folder."""
    if isinstance(tokenizer, Tokenizer):
        return tokenizer.hf.to_str()
    if hasattr(tokenizer, "to_str"):
        return tokenizer.to_str()
    path = Path(tokenizer)
    if path.is_dir():
        path = path / TOKENIZER_FILENAME
    if not path.is_file():
        raise InputError(f"no tokenizer.json at {path}: pass a trained tokenizer or the path of its tokenizer.json")
    return path.read_text(encoding="utf-8")
