"""The readers and writers through a command: bad lines become rows, bad output paths fail before work."""
import os

from cs229llm import cli
from cs229llm.data import documents

RIVER = "the river runs through the valley of stones and reeds every single spring"


def test_dedup_keeps_bad_lines_as_dropped_rows_and_numbers_as_text(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b'{"id":"a","text":"' + RIVER.encode() + b'"}\n'
        b'{"id":"b","text":"' + RIVER.encode() + b'"}\n'
        b"not json at all\n"
        b'{"id":"000","text":"1000"}\n'
        b'{"id":"a","text":"a repeated id"}\n'
        b'{"id":"d","text":"caf\xe9 au lait"}\n')
    target = tmp_path / "out.jsonl"
    assert cli.main(["dedup", str(source), str(target)]) == 0
    printed = capsys.readouterr().out
    assert "read " in printed and "6 rows" in printed
    out = documents.read_table(target)
    assert out["id"].tolist() == ["a", "b", "line-3", "000", "line-5", "line-6"]
    stages = [value if isinstance(value, str) else None for value in out["dropped_by"]]
    assert stages == [None, "near_dedup", "read", None, "read", "read"]
    assert out.loc[3, "text"] == "1000" and out.loc[3, "cluster_id"] == "000" and not out.loc[3, "duplicate"]
    assert out.loc[1, "dropped_by"] == "near_dedup" and out.loc[1, "cluster_id"] == "a"
    assert out.loc[2, "raw_line"] == "not json at all"
    funnel = documents.funnel(out)
    assert funnel["stage"].tolist()[0] == "read" and funnel["in"].iloc[0] == 6
    assert (funnel["in"] == funnel["kept"] + funnel["dropped"]).all()


def test_bad_output_paths_fail_before_any_work(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id":"a","text":"x"}\n')
    (tmp_path / "taken.jsonl").mkdir()
    (tmp_path / "file").write_text("")
    for output, message in [(tmp_path / "taken.jsonl", "is a folder"), (tmp_path / "o.csv", "output must end"),
                            (tmp_path / "file" / "o.jsonl", "part of that path is a file")]:
        assert cli.main(["dedup", str(source), str(output)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert cli.main(["dedup", str(tmp_path), str(tmp_path / "o.jsonl")]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["file", "in.jsonl", "taken.jsonl"]
