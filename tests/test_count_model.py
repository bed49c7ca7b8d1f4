import numpy as np
import pytest

from cs229llm.count_model import CountLanguageModel, cross_entropy_bits, detokenize, tokenize_words
from cs229llm.errors import InputError

TEXT = "the cat sat on the mat . the cat ate the rat . a dog sat on the log . " * 5


def test_probabilities_sum_to_one_and_follow_counts():
    model = CountLanguageModel(order=2).fit(TEXT)
    p = model.probabilities("the")
    assert p.sum() == pytest.approx(1.0)
    top = [token for token, _ in model.top_next("the", k=2)]
    assert top[0] == "cat"  # "the cat" is the most frequent continuation


def test_temperature_reshapes_as_power():
    model = CountLanguageModel(order=2).fit(TEXT)
    p = model.probabilities("the")
    sharpened = p ** 2 / (p ** 2).sum()
    assert np.allclose(model.probabilities("the", temperature=0.5), sharpened)
    assert model.entropy_bits("the", 0.5) < model.entropy_bits("the", 1.0) < model.entropy_bits("the", 3.0)


def test_sampling_is_deterministic_for_a_seed():
    model = CountLanguageModel(order=2).fit(TEXT)
    assert model.sample("the", 10, seed=3) == model.sample("the", 10, seed=3)


def test_more_context_helps_on_repetitive_text():
    uni = CountLanguageModel(order=1).fit(TEXT)
    bi = CountLanguageModel(order=2).fit(TEXT)
    assert cross_entropy_bits(bi, TEXT)[0] < cross_entropy_bits(uni, TEXT)[0]


def test_bad_input_is_a_clear_error():
    with pytest.raises(InputError):
        CountLanguageModel(order=0)
    with pytest.raises(InputError):
        CountLanguageModel(order=3).fit("too short")
    with pytest.raises(InputError, match="temperature"):
        CountLanguageModel(order=1).fit(TEXT).probabilities("the", temperature=0)


def test_tokenize_and_detokenize():
    assert tokenize_words("Hello, world!") == ["hello", ",", "world", "!"]
    assert detokenize(["hello", ",", "world", "!"]) == "hello, world!"
