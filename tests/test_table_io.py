"""Reading and writing documents tables: no retyping, bad lines kept as dropped rows, refused paths, atomic writes."""
import json
import os
import sys
import time

import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest

from cs229llm.data import documents
from cs229llm.errors import InputError

GOOD_1 = b'{"id":"a","text":"first document"}\n'
GOOD_3 = b'{"id":"c","text":"third document"}\n'


def write_lines(path, *lines: bytes):
    path.write_bytes(b"".join(lines))
    return path


def no_temporary_files(folder):
    return [name for name in os.listdir(folder) if name.endswith(".tmp")] == []


def test_values_are_never_retyped(tmp_path):
    path = write_lines(
        tmp_path / "t.jsonl",
        b'{"id":"00001","text":"1000","date":"2020-01-01","cluster_id":"000","flag":true,"score":1.5,'
        b'"meta":{"tags":["x",1],"n":null},"count":3,"maybe":true}\n',
        b'{"id":"2","text":"2020-01-01","date":"2020-01-02","cluster_id":"00","flag":false,"score":2.0,'
        b'"meta":[1,2],"count":null}\n')
    table = documents.read_table(path)
    first = table.iloc[0]
    assert first["id"] == "00001" and first["text"] == "1000" and first["cluster_id"] == "000"
    assert first["date"] == "2020-01-01" and type(first["date"]) is str
    assert table["text"].tolist() == ["1000", "2020-01-01"]
    assert all(type(value) is str for value in table["text"])
    assert table["flag"].tolist() == [True, False] and table["flag"].dtype == bool
    assert table["score"].tolist() == [1.5, 2.0]
    assert first["meta"] == {"tags": ["x", 1], "n": None} and table["meta"].iloc[1] == [1, 2]
    # an integer column with a null stays ints (not 3.0), the null stays missing
    assert type(first["count"]) is int and first["count"] == 3 and table["count"].iloc[1] is None
    assert table["maybe"].iloc[0] is True and table["maybe"].iloc[1] is None
    docs = documents.read_documents(path)
    assert docs["text"].tolist() == ["1000", "2020-01-01"] and docs["id"].tolist() == ["00001", "2"]
    assert docs["dropped_by"].isna().all()


BAD_LINES = [
    ("invalid utf-8", b'{"id":"b","text":"caf\xe9"}\n', "not valid UTF-8 (byte 0xe9"),
    ("not json", b"{this is not json\n", "not valid JSON"),
    ("raw nul", b'{"id":"b","text":"a\x00b"}\n', "raw NUL byte"),
    ("lone surrogate", b'{"id":"b","text":"\\ud800"}\n', "lone surrogate"),
    ("array", b'[1, 2]\n', "an array, not a JSON object"),
    ("number", b"17\n", "a number, not a JSON object"),
    ("string", b'"just text"\n', "a string, not a JSON object"),
    ("null line", b"null\n", "null, not a JSON object"),
    ("duplicate id", b'{"id":"a","text":"again"}\n', "repeated id 'a' (first on line 1)"),
    ("null id", b'{"id":null,"text":"x"}\n', '"id" is null'),
    ("number id", b'{"id":17,"text":"x"}\n', '"id" must be a JSON string, got a number (17)'),
    ("missing id", b'{"text":"x"}\n', 'no "id"'),
]


@pytest.mark.parametrize("kind, line, reason", BAD_LINES, ids=[kind for kind, _, _ in BAD_LINES])
def test_a_bad_line_becomes_a_dropped_row(tmp_path, kind, line, reason):
    path = write_lines(tmp_path / "t.jsonl", GOOD_1, line, GOOD_3)
    table = documents.read_table(path)
    assert len(table) == 3 and table["id"].tolist() == ["a", "line-2", "c"]
    bad = table.iloc[1]
    assert bad["dropped_by"] == "read"
    assert bad["drop_reason"].startswith("line 2: ") and reason in bad["drop_reason"], bad["drop_reason"]
    raw = bad["raw_line"]
    if kind == "missing id":
        assert json.loads(raw) == json.loads(line)  # parsed fine: stored re-serialised
    else:
        assert raw == line.decode("utf-8", "replace").rstrip("\n")
    assert table.loc[[0, 2], "dropped_by"].isna().all() and table.loc[[0, 2], "raw_line"].isna().all()
    assert table["text"].iloc[2] == "third document"
    assert table.attrs["read"] == {"lines": 3, "blank_lines": 0, "bad_lines": 1}
    docs = documents.read_documents(path)
    funnel = documents.funnel(docs)
    assert funnel.to_dict("records") == [{"stage": "read", "in": 3, "dropped": 1, "kept": 2}]


def test_truncated_last_line_and_a_valid_last_line_without_newline(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", GOOD_1, GOOD_3, b'{"id":"d","text":"cut of')
    table = documents.read_table(path)
    assert table["drop_reason"].iloc[2].startswith("line 3: truncated last line")
    assert table["raw_line"].iloc[2] == '{"id":"d","text":"cut of'
    path = write_lines(tmp_path / "u.jsonl", GOOD_1, GOOD_3.rstrip(b"\n"))
    table = documents.read_table(path)
    assert table["text"].tolist() == ["first document", "third document"] and "dropped_by" not in table.columns


def test_lone_surrogate_is_kept_verbatim_not_altered(tmp_path):
    """Decision: "\\ud800" is half a UTF-16 pair, not a character; it cannot be stored as UTF-8, so the
    line is dropped with a reason and its raw text (the escape, verbatim) is kept; a proper pair is fine."""
    path = write_lines(tmp_path / "t.jsonl", b'{"id":"a","text":"x\\ud800y"}\n',
                       b'{"id":"b","text":"\\ud83d\\ude00"}\n')
    table = documents.read_table(path)
    assert table["raw_line"].iloc[0] == '{"id":"a","text":"x\\ud800y"}'
    assert table["dropped_by"].tolist()[0] == "read" and table["text"].iloc[1] == "\U0001F600"
    documents.write_table(table, tmp_path / "o.jsonl")
    back = documents.read_table(tmp_path / "o.jsonl")
    assert back["raw_line"].iloc[0] == '{"id":"a","text":"x\\ud800y"}'


def test_blank_lines_are_skipped_and_counted_bom_is_skipped(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", b"\xef\xbb\xbf" + GOOD_1, b"\n", b"   \r\n", GOOD_3, b"\n")
    table = documents.read_table(path)
    assert table["id"].tolist() == ["a", "c"] and "dropped_by" not in table.columns
    assert table.attrs["read"] == {"lines": 5, "blank_lines": 3, "bad_lines": 0}


def test_in_equals_kept_plus_dropped_after_bad_lines(tmp_path):
    lines = [GOOD_1, b"\n"] + [line for _, line, _ in BAD_LINES] + [GOOD_3]
    path = write_lines(tmp_path / "t.jsonl", *lines)
    docs = documents.read_documents(path)
    assert len(docs) == len(lines) - 1  # every line but the blank one is a row
    assert docs["id"].is_unique
    assert (docs["dropped_by"] == "read").sum() == len(BAD_LINES)
    assert len(documents.kept(docs)) == 2
    docs = documents.mark_dropped(docs, docs["text"] == "third document", "quality", "test")
    funnel = documents.funnel(docs)
    assert funnel["stage"].tolist() == ["read", "quality"]
    assert (funnel["in"] == funnel["kept"] + funnel["dropped"]).all()
    assert funnel["in"].iloc[0] == len(docs) and funnel["kept"].iloc[-1] == 1


def test_generated_ids_never_collide_with_real_ones(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", b"oops\n", b'{"id":"line-1","text":"real"}\n',
                       b'{"id":"line-1-2","text":"also real"}\n')
    table = documents.read_table(path)
    assert table["id"].tolist() == ["line-1-3", "line-1", "line-1-2"]
    assert documents.read_table(path)["id"].tolist() == table["id"].tolist()  # stable


def test_a_file_with_no_usable_line_is_refused_with_the_first_reason(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", b"id,text\n", b"a,hello\n")
    with pytest.raises(InputError, match=r"no line is a usable row; line 1: not valid JSON .*1 more bad lines"):
        documents.read_table(path)
    path = write_lines(tmp_path / "ints.jsonl", b'{"id":1,"text":"x"}\n')
    with pytest.raises(InputError, match=r'"id" must be a JSON string, got a number \(1\)'):
        documents.read_documents(path)
    empty = write_lines(tmp_path / "empty.jsonl")
    assert len(documents.read_documents(empty)) == 0


def test_tables_without_ids_get_no_generated_ids(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", b'{"text":"a"}\n', b"nope\n", b'{"text":"b"}\n')
    table = documents.read_table(path)
    assert "id" not in table.columns and table["dropped_by"].tolist()[1] == "read"
    with pytest.raises(InputError, match="no column 'id'"):
        documents.read_documents(path)


def mixed_table():
    return pd.DataFrame({
        "id": ["a", "b", "c", "d"],
        "text": ["plain", 1000, None, "2020-01-01"],  # mixed str / int / missing
        "cluster_id": ["000", "000", "b", None],
        "count": pd.Series([1, None, 3, 4], dtype=object),
        "score": [1.5, float("nan"), 0.25, -2.0],
        "flag": [True, False, True, False],
        "maybe": pd.Series([True, None, False, None], dtype=object),
        "meta": pd.Series([{"k": [1, "x"]}, [1, 2], None, {"n": None}], dtype=object),
        "dropped_by": [None, "read", None, None],
    })


def test_roundtrips_jsonl_and_parquet_are_equal(tmp_path):
    source = write_lines(tmp_path / "in.jsonl", *(orjson.dumps(r) + b"\n" for r in [
        {"id": "a", "text": "plain", "n": 1, "x": 1.5, "b": True, "nest": {"k": [1, "x"]}, "mixed": "s"},
        {"id": "b", "text": "1000", "n": None, "x": None, "b": None, "nest": [1, 2], "mixed": 7},
        {"id": "c", "text": "00001", "n": 3, "x": 2.0, "b": False, "nest": None, "mixed": None},
    ]), b"not json\n")
    table = documents.read_table(source)
    documents.write_table(table, tmp_path / "a.jsonl")
    again = documents.read_table(tmp_path / "a.jsonl")
    pd.testing.assert_frame_equal(again, table)
    documents.write_table(again, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    documents.write_table(table, tmp_path / "t.parquet")
    via_parquet = documents.read_table(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(via_parquet, table)
    documents.write_table(via_parquet, tmp_path / "c.jsonl")
    assert (tmp_path / "c.jsonl").read_bytes() == (tmp_path / "a.jsonl").read_bytes()
    documents.write_table(table, tmp_path / "t.jsonl.gz")
    pd.testing.assert_frame_equal(documents.read_table(tmp_path / "t.jsonl.gz"), table)

    mixed = mixed_table()
    for name in ("m.jsonl", "m.parquet"):
        back = documents.read_table(documents.write_table(mixed, tmp_path / name))
        assert back["text"].tolist()[:2] == ["plain", 1000] and pd.isna(back["text"].iloc[2])
        assert back["count"].tolist() == [1, None, 3, 4] and back["maybe"].tolist() == [True, None, False, None]
        assert back["meta"].tolist() == [{"k": [1, "x"]}, [1, 2], None, {"n": None}]
        assert back["cluster_id"].tolist()[:3] == ["000", "000", "b"]
        assert back["flag"].dtype == bool and back["score"].iloc[0] == 1.5 and np.isnan(back["score"].iloc[1])


def test_parquet_mixed_columns_are_json_text_named_in_the_metadata(tmp_path):
    path = documents.write_table(mixed_table(), tmp_path / "m.parquet")
    metadata = pq.read_schema(path).metadata
    assert json.loads(metadata[documents.JSON_COLUMNS_KEY]) == ["text", "meta"]  # count, maybe: int64 and bool with nulls
    plain = pd.read_parquet(path)  # any other reader: strings are strings, mixed columns JSON text
    assert plain["cluster_id"].tolist()[:3] == ["000", "000", "b"]
    assert plain["text"].tolist()[:2] == ['"plain"', "1000"]
    assert pq.read_schema(path).field("id").type in ("string", "large_string")


def test_writer_handles_numpy_missing_values_and_timestamps(tmp_path):
    frame = pd.DataFrame({
        "id": ["a", "b"],
        "n": pd.Series([np.int64(3), np.float32(0.5)], dtype=object),
        "missing": pd.Series([None, pd.NA], dtype=object),
        "nan": [float("nan"), 1.0],
        "when": pd.to_datetime(["2020-01-01", None]),
        "array": pd.Series([np.arange(3), np.array([1.5])], dtype=object),
        "big": pd.array([1, None], dtype="Int64"),
    })
    path = documents.write_table(frame, tmp_path / "t.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0] == {"id": "a", "n": 3, "missing": None, "nan": None, "when": "2020-01-01T00:00:00",
                       "array": [0, 1, 2], "big": 1}
    assert rows[1]["n"] == 0.5 and rows[1]["missing"] is None and rows[1]["when"] is None and rows[1]["big"] is None
    documents.write_table(frame, tmp_path / "t.parquet")  # no traceback either


def test_values_json_cannot_hold_give_a_clear_error_and_no_file(tmp_path):
    frame = pd.DataFrame({"id": ["a"], "html": [b"<p>bytes</p>"]})
    with pytest.raises(InputError, match=r"column 'html', row 0: .*bytes"):
        documents.write_table(frame, tmp_path / "t.jsonl")
    assert os.listdir(tmp_path) == []
    back = documents.read_table(documents.write_table(frame, tmp_path / "t.parquet"))
    assert back["html"].tolist() == [b"<p>bytes</p>"]
    with pytest.raises(InputError, match="repeated column names"):
        documents.write_table(pd.DataFrame([[1, 2]], columns=["a", "a"]), tmp_path / "r.jsonl")


def test_input_paths_are_refused_before_any_work(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        documents.read_table(tmp_path / "missing.jsonl")
    (tmp_path / "folder.jsonl").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        documents.read_table(tmp_path / "folder.jsonl")
    (tmp_path / "t.csv").write_text("id,text\n")
    with pytest.raises(InputError, match=r"expected a \.jsonl or \.parquet file"):
        documents.read_table(tmp_path / "t.csv")
    (tmp_path / "fake.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        documents.read_table(tmp_path / "fake.parquet")
    (tmp_path / "fake.jsonl.gz").write_bytes(b"not gzip")
    with pytest.raises(InputError, match="cannot read"):
        documents.read_table(tmp_path / "fake.jsonl.gz")


def test_output_paths_are_refused_before_any_work(tmp_path):
    with pytest.raises(InputError, match=r"output must end in \.jsonl or \.parquet"):
        documents.check_output_path(tmp_path / "t.csv")
    (tmp_path / "out.jsonl").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        documents.check_output_path(tmp_path / "out.jsonl")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="part of that path is a file"):
        documents.check_output_path(tmp_path / "file" / "out.jsonl")
    if sys.platform.startswith("linux") and os.path.isdir("/proc/self"):
        with pytest.raises(InputError, match="cannot write in /proc"):
            documents.check_output_path("/proc/out.jsonl")
    nested = documents.check_output_path(tmp_path / "new" / "deeper" / "out.parquet")
    assert nested.parent.is_dir() and os.listdir(nested.parent) == []
    # the output is checked before the input is read
    with pytest.raises(InputError, match="output must end"):
        documents.read_documents(tmp_path / "missing.jsonl", tmp_path / "o.txt")


def test_read_only_output_is_refused(tmp_path, monkeypatch):
    target = tmp_path / "out.jsonl"
    target.write_text("")
    monkeypatch.setattr(documents.os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match="is read-only"):
        documents.check_output_path(target)


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.parquet"])
def test_a_failed_write_leaves_no_output_and_no_temporary_file(tmp_path, monkeypatch, name):
    frame = documents.new_documents([{"id": str(i), "text": f"document {i}"} for i in range(100)])
    target = tmp_path / name
    if name == "out.parquet":
        def broken_writer(table, where, **kwargs):
            with open(where, "wb") as handle:
                handle.write(b"PAR1 half a file")
            raise RuntimeError("disk on fire")
        monkeypatch.setattr(documents.pq, "write_table", broken_writer)
    else:
        real_dumps, calls = orjson.dumps, []

        def broken_dumps(*args, **kwargs):
            calls.append(1)
            if len(calls) > 50:
                raise RuntimeError("disk on fire")
            return real_dumps(*args, **kwargs)
        monkeypatch.setattr(documents.orjson, "dumps", broken_dumps)
    with pytest.raises(RuntimeError, match="disk on fire"):
        documents.write_table(frame, target)
    assert os.listdir(tmp_path) == []
    # an older output is left as it was
    target.write_bytes(b"old content")
    with pytest.raises(RuntimeError, match="disk on fire"):
        documents.write_table(frame, target)
    assert target.read_bytes() == b"old content" and no_temporary_files(tmp_path)
    assert os.listdir(tmp_path) == [name]


def test_writes_replace_an_existing_output_atomically(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    documents.write_table(documents.new_documents([{"id": "a", "text": "new"}]), target)
    assert documents.read_table(target)["text"].tolist() == ["new"]
    assert os.listdir(tmp_path) == ["out.jsonl"]
    assert (os.stat(target).st_mode & 0o777) == (0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_parquet_ids_integer_null_and_repeated(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"id": [1, 2, 3], "text": ["a", "b", "c"]}).to_parquet(path)
    assert documents.read_table(path)["id"].tolist() == ["1", "2", "3"]
    pd.DataFrame({"id": ["x", None, "x", "row-2"], "text": ["a", "b", "c", "d"]}).to_parquet(path)
    table = documents.read_documents(path)
    assert table["id"].tolist() == ["x", "row-2-2", "row-3", "row-2"]
    assert table["drop_reason"].tolist()[1:3] == ['row 2: "id" is null', "row 3: repeated id 'x' (first on row 1)"]
    assert table["dropped_by"].tolist()[1:3] == ["read", "read"] and table["dropped_by"].isna().sum() == 2


def test_jsonl_gz_is_byte_identical_across_writes_and_names(tmp_path):
    frame = documents.new_documents([{"id": "a", "text": "same table"}, {"id": "b", "text": "same bytes"}])
    first = documents.write_table(frame, tmp_path / "one.jsonl.gz")
    time.sleep(1.1)  # a gzip header stamped with the time would now differ
    second = documents.write_table(frame, tmp_path / "two.jsonl.gz")
    assert first.read_bytes() == second.read_bytes()
    assert documents.read_table(second)["text"].tolist() == ["same table", "same bytes"]
