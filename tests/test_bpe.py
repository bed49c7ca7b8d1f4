"""Tests for the teaching BPE: merges, round-trips, agreement with Hugging Face tokenizers, errors."""

import pytest

from cs229llm.errors import InputError
from cs229llm.tokenization.bpe import TeachingBPE, merge_pair
from cs229llm.tokenization.train import bytes_per_token, train_tokenizer

TRICKY = [
    "Hello, world!  Two spaces, a tab\tand a newline\n\n\nthen three.",
    "Unicode: café, naïve, 中文字符, русский, emoji 😀🎉👩‍👩‍👧 and 🇫🇷.",
    "    leading and trailing spaces    ",
    "def square(x):\n    return x ** 2  # comment\n\tindented = {'a': [1, 2, 3]}\n",
    "\r\n\r\nwindows line ends\r\n \u00a0 non-breaking \u200b zero-width; it's we're they'll",
]


def corpus():
    sentences = [
        "The committee approved the budget for the new library on Tuesday.",
        "She walked along the river, thinking about the letter she had never sent.",
        "def mean(values):\n    return sum(values) / len(values)\n",
        "Researchers measured the reaction rate at three temperatures and found a clear trend.",
        "Free shipping on all orders over 50 dollars! Add to cart now.",
        "Has anyone else had trouble installing the driver? I tried rebooting twice.",
    ]
    return [f"{sentence} ({index})" for index in range(40) for sentence in sentences] + TRICKY


@pytest.fixture(scope="module")
def teaching():
    return TeachingBPE.train(corpus(), vocab_size=420)


def test_merge_pair_is_left_to_right_and_non_overlapping():
    assert merge_pair([1, 1, 1, 2, 1, 1], (1, 1), 9) == [9, 1, 2, 9]
    assert merge_pair([3, 4], (5, 6), 9) == [3, 4]


def test_first_merge_is_the_most_frequent_pair():
    texts = ["aaab aaab aaab", "ab ab"]
    bpe = TeachingBPE.train(texts, vocab_size=258)
    first = bpe.history[0]
    # words: "aaab" x1, " aaab" x2, "ab" x1, " ab" x1 -> pair (a, a) occurs 2 * 3 = 6 times, (a, b) 5 times
    assert first.pair_bytes == (b"a", b"a") and first.count == 6
    assert bpe.vocab_size == 258


def test_training_counts_match_a_brute_force_recount(teaching):
    # replay the merges on every word from scratch and check each recorded count
    from collections import Counter

    import regex

    from cs229llm.tokenization.bpe import GPT2_SPLIT_PATTERN

    words = Counter(word for text in corpus() for word in regex.findall(GPT2_SPLIT_PATTERN, text))
    encoded = {word: list(word.encode()) for word in words}
    for step in teaching.history[:40]:
        counts = Counter()
        for word, ids in encoded.items():
            for pair in zip(ids, ids[1:]):
                counts[pair] += words[word]
        assert counts[step.pair] == step.count == max(counts.values())
        encoded = {word: merge_pair(ids, step.pair, step.new_id) for word, ids in encoded.items()}


def test_round_trip_is_exact(teaching):
    for text in TRICKY + ["", "🎉" * 7, "x" * 500, "a <|endoftext|> b"]:
        assert teaching.decode(teaching.encode(text)) == text


def test_special_token_is_one_id(teaching):
    ids = teaching.encode("end<|endoftext|>start")
    assert teaching.eot_id in ids
    assert teaching.vocab_size == 420 and teaching.eot_id == 419


def test_compression_agrees_with_huggingface_within_two_percent(teaching):
    hf = train_tokenizer(corpus(), vocab_size=420)
    ours, theirs = bytes_per_token(teaching, corpus()), bytes_per_token(hf, corpus())
    assert ours > 2.0
    assert abs(ours - theirs) / theirs < 0.02


def test_save_and_load_encode_the_same(teaching, tmp_path):
    loaded = TeachingBPE.load(teaching.save(tmp_path / "bpe.json"))
    assert loaded.encode(TRICKY[1]) == teaching.encode(TRICKY[1])


def test_errors_are_clear(tmp_path):
    with pytest.raises(InputError, match="at least 257"):
        TeachingBPE.train(corpus(), vocab_size=200)
    with pytest.raises(InputError, match="empty"):
        TeachingBPE.train([""], vocab_size=300)
    with pytest.raises(InputError, match="no teaching BPE"):
        TeachingBPE.load(tmp_path / "missing.json")


def test_stops_when_nothing_is_left_to_merge():
    bpe = TeachingBPE.train(["ab"], vocab_size=1000)
    assert len(bpe.merges) == 1 and bpe.encode("ab") == [256]


def test_first_merges_replays_training(teaching):
    early = teaching.with_first_merges(5)
    assert early.vocab_size == 256 + 5 + 1 and early.history == teaching.history[:5]
    text = "The committee approved the budget."
    assert len(early.encode(text)) >= len(teaching.encode(text))
    assert "".join(teaching.pieces(text)) == text


@pytest.mark.parametrize("specials", [["<|endoftext|>", "<|endoftext|><|endoftext|>"],
                                      ["<|endoftext|><|endoftext|>", "<|endoftext|>"]])
def test_longer_special_token_wins_whatever_the_order_given(specials):
    bpe = TeachingBPE.train(corpus()[:20], vocab_size=300, special_tokens=specials)
    double, single = bpe.special_tokens["<|endoftext|><|endoftext|>"], bpe.special_tokens["<|endoftext|>"]
    ids = bpe.encode("a<|endoftext|><|endoftext|><|endoftext|>b")
    assert ids[1:3] == [double, single] and bpe.eot_id == bpe.special_tokens[specials[0]]
    assert bpe.decode(ids) == "a<|endoftext|><|endoftext|><|endoftext|>b"
