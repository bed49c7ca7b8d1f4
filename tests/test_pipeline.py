"""Pipeline: stages in order, rows never deleted, the funnel, Dask equal to pandas, and the filter command."""

import functools

import pandas as pd
import pytest

from cs229llm.data.dedup import exact_dedup, line_dedup, near_dedup
from cs229llm.data.documents import new_documents, read_table, write_table
from cs229llm.data.langid import identify_language
from cs229llm.data.pii import mask_pii
from cs229llm.data.pipeline import (
    Stage,
    close_dask_clients,
    configure_dask_workers,
    dask_client,
    funnel,
    plot_funnel,
    run_pipeline,
    stage_name,
)
from cs229llm.data.quality import quality_filter
from cs229llm.data.stage import spec_of
from cs229llm.errors import InputError

PROSE = ("The river runs through the old town and the bridge that crosses it was built of stone more than "
         "two hundred years ago. Every spring the water rises, and the people who live near the bank move "
         "their boats to higher ground. Visitors come to see the arches and to walk along the path that "
         "follows the water to the mill. The mill still grinds flour on weekends, and the bakery next to it "
         "sells bread made from that flour. In the evening the lamps along the bridge are lit by hand. ")
TEXTS = [PROSE + "Call 650-555-0123 for a tour.", "Die Brücke über den Fluss ist sehr alt und schön.",
         "", "Cheap. Buy. Now.", PROSE + "Write to guide@example.org with questions.", "\n".join(["Read more about the history of the bridge"] * 20)]


def _docs():
    return new_documents(pd.DataFrame({"id": [f"d{i}" for i in range(len(TEXTS))], "text": TEXTS}))


STAGES = [identify_language, mask_pii, Stage(quality_filter, kwargs={"rules": "gopher,fineweb"})]


def test_stages_run_in_order_and_the_funnel_adds_up():
    out = run_pipeline(_docs(), STAGES)
    assert len(out) == len(TEXTS) and out.attrs["stages"] == ["langid", "pii", "quality"]
    table = funnel(out)
    assert list(table["stage"]) == ["langid", "pii", "quality"]
    assert (table["in"] == table["kept"] + table["dropped"]).all()
    assert table["in"].iloc[0] == len(TEXTS)
    assert list(table["dropped"]) == [3, 0, 1]  # de, empty, short ad; then the repeated line
    assert out.loc[0, "dropped_by"] is None and "<PHONE>" in out.loc[0, "text"]
    assert table["kept_fraction"].iloc[-1] == pytest.approx(2 / 6)
    first_half = run_pipeline(_docs(), STAGES[:2])
    in_two_runs = run_pipeline(first_half, STAGES[2:])
    assert in_two_runs.attrs["stages"] == ["langid", "pii", "quality"]
    pd.testing.assert_frame_equal(funnel(in_two_runs), table)
    ax = plot_funnel(table)
    assert len(ax.patches) == 2 * len(table)


def test_a_stage_that_deletes_rows_is_caught():
    def deleting_stage(docs):
        return docs.iloc[1:]

    with pytest.raises(AssertionError, match="never delete"):
        run_pipeline(_docs(), [deleting_stage])

    def reviving_stage(docs):
        out = docs.copy()
        out["dropped_by"] = None
        return out

    first = run_pipeline(_docs(), [identify_language])
    with pytest.raises(AssertionError, match="revived"):
        run_pipeline(first, [reviving_stage])


def test_stage_names_and_forms():
    assert stage_name(identify_language) == "langid"
    assert stage_name(functools.partial(quality_filter, rules="c4")) == "quality"
    out = run_pipeline(_docs(), [(identify_language, {"keep": ("de",)})])
    assert out.loc[1, "dropped_by"] is None and out.loc[0, "drop_reason"] == "language en"

    with pytest.raises(InputError):
        run_pipeline(_docs(), [42])
    with pytest.raises(InputError, match="engine"):
        run_pipeline(_docs(), STAGES, engine="spark")


def test_malloc_trim_threshold_is_removed_from_worker_environment():
    import dask

    environ = configure_dask_workers()
    assert "MALLOC_TRIM_THRESHOLD_" not in environ
    assert "MALLOC_TRIM_THRESHOLD_" not in dask.config.get("distributed.nanny.pre-spawn-environ")


def test_dask_gives_the_same_table_as_pandas_threads():
    from distributed import Client

    expected = run_pipeline(_docs(), STAGES)
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0") as client:
        got = run_pipeline(_docs(), STAGES, engine="dask", client=client, npartitions=3)
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_table_as_pandas():
    expected = run_pipeline(_docs(), STAGES)
    try:
        got = run_pipeline(_docs(), STAGES, engine="dask", n_workers=2)
        client = dask_client(n_workers=2)
        assert len(client.scheduler_info()["workers"]) == 2
        assert dask_client(n_workers=2) is client  # started once, reused
        import os

        worker_settings = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        assert set(worker_settings.values()) == {None}, "workers still get MALLOC_TRIM_THRESHOLD_"
        # a stage that compares documents runs on the whole table, not per partition
        twice = pd.concat([_docs(), _docs().assign(id=lambda d: d["id"] + "-copy")], ignore_index=True)
        on_dask = run_pipeline(twice, [exact_dedup], engine="dask", n_workers=2, npartitions=4)
        on_pandas = run_pipeline(twice, [exact_dedup])
        pd.testing.assert_frame_equal(on_dask, on_pandas)
        assert (on_dask["dropped_by"] == "exact_dedup").sum() > 0
    finally:
        close_dask_clients()
    pd.testing.assert_frame_equal(got, expected)


def test_filter_command_keeps_every_row(tmp_path, capsys):
    from cs229llm.cli import main

    source = tmp_path / "docs.jsonl"
    write_table(_docs()[["id", "text"]], source)
    output = tmp_path / "filtered.parquet"
    assert main(["filter", str(source), str(output), "--rules", "gopher,c4,fineweb", "--mask-pii"]) == 0
    table = read_table(output)
    assert len(table) == len(TEXTS) and {"dropped_by", "drop_reason", "lang", "q_words"} <= set(table.columns)
    printed = capsys.readouterr().out
    assert "langid" in printed and "quality" in printed and "email" in printed

    write_table(pd.DataFrame({"id": ["a"], "body": ["no text column"]}), tmp_path / "bad.jsonl")
    assert main(["filter", str(tmp_path / "bad.jsonl"), str(output)]) == 2
    assert "no column 'text'" in capsys.readouterr().err
    assert main(["filter", str(tmp_path / "missing.jsonl"), str(output)]) == 2
    assert main(["filter", str(source), str(output), "--rules", "shiny"]) == 2
    assert "unknown quality rule" in capsys.readouterr().err
    (tmp_path / "broken.jsonl").write_text("{not json\n")
    assert main(["filter", str(tmp_path / "broken.jsonl"), str(output)]) == 2


def test_stages_declare_themselves_and_report_drops_per_reason():
    assert not Stage(identify_language).compares_documents and not Stage(quality_filter).runs_on_dask
    assert all(Stage(f).compares_documents for f in (exact_dedup, line_dedup, near_dedup))
    assert Stage(near_dedup).runs_on_dask and spec_of(near_dedup).name == "near_dedup"
    docs = _docs()
    stages = [Stage(identify_language, kwargs={"keep": ("de",)}), Stage(exact_dedup)]
    out = run_pipeline(docs, stages)
    for stage in stages:
        assert stage.stats.documents_in == stage.stats.kept + stage.stats.dropped
        assert sum(stage.stats.reasons.values()) == stage.stats.dropped
    assert stages[0].stats.dropped == int((out["dropped_by"] == "langid").sum()) > 0
    assert stages[0].stats.reasons == out.loc[out["dropped_by"] == "langid", "drop_reason"].value_counts().to_dict()


def test_an_undeclared_function_is_a_per_document_stage_named_after_itself():
    def shout(docs):
        return docs.assign(text=docs["text"].str.upper())

    stage = Stage(shout)
    assert stage.name == "shout" and not stage.compares_documents and not stage.runs_on_dask
    out = run_pipeline(_docs(), [stage])
    assert out["text"].tolist() == [text.upper() for text in _docs()["text"]] and stage.stats.dropped == 0


def test_a_stage_that_miscounts_is_refused():
    from cs229llm.data.documents import mark_dropped
    from cs229llm.data.stage import StageContractError, StageStats, stage

    @stage("silent")
    def drops_without_a_reason(docs):
        out = mark_dropped(docs, docs.index == 0, "silent", "")
        out.loc[0, "drop_reason"] = None
        return out

    @stage("honest")
    def drops_under_another_name(docs):
        return mark_dropped(docs, docs.index == 0, "someone_else", "too short")

    with pytest.raises(StageContractError, match="reasons for 0"):
        run_pipeline(_docs(), [drops_without_a_reason])
    with pytest.raises(AssertionError, match="under its name"):  # in (6) != kept (5) + dropped (0)
        run_pipeline(_docs(), [drops_under_another_name])
    with pytest.raises(StageContractError, match="never delete"):
        Stage(lambda docs: docs.drop(index=2)).run(_docs())
    with pytest.raises(StageContractError, match="gave reasons"):
        StageStats("made_up", documents_in=6, kept=4, dropped=2, reasons={"x": 1}).check()
    assert StageStats("fine", 6, 4, 2, {"x": 1, "y": 1}).check().dropped == 2


def test_stage_run_records_stats_and_the_declared_name_wins():
    stage = Stage(quality_filter, kwargs={"rules": "gopher,fineweb"})
    assert stage.stats is None
    out = stage.run(run_pipeline(_docs(), [identify_language]))
    assert (stage.stats.documents_in, stage.stats.kept, stage.stats.dropped) == (3, 2, 1)
    assert stage.stats.reasons == out.loc[out["dropped_by"] == "quality", "drop_reason"].value_counts().to_dict()
    renamed = Stage(functools.partial(identify_language, keep=("de",)))
    assert renamed.name == "langid" and renamed.kwargs == {}
    assert Stage(identify_language, name="language").name == "language"


def test_dask_gives_the_same_stats_as_pandas_and_runs_dedup_stages_on_the_whole_table():
    from distributed import Client

    twice = pd.concat([_docs(), _docs().assign(id=lambda d: d["id"] + "-copy")], ignore_index=True)

    def stages():
        return [Stage(identify_language), Stage(exact_dedup), Stage(mask_pii),
                Stage(line_dedup, kwargs={"min_documents": 3}), Stage(quality_filter, kwargs={"rules": "gopher"})]

    on_pandas, on_dask = stages(), stages()
    expected = run_pipeline(twice, on_pandas)
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0") as client:
        got = run_pipeline(twice, on_dask, engine="dask", client=client, npartitions=4)
    pd.testing.assert_frame_equal(got, expected)
    assert [step.stats for step in on_dask] == [step.stats for step in on_pandas]
    assert on_pandas[1].stats.dropped == 3 and on_pandas[1].stats.reasons  # the copies, found across partitions
    pd.testing.assert_frame_equal(funnel(got), funnel(expected))
