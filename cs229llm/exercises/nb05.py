"""Notebook 05 (tokenization): the learner writes one BPE training step (pair counts, a merge) and bytes per token."""

from ..tokenization.bpe import count_pairs, merge_pair
from ..tokenization.train import bytes_per_token
from .core import Exercise, register


def _pair_counts_reference(words: list, frequencies: list) -> dict:
    return dict(count_pairs(words, frequencies))


def _merge_reference(ids: list, pair: tuple, new_id: int) -> list:
    return merge_pair(ids, pair, new_id)


class _Encoded:
    """A stand-in tokenizer whose encodings are given (so the package's bytes_per_token can be asked)."""

    def __init__(self, encoded: list):
        self.encoded = encoded

    def encode_batch(self, texts: list) -> list:
        return self.encoded


def _bytes_per_token_reference(texts: list, encoded: list) -> float:
    return bytes_per_token(_Encoded(encoded), texts)


register(
    Exercise("bpe_pair_counts", "05_tokenization", _pair_counts_reference,
             cases=(([[1, 2, 3], [2, 3]], [2, 5]),
                    ([[1, 1, 1]], [3]),  # (1, 1) occurs twice in this word
                    ([[7]], [10]),
                    ([], []),
                    ([[1, 2], [3, 4]], [1, 1]),  # no pair crosses a word boundary
                    ([[1, 2], [2, 1]], [1, 1]),  # (1, 2) and (2, 1) are different pairs
                    ([[1, 2, 1, 2]], [1]),
                    ([list(b"low"), list(b"lower"), list(b"newest"), list(b"widest")], [5, 2, 6, 3])),
             hint="every adjacent pair inside a word counts once per occurrence, times the word's frequency; a "
                  "pair that repeats inside a word counts each time, and pairs never span two words"),
    Exercise("bpe_merge_pair", "05_tokenization", _merge_reference,
             cases=(([1, 2, 3, 1, 2], (1, 2), 9), ([1, 1, 1], (1, 1), 9), ([1, 1, 1, 1], (1, 1), 9),
                    ([1, 2], (2, 1), 9), ([], (1, 2), 9), ([5], (5, 5), 9), ([3, 1, 2], (1, 2), 300),
                    ([2, 1, 2, 1], (2, 1), 8), ([1, 2, 2, 1, 2], (1, 2), 7)),
             hint="scan left to right; where the pair starts, emit new_id and jump past both tokens, else copy "
                  "one token and move on by one (so 1 1 1 with the pair (1, 1) becomes new 1)"),
    Exercise("compression_bytes_per_token", "05_tokenization", _bytes_per_token_reference,
             cases=((["hello world"], [[1, 2]]),
                    (["naïve café"], [[1, 2, 3]]),  # ï and é take two bytes each
                    (["ab", "abcd"], [[1], [1, 2, 3, 4]]),  # a ratio of totals, not a mean of ratios
                    (["😀"], [[1, 2, 3, 4]]),
                    (["", "abc"], [[], [1]]),
                    (["中文", "x"], [[1], [2]]),
                    (["one two three", "four"], [[1, 2, 3], [4, 5]])),
             hint="total UTF-8 bytes of all the texts (len(text.encode('utf-8')), not characters) divided by "
                  "the total number of tokens of all the texts",
             tolerance=1e-12),
)
