"""The shipped sample data: the labeled mini crawl, the domain corpora and the HQ reference set.

Everything under ``data_samples/`` is written by :func:`build_samples` (``cs229llm data
build-samples``) from a seed, byte for byte. This module is the one place that knows the
file layout; stages and notebooks call these functions instead of opening files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..paths import DATA_SAMPLES
from .crawlgen.build import SEED, stream, target_length
from .crawlgen.build import build_samples as build
from .crawlgen.text import make_document
from .documents import read_records
from .domain_names import DOMAINS

QUALITY_LABELS = ["good", "boilerplate", "spam", "machine", "too_short", "lorem", "menu_only", "non_text", "error"]
SPLITS = ("train", "heldout")
LABEL_COLUMNS = ["record_id", "url", "site", "domain", "lang", "quality", "dup_group", "base_doc", "kind",
                 "segment", "http_status", "content_type", "defect", "similarity", "words"]


def samples_root(root: str | Path | None = None) -> Path:
    """The folder holding the samples (``data_samples/`` of the repository unless ``root`` is given)."""
    if root is not None and str(root).strip() == "":
        raise InputError("the samples folder is empty: give a folder name (or leave it out for data_samples/)")
    return Path(root) if root is not None else DATA_SAMPLES


def _require(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"missing sample file {path}: rebuild the samples with `cs229llm data build-samples`")
    return path


def crawl_paths(root: str | Path | None = None) -> list[Path]:
    """The gzip WARC files of the sample crawl, sorted by name.

    Raises:
        InputError: no WARC file is there (rebuild with ``cs229llm data build-samples``).
    """
    crawl_dir = _require(samples_root(root) / "crawl")
    paths = sorted(crawl_dir.glob("*.warc.gz"))
    if not paths:
        raise InputError(f"no .warc.gz files in {crawl_dir}: rebuild with `cs229llm data build-samples`")
    return paths


def load_labels(root: str | Path | None = None) -> pd.DataFrame:
    """Ground truth for every response record of the crawl, one row per record.

    Columns: ``record_id`` (the WARC-Record-ID), ``url``, ``site`` (host), ``domain``,
    ``lang`` (``en``/``de``/``fr``/``es``, ``la`` for lorem ipsum, empty for non-text),
    ``quality`` (one of :data:`QUALITY_LABELS`), ``dup_group`` (records that are exact or near
    copies of one another share it), ``base_doc`` (the base document, empty for junk),
    ``kind`` (original, mirror, syndicated, edited, templated, listing, junk, non_text, error),
    ``segment`` (WARC file name), ``http_status``, ``content_type`` (as sent, may be empty or
    wrong), ``defect`` (encoding or header defect, empty if none), ``similarity`` (word-5-gram
    Jaccard of the copy's clean text to its base document) and ``words``.
    """
    path = _require(samples_root(root) / "crawl" / "labels.jsonl")
    frame = read_records(path)
    for column in ("base_doc", "lang", "defect", "content_type"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame


def domain_corpus(split: str = "train", root: str | Path | None = None,
                  languages: list[str] | None = None) -> pd.DataFrame:
    """Clean texts (no HTML) of the base documents, with their domain.

    Args:
        split: ``"train"`` (the base documents of the crawl) or ``"heldout"`` (per-domain English
            documents never in the crawl, for evaluation).
        root: samples folder (default ``data_samples/``).
        languages: keep only these language codes (default: all).

    Returns:
        DataFrame with ``id``, ``text``, ``domain``, ``lang``, ``title``, ``split``.
    """
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    path = _require(samples_root(root) / "corpus" / f"{split}.jsonl.gz")
    frame = read_records(path)
    if languages is not None:
        frame = frame[frame["lang"].isin(list(languages))].reset_index(drop=True)
    return frame[["id", "text", "domain", "lang", "title", "split"]]


def hq_reference(root: str | Path | None = None) -> pd.DataFrame:
    """The high-quality reference set: well-edited encyclopedic articles held out from the crawl.

    Returns:
        DataFrame with ``id``, ``text``, ``title``.
    """
    path = _require(samples_root(root) / "hq_reference.jsonl")
    frame = read_records(path)
    return frame[["id", "text", "title"]]


def synthetic_corpus(docs_per_domain: int = 50, seed: int = 1, languages: tuple[str, ...] = ("en",),
                     domains: list[str] | None = None) -> pd.DataFrame:
    """More clean documents from the crawl's generator, for bigger training runs (generated, not read).

    Uses its own random streams, so these documents are neither in the crawl nor in the held-out
    split (for any ``seed``). Deterministic for a given ``seed``.

    Args:
        docs_per_domain: documents per domain and language.
        seed: stream seed; different seeds give different documents.
        languages: language codes among ``en``, ``de``, ``fr``, ``es``.
        domains: subset of :data:`DOMAINS` (default all).

    Returns:
        DataFrame with ``id``, ``text``, ``domain``, ``lang``, ``title``, ``split`` (= ``"synthetic"``).
    """
    if docs_per_domain < 0:
        raise InputError(f"docs_per_domain must be >= 0, got {docs_per_domain}")
    unknown = set(languages) - {"en", "de", "fr", "es"}
    if unknown:
        raise InputError(f"unknown language(s) {sorted(unknown)}: choose from en, de, fr, es")
    chosen = domains if domains is not None else DOMAINS
    bad = [d for d in chosen if d not in DOMAINS]
    if bad:
        raise InputError(f"unknown domain(s) {bad}: choose from {', '.join(DOMAINS)}")
    rows = []
    for domain in chosen:
        for lang in languages:
            for index in range(docs_per_domain):
                rng = stream(seed, "synthetic", domain, lang, index)
                words = target_length(rng) if lang == "en" else rng.randint(100, 170)
                document = make_document(f"synthetic{seed}-{domain}-{lang}-{index:05d}", domain, lang, rng, words)
                rows.append({"id": document.doc_id, "text": document.text, "domain": domain, "lang": lang,
                             "title": document.title, "split": "synthetic"})
    return pd.DataFrame(rows, columns=["id", "text", "domain", "lang", "title", "split"])


def build_samples(out_dir: str | Path | None = None, seed: int | None = None) -> dict:
    """Rebuild the samples into ``out_dir`` (default ``data_samples/``); returns a summary dict."""
    return build(samples_root(out_dir), SEED if seed is None else seed)
