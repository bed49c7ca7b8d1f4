"""Read WARC files into the documents table (lecture stage: crawl -> HTML documents).

Real crawls are messy: truncated gzip members, bodies in latin-1 or cp1252 with or without
a declared charset, content types that are missing or wrong, empty records, redirects.
:func:`read_warc` keeps every HTML page it can decode, skips the rest and says how many
records it skipped and why; it never lets one bad record or file stop the load.
Records are parsed with FastWARC (C++; about 5x warcio's speed on the sample crawl, see
benchmarks/RESULTS.md) and HTTP transfer/content encodings are undone with warcio's own
readers, so bodies, and the fallbacks on badly encoded ones, are exactly warcio's; a record the
file ends inside is found by its length, as with warcio. ``_read_file(..., reader="warcio")``
still hands warcio records to callers that want them. Decoding falls back to charset detection
(charset_normalizer).
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes
from fastwarc.warc import ArchiveIterator as FastArchiveIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader

from ..errors import InputError
from .documents import mark_dropped, new_documents

HTML_TYPES = {"text/html", "application/xhtml+xml"}
BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"RIFF", b"\x00\x00\x01\x00")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<title[\s>]|<p[\s>]|<div[\s>]",
                         re.IGNORECASE)
COLUMNS = ["id", "url", "text", "source", "html", "content_type", "charset", "charset_source", "http_status",
           "warc_record_id", "warc_date", "warc_file"]


@dataclass
class WarcReport:
    """What :func:`read_warc` saw: records read and skipped, with reasons.

    Attributes:
        files: WARC files opened.
        records: WARC records seen (every type).
        responses: response records among them.
        documents: HTML documents returned.
        skipped: reason -> number of response records skipped.
        other_types: WARC record type -> count of non-response records (warcinfo, request, ...).
        notes: reason -> count of records kept after a repair (charset detected, type sniffed).
        file_errors: one message per file whose stream broke off (the records before it are kept).
    """
    files: int = 0
    records: int = 0
    responses: int = 0
    documents: int = 0
    skipped: Counter = field(default_factory=Counter)
    other_types: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    file_errors: list[str] = field(default_factory=list)

    @property
    def skipped_total(self) -> int:
        """Response records skipped, all reasons together."""
        return sum(self.skipped.values())

    def as_dict(self) -> dict:
        """A JSON-able summary."""
        return {"files": self.files, "records": self.records, "responses": self.responses,
                "documents": self.documents, "skipped": dict(self.skipped), "other_types": dict(self.other_types),
                "notes": dict(self.notes), "file_errors": list(self.file_errors)}

    def __str__(self) -> str:
        lines = [f"{self.files} WARC files, {self.records} records, {self.responses} responses -> "
                 f"{self.documents} HTML documents, {self.skipped_total} responses skipped"]
        lines += [f"  skipped {count:5d}  {reason}" for reason, count in self.skipped.most_common()]
        lines += [f"  kept    {count:5d}  {note}" for note, count in self.notes.most_common()]
        lines += [f"  error   {message}" for message in self.file_errors]
        return "\n".join(lines)


def _mime_and_charset(content_type: str) -> tuple[str, str]:
    parts = [part.strip() for part in content_type.split(";")]
    mime = parts[0].lower() if parts else ""
    charset = ""
    for part in parts[1:]:
        if part.lower().startswith("charset="):
            charset = part.split("=", 1)[1].strip().strip("\"'").lower()
    return mime, charset


def looks_binary(body: bytes) -> bool:
    """True for bytes that start like an image/PDF/archive or hold NUL bytes near the start."""
    head = body[:1024]
    return head.startswith(BINARY_MAGIC) or b"\x00" in head


def looks_html(body: bytes) -> bool:
    """True when the first kilobyte has an HTML tag (doctype, html, head, body, p, div)."""
    return bool(_HTML_START.search(body[:1024]))


def _known_codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


NON_LATIN_SINGLE_BYTE = {"cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866", "cp855", "cp1253",
                         "iso8859_7", "mac_greek", "cp1255", "iso8859_8", "cp1256", "iso8859_6", "cp874", "tis_620"}
MULTI_BYTE = ("utf", "shift_jis", "euc", "gb", "big5", "cp932", "cp949", "cp950", "iso2022", "hz")


def _is_latin_single_byte(encoding: str) -> bool:
    name = encoding.lower().replace("-", "_")
    return not name.startswith(MULTI_BYTE) and name not in NON_LATIN_SINGLE_BYTE


def decode_body(body: bytes, declared: str = "") -> tuple[str, str, str]:
    """Decode an HTML body: declared charset, then ``<meta charset>``, then UTF-8, then detection.

    Returns:
        ``(text, charset, source)`` with source one of ``header``, ``meta``, ``default``,
        ``detected`` (the declared or default charset failed) or ``replaced`` (nothing decoded
        cleanly: UTF-8 with replacement characters).
    """
    candidates = []
    if declared:
        candidates.append((declared, "header"))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append((meta.group(1).decode("ascii", "replace").lower(), "meta"))
    candidates.append(("utf-8", "default"))
    for name, source in candidates:
        codec = _known_codec(name)
        if codec is None:
            continue
        try:
            return body.decode(codec), codec, source
        except UnicodeDecodeError:
            continue
    best = from_bytes(body).best()
    if best is not None and best.encoding:
        if _is_latin_single_byte(best.encoding):
            # detectors cannot tell Latin code pages apart on short pages; browsers fall back to
            # windows-1252 for Latin text (WHATWG Encoding Standard), and so do we
            return body.decode("cp1252", errors="replace"), "cp1252", "detected"
        return str(best), best.encoding, "detected"
    return body.decode("utf-8", errors="replace"), "utf-8", "replaced"


def _classify(status: int, mime: str, body: bytes) -> tuple[str | None, str | None]:
    """(skip reason or None, repair note or None) for one response record."""
    if not 200 <= status < 300:
        return f"http status {status}", None
    if not body.strip():
        return "empty body", None
    binary, html = looks_binary(body), looks_html(body)
    if mime in HTML_TYPES:
        if binary:
            return f"binary body declared as {mime}", None
        return None, None
    if not mime:
        if html and not binary:
            return None, "no content-type: sniffed HTML"
        return "no content-type and not HTML", None
    if html and not binary:
        return None, f"declared {mime} but body is HTML"
    return f"non-HTML content-type {mime}", None


def check_warc_file(path: str | Path) -> Path:
    """``path`` when it starts like a WARC file (``WARC/`` or a gzip member); else a one-line :class:`InputError`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such WARC file: {path}")
    with open(path, "rb") as handle:
        head = handle.read(5)
    if not head:
        raise InputError(f"{path} is empty: a WARC file starts with 'WARC/' (or is gzip-compressed)")
    if not (head.startswith(b"\x1f\x8b") or head.startswith(b"WARC/")):
        raise InputError(f"{path} is not a WARC file (it starts with {ascii(head)}, a WARC file with 'WARC/' "
                         "or, compressed, with the gzip magic bytes)")
    return path


def _iter_paths(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.name.endswith((".warc", ".warc.gz")))
        else:
            out.append(path)
    missing = [str(p) for p in out if not p.exists()]
    if missing:
        raise InputError(f"no such WARC file: {', '.join(missing[:3])}")
    return out


def read_warc(paths: str | Path | Iterable[str | Path], *, source: str = "warc", include_skipped: bool = False,
              max_documents: int | None = None) -> tuple[pd.DataFrame, WarcReport]:
    """Read HTTP response records of WARC files into a documents table.

    Args:
        paths: a WARC file (``.warc`` or ``.warc.gz``), a folder of them, or a list.
        source: the value of the ``source`` column.
        include_skipped: also return a row (empty ``html``) for each skipped response, marked
            dropped by stage ``read_warc`` with its reason, so the funnel starts at the raw records
            and every response record has a row. A record without a WARC-Record-ID gets the id
            ``<file>@<offset>``; a repeated id gets ``<id>~2``, ``~3``, ... (and is dropped as a duplicate).
        max_documents: stop after this many HTML documents.

    Returns:
        ``(documents, report)``: the documents table (``id`` = the record's UUID, ``url``,
        ``text`` = "" until extraction, ``source``, ``html`` (decoded str), ``content_type`` (as
        sent), ``charset`` (used), ``charset_source``, ``http_status``, ``warc_record_id``,
        ``warc_date``, ``warc_file``) and a :class:`WarcReport`.

    Raises:
        InputError: a path does not exist. Broken files are reported, not raised.
    """
    report = WarcReport()
    rows, skipped_rows, occurrences = [], [], Counter()
    limit_reached = False

    def accept(record, path: Path) -> None:
        nonlocal limit_reached
        report.records += 1
        record_type = _record_type(record)
        if record_type != "response":
            report.other_types[record_type] += 1
            return
        report.responses += 1
        row, reason = _read_response(record, path, source, report)
        if not row["warc_record_id"]:  # the record still counts: it gets an id from where it sits
            row["id"] = f"{path.name}@{getattr(record, 'stream_pos', 0)}"
            report.notes["id generated (no WARC-Record-ID)"] += 1
        key = row["warc_record_id"] or row["id"]
        occurrences[key] += 1
        if occurrences[key] > 1:  # the same record again (a file read twice, a copied record): a row of its own
            row["id"] = f"{row['id']}~{occurrences[key]}"
            reason = reason or "duplicate WARC-Record-ID"
        if reason is not None:
            report.skipped[reason] += 1
            if include_skipped:
                skipped_rows.append(dict(row, html="", drop_reason=reason))
            return
        rows.append(row)
        limit_reached = max_documents is not None and len(rows) >= max_documents

    for path in _iter_paths(paths):
        report.files += 1
        _read_file(path, accept, report, lambda: limit_reached, reader="fastwarc")
        if limit_reached:
            break
    report.documents = len(rows)
    all_rows = rows + skipped_rows
    frame = new_documents(pd.DataFrame(all_rows, columns=COLUMNS + ["drop_reason"]).drop(columns="drop_reason")
                          if all_rows else pd.DataFrame(columns=COLUMNS))
    if skipped_rows:
        reasons = pd.Series([None] * len(rows) + [r["drop_reason"] for r in skipped_rows], index=frame.index)
        frame = mark_dropped(frame, reasons.notna(), "read_warc", reasons)
    return frame, report


def _read_file(path: Path, accept, report: WarcReport, stop, reader: str = "warcio") -> None:
    """Iterate one file's records into ``accept``; after a corrupt stretch, resume at the next gzip member.

    ``reader`` is ``"warcio"`` (``accept`` gets warcio records) or ``"fastwarc"`` (FastWARC
    records, payload not yet read). Either way a record the file ends inside is counted as
    truncated, damaged bytes are skipped up to the next readable gzip member, and the file's
    problems go to ``report.file_errors``.
    """
    records = _fastwarc_records if reader == "fastwarc" else _warcio_records
    with open(path, "rb") as handle:
        head = handle.read(5)
        if not head:
            report.file_errors.append(f"{path.name}: empty file")
            return
        if not (head.startswith(b"\x1f\x8b") or head.startswith(b"WARC/")):
            report.file_errors.append(f"{path.name}: not a WARC file (starts with {ascii(head)})")
            return
        start = 0
        while start is not None and not stop():
            handle.seek(start)
            position = [start]  # offset of the record being read, updated by the generator
            accepting = False
            warnings = io.StringIO()  # warcio prints format warnings to stderr: count them instead
            try:
                with contextlib.redirect_stderr(warnings):
                    for record in records(handle, path, report, position):
                        accepting = True
                        accept(record, path)
                        accepting = False
                        if stop():
                            break
                start = None
            except Exception as error:  # a corrupt stretch: keep what came before, resync after it
                record_start = position[0]
                resume = _next_gzip_member(handle, record_start + 1)
                if accepting and reader == "fastwarc" and _accept_alone(handle, record_start, resume, path, accept):
                    # FastWARC decompresses ahead, so damage in the next gzip member can break the read of
                    # an intact record: that record was read again on its own; carry on after it
                    start = resume
                    continue
                report.skipped["corrupt stretch of a WARC file"] += 1
                where = f"resuming at byte {resume}" if resume is not None else "no readable record after it"
                report.file_errors.append(f"{path.name}: corrupt data after byte {record_start} "
                                          f"({type(error).__name__}: {ascii(str(error))[:100]}); {where}")
                start = resume
            if warnings.getvalue():
                report.notes["warcio format warnings"] += warnings.getvalue().count("WARNING")


def _accept_alone(handle, start: int, end: int | None, path: Path, accept) -> bool:
    """Read the gzip member at ``start`` (up to ``end``) on its own into ``accept``; False if it is damaged too."""
    handle.seek(start)
    member = handle.read(end - start) if end is not None else handle.read()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(member)) as unpacked:
            block = unpacked.read()
        records = list(FastArchiveIterator(io.BytesIO(block), record_types=WarcRecordType.any_type,
                                           parse_http=False, auto_decode="none"))
    except (OSError, EOFError, zlib.error):
        return False
    if len(records) != 1 or records[0].headers.get("Content-Length") is None:
        return False
    accept(records[0], path)
    return True


def _warcio_records(handle, path: Path, report: WarcReport, position: list[int]):
    """warcio records from the handle's position; ``position[0]`` = the current record's offset."""
    iterator = ArchiveIterator(handle)
    for record in iterator:
        position[0] = getattr(iterator, "offset", position[0])  # absolute: warcio uses tell()
        yield record
    _check_complete(iterator, handle, path, report)


def _fastwarc_records(handle, path: Path, report: WarcReport, position: list[int]):
    """FastWARC records from the handle's position (raw payloads: warcio's readers decode them)."""
    for record in FastArchiveIterator(handle, record_types=WarcRecordType.any_type, parse_http=False,
                                      auto_decode="none"):
        position[0] = record.stream_pos  # absolute: FastWARC counts from the stream's start
        if record.headers.get("Content-Length") is None:
            # FastWARC hands back the header it had when the file ends inside a record's header
            report.skipped["truncated record (file ends inside it)"] += 1
            report.file_errors.append(f"{path.name}: file ends inside a record header (after byte {position[0]})")
            return
        yield record


def _check_complete(iterator, handle, path: Path, report: WarcReport) -> None:
    """Count a record the file ends inside of: warcio stops quietly when a truncated member has no full header."""
    end, size = getattr(iterator, "offset", None), os.fstat(handle.fileno()).st_size
    if end is not None and end < size:
        report.skipped["truncated record (file ends inside it)"] += 1
        report.file_errors.append(f"{path.name}: file ends inside a record ({size - end} bytes after byte {end} unread)")


def _next_gzip_member(handle, after: int, chunk_size: int = 1 << 20) -> int | None:
    """Offset of the next gzip member at or after ``after`` that starts a WARC record, or None."""
    position = after
    while True:
        handle.seek(position)
        chunk = handle.read(chunk_size + 2)
        if len(chunk) < 3:
            return None
        index = chunk.find(b"\x1f\x8b\x08")
        while index != -1:
            handle.seek(position + index)
            try:
                head = zlib.decompressobj(31).decompress(handle.read(4096), 16)
            except zlib.error:
                head = b""
            if head.startswith(b"WARC/"):
                return position + index
            index = chunk.find(b"\x1f\x8b\x08", index + 1)
        position += chunk_size


def _record_type(record) -> str:
    """A FastWARC record's WARC-Type as warcio names it (``response``, ``warcinfo``, ...)."""
    return record.headers.get("WARC-Type") or record.record_type.name


def _content_stream(raw: bytes, http_headers):
    """The body with transfer and content encodings undone, as warcio's ``content_stream()`` does."""
    stream = io.BytesIO(raw)
    encoding = (http_headers.get("Content-Encoding") or "").lower() or None
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    if http_headers.get("Transfer-Encoding") == "chunked":
        return ChunkedDataReader(stream, decomp_type=encoding)
    if encoding:
        return BufferedReader(stream, decomp_type=encoding)
    return stream


def _read_response(record, path: Path, source: str, report: WarcReport) -> tuple[dict, str | None]:
    """One FastWARC response record -> (row, skip reason or None)."""
    headers = record.headers
    record_id = headers.get("WARC-Record-ID") or ""
    row = {"id": record_id.strip("<>").removeprefix("urn:uuid:"), "url": headers.get("WARC-Target-URI") or "",
           "text": "", "source": source, "html": "", "content_type": "", "charset": "", "charset_source": "",
           "http_status": 0, "warc_record_id": record_id, "warc_date": headers.get("WARC-Date") or "",
           "warc_file": path.name}
    if not record.is_http:
        return row, "no HTTP headers"
    try:
        record.parse_http(auto_decode="none")
    except OSError as error:  # a header block FastWARC cannot parse
        return row, f"unreadable HTTP headers ({type(error).__name__})"
    http_headers = record.http_headers
    if http_headers is None:
        return row, "no HTTP headers"
    try:
        status = int(http_headers.status_code or 0)
    except (TypeError, ValueError):
        status = 0
    content_type = http_headers.get("Content-Type") or ""
    row["http_status"], row["content_type"] = status, content_type
    raw = record.reader.read()
    missing = record.content_length - record.reader.tell()
    if missing > 0:  # the file ended inside this record: FastWARC hands back what was there
        report.file_errors.append(f"{path.name}: record {record_id} truncated ({missing} bytes missing)")
        return row, "truncated record (file ends inside it)"
    try:
        body = _content_stream(raw, http_headers).read()
    except Exception as error:  # bad chunking or content-encoding inside one record
        return row, f"unreadable body ({type(error).__name__})"
    mime, declared = _mime_and_charset(content_type)
    reason, note = _classify(status, mime, body)
    if reason is not None:
        return row, reason
    html, charset, charset_source = decode_body(body, declared)
    if note:
        report.notes[note] += 1
    if charset_source in ("detected", "replaced"):
        report.notes[f"charset {charset_source}" + (f" (declared {declared} failed)" if declared else "")] += 1
    row.update(html=html, charset=charset, charset_source=charset_source)
    return row, None
