"""Quality rules: signals checked against a plain-Python reading of the definitions, and each rule's verdict."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from cs229llm.data.documents import new_documents
from cs229llm.data.quality import (
    RULES,
    SIGNAL_COLUMNS,
    compute_signals,
    default_thresholds,
    evaluate_rules,
    gopher_stop_words,
    gopher_symbol_ratio,
    quality_filter,
    resolve_rules,
    rule_counts,
    text_signals,
)
from cs229llm.data.quality_classifier import QualityClassifier, classifier_filter, train_quality_classifier
from cs229llm.data.words import shingle_words, whitespace_words
from cs229llm.errors import InputError

GOOD = """The harbour town woke slowly on a grey morning in early spring.
Fishing boats had left before dawn, and the quay was quiet except for a few gulls arguing over scraps.
Maria opened the bakery at seven, as she had done for almost thirty years, and set out bread that was still warm.
Her first customer was an old teacher who walked to the sea every day, whatever the weather.
They talked about the storm that was expected later in the week and whether the ferry would run.
By noon the clouds had lifted, the boats were coming back with their catch, and the market filled with voices.
Children ran between the stalls while their parents compared prices of mackerel and crab.
In the evening the lights of the houses on the hill came on one by one, and the town settled into its familiar rhythm."""
CODE = GOOD + "\nTo run it, call function main() { return 0; } from the shell."
SHORT = "Buy now. Best price."
SPAM = "\n".join(["Click here for cheap watches"] * 30)


def _docs(texts):
    return new_documents(pd.DataFrame({"id": [f"d{i}" for i in range(len(texts))], "text": texts}))


def _reference_duplicate_ngram_fraction(words, n):
    """Characters of words covered by an n-gram occurrence repeating an earlier one (slow, obvious version)."""
    seen, covered = set(), [False] * len(words)
    for start in range(len(words) - n + 1):
        gram = tuple(words[start:start + n])
        if gram in seen:
            for position in range(start, start + n):
                covered[position] = True
        seen.add(gram)
    total = sum(map(len, words))
    return sum(len(w) for w, c in zip(words, covered) if c) / total


def _reference_top_ngram_fraction(words, n):
    grams = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    top = max(grams.values())
    if top < 2:
        return 0.0
    best = max(sum(map(len, g)) * c for g, c in grams.items() if c == top)
    return min(1.0, best / sum(map(len, words)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_ngram_signals_match_the_plain_definition(seed):
    rng = np.random.default_rng(seed)
    vocabulary = ["alpha", "be", "sea", "to", "of", "delta", "x", "river", "stone", "and"]
    words = [vocabulary[i] for i in rng.integers(0, len(vocabulary), size=300)]
    words[100:140] = words[10:50]  # a long repeated passage
    signals = text_signals(" ".join(words))
    for n in (5, 6, 7, 8, 9, 10):
        assert signals[f"q_duplicate_{n}gram"] == pytest.approx(_reference_duplicate_ngram_fraction(words, n))
    for n in (2, 3, 4):
        assert signals[f"q_top_{n}gram"] == pytest.approx(_reference_top_ngram_fraction(words, n))


def test_line_and_word_signals_by_hand():
    text = "one two three.\none two three.\nshort\n\n#tag and the end..."
    signals = text_signals(text)
    assert signals["q_words"] == 11
    assert signals["q_duplicate_lines"] == pytest.approx(1 / 4)
    assert signals["q_duplicate_line_chars"] == pytest.approx(len("one two three.") / len(text.replace("\n", "")))
    assert signals["q_ellipsis_lines"] == pytest.approx(1 / 4)
    assert signals["q_hash_ratio"] == pytest.approx(1 / 11) and signals["q_ellipsis_ratio"] == pytest.approx(1 / 11)
    assert signals["q_stop_words"] == 2  # and, the
    assert signals["q_line_punctuation"] == pytest.approx(3 / 4)
    assert signals["q_short_lines"] == pytest.approx(1.0)
    assert text_signals("")["q_words"] == 0 and set(text_signals("")) == set(SIGNAL_COLUMNS)


def test_stop_words_are_counted_once_each():
    """Gopher needs two *different* stop words: repeating one is not enough (it was, when occurrences counted)."""
    words = " ".join(["the"] * 30 + ["river", "stones", "valley"] * 10)
    assert text_signals(words)["q_stop_words"] == 1
    assert not gopher_stop_words(compute_signals(pd.DataFrame({"id": ["a"], "text": [words]}))).iloc[0]
    assert text_signals(words + " and")["q_stop_words"] == 2


def test_hashes_and_ellipses_are_limited_each_on_its_own():
    """8% hashes and 8% ellipses pass Gopher (each is under 10%); their sum (16%) would not."""
    words = ["word"] * 84 + ["#tag"] * 8 + ["wait..."] * 8
    frame = compute_signals(pd.DataFrame({"id": ["a"], "text": [" ".join(words)]}))
    assert gopher_symbol_ratio(frame).iloc[0]
    too_many = ["word"] * 80 + ["#tag"] * 12 + ["wait"] * 8
    assert not gopher_symbol_ratio(compute_signals(pd.DataFrame({"id": ["a"], "text": [" ".join(too_many)]}))).iloc[0]


def test_published_defaults_and_rule_verdicts():
    thresholds = default_thresholds()
    assert thresholds["min_words"] == 50 and thresholds["max_symbol_ratio"] == 0.1
    assert thresholds["max_duplicate_lines"] == 0.3 and thresholds["max_top_2gram"] == 0.2
    assert thresholds["min_line_punctuation"] == 0.12 and thresholds["max_short_lines"] == 0.67
    assert thresholds["fineweb_max_duplicate_line_chars"] == 0.01 and thresholds["min_sentences"] == 5
    out = quality_filter(_docs([GOOD, CODE, SHORT, SPAM, ""]))
    assert out.loc[0, "dropped_by"] is None, out.loc[0, "drop_reason"]
    assert out.loc[1, "drop_reason"] == "c4_curly_bracket"
    assert out.loc[2, "drop_reason"] == "gopher_word_count"
    assert out.loc[3, "drop_reason"] in {"gopher_stop_words", "gopher_duplicate_lines"}
    assert out.loc[4, "drop_reason"] == "gopher_word_count"
    assert set(SIGNAL_COLUMNS) <= set(out.columns)


def test_rethresholding_uses_signals_only_and_matches_a_fresh_run():
    signals = compute_signals(_docs([GOOD, CODE, SHORT, SPAM]))
    loose = evaluate_rules(signals, "gopher_quality", min_words=3, min_stop_words=0)
    assert loose.loc[2].all()  # the short ad passes once the word limit is 3
    again = quality_filter(_docs([GOOD, CODE, SHORT, SPAM]), rules="gopher_quality", min_words=3, min_stop_words=0)
    assert again.loc[2, "dropped_by"] is None
    with pytest.raises(InputError, match="unknown threshold"):
        evaluate_rules(signals, "c4", min_words=3)
    with pytest.raises(InputError, match="unknown quality rule"):
        resolve_rules("gopher,shiny")
    assert [r.__name__ for r in resolve_rules("c4,c4_curly_bracket")] == [
        "c4_lorem_ipsum", "c4_curly_bracket", "c4_min_sentences"]
    with pytest.raises(InputError, match="compute_signals"):
        evaluate_rules(_docs([GOOD]), "c4")


def test_rule_counts_form_a_funnel():
    signals = compute_signals(_docs([GOOD, CODE, SHORT, SPAM, GOOD.upper(), "lorem ipsum dolor " * 30]))
    counts = rule_counts(signals)
    assert list(counts["rule"]) == list(RULES)
    assert (counts["in"] == counts["kept"] + counts["dropped"]).all()
    assert counts["dropped"].sum() == len(signals) - counts["kept"].iloc[-1]
    assert (counts["fails"] >= counts["dropped"]).all()
    filtered = quality_filter(signals)
    assert counts["kept"].iloc[-1] == filtered["dropped_by"].isna().sum()


def test_learned_classifier_separates_reference_from_crawl(tmp_path):
    rng = np.random.default_rng(0)
    prose = GOOD.split("\n")
    spam_words = ["click", "buy", "cheap", "free", "now", "best", "deal", "watches", "offer", "sale", "win"]
    positives = [" ".join(rng.choice(prose, size=4)) for _ in range(60)]
    negatives = [" ".join(rng.choice(spam_words, size=40)) for _ in range(60)]
    classifier = train_quality_classifier(positives, negatives, seed=0)
    metrics = classifier.metrics
    assert metrics["heldout_accuracy"] >= 0.9 and metrics["heldout_size"] == 24
    scores = classifier.score([GOOD, SPAM])
    assert scores[0] > 0.5 > scores[1]
    saved = classifier.save(tmp_path / "hq")
    again = QualityClassifier.load(saved)
    assert np.allclose(again.score([GOOD, SPAM]), scores)
    out = classifier_filter(_docs([GOOD, SPAM]), again, threshold=0.5)
    assert out.loc[0, "dropped_by"] is None and out.loc[1, "dropped_by"] == "quality_classifier"
    with pytest.raises(InputError):
        train_quality_classifier(["a"], negatives)
    with pytest.raises(InputError):
        QualityClassifier.load(tmp_path / "missing")


def test_agreement_with_labels_counts_by_hand():
    from cs229llm.data.quality import agreement_with_labels

    kept_mask = pd.Series([True, True, False, False, True])
    is_good = pd.Series([True, False, False, True, True])
    result = agreement_with_labels(kept_mask, is_good)
    assert result["kept"] == 3 and result["dropped"] == 2
    assert result["kept_precision"] == pytest.approx(2 / 3)
    assert result["good_recall"] == pytest.approx(2 / 3)
    assert result["dropped_precision"] == pytest.approx(1 / 2)


def test_quality_panel_readout_follows_the_sliders():
    from cs229llm.viz.quality_panel import quality_filters_panel, quality_readout

    signals = compute_signals(_docs([GOOD, CODE, SHORT, SPAM, GOOD.replace("harbour", "river")]))
    is_good = pd.Series([True, True, False, False, True], index=signals.index)
    panel = quality_filters_panel(signals, is_good)
    assert "cs229llm-panel-quality-filters" in panel._dom_classes
    sliders = {s.description: s for s in panel.children[0].children}
    readout = panel.children[2]
    assert "cs229llm-readout" in readout._dom_classes
    assert readout.value.startswith("kept=2 ") and "precision=1.000" in readout.value
    sliders["min_words"].value = 300  # longer than every test text: nothing is kept
    assert readout.value.startswith("kept=0 dropped=5 ")
    assert quality_readout(signals, is_good, min_words=300)["kept"] == 0
    assert "cs229llm-slider-gopher_word_count" in sliders["min_words"]._dom_classes


def test_extraction_panel_reports_boilerplate_removed():
    from cs229llm.viz.extraction_panel import extraction_panel

    page = ("<html><body><nav>Home | About | Contact | Shop | Blog</nav><article>"
            + "<p>The river carved the valley over many thousands of years, slowly and patiently.</p>" * 3
            + "</article><footer>Copyright 2024. Privacy policy. Terms of use.</footer></body></html>")
    panel = extraction_panel(pd.DataFrame({"url": ["https://example.org/a"], "html": [page]}))
    readout = panel.children[2]
    assert "method=resiliparse" in readout.value and "boilerplate_removed=0." in readout.value
    panel.children[1].value = "naive"
    assert "boilerplate_removed=0.000" in readout.value


def test_a_ten_megabyte_text_is_measured_quickly_and_dropped_for_length():
    import time

    huge = "The river ran past the old mill and the bridge.\n" * 210_000
    assert len(huge) > 10_000_000
    start = time.perf_counter()
    out = quality_filter(_docs([huge, GOOD]))
    assert time.perf_counter() - start < 30
    assert out.loc[0, "q_words"] == 10 * 210_000
    assert out.loc[0, "drop_reason"] == "gopher_word_count" and out.loc[1, "dropped_by"] is None


def test_gopher_counts_whitespace_words_not_the_shingle_words_of_dedup():
    """Gopher's rules (50..100,000 words, mean word length, share of words with a letter) are defined on
    whitespace-separated tokens, punctuation included; near dedup's shingle words are runs of letters and
    digits, so that punctuation and case never make two copies look different. The two counts differ."""
    text = "E.g. the U.S. team -- won 3-2!"
    assert whitespace_words(text) == ["E.g.", "the", "U.S.", "team", "--", "won", "3-2!"]
    assert shingle_words(text) == [b"e", b"g", b"the", b"u", b"s", b"team", b"won", b"3", b"2"]
    signals = text_signals(text)
    assert signals["q_words"] == len(whitespace_words(text)) == 7 != len(shingle_words(text))
    # mean word length: whitespace tokens stripped of outer punctuation ("E.g", "U.S", "3-2"; "--" goes)
    assert signals["q_mean_word_length"] == pytest.approx((3 + 3 + 3 + 4 + 3 + 3) / 6)
    assert signals["q_alphabetic_words"] == pytest.approx(5 / 7)  # "--" and "3-2!" have no letter
