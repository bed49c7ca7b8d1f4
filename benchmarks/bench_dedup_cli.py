"""``cs229llm dedup INPUT OUTPUT`` end to end against a plain datasketch script, on real documents.

The input is ``cs229llm.data.sources.local_corpus(N)`` (source code, docs and licenses of the
installed Python: real text with real duplicates, vendored copies and near-identical licenses),
written once as JSONL (not timed). Both sides run as a fresh process and are timed wall-clock from
start to exit, so each pays its own interpreter start, imports, reading, dedup and writing:

* ours: ``cs229llm dedup in.jsonl out.jsonl`` (near dedup, threshold 0.8, 128 permutations, 5-word
  shingles, verified candidates, every row kept and marked);
* plain: the script in :data:`PLAIN` (stdlib ``json`` line by line, the same 5-word shingles,
  ``datasketch.MinHash.bulk`` + ``MinHashLSH(threshold=0.8, num_perm=128)``, query every document,
  union-find, rows written back with ``json.dumps`` plus ``cluster_id``/``duplicate``).

Runs alternate (ours, plain, plain, ours, ...) and the figures are medians. Target: ours >= 3x.

    python benchmarks/bench_dedup_cli.py [--docs 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cs229llm.data.documents import read_table, write_table
from cs229llm.data.sources import local_corpus

PLAIN = r'''
import json, re, sys
from datasketch import MinHash, MinHashLSH

WORD = re.compile(rb"[0-9a-z\x80-\xff]+")  # the same shingle words as cs229llm (lower-cased UTF-8 runs)
source, target = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8") as handle:
    rows = [json.loads(line) for line in handle if line.strip()]
shingles = []
for row in rows:
    text = row.get("text")
    words = WORD.findall(text.encode("utf-8", "replace").lower()) if isinstance(text, str) else []
    shingles.append(sorted({b" ".join(words[i:i + 5]) for i in range(max(len(words) - 4, 1))}) if words else [])
sketches = MinHash.bulk(shingles, num_perm=128, seed=1)
lsh = MinHashLSH(threshold=0.8, num_perm=128)
for index, sketch in enumerate(sketches):
    if shingles[index]:
        lsh.insert(index, sketch)
parent = list(range(len(rows)))


def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


for index, sketch in enumerate(sketches):
    if shingles[index]:
        for other in lsh.query(sketch):
            a, b = find(index), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
with open(target, "w", encoding="utf-8") as handle:
    for index, row in enumerate(rows):
        root = find(index)
        row["cluster_id"] = rows[root]["id"]
        row["duplicate"] = root != index
        if root != index:
            row["dropped_by"], row["drop_reason"] = "near_dedup", f"near-duplicate of {rows[root]['id']}"
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
'''


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - started, done.stdout


def run(docs: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frame = local_corpus(docs)
        source = write_table(frame, folder / "in.jsonl")
        megabytes = source.stat().st_size / 1e6
        script = folder / "plain_datasketch.py"
        script.write_text(PLAIN)
        cli = str(Path(sys.executable).with_name("cs229llm"))
        commands = {"ours": [cli, "dedup", str(source), str(folder / "ours.jsonl")],
                    "plain": [sys.executable, str(script), str(source), str(folder / "plain.jsonl")]}
        times = {name: [] for name in commands}
        stage_seconds = []
        for round_ in range(repeats):
            for name in (["ours", "plain"] if round_ % 2 == 0 else ["plain", "ours"]):
                seconds, out = timed(commands[name])
                times[name].append(seconds)
                if name == "ours":
                    found = re.search(r"\(([\d.]+) s\)", out)
                    stage_seconds.append(float(found.group(1)) if found else float("nan"))
        ours = read_table(folder / "ours.jsonl")
        plain = read_table(folder / "plain.jsonl")
    result = {
        "docs": len(frame), "input_mb": round(megabytes, 1), "repeats": repeats,
        "ours_s": round(statistics.median(times["ours"]), 2),
        "plain_datasketch_s": round(statistics.median(times["plain"]), 2),
        "ours_dedup_stage_s": round(statistics.median(stage_seconds), 2),
        "all_s": {name: [round(t, 2) for t in values] for name, values in times.items()},
        "rows_out": {"ours": len(ours), "plain": len(plain)},
        "duplicates_marked": {"ours": int(ours["duplicate"].sum()), "plain": int(plain["duplicate"].sum())},
    }
    result["ratio"] = round(result["plain_datasketch_s"] / result["ours_s"], 2)
    print(f"{len(frame):,} documents, {megabytes:.1f} MB JSONL; medians of {repeats} alternating runs")
    print(f"  ours  `cs229llm dedup in.jsonl out.jsonl`  {result['ours_s']:6.2f} s "
          f"(dedup stage {result['ours_dedup_stage_s']:.2f} s)  duplicates marked {result['duplicates_marked']['ours']}")
    print(f"  plain datasketch script                  {result['plain_datasketch_s']:6.2f} s  "
          f"duplicates marked {result['duplicates_marked']['plain']}")
    print(f"  ours is {result['ratio']:.1f}x faster (target >= 3x)")
    print(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents of local_corpus (10000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side (3)")
    args = parser.parse_args()
    run(args.docs, args.repeats)


if __name__ == "__main__":
    main()
