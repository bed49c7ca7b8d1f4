"""WARC reading benchmark: FastWARC against warcio on the sample crawl.

Both readers do the same work per file: iterate every record, read its WARC-Record-ID, and for a
response record parse the HTTP headers (status, Content-Type) and read the whole payload (warcio's
``content_stream()``, FastWARC's ``reader``; neither undoes a Content-Encoding here, and the sample
crawl has none). The libraries run round-robin (warcio, fastwarc, warcio, ...) so machine load
drifts hit both alike; the figures are medians over the repeats. A check first makes sure both saw
the same records and the same payload bytes, so the comparison is of equal work.

    python benchmarks/bench_warc.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator as WarcioIterator

from cs229llm.data.samples import crawl_paths


def read_with_warcio(path: Path) -> tuple[int, int]:
    """(records, payload bytes of response records) read with warcio."""
    records = payload = 0
    with open(path, "rb") as handle:
        for record in WarcioIterator(handle):
            records += 1
            record.rec_headers.get_header("WARC-Record-ID")
            if record.rec_type == "response" and record.http_headers is not None:
                record.http_headers.get_statuscode()
                record.http_headers.get_header("Content-Type")
                payload += len(record.content_stream().read())
    return records, payload


def read_with_fastwarc(path: Path) -> tuple[int, int]:
    """(records, payload bytes of response records) read with FastWARC."""
    records = payload = 0
    with open(path, "rb") as handle:
        for record in FastIterator(handle, record_types=WarcRecordType.any_type, parse_http=True,
                                   auto_decode="none"):
            records += 1
            record.record_id
            if record.record_type == WarcRecordType.response and record.is_http:
                record.http_headers.status_code
                record.http_content_type
                payload += len(record.reader.read())
    return records, payload


READERS = {"warcio": read_with_warcio, "fastwarc": read_with_fastwarc}


def run(repeats: int) -> dict:
    paths = crawl_paths()
    compressed_mb = sum(path.stat().st_size for path in paths) / 1e6
    totals = {name: [reader(path) for path in paths] for name, reader in READERS.items()}
    if totals["warcio"] != totals["fastwarc"]:
        raise SystemExit(f"the readers disagree (records, payload bytes per file): {totals}")
    records = sum(count for count, _ in totals["warcio"])
    payload_mb = sum(size for _, size in totals["warcio"]) / 1e6
    times: dict[str, list[float]] = {name: [] for name in READERS}
    for _ in range(repeats):
        for name, reader in READERS.items():
            started = time.perf_counter()
            for path in paths:
                reader(path)
            times[name].append(time.perf_counter() - started)
    result = {"files": len(paths), "records": records, "compressed_mb": round(compressed_mb, 3),
              "payload_mb": round(payload_mb, 3), "repeats": repeats}
    for name, samples in times.items():
        median = statistics.median(samples)
        result[name] = {"median_s": round(median, 4), "min_s": round(min(samples), 4),
                        "max_s": round(max(samples), 4), "records_per_s": round(records / median),
                        "compressed_mb_per_s": round(compressed_mb / median, 2),
                        "payload_mb_per_s": round(payload_mb / median, 2)}
    result["fastwarc_over_warcio"] = round(result["warcio"]["median_s"] / result["fastwarc"]["median_s"], 2)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    result = run(parser.parse_args().repeats)
    print(f"{result['files']} files, {result['records']} records, {result['compressed_mb']} MB gzip, "
          f"{result['payload_mb']} MB of response payloads; {result['repeats']} round-robin repeats, medians")
    for name in READERS:
        row = result[name]
        print(f"  {name:9s} {row['median_s']:.3f} s  {row['records_per_s']:8,d} records/s  "
              f"{row['compressed_mb_per_s']:6.1f} MB/s gzip  {row['payload_mb_per_s']:6.1f} MB/s payload  "
              f"(min {row['min_s']:.3f}, max {row['max_s']:.3f})")
    print(f"  fastwarc / warcio speed: {result['fastwarc_over_warcio']:.2f}x")
    print(json.dumps(result))
