"""Downloaders, offline: a local HTTP server (started here) serves files the test builds."""

from __future__ import annotations

import gzip
import io
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cs229llm.data import download, samples
from cs229llm.errors import InputError


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.files`` (path -> bytes) with Range support; paths in ``server.flaky`` drop
    the connection halfway through their first full response."""

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append((self.path, self.headers.get("Range")))
        data = self.server.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        range_header = self.headers.get("Range")
        if range_header and self.server.ranges:
            start = int(range_header.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path in self.server.flaky and start == 0:
            self.server.flaky.discard(self.path)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(2)  # the connection drops mid-file
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.flaky, httpd.requests, httpd.ranges = {}, set(), [], True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _wet_bytes() -> bytes:
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    texts = ["First page of plain text about rivers and bridges.", "", "Zweite Seite mit deutschem Text."]
    for number, text in enumerate(texts):
        payload = text.encode("utf-8")
        record = writer.create_warc_record(
            f"https://site{number}.example/", "conversion", payload=io.BytesIO(payload), length=len(payload),
            warc_content_type="text/plain",
            warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>",
                               "WARC-Date": "2024-01-01T00:00:00Z",
                               "WARC-Identified-Content-Language": "deu" if number == 2 else "eng"})
        writer.write_record(record)
    return out.getvalue()


def test_download_resumes_after_a_dropped_connection(server, tmp_path):
    data = bytes(range(256)) * 4000
    server.files["/big.bin"] = data
    server.flaky.add("/big.bin")
    path = download.download_file(server.base_url + "big.bin", tmp_path / "big.bin", chunk_size=4096)
    assert path.read_bytes() == data
    assert not (tmp_path / "big.bin.part").exists()
    ranges = [r for p, r in server.requests if p == "/big.bin"]
    assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=")
    # a second call finds the complete file and does not download again
    download.download_file(server.base_url + "big.bin", tmp_path / "big.bin")
    assert len([p for p, _ in server.requests if p == "/big.bin"]) == 2


def test_download_restarts_when_the_server_ignores_ranges(server, tmp_path):
    data = b"0123456789" * 1000
    server.files["/f.bin"] = data
    server.ranges = False
    (tmp_path / "f.bin.part").write_bytes(b"stale bytes from an older file")
    path = download.download_file(server.base_url + "f.bin", tmp_path / "f.bin")
    assert path.read_bytes() == data


def test_download_errors_are_input_errors(server, tmp_path):
    with pytest.raises(InputError, match="HTTP 404"):
        download.download_file(server.base_url + "missing.warc.gz", tmp_path / "x")
    server.files["/always-flaky"] = b"x" * 10000
    server.ranges = False  # each attempt starts over and drops again

    class AlwaysFlaky(set):
        def discard(self, item):
            pass

        def __contains__(self, item):
            return True

    server.flaky = AlwaysFlaky()
    with pytest.raises(InputError, match="incomplete after 2 attempts"):
        download.download_file(server.base_url + "always-flaky", tmp_path / "y", max_attempts=2)


def test_commoncrawl_warc_and_wet_offline(server, tmp_path):
    warc_path = "crawl-data/CC-TEST/segments/1/warc/sample.warc.gz"
    wet_path = "crawl-data/CC-TEST/segments/1/wet/sample.warc.wet.gz"
    server.files["/" + warc_path] = samples.crawl_paths()[0].read_bytes()
    server.files["/" + wet_path] = _wet_bytes()
    server.files["/crawl-data/CC-TEST/warc.paths.gz"] = gzip.compress((warc_path + "\n").encode(), mtime=0)
    assert download.commoncrawl_paths("CC-TEST", base_url=server.base_url, destination_dir=tmp_path) == [warc_path]
    documents, report = download.load_commoncrawl(warc_path, base_url=server.base_url,
                                                   destination=tmp_path / "a.warc.gz", max_docs=40)
    assert len(documents) == 40 and set(documents["source"]) == {"commoncrawl"}
    assert documents["html"].str.contains("<html").all()
    wet, wet_report = download.load_commoncrawl(wet_path, base_url=server.base_url, destination=tmp_path / "b.wet.gz")
    assert wet["text"].tolist() == ["First page of plain text about rivers and bridges.", "Zweite Seite mit deutschem Text."]
    assert wet["lang"].tolist() == ["eng", "deu"]
    assert wet_report.skipped == {"empty body": 1}


def test_parquet_shard_offline(server, tmp_path, monkeypatch):
    monkeypatch.setenv("CS229LLM_CACHE", str(tmp_path / "cache"))
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"text": [f"document number {i}" for i in range(50)],
                      "id": [f"<urn:{i}>" for i in range(50)],
                      "url": [f"https://w{i}.example/" for i in range(50)],
                      "language_score": [0.9] * 50})
    shard = tmp_path / "shard.parquet"
    pq.write_table(table, shard, row_group_size=10)
    server.files["/data/000_00000.parquet"] = shard.read_bytes()
    url = download.fineweb_url("data/000_00000.parquet", base_url=server.base_url)
    documents = download.load_parquet_shard(url, max_docs=25, destination=tmp_path / "dl.parquet")
    assert len(documents) == 25
    assert documents["text"].iloc[3] == "document number 3" and documents["id"].iloc[3] == "<urn:3>"
    assert "language_score" in documents.columns and documents["source"].iloc[0] == "parquet:dl.parquet"
    from cs229llm.cli import main

    assert main(["data", "download", "parquet", url, "--max-docs", "5", "--out", str(tmp_path / "five.jsonl")]) == 0
    assert len((tmp_path / "five.jsonl").read_text().splitlines()) == 5
    assert len(list((tmp_path / "cache" / "downloads").iterdir())) == 1  # the CLI downloaded into the cache
    with pytest.raises(InputError, match="no column 'content'"):
        download.load_parquet_shard(shard, text_column="content")
    bad = tmp_path / "bad.parquet"
    shutil.copy(samples.crawl_paths()[0], bad)
    with pytest.raises(InputError, match="not a readable Parquet file"):
        download.load_parquet_shard(bad)
