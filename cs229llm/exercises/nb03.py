"""Notebook 03 (deduplication): the learner finds lines repeated across documents, shingles a text, computes a
MinHash signature with the package's permutations and the LSH S-curve."""

import numpy as np
import pandas as pd

from ..data.dedup import repeated_lines
from ..data.lsh import candidate_probability
from ..data.minhash import shingle_strings, signatures_from_hashes
from .core import Exercise, register


def _repeated_lines_reference(texts: list[str], min_documents: int) -> dict[str, int]:
    docs = pd.DataFrame({"id": [str(i) for i in range(len(texts))], "text": pd.Series(texts, dtype=object)})
    return {line: int(count) for line, count in repeated_lines(docs, min_documents).items()}


def _shingles_reference(text: str, n: int) -> list[str]:
    return [shingle.decode("utf-8") for shingle in shingle_strings(text, n)]


def _signature_reference(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    hashes = np.asarray(hashes, dtype=np.uint32)
    return signatures_from_hashes(hashes, np.array([0, len(hashes)], dtype=np.int64), num_perm, seed)[0]


def _s_curve_reference(similarity: float, bands: int, rows: int) -> float:
    return float(candidate_probability(similarity, bands, rows))


register(
    Exercise("repeated_lines", "03_deduplication", _repeated_lines_reference,
             cases=((["a\nb", "a\nc", "a"], 2), (["a\na\na", "b"], 2), (["Home  |  About\nx", " Home | About \ny"], 2),
                    (["x\n\n", "\n\ny", "\n"], 2), (["a", "a", "b", "b", "b"], 3), ([], 2),
                    (["Cookie notice", "cookie notice"], 2), (["p\nq", "q\np", "p\r\nq"], 3), (["a\tb", "a b"], 2)),
             hint="normalise each line's whitespace (runs become one space, ends stripped), skip blank lines, count "
                  "each line once per document, and keep the lines found in at least min_documents documents"),
    Exercise("word_shingles", "03_deduplication", _shingles_reference,
             cases=(("The cat sat on the mat.", 2), ("Hello, World!", 5), ("", 3), ("... !!! ---", 2),
                    ("a b a b a", 2), ("one two three", 3), ("x", 1), ("it's 2024-05-01: naïve café", 2),
                    ("CamelCase and_snake", 1)),
             hint="words are maximal runs of ASCII letters, digits and non-ASCII characters (ASCII letters "
                  "lower-cased, everything else separates); every window of n consecutive words, joined by one "
                  "space, is a shingle, repeats included; fewer than n words make one shingle, no words none"),
    Exercise("minhash_signature", "03_deduplication", _signature_reference,
             cases=((np.array([1, 2, 3], dtype=np.uint32), 4, 1), (np.array([], dtype=np.uint32), 4, 1),
                    (np.array([7], dtype=np.uint32), 3, 1), (np.array([5, 5, 5], dtype=np.uint32), 3, 1),
                    (np.array([0, 0xFFFFFFFF, 0x80000000], dtype=np.uint32), 4, 1),
                    (np.array([10, 20, 30, 40], dtype=np.uint32), 1, 1), (np.array([10, 20, 30, 40], dtype=np.uint32), 4, 7),
                    (np.array([3, 1, 4, 1, 5], dtype=np.uint32), 4, 2)),
             hint="slot i is the minimum over the shingles of (a_i * fmix32(h) + b_i) mod 2^32 with (a, b) from "
                  "permutations(num_perm, seed); uint32 arithmetic wraps by itself; no shingles leaves every slot at "
                  "2^32 - 1"),
    Exercise("lsh_candidate_probability", "03_deduplication", _s_curve_reference,
             cases=((0.8, 9, 13), (0.8, 14, 9), (0.0, 5, 5), (1.0, 5, 5), (0.5, 1, 1), (0.5, 1, 4), (0.5, 4, 1),
                    (0.3, 20, 5), (0.9, 16, 8)),
             hint="one band of `rows` values matches with probability J^rows; the pair is a candidate unless all "
                  "`bands` bands miss, so P = 1 - (1 - J^rows)^bands",
             tolerance=1e-9),
)
