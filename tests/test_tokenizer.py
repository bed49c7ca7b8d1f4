"""Tests for the fast (Hugging Face) byte-level BPE tokenizer wrapper and compression measures."""

import pandas as pd
import pytest

from cs229llm.errors import InputError
from cs229llm.tokenization.train import (
    bytes_per_token,
    compression_by_domain,
    load_tokenizer,
    train_tokenizer,
)

TRICKY = [
    "Hello, world!  Two spaces, a tab\tand a newline\n\n\nthen three.",
    "Unicode: café, naïve, Ünïcødé, 中文字符, русский текст, emoji 😀🎉👩‍👩‍👧 and 🇫🇷.",
    "    leading spaces and trailing spaces    ",
    "def square(x):\n    return x ** 2  # comment\n\n\tindented_with_tab = {'a': [1, 2, 3]}\n",
    "\r\n\r\nwindows line ends\r\n and \u00a0 non-breaking \u200b zero-width",
    "numbers 1234567890 3.14159 -42 1e-9 and a literal <|endoftext|> marker",
]


def small_corpus():
    base = [
        "The quick brown fox jumps over the lazy dog. " * 3,
        "def add(a, b):\n    return a + b\n\nprint(add(2, 3))\n",
        "In 1905 Einstein published four papers on the photoelectric effect and relativity.",
        "Buy now! Free shipping on orders over $50. Limited time offer, while stocks last.",
    ]
    return base * 20 + TRICKY


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(small_corpus(), vocab_size=400)


def test_round_trip_is_exact_on_tricky_text(tokenizer):
    for text in TRICKY + ["", " ", "\n", "🎉" * 5, "a" * 1000]:
        assert tokenizer.decode(tokenizer.encode(text)) == text


def test_encode_batch_matches_encode(tokenizer):
    assert tokenizer.encode_batch(TRICKY) == [tokenizer.encode(text) for text in TRICKY]


def test_vocab_holds_bytes_merges_and_end_of_text(tokenizer):
    assert 256 + 1 < tokenizer.vocab_size <= 400
    assert tokenizer.decode([tokenizer.eot_id]) == "<|endoftext|>"
    # every byte is one token of its own, so unseen characters still encode
    assert tokenizer.token_bytes(tokenizer.encode("\x01")[0]) == b"\x01"
    assert b"".join(tokenizer.token_bytes(i) for i in tokenizer.encode("café 😀")) == "café 😀".encode()


def test_merges_compress_frequent_text(tokenizer):
    assert len(tokenizer.encode("The quick brown fox")) < len("The quick brown fox".encode()) / 2
    assert bytes_per_token(tokenizer, small_corpus()) > 2.0


def test_save_and_load_give_the_same_tokenizer(tokenizer, tmp_path):
    path = tokenizer.save(tmp_path / "tok")
    assert path.name == "tokenizer.json"
    loaded = load_tokenizer(tmp_path / "tok")
    assert loaded.fingerprint == tokenizer.fingerprint
    assert loaded.eot_id == tokenizer.eot_id
    assert loaded.encode(TRICKY[1]) == tokenizer.encode(TRICKY[1])


def test_training_is_deterministic():
    first = train_tokenizer(small_corpus(), vocab_size=350)
    second = train_tokenizer(small_corpus(), vocab_size=350)
    assert first.fingerprint == second.fingerprint


def test_compression_by_domain_has_one_row_per_domain(tokenizer):
    documents = pd.DataFrame({"text": ["def f(x):\n    return x\n", "Once upon a time there was a fox.", ""],
                              "domain": ["code", "books", "books"]})
    table = compression_by_domain(tokenizer, documents)
    assert sorted(table["domain"]) == ["books", "code"]
    books = table.set_index("domain").loc["books"]
    assert books["documents"] == 1  # the empty text is not counted
    assert books["bytes_per_token"] == pytest.approx(books["bytes"] / books["tokens"])


@pytest.mark.parametrize("vocab_size", [0, 100, 256])
def test_vocabulary_smaller_than_bytes_plus_specials_is_refused(vocab_size):
    with pytest.raises(InputError, match="at least 257"):
        train_tokenizer(small_corpus(), vocab_size=vocab_size)


@pytest.mark.parametrize("vocab_size, message", [
    (0, "at least 257"), (-5, "at least 257"), (256, "at least 257"),
    (300.0, "whole number"), (1e9, "whole number"), ("300", "whole number"), (None, "whole number"),
    (True, "whole number"), (10**9, "too large"), (2**20 + 1, "too large"),
])
def test_vocab_size_outside_the_allowed_range_is_one_line_naming_the_range(vocab_size, message):
    with pytest.raises(InputError, match=message) as error:
        train_tokenizer(small_corpus(), vocab_size=vocab_size)
    assert "257 <= vocab_size <= 1048576" in str(error.value) and "\n" not in str(error.value)


def test_largest_allowed_vocab_size_is_accepted_and_the_corpus_decides_how_many_merges():
    import numpy as np

    tokenizer = train_tokenizer(small_corpus()[:5], vocab_size=np.int64(2**20))
    assert 257 < tokenizer.vocab_size < 2**20  # stops when every word is one token


@pytest.mark.parametrize("corpus", [[], ["", ""]])
def test_empty_corpus_is_refused(corpus):
    with pytest.raises(InputError, match="empty"):
        train_tokenizer(corpus, vocab_size=300)


def test_missing_tokenizer_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no tokenizer"):
        load_tokenizer(tmp_path)


def test_tokenize_commands_train_and_write_shards(tmp_path, capsys):
    from cs229llm.cli import main

    table = tmp_path / "docs.jsonl"
    pd.DataFrame({"text": small_corpus(), "domain": ["code", "books"] * (len(small_corpus()) // 2)}).to_json(
        table, orient="records", lines=True)
    assert main(["tokenize", "train", str(table), str(tmp_path / "tok"), "--vocab-size", "300"]) == 0
    assert (tmp_path / "tok" / "tokenizer.json").is_file()
    assert main(["tokenize", "shards", str(table), str(tmp_path / "shards"),
                 "--tokenizer", str(tmp_path / "tok")]) == 0
    assert (tmp_path / "shards" / "code.tokens").is_file() and "bytes/token" in capsys.readouterr().out
    assert main(["tokenize", "train", str(table), "--vocab-size", "100"]) == 2
    assert "at least 257" in capsys.readouterr().err


def test_bench_tokenizer_command_reports_medians_and_refuses_zero_repeats(capsys):
    import json

    from cs229llm.cli import main

    assert main(["bench", "tokenizer", "--bytes", "20000", "--vocab-size", "300", "--repeats", "2"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["repeats"] == 2 and result["hf_best_s"] <= result["hf_s"]
    assert result["teaching_best_s"] <= result["teaching_s"] and result["compression_gap"] < 0.02
    assert main(["bench", "tokenizer", "--bytes", "20000", "--repeats", "0"]) == 2
    assert "--repeats" in capsys.readouterr().err
