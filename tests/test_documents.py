import pytest

from cs229llm.data import documents
from cs229llm.errors import InputError


def make_table():
    return documents.new_documents([{"id": i, "text": t} for i, t in enumerate(["a", "bb", "", "dddd"])])


def test_new_documents_adds_columns_and_checks_ids():
    table = make_table()
    assert list(table.columns[:4]) == documents.BASE_COLUMNS
    assert table["dropped_by"].isna().all()
    with pytest.raises(InputError, match="unique"):
        documents.new_documents([{"id": 1, "text": "x"}, {"id": 1, "text": "y"}])
    with pytest.raises(InputError, match="no column 'text'"):
        documents.new_documents([{"id": 1}])


def test_mark_dropped_keeps_rows_and_first_reason():
    table = make_table()
    table = documents.mark_dropped(table, table["text"] == "", "extract", "empty text")
    table = documents.mark_dropped(table, table["text"].str.len() < 3, "quality", "too short")
    assert len(table) == 4
    assert table.loc[2, "dropped_by"] == "extract"
    assert set(table["dropped_by"].dropna()) == {"extract", "quality"}
    funnel = documents.funnel(table, ["extract", "quality"])
    assert (funnel["in"] == funnel["kept"] + funnel["dropped"]).all()
    assert funnel["kept"].iloc[-1] == len(documents.kept(table)) == 1


def test_read_write_roundtrip(tmp_path):
    table = make_table()
    for name in ("t.jsonl", "t.parquet"):
        path = documents.write_table(table, tmp_path / name)
        back = documents.read_table(path)
        assert back["id"].tolist() == table["id"].tolist()
    with pytest.raises(InputError, match="no such file"):
        documents.read_table(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="jsonl or .parquet"):
        documents.write_table(table, tmp_path / "t.csv")


def test_funnel_puts_read_first():
    table = make_table()
    table = documents.mark_dropped(table, table["text"] == "a", "quality", "too short")
    table = documents.mark_dropped(table, table["text"] == "dddd", documents.READ_STAGE, "line 4: not valid JSON")
    assert documents.funnel(table)["stage"].tolist() == ["read", "quality"]
    assert documents.funnel(table, ["quality", "read"])["stage"].tolist() == ["quality", "read"]
