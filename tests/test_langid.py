"""Language ID: the offline model, the FineWeb threshold, and what happens to short or empty text."""

import pandas as pd
import pytest

from cs229llm.data.documents import new_documents
from cs229llm.data.langid import FINEWEB_THRESHOLD, detect_language, identify_language
from cs229llm.errors import InputError

ENGLISH = "The library opens at nine in the morning and closes after the evening lecture."
GERMAN = "Die Bibliothek öffnet um neun Uhr morgens und schließt nach der Vorlesung am Abend."
FRENCH = "La bibliothèque ouvre à neuf heures du matin et ferme après la conférence du soir."


def test_detects_languages_with_normalised_scores():
    for text, expected in ((ENGLISH, "en"), (GERMAN, "de"), (FRENCH, "fr")):
        language, score = detect_language(text)
        assert language == expected
        assert FINEWEB_THRESHOLD < score <= 1.0
    assert detect_language("   \n ") == ("", 0.0)
    assert detect_language(None) == ("", 0.0)


def _docs(texts):
    return new_documents(pd.DataFrame({"id": [f"d{i}" for i in range(len(texts))], "text": texts}))


def test_stage_keeps_english_and_names_the_reason_for_each_drop():
    out = identify_language(_docs([ENGLISH, GERMAN, "", "ok 12 34 ??", ENGLISH + "\x00"]))
    assert list(out["lang"][:3]) == ["en", "de", ""]
    assert out.loc[0, "dropped_by"] is None and out.loc[4, "dropped_by"] is None
    assert out.loc[1, "drop_reason"] == "language de"
    assert out.loc[2, "drop_reason"] == "empty text"
    assert out.loc[3, "dropped_by"] == "langid"  # too little text to be sure of any language
    assert out["lang_score"].between(0, 1).all()


def test_threshold_and_keep_list_decide():
    docs = _docs([ENGLISH, GERMAN, FRENCH])
    every_language = identify_language(docs, keep=(), threshold=0.5)
    assert every_language["dropped_by"].isna().all()
    strict = identify_language(docs, keep=("en", "de"), threshold=1.0)
    assert (strict["dropped_by"] == "langid").sum() >= 2  # scores of exactly 1.0 are rare
    assert identify_language(docs, keep="de").loc[1, "dropped_by"] is None
    with pytest.raises(InputError):
        identify_language(docs, threshold=1.5)
    with pytest.raises(InputError, match="text"):
        identify_language(new_documents([{"id": "a", "text": "x"}]).drop(columns=["text"]))


def test_rows_dropped_earlier_are_not_scored():
    docs = _docs([ENGLISH, ENGLISH])
    docs.loc[1, ["dropped_by", "drop_reason"]] = ["extract", "no text extracted"]
    out = identify_language(docs)
    assert out.loc[1, "lang"] == "" and pd.isna(out.loc[1, "lang_score"])
    assert out.loc[1, "dropped_by"] == "extract"
