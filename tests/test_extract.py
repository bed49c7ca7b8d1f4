"""Extraction: main text vs boilerplate, encodings, and pages that must not crash the stage."""

import gzip
import io

import pandas as pd
import pytest

from cs229llm.data.documents import funnel, is_kept, new_documents
from cs229llm.data.extract import METHODS, boilerplate_share, decode_html, extract_text, html_to_text, naive_text
from cs229llm.errors import InputError

ARTICLE = ("Rivers carve their valleys slowly, grain by grain, over many thousands of years. "
           "The water picks up sand and gravel and uses them to scrape the bed.")
PAGE = f"""<html><head><title>Rivers</title><style>.a {{color: red}}</style></head><body>
<nav><a href="/">Home</a> | <a href="/about">About us</a> | <a href="/contact">Contact</a></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies.</div>
<main><article><h1>How rivers shape valleys</h1><p>{ARTICLE}</p>
<p>Where the rock is soft, the valley grows wide; where it is hard, the river cuts a narrow gorge.</p>
<p>Geologists read these shapes to learn how old a landscape is and how the climate changed.</p></article></main>
<aside>Related: Ten best hiking boots | Subscribe to our newsletter</aside>
<footer>Copyright 2024 Example Media. All rights reserved. Privacy policy | Terms of use</footer>
<script>var tracking = "never shown";</script></body></html>"""


@pytest.mark.parametrize("method", METHODS)
def test_every_method_finds_the_article(method):
    text, truncated = html_to_text(PAGE, method)
    assert ARTICLE in " ".join(text.split())
    assert "never shown" not in text and ".a {" not in text
    assert not truncated


def test_main_content_drops_boilerplate_the_naive_baseline_keeps():
    naive = naive_text(PAGE)
    assert "Privacy policy" in naive and "Subscribe to our newsletter" in naive
    for method in ("resiliparse", "trafilatura"):
        main, _ = html_to_text(PAGE, method)
        assert "Privacy policy" not in main and "Subscribe" not in main, method
        share = boilerplate_share(naive, main)
        assert 0.2 < share < 0.6, (method, share)
    assert boilerplate_share("", "x") == 0.0


def test_decoding_detects_legacy_encodings_and_repairs_broken_text():
    latin = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 na\xefve</p></body></html>'
    assert "Café naïve" in decode_html(latin.encode("cp1252"))
    assert "Grüße" in decode_html("<p>Grüße</p>".encode("utf-8"))
    broken = decode_html(b"<p>ok \xff\xfe\xfa bytes</p>")
    broken.encode("utf-8")  # always re-encodable
    assert "ok" in broken and "bytes" in broken
    assert decode_html("a\x00b") == "ab"
    surrogate = decode_html("<p>bad \udcff char</p>")
    surrogate.encode("utf-8")
    assert decode_html(None) == "" and decode_html(pd.NA) == "" and decode_html(float("nan")) == ""
    with pytest.raises(InputError):
        decode_html(12)


def test_bad_pages_are_dropped_with_reasons_never_crash():
    huge = "<html><body>" + "<p>A line of text that repeats to make a huge page.</p>" * 200_000 + "</body></html>"
    assert len(huge) > 10_000_000
    pages = {
        "good": PAGE,
        "no_body": "<html><head><title>only a title</title></head></html>",
        "nested": "<html><body>" + "<div>" * 5000 + "deep text" + "</div>" * 5000 + "</body></html>",
        "nul": "<html><body><p>nul\x00 bytes inside</p></body></html>",
        "invalid_utf8": b"<html><body><p>broken \xc3\x28 utf8 here</p></body></html>",
        "empty": "",
        "none": None,
        "huge": huge,
    }
    docs = new_documents(pd.DataFrame({"id": list(pages), "html": list(pages.values()), "text": ""}))
    out = extract_text(docs, method="resiliparse", max_html_chars=200_000).set_index("id")
    assert out.loc["good", "dropped_by"] is None
    assert out.loc["nested", "text"] == "deep text"
    assert out.loc["nul", "text"] == "nul bytes inside"
    assert "broken" in out.loc["invalid_utf8", "text"]
    assert out.loc["huge", "html_truncated"] and out.loc["huge", "html_chars"] > 10_000_000
    assert is_kept(out.loc[["huge"]]).all()
    for dropped in ("no_body", "empty", "none"):
        assert out.loc[dropped, "dropped_by"] == "extract"
        assert out.loc[dropped, "drop_reason"] == "no text extracted"
    table = funnel(out.reset_index(), ["extract"])
    assert table.loc[0, "in"] == len(pages) == table.loc[0, "kept"] + table.loc[0, "dropped"]


def test_trafilatura_and_naive_survive_deep_nesting_and_missing_body():
    pages = ["<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>",
             "<html><head></head></html>", "<p>just a fragment with no html element</p>"]
    docs = new_documents(pd.DataFrame({"id": ["a", "b", "c"], "html": pages, "text": ""}))
    for method in ("trafilatura", "naive"):
        out = extract_text(docs, method=method)
        assert len(out) == 3
        assert out.loc[1, "dropped_by"] == "extract"


def test_extract_requires_html_and_a_known_method():
    with pytest.raises(InputError, match="html"):
        extract_text(new_documents([{"id": "a", "text": "x"}]))
    docs = new_documents([{"id": "a", "text": "", "html": PAGE}])
    with pytest.raises(InputError, match="unknown extraction method"):
        extract_text(docs, method="regex")


def test_rows_dropped_earlier_are_not_extracted_again():
    docs = new_documents([{"id": "a", "text": "", "html": PAGE}, {"id": "b", "text": "", "html": PAGE}])
    docs.loc[1, ["dropped_by", "drop_reason"]] = ["reader", "not html"]
    out = extract_text(docs)
    assert out.loc[0, "text"] and out.loc[1, "text"] == ""
    assert out.loc[1, "dropped_by"] == "reader"


def _write_warc(path, pages):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                               http_headers=headers)
            writer.write_record(record)


def test_warc_records_round_trip_through_extraction(tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    path = tmp_path / "mini.warc.gz"
    _write_warc(path, [("https://example.org/rivers", PAGE.encode("utf-8")),
                       ("https://example.org/empty", b"<html><body></body></html>")])
    rows = []
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                rows.append({"id": record.rec_headers.get_header("WARC-Record-ID"),
                             "url": record.rec_headers.get_header("WARC-Target-URI"),
                             "html": record.content_stream().read(), "text": ""})
    assert gzip.open(path).read(4) == b"WARC"
    out = extract_text(new_documents(rows))
    assert ARTICLE in " ".join(out.loc[0, "text"].split())
    assert out.loc[1, "drop_reason"] == "no text extracted"


def test_cli_extract_writes_every_record(tmp_path, capsys):
    pytest.importorskip("cs229llm.data.warc")
    from cs229llm.cli import main
    from cs229llm.data.documents import read_table

    _write_warc(tmp_path / "a.warc.gz", [("https://example.org/rivers", PAGE.encode("utf-8")),
                                         ("https://example.org/empty", b"<html><body></body></html>")])
    output = tmp_path / "docs.jsonl"
    assert main(["extract", str(tmp_path), str(output), "--method", "naive"]) == 0
    table = read_table(output)
    assert len(table) == 2 and "html" not in table.columns
    assert table["dropped_by"].notna().sum() == 1
    assert main(["extract", str(tmp_path / "missing.warc.gz"), str(output)]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "x.txt").write_text("not a warc")
    assert main(["extract", str(tmp_path / "x.txt"), str(output)]) == 2


def test_binary_bodies_are_dropped_not_parsed():
    docs = new_documents(pd.DataFrame({"id": ["page", "image", "pdf"], "text": "",
                                       "html": [PAGE.encode(), b"\x89PNG\r\n\x1a\n....", b"%PDF-1.4 ..."]}))
    out = extract_text(docs)
    assert out.loc[0, "dropped_by"] is None
    assert list(out.loc[1:, "drop_reason"]) == ["binary body", "binary body"]
