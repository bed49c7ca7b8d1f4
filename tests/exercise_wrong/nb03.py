"""Wrong solutions of notebook 03's exercises (repeated lines, shingles, MinHash, the S-curve)."""
import re
from collections import Counter

import numpy as np

from cs229llm.data.minhash import fmix32, permutations

from ._solutions import solution

word_shingles = solution("03_deduplication", "word_shingles")


def repeated_lines_occurrences(texts, min_documents):
    counts = Counter(" ".join(line.split()) for text in texts for line in text.splitlines())
    counts.pop("", None)
    return {line: n for line, n in counts.items() if n >= min_documents}  # a line repeated in one document counts


def repeated_lines_unnormalised(texts, min_documents):
    counts = Counter(line for text in texts for line in set(text.splitlines()) if line.strip())
    return {line: n for line, n in counts.items() if n >= min_documents}


def repeated_lines_more_than(texts, min_documents):
    counts = Counter(line for text in texts for line in {" ".join(x.split()) for x in text.splitlines()} if line)
    return {line: n for line, n in counts.items() if n > min_documents}


def repeated_lines_lower_cased(texts, min_documents):
    counts = Counter(line for text in texts for line in {" ".join(x.lower().split()) for x in text.splitlines()}
                     if line)
    return {line: n for line, n in counts.items() if n >= min_documents}


def shingles_split_on_spaces(text, n):
    words = text.lower().split()  # punctuation stays attached: "mat." is not "mat"
    if not words:
        return []
    return [" ".join(words)] if len(words) < n else [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def shingles_short_text_has_none(text, n):
    words = re.findall(r"[0-9a-z\u0080-\U0010ffff]+", text.lower())
    return [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def shingles_as_a_set(text, n):
    return sorted(set(word_shingles(text, n)))


def shingles_underscore_in_words(text, n):
    words = re.findall(r"\w+", text.lower())
    if not words:
        return []
    return [" ".join(words)] if len(words) < n else [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def signature_without_mixing(hashes, num_perm, seed):
    a, b = permutations(num_perm, seed)
    if len(hashes) == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    return (a[:, None] * np.asarray(hashes, dtype=np.uint32)[None, :] + b[:, None]).min(axis=1)


def signature_without_wrapping(hashes, num_perm, seed):
    a, b = permutations(num_perm, seed)
    if len(hashes) == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    mixed = fmix32(np.asarray(hashes, dtype=np.uint32)).astype(np.uint64)  # the minimum is taken before mod 2^32
    return (a[:, None].astype(np.uint64) * mixed[None, :] + b[:, None]).min(axis=1).astype(np.uint32)


def signature_empty_is_zero(hashes, num_perm, seed):
    if len(hashes) == 0:
        return np.zeros(num_perm, dtype=np.uint32)
    a, b = permutations(num_perm, seed)
    mixed = fmix32(np.asarray(hashes, dtype=np.uint32))
    return (a[:, None] * mixed[None, :] + b[:, None]).min(axis=1)


def signature_maximum(hashes, num_perm, seed):
    a, b = permutations(num_perm, seed)
    if len(hashes) == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    mixed = fmix32(np.asarray(hashes, dtype=np.uint32))
    return (a[:, None] * mixed[None, :] + b[:, None]).max(axis=1)


WRONG = [
    ("repeated_lines", repeated_lines_occurrences, "(['a\\na\\na', 'b'], 2) expected {}, got {'a': 3}"),
    ("repeated_lines", repeated_lines_unnormalised, "(['Home  |  About\\nx', ' Home | About \\ny'], 2) expected"),
    ("repeated_lines", repeated_lines_more_than, "(['Home  |  About\\nx', ' Home | About \\ny'], 2) expected {'Home | About': 2}, got {}"),
    ("repeated_lines", repeated_lines_lower_cased, "expected {'Home | About': 2}, got {'home | about': 2}"),
    ("word_shingles", shingles_split_on_spaces, "('The cat sat on the mat.', 2) expected"),
    ("word_shingles", shingles_short_text_has_none, "('Hello, World!', 5) expected ['hello world'], got []"),
    ("word_shingles", shingles_as_a_set, "('The cat sat on the mat.', 2) expected"),
    ("word_shingles", shingles_underscore_in_words, "('CamelCase and_snake', 1) expected"),
    ("minhash_signature", signature_without_mixing, "on input (array([1, 2, 3], dtype=uint32), 4, 1) expected"),
    ("minhash_signature", signature_without_wrapping, "on input (array([1, 2, 3], dtype=uint32), 4, 1) expected"),
    ("minhash_signature", signature_empty_is_zero, "on input (array([], dtype=uint32), 4, 1) expected"),
    ("minhash_signature", signature_maximum, "on input (array([1, 2, 3], dtype=uint32), 4, 1) expected"),
    ("lsh_candidate_probability", lambda similarity, bands, rows: 1 - (1 - similarity ** bands) ** rows,
     "on input (0.8, 9, 13) expected 0.398"),
    ("lsh_candidate_probability", lambda similarity, bands, rows: similarity ** (bands * rows),
     "on input (0.8, 9, 13) expected 0.398"),
    ("lsh_candidate_probability", lambda similarity, bands, rows: (1 - similarity ** rows) ** bands,
     "on input (0.8, 9, 13) expected 0.398"),
    ("lsh_candidate_probability", lambda similarity, bands, rows: 1 - (1 - similarity * rows) ** bands,
     "expected"),
]
