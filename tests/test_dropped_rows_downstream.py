"""A row a stage dropped never becomes a token: through the library and through every command after dedup.

The chain is the one a learner runs: ``dedup`` marks duplicates; ``tokenize train`` and
``tokenize shards`` read its output; ``train`` and ``evaluate`` read shards the same code wrote.
"""
import json

import numpy as np
import pandas as pd
import pytest

from cs229llm import cli
from cs229llm.data import documents
from cs229llm.errors import InputError
from cs229llm.tokenization.shards import open_shard, read_manifest, write_shards
from cs229llm.tokenization.train import load_tokenizer, train_tokenizer

KEPT_WORDS = "meadow lantern orchard violin harbour"
MARKER = "zyxquv"  # only in rows that dedup or an earlier stage drops


def _table(tmp_path):
    rows = []
    for index in range(20):
        text = f"document {index} about the {KEPT_WORDS} number {index} " + " ".join(["walks"] * (index + 3))
        rows.append({"id": f"k{index}", "text": text, "domain": "books" if index % 2 else "news"})
    duplicate = f"{MARKER} " + "the same long page copied again and again across the web " * 4
    for index in range(6):
        rows.append({"id": f"d{index}", "text": duplicate + MARKER, "domain": "news"})
    rows.append({"id": "f0", "text": f"{MARKER} filtered spam page", "domain": "books",
                 "dropped_by": "quality", "drop_reason": "too short"})
    path = tmp_path / "docs.jsonl"
    documents.write_table(documents.new_documents(pd.DataFrame(rows)), path)
    return path


def _decoded_shards(folder):
    tokenizer = load_tokenizer(folder / "tokenizer.json")
    manifest = read_manifest(folder)
    return manifest, "".join(tokenizer.decode(open_shard(folder / f"{domain}.tokens")[0].tolist())
                             for domain in manifest["domains"])


def test_dedup_then_tokenize_train_and_shards_leave_dropped_rows_out(tmp_path, capsys):
    source = _table(tmp_path)
    deduped = tmp_path / "deduped.jsonl"
    assert cli.main(["dedup", str(source), str(deduped), "--method", "exact"]) == 0
    table = documents.read_table(deduped)
    kept = documents.kept(table)
    assert len(table) == 27 and len(kept) == 21  # 5 copies and the filtered row are dropped
    assert kept["text"].str.contains(MARKER).sum() == 1  # the one copy dedup keeps
    capsys.readouterr()

    assert cli.main(["tokenize", "train", str(deduped), str(tmp_path / "tok"), "--vocab-size", "300"]) == 0
    printed = capsys.readouterr().out
    assert "left out 6 of 27 rows" in printed and "trained on 21 documents" in printed

    out = tmp_path / "shards"
    assert cli.main(["tokenize", "shards", str(deduped), str(out), "--tokenizer", str(tmp_path / "tok")]) == 0
    manifest, text = _decoded_shards(out)
    assert sum(info["documents"] for info in manifest["domains"].values()) == 21
    assert text.count(MARKER) == 2  # the kept copy holds the marker twice; dropped copies add none
    assert "filtered spam page" not in text


def test_write_shards_skips_dropped_rows_and_counts_them(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "domain": ["news", "news", "code"],
                          "text": ["kept words here", f"{MARKER} dropped", "def f(): pass"],
                          "dropped_by": [None, "exact_dedup", None], "drop_reason": [None, "copy of a", None]})
    tokenizer = train_tokenizer(frame["text"].tolist(), vocab_size=280)
    manifest = write_shards(frame, tokenizer, tmp_path)
    assert manifest["dropped_rows_left_out"] == 1
    assert manifest["domains"]["news"]["documents"] == 1
    _, text = _decoded_shards(tmp_path)
    assert MARKER not in text
    # a check that can fail: without the dropped_by column the same row is tokenized
    write_shards(frame.drop(columns=["dropped_by", "drop_reason"]), tokenizer, tmp_path / "all")
    assert MARKER in _decoded_shards(tmp_path / "all")[1]


def test_a_folder_used_before_keeps_no_stale_shards(tmp_path):
    tokenizer = train_tokenizer(["alpha beta", "gamma delta"], vocab_size=270)
    write_shards({"news": ["alpha beta"], "code": ["gamma delta"]}, tokenizer, tmp_path)
    write_shards({"news": ["alpha beta"]}, tokenizer, tmp_path)
    assert sorted(path.name for path in tmp_path.glob("*.tokens")) == ["news.tokens"]
    assert list(read_manifest(tmp_path)["domains"]) == ["news"]


def test_every_row_dropped_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "all_dropped.jsonl"
    frame = documents.new_documents([{"id": "a", "text": "x"}])
    documents.write_table(documents.mark_dropped(frame, [True], "quality", "too short"), path)
    assert cli.main(["tokenize", "train", str(path), str(tmp_path / "tok")]) == 2
    assert "every row was dropped" in capsys.readouterr().err
    with pytest.raises(InputError, match="dropped by earlier stages"):
        write_shards(documents.read_table(path).assign(domain="news"), train_tokenizer(["x y"], 260), tmp_path)


def test_shard_tokens_match_the_manifest(tmp_path):
    tokenizer = train_tokenizer(["one two three", "four five"], vocab_size=270)
    manifest = write_shards({"news": ["one two three", "four five"]}, tokenizer, tmp_path)
    tokens = np.asarray(open_shard(tmp_path / "news.tokens")[0])
    assert tokens.size == manifest["domains"]["news"]["tokens"]
    assert int(np.sum(tokens == tokenizer.eot_id)) == 2
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
