"""Data stages as declared objects: ``@stage(...)`` on the function, :class:`Stage` to run it with stats.

A stage function takes the documents table and returns it with rows marked, never deleted
(``dropped_by`` / ``drop_reason``, see :mod:`cs229llm.data.documents`). What the pipeline
(:mod:`cs229llm.data.pipeline`) needs to know about it is declared next to the function, once,
and never guessed from its signature::

    @stage("near_dedup", compares_documents=True, runs_on_dask=True)
    def near_dedup(docs, threshold=0.8, ..., engine="pandas", client=None): ...

- ``name``: what the stage writes into ``dropped_by`` (and the funnel's row label);
- ``compares_documents``: True when a document's fate depends on the others (exact, line and near
  dedup): the stage sees the whole table, not one partition at a time;
- ``runs_on_dask``: True when the function has its own partition-parallel engine and takes
  ``engine="dask"`` and ``client=`` (near dedup); the pipeline passes them under ``engine="dask"``.

A :class:`Stage` is one step of a pipeline: the function, the keyword arguments it is called with,
and, after :meth:`Stage.run`, its :class:`StageStats` (documents in, kept, dropped, and drops per
reason, as datatrove's per-step stats). ``run`` refuses (:class:`StageContractError`) a stage that
deleted, added or reordered rows, changed ids, revived a dropped row, or whose counts do not add up.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from .documents import is_kept


@dataclass(frozen=True)
class StageSpec:
    """The declaration of one stage function (see the module docstring)."""

    name: str
    compares_documents: bool = False
    runs_on_dask: bool = False


SPEC_ATTRIBUTE = "stage_spec"  # the one attribute @stage sets on a function


def stage(name: str, compares_documents: bool = False, runs_on_dask: bool = False):
    """Declare a stage function: ``@stage("near_dedup", compares_documents=True, runs_on_dask=True)``.

    Attaches one :class:`StageSpec` to the function (as ``function.stage_spec``) and returns the
    function unchanged.
    """
    spec = StageSpec(name, compares_documents, runs_on_dask)

    def declare(function: Callable) -> Callable:
        setattr(function, SPEC_ATTRIBUTE, spec)
        return function

    return declare


def spec_of(function: Callable) -> StageSpec:
    """The declaration of ``function`` (seen through ``functools.partial``); an undeclared function is a
    per-document stage named after itself."""
    inner = function
    while isinstance(inner, functools.partial):
        inner = inner.func
    declared = getattr(inner, SPEC_ATTRIBUTE, None)
    if isinstance(declared, StageSpec):
        return declared
    return StageSpec(getattr(inner, "__name__", type(inner).__name__))


class StageContractError(AssertionError):
    """A stage broke the documents-table contract (rows kept, only marked; counts add up).

    Raised, not asserted, so that ``python -O`` checks it too.
    """


@dataclass
class StageStats:
    """What one stage did: documents it saw (kept before it), kept, dropped, and drops per reason.

    ``documents_in == kept + dropped`` and ``sum(reasons.values()) == dropped`` for a stage that
    keeps the contract (:meth:`check`).
    """

    name: str
    documents_in: int
    kept: int
    dropped: int
    reasons: dict[str, int] = field(default_factory=dict)

    @classmethod
    def count(cls, name: str, kept_before: pd.Series, after: pd.DataFrame,
              kept_after: pd.Series | None = None) -> StageStats:
        """Stats of stage ``name`` from the rows kept before it and the table it returned.

        ``dropped`` counts the rows kept before that now carry ``dropped_by == name``; ``kept`` the
        rows kept after (``kept_after``, default: ``is_kept(after)``) among those kept before;
        ``reasons`` the ``drop_reason`` of the dropped rows (a missing reason is not counted).
        """
        kept_after = is_kept(after) if kept_after is None else kept_after
        if "dropped_by" in after.columns:
            mine = kept_before & (after["dropped_by"] == name)
            reasons = after.loc[mine, "drop_reason"].value_counts() if mine.any() else pd.Series(dtype=object)
        else:
            mine, reasons = kept_before & False, pd.Series(dtype=object)
        return cls(name, int(kept_before.sum()), int((kept_before & kept_after).sum()), int(mine.sum()),
                   {str(reason): int(number) for reason, number in reasons.items()})

    def check(self) -> StageStats:
        """Raise :class:`StageContractError` unless in = kept + dropped and the reasons add up to dropped."""
        if self.documents_in != self.kept + self.dropped:
            raise StageContractError(
                f"stage {self.name!r} got {self.documents_in} documents but kept {self.kept} and dropped "
                f"{self.dropped} under its name (a row dropped under another name, or lost?)")
        if sum(self.reasons.values()) != self.dropped:
            raise StageContractError(
                f"stage {self.name!r} dropped {self.dropped} documents but gave reasons for "
                f"{sum(self.reasons.values())} (every dropped row needs a drop_reason)")
        return self


@dataclass
class Stage:
    """One pipeline step: a stage function, its keyword arguments, and what it declares about itself.

    ``name``, ``compares_documents`` and ``runs_on_dask`` come from the function's :func:`stage`
    declaration unless given here. :meth:`run` calls it, checks the contract and keeps ``stats``.

    Attributes:
        function: ``docs -> docs`` (rows never deleted, only marked).
        kwargs: keyword arguments passed on every call.
        name: the name the function writes into ``dropped_by``.
        compares_documents: the stage needs the whole table (dedup), not one partition at a time.
        runs_on_dask: the function takes ``engine="dask"`` and ``client=`` and runs itself on the cluster.
        stats: the :class:`StageStats` of the last :meth:`run` (None before).
    """

    function: Callable
    kwargs: dict = field(default_factory=dict)
    name: str | None = None
    compares_documents: bool | None = None
    runs_on_dask: bool | None = None
    stats: StageStats | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if not callable(self.function):
            raise TypeError(f"a stage function must be callable, got {type(self.function).__name__}")
        declared = spec_of(self.function)
        self.name = declared.name if self.name is None else self.name
        if self.compares_documents is None:
            self.compares_documents = declared.compares_documents
        if self.runs_on_dask is None:
            self.runs_on_dask = declared.runs_on_dask

    def __call__(self, docs: pd.DataFrame, **extra) -> pd.DataFrame:
        """The bare call ``function(docs, **kwargs, **extra)``: no checks, no stats."""
        return self.function(docs, **self.kwargs, **extra)

    def checked(self, docs: pd.DataFrame, client=None) -> tuple[pd.DataFrame, StageStats]:
        """``(table, stats)`` of one call on ``docs``, refused unless the stage kept the contract.

        With a Dask ``client`` and ``runs_on_dask``, the function gets ``engine="dask"`` and the
        client (unless its ``kwargs`` already set them).

        Raises:
            StageContractError: rows deleted, added or reordered, ids changed, a dropped row revived,
                in != kept + dropped, or a dropped row without a reason.
        """
        extra = {}
        if client is not None and self.runs_on_dask:
            extra = {key: value for key, value in (("engine", "dask"), ("client", client)) if key not in self.kwargs}
        result = self(docs, **extra)
        if not isinstance(result, pd.DataFrame):
            raise StageContractError(f"stage {self.name!r} returned {type(result).__name__}, not the documents table")
        if len(result) != len(docs) or not result.index.equals(docs.index):
            raise StageContractError(f"stage {self.name!r} changed the rows (it must mark, never delete)")
        if "id" in docs.columns and not result["id"].equals(docs["id"]):
            raise StageContractError(f"stage {self.name!r} changed document ids")
        kept_before, kept_after = is_kept(docs), is_kept(result)
        if (kept_after & ~kept_before).any():
            raise StageContractError(f"stage {self.name!r} revived a dropped row")
        return result, StageStats.count(self.name, kept_before, result, kept_after).check()

    def run(self, docs: pd.DataFrame, client=None) -> pd.DataFrame:
        """Call the stage on ``docs`` (checked, see :meth:`checked`), keep its ``stats``, return the table."""
        result, self.stats = self.checked(docs, client=client)
        return result


def checked_partition(step: Stage, docs: pd.DataFrame) -> pd.DataFrame:
    """:meth:`Stage.checked` on one partition, the table only (what ``map_partitions`` runs on a worker)."""
    return step.checked(docs)[0]
