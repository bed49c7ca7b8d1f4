"""Scoring extractors against main-content truth, and the span extractor that widens resiliparse's main content."""
import pandas as pd
import pytest

from cs229llm.data.extract import html_to_text, resiliparse_text, span_text
from cs229llm.experiments.extraction_quality import (
    bag_of_words_f1,
    extraction_scores,
    lab_main_text,
    lab_pages,
    langid_accuracy,
)

ITEMS = ["Unpack the archive into your home folder", "Run the installer as an ordinary user",
         "Restart the session to load the new settings"]
PAGE = f"""<html><head><title>Install</title></head><body>
<nav><a href="/">Home</a> | <a href="/docs">Documentation</a> | <a href="/download">Download</a></nav>
<main><article><h1>Installing the tool</h1>
<p>The tool installs in three steps, and none of them needs administrator rights on the machine you use.</p>
<ul>{''.join(f'<li><a href="#s{i}">{item}</a></li>' for i, item in enumerate(ITEMS))}</ul>
<p>After the last step the tool appears in the applications menu, ready for its first run.</p>
</article></main>
<footer>Copyright 2024 Example Project. Privacy policy | Terms of use</footer></body></html>"""


def test_bag_of_words_f1_counts_words_with_their_multiplicity():
    assert bag_of_words_f1("the cat sat", "The cat sat.") == 1.0
    assert bag_of_words_f1("", "") == 1.0 and bag_of_words_f1("", "words") == 0.0
    assert bag_of_words_f1("cat", "cat cat") == pytest.approx(2 * 1 * 0.5 / 1.5)  # recall 1/2
    assert bag_of_words_f1("cat dog", "cat") == pytest.approx(2 * 0.5 * 1 / 1.5)  # precision 1/2


def test_span_keeps_the_list_inside_the_article_and_leaves_the_menus_out():
    span = span_text(PAGE)
    for item in ITEMS:
        assert item in span
    assert "Home" not in span and "Privacy policy" not in span
    assert "ready for its first run" in span and span.startswith("Installing the tool")
    assert html_to_text(PAGE, "span")[0] == span
    assert span_text("<html><body></body></html>") == ""
    truth = lab_main_text(PAGE)
    assert bag_of_words_f1(span, truth) >= bag_of_words_f1(resiliparse_text(PAGE), truth)


def test_lab_truth_is_the_article_container_and_pages_without_one_are_left_out():
    truth = lab_main_text(PAGE)
    assert truth.startswith("Installing the tool") and "Privacy" not in truth and ITEMS[1] in truth
    assert lab_main_text("<html><body><p>a listing</p></body></html>") is None
    crawl = pd.DataFrame({"id": ["a", "b", "c"], "html": [PAGE, "<html><body><p>x</p></body></html>", None]})
    pages = lab_pages(crawl)
    assert pages["id"].tolist() == ["a"]
    scores = extraction_scores(pages, methods=("naive", "span"))
    naive, span = scores.set_index("method")["f1"][["naive", "span"]]
    assert span > naive  # the naive text carries the menus and the footer


def test_language_accuracy_with_and_without_the_threshold():
    texts = ["The river carves its valley slowly over thousands of years, grain by grain.",
             "Der Fluss gräbt sein Tal langsam über Tausende von Jahren, Korn für Korn.", "ok"]
    accuracy = langid_accuracy(texts, ["en", "de", "en"])
    assert accuracy["pages"] == 3 and accuracy["thresholded"] <= accuracy["plain"]
    assert accuracy["plain"] >= 2 / 3
    assert langid_accuracy(texts[:2], ["fr", "fr"])["plain"] == 0.0  # wrong labels score 0
