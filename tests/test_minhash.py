"""Our vectorised MinHash against plain-Python shingles and datasketch (lecture: deduplication)."""

import math

import numpy as np
import pytest

from cs229llm.data import minhash
from cs229llm.data.crawlgen.build import jaccard
from cs229llm.data.lsh import candidate_probability, optimal_bands_rows


def _reference_shingle_hash(shingle: bytes) -> int:
    """Plain-Python version of the vectorised shingle hash (polynomial word hashes, then mix)."""
    value = 0
    for word in shingle.split(b" "):
        value = (value * int(minhash._NGRAM_BASE) + minhash._word_hash_of_bytes(word)) % (1 << 64)
    return int(minhash._fmix64(np.array([value], dtype=np.uint64))[0]) >> 32


def _random_texts(count, words_per_text, seed=0, vocabulary=3000):
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, size=rng.integers(2, 10))) for _ in range(vocabulary)]
    return [" ".join(rng.choice(vocab, size=words_per_text)) for _ in range(count)]


def test_shingle_hashes_match_plain_python_shingles():
    texts = ["Hello, World! This is a small TEST of shingles.", "", "   \n\t ", "two words",
             "naïve café — über straße and more words here", None, "a\x00b c d e f g h",
             "x" * 5000 + " tail words after a very long word"]
    hashes, offsets = minhash.shingle_hashes(texts, ngram=5)
    assert len(offsets) == len(texts) + 1
    for index, text in enumerate(texts):
        expected = [_reference_shingle_hash(s) for s in minhash.shingle_strings(text, 5)]
        assert hashes[offsets[index]:offsets[index + 1]].tolist() == expected


def test_batching_does_not_change_signatures():
    texts = _random_texts(50, 80)
    whole = minhash.minhash_signatures(texts, num_perm=64)
    in_pieces = minhash.minhash_signatures(texts, num_perm=64, batch_size=7)
    assert np.array_equal(whole, in_pieces)
    assert np.array_equal(minhash.minhash_signatures(texts[3:4], num_perm=64)[0], whole[3])


def test_datasketch_given_our_shingle_hashes_gives_identical_signatures():
    texts = _random_texts(20, 60, seed=1) + ["short one", ""]
    hashes, offsets = minhash.shingle_hashes(texts, 5)
    ours = minhash.signatures_from_hashes(hashes, offsets, num_perm=128, seed=7)
    theirs = minhash.datasketch_signatures_from_hashes(hashes, offsets, num_perm=128, seed=7)
    assert np.array_equal(ours, theirs)


def test_long_text_spanning_many_chunks_matches_direct_minimum():
    text = _random_texts(1, 30_000, seed=2)[0]
    hashes, offsets = minhash.shingle_hashes([text], 5)
    assert offsets[-1] > 2 * minhash._CHUNK_SHINGLES
    signature = minhash.signatures_from_hashes(hashes, offsets, num_perm=16)[0]
    a, b = minhash.permutations(16)
    direct = (a[:, None] * minhash.fmix32(hashes)[None, :] + b[:, None]).min(axis=1)
    assert np.array_equal(signature, direct)


def test_both_paths_estimate_jaccard_within_the_estimator_error():
    """Pairs at known Jaccard: ours and datasketch (SHA-1) both land within ~3 sigma of the truth."""
    rng = np.random.default_rng(3)
    base = _random_texts(1, 400, seed=4)[0].split()
    pairs = []
    for replaced in (10, 40, 120):
        for trial in range(4):
            other = list(base)
            for position in rng.choice(len(other), size=replaced, replace=False):
                other[position] = f"new{trial}x{position}"
            pairs.append((" ".join(base), " ".join(other)))
    num_perm = 128
    texts = [t for pair in pairs for t in pair]
    ours = minhash.minhash_signatures(texts, num_perm=num_perm)
    theirs = minhash.datasketch_signatures(texts, num_perm=num_perm)
    for index, (text_a, text_b) in enumerate(pairs):
        truth = minhash.exact_jaccard(text_a, text_b)
        sigma = math.sqrt(truth * (1 - truth) / num_perm)
        for signatures in (ours, theirs):
            estimate = minhash.estimated_jaccard(signatures[2 * index], signatures[2 * index + 1])
            assert abs(estimate - truth) <= 3.5 * sigma + 1e-9, (truth, estimate)


@pytest.mark.slow
def test_estimator_error_is_close_to_theory():
    """Over many independent seeds the RMS error matches sqrt(J(1-J)/k) within 15%."""
    base = _random_texts(1, 300, seed=5)[0].split()
    other = list(base)
    for position in range(0, 300, 25):
        other[position] = f"changed{position}"
    text_a, text_b = " ".join(base), " ".join(other)
    truth = minhash.exact_jaccard(text_a, text_b)
    hashes, offsets = minhash.shingle_hashes([text_a, text_b], 5)
    errors = []
    for seed in range(300):
        signatures = minhash.signatures_from_hashes(hashes, offsets, num_perm=64, seed=seed)
        errors.append(minhash.estimated_jaccard(signatures[0], signatures[1]) - truth)
    rms = float(np.sqrt(np.mean(np.square(errors))))
    theory = math.sqrt(truth * (1 - truth) / 64)
    assert abs(rms / theory - 1) < 0.15, (rms, theory)


def test_bad_text_does_not_crash():
    texts = ["\x00\x00\x00", "\udcff broken surrogate here and there more words", b"bytes \xff\xfe input".decode(
        "utf-8", "replace"), float("nan"), "word " * 2_000_000]
    hashes, offsets = minhash.shingle_hashes(texts, 5)
    assert offsets[1] - offsets[0] == 0  # NUL bytes separate words: no word, no shingle
    assert offsets[-1] - offsets[-2] == 2_000_000 - 4  # the 10 MB text is hashed whole
    signatures = minhash.minhash_signatures(texts[:4], num_perm=32)
    assert signatures.shape == (4, 32)
    assert (signatures[3] == minhash.MAX_HASH).all()  # NaN is an empty text


def test_banding_matches_datasketch_choice_and_s_curve():
    assert optimal_bands_rows(0.8, 128) == (9, 13)
    assert optimal_bands_rows(0.7, 128) == (14, 9)
    assert optimal_bands_rows(0.5, 128) == (25, 5)
    curve = candidate_probability(np.array([0.0, 0.5, 0.8, 1.0]), 9, 13)
    assert curve[0] == 0 and curve[-1] == 1 and np.all(np.diff(curve) > 0)


def test_the_vectorised_tokeniser_splits_every_byte_as_the_word_definition_does():
    from cs229llm.data.words import shingle_words

    every_byte = "".join(chr(code) for code in range(1, 256)) + " Ünïcödé 中文 words, A-Z 0-9 "
    words = shingle_words(every_byte)
    assert b"0123456789" in words and b"abcdefghijklmnopqrstuvwxyz" in words  # upper case is lowered
    hashes, offsets = minhash.shingle_hashes([every_byte], ngram=1)
    assert hashes.tolist() == [_reference_shingle_hash(word) for word in words]


def test_the_crawls_similarity_labels_use_the_dedups_shingles():
    # the crawl's `similarity` label (dedup's ground truth) is the Jaccard of exactly minhash's shingles:
    # case and punctuation never make two copies differ, and n-grams are of shingle words
    a, b = "Hello, World! The river runs through town.", "hello world the river runs through town"
    assert set(minhash.shingle_strings(a, 3)) == set(minhash.shingle_strings(b, 3)) and jaccard(a, b, 3) == 1.0
    assert jaccard("one two three four five six", "one two three four five seven", 5) == 1 / 3
    assert jaccard("It's e-mail.", "its e mail", 2) < 1.0  # "it's" is the two shingle words "it" and "s"
