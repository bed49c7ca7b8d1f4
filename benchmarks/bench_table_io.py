"""Documents-table I/O benchmark: our JSONL reader/writer (orjson, line by line) against pandas.

The table is real text nobody here wrote: ``cs229llm.data.sources.local_corpus(N)`` (source code,
docs and licenses of the installed Python; 11,000 documents are about 104 M characters, 112 MB of
JSONL). Each operation runs round-robin with the others (ours, pandas, ours, ...) so machine-load
drifts hit all alike; figures are medians over the repeats, after one discarded warm-up round.
MB/s is of the JSONL file (our output; both readers read that same file).

* write: ``documents.write_table(frame, "t.jsonl")`` vs ``frame.to_json(orient="records", lines=True,
  force_ascii=False)``
* read: ``documents.read_table("t.jsonl")`` vs ``pd.read_json(lines=True, dtype={"id": str})``; for
  reference also ``pyarrow.json.read_json`` (which we do not use: it infers types, turning
  ``"2020-01-01"`` into a timestamp, and rejects the whole file on one bad line)
* Parquet: ``write_table``/``read_table`` vs ``to_parquet``/``read_parquet``

In-process medians see warm allocators; a command reads once in a fresh process, so ``--cold``
(default on) also times our first read and first write in fresh interpreters.

    python benchmarks/bench_table_io.py [--docs 11000] [--repeats 5] [--no-cold]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.json as pa_json

from cs229llm.data import documents
from cs229llm.data.sources import local_corpus

COLD_SCRIPT = """
import sys, time
import pandas as pd
from cs229llm.data import documents
frame = pd.read_pickle(sys.argv[2]) if sys.argv[1] == "write" else None
started = time.perf_counter()
if sys.argv[1] == "read":
    documents.read_table(sys.argv[3])
else:
    documents.write_table(frame, sys.argv[3])
print(time.perf_counter() - started)
"""


def operations(frame: pd.DataFrame, folder: Path) -> dict:
    ours_jsonl, pandas_jsonl = folder / "ours.jsonl", folder / "pandas.jsonl"
    ours_parquet, pandas_parquet = folder / "ours.parquet", folder / "pandas.parquet"
    documents.write_table(frame, ours_jsonl)
    return {
        "write jsonl / ours": lambda: documents.write_table(frame, ours_jsonl),
        "write jsonl / pandas": lambda: frame.to_json(pandas_jsonl, orient="records", lines=True,
                                                      force_ascii=False),
        "read jsonl / ours": lambda: documents.read_table(ours_jsonl),
        "read jsonl / pandas": lambda: pd.read_json(ours_jsonl, lines=True, dtype={"id": str}),
        "read jsonl / pyarrow.json (reference)": lambda: pa_json.read_json(
            ours_jsonl, read_options=pa_json.ReadOptions(block_size=64 << 20)),
        "write parquet / ours": lambda: documents.write_table(frame, ours_parquet),
        "write parquet / pandas": lambda: frame.to_parquet(pandas_parquet, index=False),
        "read parquet / ours": lambda: documents.read_table(ours_parquet),
        "read parquet / pandas": lambda: pd.read_parquet(ours_parquet),
    }


def cold(kind: str, frame_pickle: Path, target: Path, repeats: int) -> float:
    """Median seconds of one read or write in a fresh interpreter (imports not counted)."""
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", COLD_SCRIPT, kind, str(frame_pickle), str(target)],
                             check=True, capture_output=True, text=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def run(docs: int, repeats: int, with_cold: bool) -> dict:
    started = time.perf_counter()
    frame = local_corpus(docs)
    print(f"table: {len(frame):,} documents, {frame['text'].str.len().sum() / 1e6:.1f} M characters "
          f"(built in {time.perf_counter() - started:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ops = operations(frame, folder)
        jsonl_mb = (folder / "ours.jsonl").stat().st_size / 1e6
        back = documents.read_table(folder / "ours.jsonl")
        pd.testing.assert_frame_equal(back[frame.columns], frame, check_dtype=False)
        times = {name: [] for name in ops}
        for round_ in range(repeats + 1):
            names = list(ops)
            names = names[round_ % len(names):] + names[:round_ % len(names)]  # rotate the order
            for name in names:
                begun = time.perf_counter()
                ops[name]()
                if round_:  # round 0 warms up
                    times[name].append(time.perf_counter() - begun)
        parquet_mb = (folder / "ours.parquet").stat().st_size / 1e6
        result = {"docs": len(frame), "jsonl_mb": round(jsonl_mb, 1), "parquet_mb": round(parquet_mb, 1),
                  "repeats": repeats, "median_s": {k: round(statistics.median(v), 3) for k, v in times.items()}}
        if with_cold:
            pickle = folder / "frame.pkl"
            frame.to_pickle(pickle)
            result["cold_s"] = {
                "read jsonl / ours": round(cold("read", pickle, folder / "ours.jsonl", 3), 3),
                "write jsonl / ours": round(cold("write", pickle, folder / "cold.jsonl", 3), 3),
            }
    median = result["median_s"]
    print(f"JSONL {jsonl_mb:.1f} MB, Parquet {parquet_mb:.1f} MB; medians of {repeats} round-robin repeats")
    for name, seconds in median.items():
        print(f"  {name:<40} {seconds:7.3f} s  {jsonl_mb / seconds:8.1f} MB/s")  # of the JSONL bytes, even Parquet
    for op in ("write jsonl", "read jsonl", "write parquet", "read parquet"):
        ratio = median[f"{op} / pandas"] / median[f"{op} / ours"]
        result.setdefault("ours_vs_pandas", {})[op] = round(ratio, 2)
        print(f"  {op}: ours {ratio:.1f}x pandas")
    for name, seconds in result.get("cold_s", {}).items():
        print(f"  fresh process, {name:<26} {seconds:7.3f} s  {jsonl_mb / seconds:8.1f} MB/s")
    print(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=11_000, help="documents of local_corpus (11000: ~112 MB)")
    parser.add_argument("--repeats", type=int, default=5, help="timed round-robin repeats (5)")
    parser.add_argument("--no-cold", action="store_true", help="skip the fresh-process timings")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    run(args.docs, args.repeats, not args.no_cold)


if __name__ == "__main__":
    main()
