"""N-gram contamination checks and planting items into training data."""

import numpy as np
import pandas as pd
import pytest

from cs229llm.errors import InputError
from cs229llm.evaluation.contamination import (
    NgramIndex,
    contamination_report,
    inflation,
    ngram_hashes,
    normalized_words,
    plant_items,
)
from cs229llm.evaluation.multiple_choice import MultipleChoiceItem

TRAIN = ["The quick brown fox jumps over the lazy dog while the farmer sleeps under an old oak tree today.",
         "Completely different words make up this second training document about gardens and rivers."]


def test_hashes_match_python_sets():
    ids = np.array([1, 2, 3, 1, 2, 3, 4])
    hashes = ngram_hashes(ids, 3)
    assert hashes.size == 5
    python = [tuple(ids[i:i + 3]) for i in range(5)]
    assert len(set(hashes.tolist())) == len(set(python)) == 4
    assert ngram_hashes(ids, 8).size == 0


def test_normalisation_ignores_case_and_punctuation():
    assert normalized_words("Hello, WORLD! it's_ok") == ["hello", "world", "it", "s", "ok"]


def test_word_index_flags_copied_item_not_clean_one():
    index = NgramIndex(n=13).add_texts(TRAIN)
    copied = MultipleChoiceItem("the QUICK brown fox, jumps over the lazy dog while the",
                                [" farmer sleeps under", " x y"], 0,
                                id="copied")
    clean = MultipleChoiceItem("an entirely new sentence that appears nowhere in the training data at all",
                               [" really", " no"], 0, id="clean")
    short = MultipleChoiceItem("too short", [" a", " b"], 0, id="short")
    report = contamination_report(index, [copied, clean, short]).set_index("id")
    assert report.loc["copied", "contaminated"] and report.loc["copied", "overlapping"] == report.loc["copied", "ngrams"] == 2
    assert not report.loc["clean", "contaminated"] and report.loc["clean", "overlapping"] == 0
    assert report.loc["short", "ngrams"] == 0 and not report.loc["short", "contaminated"]


def test_token_index_and_threshold():
    class Tok:
        def encode(self, text):
            return [ord(c) for c in text]

    index = NgramIndex(n=5, unit="tokens").add_token_ids(np.array([ord(c) for c in "abcdefghij"]))
    report = contamination_report(index, ["xxcdefgyy", "zzzzzzzz"], tokenizer=Tok())
    assert report["overlapping"].tolist() == [1, 0]
    assert report["contaminated"].tolist() == [True, False]
    strict = contamination_report(index, ["xxcdefgyy"], tokenizer=Tok(), threshold=0.5)
    assert not strict["contaminated"].iloc[0]
    with pytest.raises(InputError):
        contamination_report(index, ["abc"])
    with pytest.raises(InputError):
        index.add_texts(["words"])


def test_plant_items_and_inflation():
    items = [MultipleChoiceItem(f"context {i}", [" a", " b"], 0, id=f"i{i}") for i in range(10)]
    texts, planted = plant_items(TRAIN, items, fraction=0.3, copies=2, seed=0)
    assert len(planted) == 3 and len(texts) == len(TRAIN) + 6
    assert all(t in texts for t in TRAIN)
    assert plant_items(TRAIN, items, 0.3, 2, seed=0) == (texts, planted)
    scores = pd.DataFrame({"id": [f"i{i}" for i in range(10)],
                           "correct": [f"i{i}" in planted for i in range(10)]})
    result = inflation(scores, planted)
    assert result == {"contaminated": 1.0, "clean": 0.0, "inflation": 1.0, "n_contaminated": 3, "n_clean": 7}
    with pytest.raises(InputError):
        plant_items(TRAIN, items, fraction=1.5)
