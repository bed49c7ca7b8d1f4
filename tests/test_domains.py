"""Domain classifier: trains, splits by group, saves without pickle, labels a documents table."""

import numpy as np
import pandas as pd
import pytest

from cs229llm.data.documents import mark_dropped, new_documents
from cs229llm.data.domains import classify_domains, confusion_table, load_model, split_by_group, train_domain_classifier
from cs229llm.errors import InputError

TOPICS = {
    "code": "def function return import class variable loop compile python error stack",
    "news": "minister election council government reported police city announced today",
    "books": "chapter novel author character story reader pages fiction published",
    "science": "experiment cells energy protein hypothesis measured results particle study",
}


def _texts(per_domain=24, seed=0):
    rng = np.random.default_rng(seed)
    filler = "the of and a to in is that it was for on".split()
    rows = []
    for domain, words in TOPICS.items():
        vocabulary = words.split()
        for index in range(per_domain):
            body = rng.choice(vocabulary + filler, size=60)
            rows.append({"text": " ".join(body), "domain": domain, "group": f"{domain}{index // 2}"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def model():
    data = _texts()
    return train_domain_classifier(data["text"], data["domain"], data["group"], seed=3, n_features=1 << 12)


def test_classifier_learns_topics_and_reports_confusion(model):
    assert model.report["accuracy"] >= 0.9
    table = confusion_table(model)
    assert list(table.index) == sorted(TOPICS) and table.to_numpy().sum() == model.report["test_documents"]
    new = _texts(per_domain=5, seed=9)
    assert (np.array(model.predict(new["text"])) == new["domain"].to_numpy()).mean() >= 0.9


def test_split_keeps_groups_on_one_side():
    groups = [f"g{i // 3}" for i in range(60)] + [None, None]
    test = split_by_group(groups, 0.25, seed=1)
    frame = pd.DataFrame({"group": groups[:60], "test": test[:60]})
    assert (frame.groupby("group")["test"].nunique() == 1).all()
    assert 0 < test.sum() < len(groups)


def test_save_and_load_round_trip_without_pickle(model, tmp_path):
    path = model.save(tmp_path / "domains.npz")
    with np.load(path, allow_pickle=False) as data:
        assert data["coef"].dtype == np.float32
    loaded = load_model(path)
    texts = _texts(per_domain=3, seed=4)["text"].tolist()
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts), atol=1e-6)
    assert loaded.report["accuracy"] == model.report["accuracy"]
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(InputError):
        load_model(tmp_path / "bad.npz")


def test_stage_adds_domain_and_score_and_skips_unusable_rows(model):
    docs = new_documents([{"id": "a", "text": "def function return import class"}, {"id": "b", "text": ""},
                          {"id": "c", "text": "minister election council\x00 government"},
                          {"id": "d", "text": "novel chapter author"}, {"id": "e", "text": None}])
    docs = mark_dropped(docs, [False, False, False, True, False], "quality", "too short")
    out = classify_domains(docs, model)
    assert out.loc[[0, 2], "domain"].tolist() == ["code", "news"]
    assert out["domain"].iloc[[1, 3, 4]].isna().all()
    assert 0 < out.loc[0, "domain_score"] <= 1 and np.isnan(out.loc[1, "domain_score"])
    with pytest.raises(InputError):
        classify_domains(pd.DataFrame({"id": ["x"]}), model)


@pytest.mark.slow
def test_sample_crawl_classifier_reaches_target_accuracy():
    from cs229llm.data.domains import train_on_sample_crawl

    crawl_model = train_on_sample_crawl()
    assert crawl_model.report["accuracy"] >= 0.9, crawl_model.report
