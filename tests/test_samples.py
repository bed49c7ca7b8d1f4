"""The shipped sample crawl: label coverage, every record loads, splits, rebuild is byte-identical."""

from __future__ import annotations

import filecmp
import gzip
import warnings

import pytest

from cs229llm.data import samples
from cs229llm.data.warc import read_warc
from cs229llm.errors import InputError


@pytest.fixture(scope="module")
def labels():
    return samples.load_labels()


@pytest.fixture(scope="module")
def crawl_documents():
    return read_warc(samples.crawl_paths(), include_skipped=True)


def test_label_coverage(labels):
    assert len(labels) >= 2000
    assert labels["record_id"].is_unique and labels["url"].is_unique
    assert set(labels["domain"]) == set(samples.DOMAINS)
    languages = labels.loc[labels["quality"] == "good", "lang"].value_counts()
    assert {"en", "de", "fr", "es"} <= set(languages.index)
    assert languages.idxmax() == "en" and languages["en"] > languages.sum() / 2
    assert set(labels["quality"]) == set(samples.QUALITY_LABELS)
    originals = labels[labels["kind"] == "original"]
    assert originals["base_doc"].nunique() >= 400
    assert {"mirror", "syndicated", "edited", "templated"} <= set(labels["kind"])
    group_sizes = labels.groupby("dup_group").size()
    assert (group_sizes >= 2).sum() >= 150
    # near-duplicates span the range a near-dedup threshold has to decide on
    copies = labels.loc[labels["kind"].isin(["edited", "syndicated"]), "similarity"]
    assert (copies > 0.8).sum() >= 50
    assert copies.between(0.5, 0.8).sum() >= 50
    assert (labels.loc[labels["kind"] == "mirror", "similarity"] == 1.0).all()


def test_base_documents_are_distinct_and_sized():
    from cs229llm.data.crawlgen.build import jaccard

    train = samples.domain_corpus("train")
    words = train["text"].str.split().str.len()
    assert words.between(100, 1500).all()
    # distinct base documents of one domain share little: far below any near-dup threshold
    for domain, group in train[train["lang"] == "en"].groupby("domain"):
        texts = group["text"].tolist()[:12]
        worst = max(jaccard(a, b) for i, a in enumerate(texts) for b in texts[i + 1:])
        assert worst < 0.2, (domain, worst)


def test_every_record_loads_or_is_skipped_for_its_defect(labels, crawl_documents):
    documents, report = crawl_documents
    assert report.file_errors == []
    assert len(documents) == len(labels) == report.responses
    merged = labels.merge(documents, left_on="record_id", right_on="warc_record_id", how="left", validate="1:1")
    assert merged["warc_record_id"].notna().all()
    dropped = merged["dropped_by"].notna()
    # only non-text and error records are skipped, and all of them are
    assert set(merged.loc[dropped, "quality"]) == {"non_text", "error"}
    assert not merged.loc[~merged["quality"].isin(["non_text", "error"]), "dropped_by"].notna().any()
    assert merged.loc[merged["quality"].isin(["non_text", "error"]), "dropped_by"].notna().all()
    kept = merged[~dropped]
    assert (kept["html"].str.len() > 0).all()
    assert not kept["html"].str.contains("\ufffd").any()  # every charset defect decodes cleanly
    assert report.documents + report.skipped_total == report.responses


def test_charset_defects_decode_to_the_right_characters(labels, crawl_documents):
    documents, _ = crawl_documents
    merged = labels.merge(documents, left_on="record_id", right_on="warc_record_id")
    for defect in ("latin1_declared", "undeclared_cp1252", "lying_charset"):
        pages = merged[merged["defect"] == defect]
        assert len(pages) > 0
        accented = pages["html"].str.contains("[éèàçñüöäßáíó]", regex=True)
        assert accented.mean() > 0.8, defect


def test_mirrors_are_exact_copies(labels, crawl_documents):
    documents, _ = crawl_documents
    html = dict(zip(documents["warc_record_id"], documents["html"]))
    originals = labels[labels["kind"] == "original"].set_index("base_doc")["record_id"]
    mirrors = labels[(labels["kind"] == "mirror") & (labels["defect"] == "")]
    assert len(mirrors) > 50
    for _, mirror in mirrors.iterrows():
        original_id = originals[mirror["base_doc"]]
        if labels.set_index("record_id").loc[original_id, "defect"] == "":
            assert html[mirror["record_id"]] == html[original_id]


def test_domain_corpus_splits_are_disjoint():
    train, heldout = samples.domain_corpus("train"), samples.domain_corpus("heldout")
    assert list(train.columns[:3]) == ["id", "text", "domain"]
    assert set(train["domain"]) == set(heldout["domain"]) == set(samples.DOMAINS)
    assert not set(train["id"]) & set(heldout["id"])
    assert not set(train["text"]) & set(heldout["text"])
    assert (heldout.groupby("domain").size() >= 10).all()
    english = samples.domain_corpus("train", languages=["en"])
    assert set(english["lang"]) == {"en"} and len(english) < len(train)
    with pytest.raises(InputError):
        samples.domain_corpus("test")


@pytest.mark.slow
def test_domain_is_learnable_from_text():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB

    train = samples.domain_corpus("train", languages=["en"])
    heldout = samples.domain_corpus("heldout")
    vectorizer = TfidfVectorizer(max_features=3000)
    model = MultinomialNB(alpha=0.1).fit(vectorizer.fit_transform(train["text"]), train["domain"])
    accuracy = (model.predict(vectorizer.transform(heldout["text"])) == heldout["domain"]).mean()
    assert accuracy >= 0.9


def test_synthetic_corpus_is_new_and_deterministic():
    extra = samples.synthetic_corpus(docs_per_domain=3, seed=5)
    assert len(extra) == 3 * len(samples.DOMAINS) and set(extra["domain"]) == set(samples.DOMAINS)
    assert extra.equals(samples.synthetic_corpus(docs_per_domain=3, seed=5))
    known = set(samples.domain_corpus("train")["text"]) | set(samples.domain_corpus("heldout")["text"])
    assert not set(extra["text"]) & known
    assert not set(extra["text"]) & set(samples.synthetic_corpus(docs_per_domain=3, seed=6)["text"])
    german = samples.synthetic_corpus(docs_per_domain=1, languages=("de",), domains=["news"])
    assert german["lang"].tolist() == ["de"]
    with pytest.raises(InputError):
        samples.synthetic_corpus(2, languages=("xx",))


def test_hq_reference_is_held_out_and_longer_sentences():
    hq = samples.hq_reference()
    assert len(hq) >= 100 and hq["id"].is_unique
    train = samples.domain_corpus("train")
    assert not set(hq["text"]) & set(train["text"])

    def mean_sentence_words(texts):
        import re

        sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if s.strip()]
        return sum(len(s.split()) for s in sentences) / len(sentences)

    encyclopedic = train[(train["domain"] == "encyclopedic") & (train["lang"] == "en")]["text"]
    assert mean_sentence_words(hq["text"]) > 1.3 * mean_sentence_words(encyclopedic)


def test_missing_samples_give_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="build-samples"):
        samples.crawl_paths(tmp_path)
    with pytest.raises(InputError, match="build-samples"):
        samples.load_labels(tmp_path)


@pytest.mark.slow
def test_rebuild_is_byte_identical(tmp_path, capsys):
    from cs229llm.cli import main

    assert main(["data", "build-samples", "--out", str(tmp_path)]) == 0
    assert "WARC records" in capsys.readouterr().out
    files = [f"crawl/crawl-{n:05d}.warc.gz" for n in range(4)] + [
        "crawl/labels.jsonl", "corpus/train.jsonl.gz", "corpus/heldout.jsonl.gz", "hq_reference.jsonl"]
    for relative in files:
        rebuilt, committed = tmp_path / relative, samples.samples_root() / relative
        if filecmp.cmp(rebuilt, committed, shallow=False):
            continue
        # a zlib other than the one that built the files compresses differently: the content must still match
        assert relative.endswith(".gz"), relative
        assert gzip.decompress(rebuilt.read_bytes()) == gzip.decompress(committed.read_bytes()), relative
        warnings.warn(f"{relative}: same content, different gzip bytes (another zlib build)")


def test_summary_command(capsys):
    from cs229llm.cli import main

    assert main(["data", "summary"]) == 0
    out = capsys.readouterr().out
    assert "records" in out and "skipped" in out
