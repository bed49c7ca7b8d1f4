"""Download public web data: Common Crawl WARC/WET files and Parquet shards of web datasets.

For learners with internet who want the real thing after the sample crawl. Downloads
stream to a ``.part`` file and resume with HTTP Range requests after a dropped
connection, then move into place, so a half-finished file is never mistaken for a whole
one. Everything returns the documents table; base URLs are arguments (tests point them at
a local server).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import requests
from tqdm.auto import tqdm

from ..errors import InputError
from ..paths import cache_dir
from .documents import new_documents
from .warc import WarcReport, _iter_paths, _read_file, read_warc

COMMONCRAWL_BASE_URL = "https://data.commoncrawl.org/"
FINEWEB_BASE_URL = "https://huggingface.co/datasets/HuggingFaceFW/fineweb/resolve/main/"
USER_AGENT = "cs229llm-course-downloader/0.1 (+educational; one file at a time)"


def _join(base_url: str, path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def default_destination(url: str) -> Path:
    """Where a download of ``url`` goes: ``<cache>/downloads/<hash of the URL>-<file name>``."""
    name = Path(urlparse(url).path).name or "download"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    return cache_dir() / "downloads" / f"{digest}-{name}"


def download_file(url: str, destination: str | Path | None = None, *, chunk_size: int = 1 << 20,
                  timeout: float = 60.0, max_attempts: int = 4, session=None, progress: bool = False) -> Path:
    """Stream ``url`` to ``destination`` through a ``.part`` file, resuming after dropped connections.

    An existing complete file is returned as is. A leftover ``.part`` (from an interrupted
    run) is resumed with a ``Range`` request; a server that ignores ranges (200 instead of
    206) makes it start over. The size is checked against ``Content-Length`` before the
    file is moved into place.

    Args:
        url: http(s) URL.
        destination: output file (default: :func:`default_destination`).
        chunk_size: bytes per read.
        timeout: seconds per network operation.
        max_attempts: connections tried before giving up (each resumes where the last stopped).
        session: a ``requests.Session`` (default: a new one).
        progress: show a tqdm progress bar.

    Returns:
        The path of the complete file.

    Raises:
        InputError: HTTP error status, or still incomplete after ``max_attempts``.
    """
    destination = Path(destination) if destination is not None else default_destination(url)
    if destination.exists():
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + ".part")
    session = session or requests.Session()
    last_problem = ""
    for _ in range(max_attempts):
        have = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": USER_AGENT}
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            with session.get(url, headers=headers, stream=True, timeout=timeout) as response:
                if response.status_code == 416 and have:  # nothing left to fetch: the part is whole
                    os.replace(part, destination)
                    return destination
                if response.status_code not in (200, 206):
                    raise InputError(f"download of {url} failed: HTTP {response.status_code} {response.reason}")
                if response.status_code == 200:
                    have = 0  # the server sent the whole file: start over
                expected = _expected_size(response, have)
                with open(part, "ab" if have else "wb") as handle:
                    bar = _progress_bar(progress, expected, have, destination.name)
                    for chunk in response.iter_content(chunk_size=chunk_size):
                        handle.write(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
                    if bar is not None:
                        bar.close()
        except requests.RequestException as error:  # dropped connection, timeout: resume next round
            last_problem = f"{type(error).__name__}: {error}"
            continue
        size = part.stat().st_size
        if expected is None or size == expected:
            os.replace(part, destination)
            return destination
        last_problem = f"got {size} of {expected} bytes"
    raise InputError(f"download of {url} is incomplete after {max_attempts} attempts ({last_problem}); "
                     f"run again to resume from {part}")


def _expected_size(response, have: int) -> int | None:
    if response.status_code == 206:
        content_range = response.headers.get("Content-Range", "")
        if "/" in content_range and not content_range.endswith("/*"):
            return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return have + int(length) if length is not None and length.isdigit() else None


def _progress_bar(enabled: bool, total: int | None, initial: int, name: str):
    if not enabled:
        return None

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, desc=name)


# ---------------------------------------------------------------- Common Crawl


def commoncrawl_paths(crawl: str, kind: str = "warc", base_url: str = COMMONCRAWL_BASE_URL,
                      limit: int | None = None, destination_dir: str | Path | None = None) -> list[str]:
    """File paths of one Common Crawl release (``crawl`` like ``CC-MAIN-2024-10``), from its ``*.paths.gz``.

    ``kind`` is ``warc``, ``wet`` or ``wat``. Returns the first ``limit`` paths (all by default).
    """
    if kind not in ("warc", "wet", "wat"):
        raise InputError(f"kind must be warc, wet or wat, not {kind!r}")
    url = _join(base_url, f"crawl-data/{crawl}/{kind}.paths.gz")
    destination = Path(destination_dir) / f"{crawl}-{kind}.paths.gz" if destination_dir else None
    listing = download_file(url, destination)
    with gzip.open(listing, "rt", encoding="utf-8") as handle:
        paths = [line.strip() for line in handle if line.strip()]
    return paths[:limit] if limit is not None else paths


def load_commoncrawl(path: str, base_url: str | None = None, max_docs: int | None = None,
                     destination: str | Path | None = None):
    """Download one Common Crawl WARC or WET file and read it into the documents table.

    Args:
        path: a path from a ``warc.paths.gz``/``wet.paths.gz`` listing
            (``crawl-data/CC-MAIN-.../warc/....warc.gz``) or a full URL.
        base_url: server (default https://data.commoncrawl.org/).
        max_docs: stop after this many documents.
        destination: where to keep the file (default: the course cache).

    Returns:
        ``(documents, report)``: WARC files give HTML in ``html`` (extract later), WET files give
        plain text in ``text``; the report counts what was read and skipped.
    """
    url = _join(base_url or COMMONCRAWL_BASE_URL, path)
    local = download_file(url, destination)
    if local.name.endswith((".wet.gz", ".wet")):
        return read_wet(local, max_docs=max_docs)
    return read_warc(local, source="commoncrawl", max_documents=max_docs)


def read_wet(paths, max_docs: int | None = None, source: str = "commoncrawl-wet"):
    """Read WET files (``conversion`` records of extracted plain text) into the documents table.

    Returns ``(documents, report)`` with ``text`` filled (UTF-8, as Common Crawl writes it),
    ``url``, ``warc_record_id``, ``warc_date`` and ``lang`` (from ``WARC-Identified-Content-Language``
    when present).
    """
    report = WarcReport()
    rows, seen = [], set()

    def accept(record, path):
        report.records += 1
        if record.rec_type != "conversion":
            report.other_types[record.rec_type] += 1
            return
        report.responses += 1
        record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
        try:
            body = record.content_stream().read()
        except Exception as error:
            report.skipped[f"unreadable body ({type(error).__name__})"] += 1
            return
        if getattr(record.raw_stream, "limit", 0):
            report.skipped["truncated record (file ends inside it)"] += 1
            return
        text = body.decode("utf-8", errors="replace").strip()
        if not record_id or record_id in seen:
            report.skipped["missing or duplicate WARC-Record-ID"] += 1
            return
        if not text:
            report.skipped["empty body"] += 1
            return
        seen.add(record_id)
        rows.append({"id": record_id.strip("<>").removeprefix("urn:uuid:"),
                     "url": record.rec_headers.get_header("WARC-Target-URI") or "", "text": text, "source": source,
                     "warc_record_id": record_id, "warc_date": record.rec_headers.get_header("WARC-Date") or "",
                     "lang": (record.rec_headers.get_header("WARC-Identified-Content-Language") or "").split(",")[0],
                     "warc_file": path.name})

    for path in _iter_paths(paths):
        report.files += 1
        _read_file(path, accept, report, lambda: max_docs is not None and len(rows) >= max_docs)
    rows = rows[:max_docs] if max_docs is not None else rows
    report.documents = len(rows)
    return new_documents(rows if rows else pd.DataFrame(columns=["id", "text"])), report


# ---------------------------------------------------------------- Parquet shards (FineWeb-style)


def fineweb_url(shard: str = "sample/10BT/000_00000.parquet", base_url: str = FINEWEB_BASE_URL) -> str:
    """URL of one FineWeb Parquet shard (``shard`` is its path inside the dataset repository)."""
    return _join(base_url, shard)


def load_parquet_shard(url_or_path: str | Path, *, text_column: str = "text", max_docs: int | None = None,
                       destination: str | Path | None = None) -> pd.DataFrame:
    """Read a Parquet shard of a web dataset (a ``text`` column, maybe ``id``/``url``) as documents.

    Args:
        url_or_path: http(s) URL (downloaded to the cache first) or a local ``.parquet`` file.
        text_column: the column holding document text.
        max_docs: read only the first row groups up to this many rows.
        destination: where to keep a download.

    Returns:
        The documents table (``id``, ``url``, ``text``, ``source`` and the shard's other columns).

    Raises:
        InputError: not a Parquet file, or no ``text_column``.
    """
    text = str(url_or_path)
    local = download_file(text, destination) if text.startswith(("http://", "https://")) else Path(text)
    if not local.exists():
        raise InputError(f"no such Parquet file: {local}")
    try:
        shard = pq.ParquetFile(local)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(f"{local.name} is not a readable Parquet file: {error}") from None
    names = shard.schema_arrow.names
    if text_column not in names:
        raise InputError(f"{local.name} has no column {text_column!r} (columns: {', '.join(names)})")
    tables, rows = [], 0
    for index in range(shard.num_row_groups):
        table = shard.read_row_group(index)
        tables.append(table)
        rows += table.num_rows
        if max_docs is not None and rows >= max_docs:
            break
    frame = pa.concat_tables(tables).to_pandas() if tables else pd.DataFrame(columns=names)
    if max_docs is not None:
        frame = frame.head(max_docs)
    frame = frame.rename(columns={text_column: "text"})
    if "id" not in frame.columns or frame["id"].astype(str).duplicated().any():
        frame["id"] = [f"{local.stem}-{row}" for row in range(len(frame))]
    frame["source"] = f"parquet:{local.name}"
    return new_documents(frame)
