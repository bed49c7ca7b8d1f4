"""The WARC reader on bad input: truncated and corrupt files, charsets, content types, empty records."""

from __future__ import annotations

import io
import shutil

import pytest

from cs229llm import cli
from cs229llm.data import samples
from cs229llm.data.warc import decode_body, looks_binary, looks_html, read_warc
from cs229llm.errors import InputError


def _write_warc(path, records):
    """records: list of (url, status, headers, body) -> a gzip WARC at path."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number, (url, status, headers, body) in enumerate(records):
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>",
                                   "WARC-Date": "2024-01-01T00:00:00Z"})
            writer.write_record(record)
    return path


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.6, 0.9])
def test_truncated_segment_keeps_the_records_before_the_break(tmp_path, fraction):
    source = samples.crawl_paths()[0]
    data = source.read_bytes()
    truncated = tmp_path / "truncated.warc.gz"
    truncated.write_bytes(data[: int(len(data) * fraction)])
    full, _ = read_warc(source)
    documents, report = read_warc(truncated)
    assert 0 < len(documents) < len(full)
    # the cut record is counted whether the file ends inside its header or inside its body
    assert report.skipped["truncated record (file ends inside it)"] == 1
    assert len(report.file_errors) == 1 and "truncated.warc.gz" in report.file_errors[0]
    # the intact prefix is read exactly as in the full file
    assert documents["html"].tolist() == full["html"].head(len(documents)).tolist()


def test_corrupt_bytes_in_the_middle_and_garbage_files_never_crash(tmp_path):
    source = samples.crawl_paths()[1]
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 400] = bytes(400)
    corrupt = tmp_path / "corrupt.warc.gz"
    corrupt.write_bytes(bytes(data))
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(b"this is not a warc file at all\n" * 20)
    empty = tmp_path / "empty.warc"
    empty.write_bytes(b"")
    intact, _ = read_warc(source)
    documents, report = read_warc([corrupt, garbage, empty])
    assert report.files == 3
    assert report.skipped["corrupt stretch of a WARC file"] >= 1
    assert any("resuming at byte" in message for message in report.file_errors)
    assert any("not a WARC file" in message for message in report.file_errors)
    assert any("empty file" in message for message in report.file_errors)
    # the reader resyncs at the next gzip member: only the record(s) hit by the damage are lost
    assert len(intact) - 3 <= len(documents) <= len(intact)
    assert documents["id"].is_unique
    # and nothing damaged slips through: every page read equals the intact file's page
    intact_html = dict(zip(intact["id"], intact["html"]))
    assert all(intact_html[i] == html for i, html in zip(documents["id"], documents["html"]))


def test_bad_records_are_skipped_with_reasons(tmp_path):
    html = b"<!DOCTYPE html><html><body><p>Hello</p></body></html>"
    latin = "<html><body><p>Caf\u00e9 cr\u00e8me \u00e0 la fran\u00e7aise</p></body></html>".encode("latin-1")
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    path = _write_warc(tmp_path / "bad.warc.gz", [
        ("https://a.example/ok", "200 OK", [("Content-Type", "text/html; charset=utf-8")], html),
        ("https://a.example/empty", "200 OK", [("Content-Type", "text/html")], b""),
        ("https://a.example/moved", "301 Moved Permanently", [("Location", "https://a.example/ok")], b""),
        ("https://a.example/no-type", "200 OK", [], html),
        ("https://a.example/lying-image", "200 OK", [("Content-Type", "text/html")], png),
        ("https://a.example/real-image", "200 OK", [("Content-Type", "image/png")], png),
        ("https://a.example/html-as-binary", "200 OK", [("Content-Type", "application/octet-stream")], html),
        ("https://a.example/latin", "200 OK", [("Content-Type", "text/html; charset=utf-8")], latin),
        ("https://a.example/bogus-charset", "200 OK", [("Content-Type", "text/html; charset=no-such")], html),
    ])
    documents, report = read_warc(path)
    assert documents["url"].tolist() == ["https://a.example/ok", "https://a.example/no-type",
                                         "https://a.example/html-as-binary", "https://a.example/latin",
                                         "https://a.example/bogus-charset"]
    assert report.skipped == {"empty body": 1, "http status 301": 1, "binary body declared as text/html": 1,
                              "non-HTML content-type image/png": 1}
    assert report.documents + report.skipped_total == report.responses == 9
    latin_page = documents.set_index("url").loc["https://a.example/latin"]
    assert "Caf\u00e9 cr\u00e8me" in latin_page["html"] and latin_page["charset_source"] == "detected"
    assert (documents["text"] == "").all() and set(documents["source"]) == {"warc"}

    with_skipped, _ = read_warc(path, include_skipped=True, source="test")
    assert len(with_skipped) == 9
    assert with_skipped["dropped_by"].eq("read_warc").sum() == 4


def test_reading_a_file_twice_skips_duplicate_record_ids():
    path = samples.crawl_paths()[2]
    once, _ = read_warc(path)
    twice, report = read_warc([path, path])
    assert len(twice) == len(once)
    assert report.skipped["duplicate WARC-Record-ID"] == len(once)
    # every record still has a row: the repeats are there, dropped, under ids of their own
    rows, _ = read_warc([path, path], include_skipped=True)
    responses = read_warc(path, include_skipped=True)[0]
    assert len(rows) == 2 * len(responses) and rows["id"].is_unique
    repeats = rows[rows["drop_reason"] == "duplicate WARC-Record-ID"]
    assert len(repeats) == len(once) and repeats["id"].str.endswith("~2").all()


def _raw_record(body: bytes, record_id: str | None) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
    headers = [b"WARC/1.0", b"WARC-Type: response", b"WARC-Target-URI: https://x.example/" + body[:4],
               b"WARC-Date: 2024-01-01T00:00:00Z", b"Content-Type: application/http; msgtype=response",
               b"Content-Length: " + str(len(http)).encode()]
    if record_id:
        headers.insert(2, b"WARC-Record-ID: " + record_id.encode())
    return b"\r\n".join(headers) + b"\r\n\r\n" + http + b"\r\n\r\n"


def test_records_without_or_with_a_repeated_id_get_a_generated_id_and_a_row(tmp_path):
    page = b"<html><body><p>%d a page of words</p></body></html>"
    path = tmp_path / "ids.warc"
    path.write_bytes(_raw_record(page % 1, "<urn:uuid:aaaa>") + _raw_record(page % 2, None)
                     + _raw_record(page % 3, "<urn:uuid:aaaa>") + _raw_record(page % 4, None))
    documents, report = read_warc(path, include_skipped=True)
    assert report.responses == 4 and len(documents) == 4 and documents["id"].is_unique
    by_url = documents.set_index("url")
    ids = by_url["id"].tolist()
    assert ids[0] == "aaaa" and "aaaa~2" in ids
    assert sum(value.startswith("ids.warc@") for value in ids) == 2
    assert by_url.set_index("id").loc["aaaa~2", "dropped_by"] == "read_warc"
    assert documents["dropped_by"].isna().sum() == 3  # the two records without an id are read like any other
    assert report.notes["id generated (no WARC-Record-ID)"] == 2


def test_extract_refuses_a_file_that_is_not_a_warc(tmp_path, capsys):
    fake = tmp_path / "notes.warc"
    fake.write_text("these are my notes, not a crawl\n")
    assert cli.main(["extract", str(fake), str(tmp_path / "out.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "is not a WARC file" in err and err.count("\n") == 1
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    assert cli.main(["extract", str(empty), str(tmp_path / "out.jsonl")]) == 2
    assert "is empty" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


def test_decode_body_prefers_declared_then_meta_then_detection():
    text = "Stra\u00dfe und Gr\u00fc\u00dfe aus K\u00f6ln, \u00fcber die Br\u00fccke"
    assert decode_body(text.encode("utf-8"))[1:] == ("utf-8", "default")
    assert decode_body(text.encode("latin-1"), "iso-8859-1") == (text, "iso8859-1", "header")
    meta = f'<meta charset="windows-1252"><p>{text}</p>'.encode("cp1252")
    assert decode_body(meta)[1:] == ("cp1252", "meta")
    decoded, charset, source = decode_body(f"<p>{text}</p>".encode("cp1252"), "utf-8")
    assert text in decoded and source == "detected"


def test_sniffing_helpers():
    assert looks_binary(b"%PDF-1.4 ...") and looks_binary(b"abc\x00def")
    assert not looks_binary(b"<html>")
    assert looks_html(b"  <!DOCTYPE html><html>") and not looks_html(b"body{margin:0}")


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such WARC file"):
        read_warc(tmp_path / "nope.warc.gz")


def test_folder_of_warcs_and_max_documents(tmp_path):
    for path in samples.crawl_paths()[:2]:
        shutil.copy(path, tmp_path / path.name)
    documents, report = read_warc(tmp_path, max_documents=25)
    assert len(documents) == 25 and report.documents == 25


def test_uncompressed_warc_reads_the_same(tmp_path):
    import gzip

    source = samples.crawl_paths()[3]
    plain = tmp_path / "plain.warc"
    plain.write_bytes(gzip.decompress(source.read_bytes()))
    from_gzip, _ = read_warc(source)
    from_plain, report = read_warc(plain)
    assert report.file_errors == []
    assert from_plain["html"].tolist() == from_gzip["html"].tolist()
