"""The pipeline: a list of stages run in order, on pandas or on a Dask cluster, with a funnel.

A stage is a function ``docs -> docs``; rows are never deleted, only marked. What the pipeline
needs to know about it (its name, whether it compares documents, whether it runs itself on Dask)
is declared next to the function with ``@stage(...)`` (:mod:`.stage`), never read from its
signature; a :class:`~.stage.Stage` pairs the function with its keyword arguments and, after a
run, its :class:`~.stage.StageStats` (documents in, kept, dropped, drops per reason). Every stage
run is refused unless the rows it got are the rows it returns, rows dropped earlier stay dropped,
in = kept + dropped and every drop has a reason. Per-document stages run unchanged on a Dask
DataFrame via ``map_partitions`` (a LocalCluster of 2 single-thread workers by default, or a scheduler
address); the result equals the pandas one. Before any cluster starts we remove
``MALLOC_TRIM_THRESHOLD_`` from the workers' environment (it tripled numpy CPU time here).
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import pandas as pd

from ..errors import InputError
from .documents import funnel as documents_funnel
from .documents import is_kept
from .stage import Stage, StageContractError, StageStats, checked_partition, spec_of

ENGINES = ("pandas", "dask")


def stage_name(function) -> str:
    """The name a stage function (or partial, or :class:`Stage`) writes into ``dropped_by``."""
    return function.name if isinstance(function, Stage) else spec_of(function).name


def as_stage(step) -> Stage:
    """A :class:`Stage` from a Stage, a callable, or a ``(function, kwargs)`` pair."""
    if isinstance(step, Stage):
        return step
    if isinstance(step, tuple) and len(step) == 2 and callable(step[0]) and isinstance(step[1], dict):
        return Stage(step[0], kwargs=step[1])
    if callable(step):
        return Stage(step)
    raise InputError(f"a pipeline stage must be a function or Stage, got {type(step).__name__}")


def run_pipeline(docs: pd.DataFrame, stages, engine: str = "pandas", address: str | None = None,
                 n_workers: int = 2, npartitions: int | None = None, client=None) -> pd.DataFrame:
    """Run ``stages`` in order on the documents table; return the table with every row.

    Args:
        docs: documents table (pandas).
        stages: functions ``docs -> docs``, :class:`Stage` objects or ``(function, kwargs)``.
        engine: ``"pandas"`` (in process) or ``"dask"`` (partitions on a cluster).
        address: Dask scheduler address (``engine="dask"``); None starts a LocalCluster.
        n_workers: LocalCluster workers (one thread each).
        npartitions: Dask partitions (default: 2 per worker).
        client: an existing ``distributed.Client`` to use instead of ``address``.

    Returns:
        The final table (same rows, same order as ``docs``); ``attrs["stages"]`` holds the
        stage names in order (earlier pipelines' stages first), for :func:`funnel`.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    steps = [as_stage(step) for step in stages]
    if engine == "pandas":
        result = docs
        for step in steps:
            result = step.run(result)
    else:
        result = _run_on_dask(docs, steps, client or dask_client(address, n_workers), npartitions)
    result.attrs["stages"] = _earlier_stages(docs) + [step.name for step in steps]
    return result


def _earlier_stages(docs: pd.DataFrame) -> list[str]:
    """Stages that ran before this pipeline: the input's recorded order, then any other stage found in
    ``dropped_by`` (e.g. the WARC reader) placed first."""
    recorded = list(docs.attrs.get("stages", []))
    seen = pd.unique(docs["dropped_by"].dropna()) if "dropped_by" in docs.columns else []
    return [stage for stage in seen if stage not in recorded] + recorded


def _run_on_dask(docs, steps, client, npartitions) -> pd.DataFrame:
    """Per-document stages as ``map_partitions`` over a Dask DataFrame, computed once per run of them.

    A stage that compares documents with each other (declared ``compares_documents=True``: exact,
    line and near dedup) cannot see one partition at a time: the table is gathered before it and
    the stage runs on the whole table; one declared ``runs_on_dask=True`` (near dedup) gets
    ``engine="dask"`` and the client and runs its own partition-parallel engine.
    """
    import dask  # heavy optional: only the Dask engine loads it (~0.9 s with dask.dataframe, see benchmarks/RESULTS.md)
    import dask.dataframe as dd  # heavy optional: as above

    partitions = npartitions or 2 * max(1, len(client.scheduler_info().get("workers", {})))
    partitions = max(1, min(partitions, len(docs)))
    result, pending = docs, []
    for step in steps + [None]:
        if step is not None and not step.compares_documents:
            pending.append(step)
            continue
        if pending:
            # keep pandas' own dtypes: Dask would otherwise turn strings into Arrow strings
            with dask.config.set({"dataframe.convert-string": False}):
                frame = dd.from_pandas(result, npartitions=partitions, sort=False)
                sample = result.head(min(len(result), 3))
                for per_document in pending:
                    sample = checked_partition(per_document, sample)  # output columns and dtypes (Dask's meta)
                    frame = frame.map_partitions(functools.partial(checked_partition, per_document),
                                                 meta=sample.iloc[:0])
                computed = client.compute(frame).result()
            before, result = result, computed.loc[result.index].astype(sample.dtypes.to_dict())
            _stats_of_fused(pending, before, result)
            pending = []
        if step is not None:
            result = step.run(result, client=client)
    return result


def _stats_of_fused(steps: list[Stage], before: pd.DataFrame, after: pd.DataFrame) -> None:
    """Set the stats of per-document stages that ran fused in one pass over the partitions.

    Each partition was checked stage by stage on the workers; here a row dropped in the pass counts
    for the stage whose name it carries, and every row the pass dropped must carry one of them.
    """
    remaining = is_kept(before)
    for step in steps:
        mine = remaining & (after["dropped_by"] == step.name) if "dropped_by" in after.columns else remaining & False
        step.stats = StageStats.count(step.name, remaining, after, kept_after=remaining & ~mine).check()
        remaining = remaining & ~mine
    if int(remaining.sum()) != int(is_kept(after).sum()):
        raise StageContractError(f"stages {[step.name for step in steps]} dropped rows under another name")


def funnel(docs: pd.DataFrame, stages: list[str] | None = None) -> pd.DataFrame:
    """Funnel table: per stage, documents in, dropped and kept (``in == kept + dropped`` asserted).

    Args:
        docs: a table that went through :func:`run_pipeline` (stage order from ``attrs``) or
            any table with ``dropped_by``; ``stages`` overrides the order.

    Returns:
        DataFrame ``stage, in, dropped, kept, kept_fraction`` (fraction of all documents).
    """
    stages = stages or docs.attrs.get("stages")
    if stages:  # stages that dropped rows before this pipeline (e.g. the WARC reader) come first
        seen = pd.unique(docs["dropped_by"].dropna()) if "dropped_by" in docs.columns else []
        stages = [stage for stage in seen if stage not in stages] + list(stages)
    if stages:  # a stage run again (a table filtered twice) is one row, where it first dropped
        stages = list(dict.fromkeys(stages))
    table = documents_funnel(docs, stages)
    assert (table["in"] == table["kept"] + table["dropped"]).all()
    assert table.empty or int(table["kept"].iloc[-1]) == int(is_kept(docs).sum())
    total = max(len(docs), 1)
    table["kept_fraction"] = table["kept"] / total
    return table


def plot_funnel(table: pd.DataFrame, ax=None, title: str = "documents kept after each stage"):
    """Bar plot of a funnel table: one bar per stage (kept), the dropped part stacked on top.

    Args:
        table: from :func:`funnel` or :func:`cs229llm.data.quality.rule_counts`
            (a ``stage`` or ``rule`` column, plus ``kept`` and ``dropped``).
        ax: matplotlib axes (a new small figure when None).

    Returns:
        The axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    labels = table["stage"] if "stage" in table.columns else table["rule"]
    positions = range(len(table))
    ax.bar(positions, table["kept"], color="#3b7dd8", label="kept")
    ax.bar(positions, table["dropped"], bottom=table["kept"], color="#e07b39", label="dropped")
    ax.set_xticks(list(positions), [str(label) for label in labels], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("documents")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return ax


# ---------------------------------------------------------------- Dask


_CLIENTS: dict = {}


def configure_dask_workers() -> dict:
    """Drop ``MALLOC_TRIM_THRESHOLD_`` from ``distributed.nanny.pre-spawn-environ``; return the new setting.

    Dask sets it for its worker processes; here it made numpy code three times slower.
    ``dask.config.set`` merges nested dicts (the key would survive) and importing
    ``distributed`` loads its defaults (which would add it back), so the entry is popped from
    the live config after that import. Call before the first cluster starts (:func:`dask_client` does).
    """
    import dask  # heavy optional: only the Dask engine loads it
    import distributed  # noqa: F401  optional and slow to import: only for --engine dask (loads its config defaults)

    nanny = dask.config.config.setdefault("distributed", {}).setdefault("nanny", {})
    environ = nanny.get("pre-spawn-environ")
    if isinstance(environ, dict):
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return dict(environ or {})


def dask_client(address: str | None = None, n_workers: int = 2, threads_per_worker: int = 1):
    """A ``distributed.Client``: to ``address`` (a real cluster) or to a LocalCluster it starts.

    The LocalCluster (``n_workers`` processes x ``threads_per_worker`` threads, no dashboard)
    is started once per process and reused; :func:`close_dask_clients` stops it.

    Args:
        address: scheduler address such as ``"tcp://10.0.0.5:8786"``; None for local.
        n_workers: local worker processes.
        threads_per_worker: threads per local worker.

    Returns:
        The client.
    """
    key = (address, n_workers, threads_per_worker)
    client = _CLIENTS.get(key)
    if client is not None and client.status == "running":
        return client
    configure_dask_workers()
    from distributed import Client, LocalCluster  # optional and slow to import: only for --engine dask

    try:
        if address:
            client = Client(address, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                   processes=True, dashboard_address=":0", silence_logs=40)
            client = Client(cluster)
    except OSError as error:
        raise InputError(f"cannot reach a Dask scheduler at {address}: {error}") from None
    _CLIENTS[key] = client
    return client


def close_dask_clients() -> None:
    """Close every client (and LocalCluster) :func:`dask_client` started."""
    for client in list(_CLIENTS.values()):
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()
    _CLIENTS.clear()
