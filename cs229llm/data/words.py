"""What a "word" is, defined once for the data stages.

Two definitions, on purpose:

- **Shingle words** (:func:`shingle_words`): maximal runs of ASCII letters and digits, or of
  non-ASCII bytes, in the UTF-8 bytes of the text with ASCII letters lower-cased; every other byte
  (spaces, punctuation) separates words. Punctuation, spacing and case never make two copies of a
  page look different. Near dedup shingles these (:mod:`cs229llm.data.minhash`, whose vectorised
  tokeniser reads the same definition from :data:`WORD_BYTE`), and so does the generated crawl's
  ``similarity`` label (:func:`cs229llm.data.crawlgen.build.jaccard`), the ground truth dedup is
  scored against: the label is exactly the Jaccard of the shingles near dedup compares.
- **Whitespace words** (:func:`whitespace_words`): whitespace-separated tokens, punctuation
  included. This is how Gopher's rules count words (docs/references.md#gopher-rules): "50 to 100,000
  words", mean word length, the share of words with a letter, stop words. Shingle words there would
  change the rules' meaning (``"e.g."`` is one Gopher word of four characters, but two shingle
  words; ``"--"`` is a Gopher word without a letter, but no shingle word at all).
  ``tests/test_quality.py`` shows a text where the two counts differ.
"""

from __future__ import annotations

import re

import numpy as np

SHINGLE_WORD = re.compile(rb"[0-9a-z\x80-\xff]+")  # on normalise_bytes(text)

# bool [256]: whether a byte of normalise_bytes(text) belongs to a shingle word (from SHINGLE_WORD)
WORD_BYTE = np.array([SHINGLE_WORD.fullmatch(bytes([byte])) is not None for byte in range(256)], dtype=bool)


def normalise_bytes(text) -> bytes:
    """UTF-8 bytes of ``text`` with ASCII letters lower-cased (bad characters replaced, NUL kept).

    ``None`` and NaN are the empty text; ``bytes`` are taken as they are (lower-cased).
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return b""
    if isinstance(text, bytes):
        return text.lower()
    return str(text).encode("utf-8", "replace").lower()


def shingle_words(text) -> list[bytes]:
    """The words near dedup shingles, in order (see the module docstring)."""
    return SHINGLE_WORD.findall(normalise_bytes(text))


def has_shingle_word(text) -> bool:
    """Whether ``text`` has at least one shingle word (else near dedup has nothing to compare)."""
    return SHINGLE_WORD.search(normalise_bytes(text)) is not None


def whitespace_words(text: str) -> list[str]:
    """The words Gopher's quality rules count: whitespace-separated tokens (see the module docstring)."""
    return text.split()


_WHITESPACE_WORD_WITH_A_LETTER = re.compile(r"\S*[^\W\d_]\S*")  # one match per whitespace word holding a letter


def count_whitespace_words_with_a_letter(text: str) -> int:
    """How many :func:`whitespace_words` of ``text`` hold at least one letter (Gopher's "alphabetic" words),
    counted without building the list of words."""
    return len(_WHITESPACE_WORD_WITH_A_LETTER.findall(text))
