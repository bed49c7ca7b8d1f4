"""How good are the extractors and the language identifier on pages whose main text is known?

Two page sets carry main-content truth:
- the generated crawl (the lab): the generator writes each article inside ``<main>`` as an ``<article>``
  (or a wiki, forum or shop container), so the article's own text is exact truth;
- the real Debian Reference pages (``data/real``): ``main_text`` is the DocBook content division without its
  table of contents, a rule stated per page in ``main_rule`` (a heuristic truth, said so).

Each extractor is scored by bag-of-words F1 against the truth (words lower-cased, counted with their
multiplicity), per page and averaged. Language identification is scored on the real pages whose language comes
from their translation, with the stage's threshold and without it (plain py3langid's top label).
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
from py3langid import classify
from resiliparse.parse.html import HTMLTree

from ..data.extract import EXTRACTORS, decode_html, naive_text
from ..data.langid import FINEWEB_THRESHOLD, detect_language

# The containers the generator puts an article in, inside <main>
LAB_ARTICLE = "main > article, main > div#content, main > div.thread, main > div.product"
_WORD = re.compile(r"\w+")


def bag_of_words(text: str) -> Counter:
    """The text's words, lower-cased, with how often each occurs."""
    return Counter(_WORD.findall(text.lower()))


def bag_of_words_f1(extracted: str, truth: str) -> float:
    """F1 of the extracted words against the true main text's words (multiplicities counted; 0 when either
    is empty, 1 for two empty texts)."""
    got, want = bag_of_words(extracted), bag_of_words(truth)
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def lab_main_text(html: str) -> str | None:
    """The article text of a generated page (its ``<main>`` container), or None for pages without one
    (listings, menus, error pages)."""
    body = HTMLTree.parse(html).body
    element = body.query_selector(LAB_ARTICLE) if body is not None else None
    return naive_text(element.html) if element is not None else None


def lab_pages(crawl: pd.DataFrame) -> pd.DataFrame:
    """Kept crawl records that hold an article: ``id``, ``html`` (decoded) and ``main_text`` (the truth)."""
    rows = []
    for record_id, raw in zip(crawl["id"], crawl["html"]):
        html = decode_html(raw)
        truth = lab_main_text(html) if html else None
        if truth:
            rows.append({"id": record_id, "html": html, "main_text": truth})
    return pd.DataFrame(rows, columns=["id", "html", "main_text"])


def extraction_scores(pages: pd.DataFrame, methods=tuple(EXTRACTORS)) -> pd.DataFrame:
    """One row per page and method: bag-of-words ``f1`` of the method's text against ``main_text``."""
    rows = []
    for method in methods:
        extract = EXTRACTORS[method]
        for page_id, html, truth in zip(pages["id"], pages["html"], pages["main_text"]):
            rows.append({"id": page_id, "method": method, "f1": bag_of_words_f1(extract(html), truth)})
    return pd.DataFrame(rows, columns=["id", "method", "f1"])


def langid_accuracy(texts, languages, threshold: float = FINEWEB_THRESHOLD) -> dict[str, float]:
    """Share of ``texts`` labelled with their true language: by the stage's rule (the top language *and* a
    score of at least ``threshold``, else "unknown") and by plain py3langid's top label."""
    texts, languages = list(texts), list(languages)
    if not texts:
        return {"thresholded": float("nan"), "plain": float("nan"), "pages": 0}
    staged = sum(lang == truth and score >= threshold
                 for (lang, score), truth in zip(map(detect_language, texts), languages))
    plain = sum(classify(text)[0] == truth for text, truth in zip(texts, languages))
    return {"thresholded": staged / len(texts), "plain": plain / len(texts), "pages": len(texts)}
