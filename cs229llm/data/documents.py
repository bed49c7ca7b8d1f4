"""The documents table: one row per document, and the rule that rows are never deleted.

Columns: ``id``, ``url``, ``text``, ``source`` and then what stages add (``lang``,
``quality`` signals, ``cluster_id``, ``domain``, ...). A stage that rejects a document
sets ``dropped_by`` (the stage) and ``drop_reason`` (why) instead of removing the row, so
"in = kept + dropped" holds at every stage and the funnel comes for free.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import InputError

BASE_COLUMNS = ["id", "url", "text", "source"]
DROP_COLUMNS = ["dropped_by", "drop_reason"]


def new_documents(records: Iterable[dict] | pd.DataFrame) -> pd.DataFrame:
    """Build a documents table from dicts (or a DataFrame) with at least ``id`` and ``text``.

    Missing ``url``/``source`` become empty strings; ``dropped_by``/``drop_reason`` are
    added empty. Ids must be unique.
    """
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if frame.empty and not len(frame.columns):
        frame = pd.DataFrame(columns=["id", "text"])
    require_columns(frame, ["id", "text"])
    for column in ("url", "source"):
        if column not in frame.columns:
            frame[column] = ""
    for column in DROP_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame["id"] = frame["id"].astype(str)
    if frame["id"].duplicated().any():
        duplicated = frame.loc[frame["id"].duplicated(), "id"].head(3).tolist()
        raise InputError(f"document ids must be unique; repeated: {duplicated}")
    ordered = BASE_COLUMNS + [c for c in frame.columns if c not in BASE_COLUMNS]
    return frame[ordered].reset_index(drop=True)


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str = "documents table") -> None:
    """Raise a clear :class:`InputError` when ``frame`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"the {what} has no column {', '.join(map(repr, missing))} "
                         f"(columns present: {', '.join(map(str, frame.columns)) or 'none'})")


def is_kept(frame: pd.DataFrame) -> pd.Series:
    """Boolean mask of rows no stage has dropped."""
    if "dropped_by" not in frame.columns:
        return pd.Series(True, index=frame.index)
    return frame["dropped_by"].isna()


def kept(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows still in play (a view for the next stage's eyes; the table keeps all rows)."""
    return frame[is_kept(frame)]


def mark_dropped(frame: pd.DataFrame, mask, stage: str, reasons) -> pd.DataFrame:
    """Mark rows of ``mask`` (that are still kept) as dropped by ``stage`` for ``reasons``.

    ``reasons`` is one string or a Series aligned with ``frame``. Rows dropped earlier
    keep their first stage and reason. Returns a new table.
    """
    out = frame.copy()
    for column in DROP_COLUMNS:
        if column not in out.columns:
            out[column] = None
    mask = pd.Series(mask, index=out.index).fillna(False).astype(bool) & is_kept(out)
    out["dropped_by"] = out["dropped_by"].astype(object)
    out["drop_reason"] = out["drop_reason"].astype(object)
    out.loc[mask, "dropped_by"] = stage
    if isinstance(reasons, pd.Series):
        out.loc[mask, "drop_reason"] = reasons[mask].astype(str)
    else:
        out.loc[mask, "drop_reason"] = str(reasons)
    return out


def funnel(frame: pd.DataFrame, stages: list[str] | None = None) -> pd.DataFrame:
    """Documents in, kept and dropped per stage, in stage order; ``in == kept + dropped`` per row.

    ``stages`` gives the order (default: order of first appearance in ``dropped_by``).
    """
    dropped_by = frame["dropped_by"] if "dropped_by" in frame.columns else pd.Series(None, index=frame.index)
    if stages is None:
        stages = [s for s in pd.unique(dropped_by.dropna())]
    rows, remaining = [], len(frame)
    for stage in stages:
        dropped = int((dropped_by == stage).sum())
        rows.append({"stage": stage, "in": remaining, "dropped": dropped, "kept": remaining - dropped})
        remaining -= dropped
    return pd.DataFrame(rows, columns=["stage", "in", "dropped", "kept"])


def drop_reasons(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts per (stage, reason) of dropped rows, largest first."""
    dropped = frame[~is_kept(frame)]
    counts = dropped.groupby(["dropped_by", "drop_reason"]).size().rename("documents")
    return counts.sort_values(ascending=False).reset_index()


def read_table(path: str | Path) -> pd.DataFrame:
    """Read ``.jsonl`` or ``.parquet`` into a DataFrame, with clear errors for bad paths."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    suffix = "".join(path.suffixes[-2:]) if path.suffix == ".gz" else path.suffix
    try:
        if suffix in (".jsonl", ".jsonl.gz", ".json"):
            return pd.read_json(path, lines=True, dtype={"id": str})
        if suffix == ".parquet":
            return pd.read_parquet(path)
    except ValueError as error:
        raise InputError(f"cannot read {path}: {error}") from None
    raise InputError(f"{path}: expected a .jsonl or .parquet file")


def check_output_path(path: str | Path) -> Path:
    """Fail early (before any work) when ``path`` is not a ``.jsonl`` or ``.parquet`` file name."""
    if not str(path).endswith((".jsonl", ".parquet")):
        raise InputError(f"{path}: output must end in .jsonl or .parquet")
    return Path(path)


def read_documents(input_path: str | Path, output_path: str | Path | None = None) -> pd.DataFrame:
    """What a command does first: check the output name, read the input, require ``id`` and ``text``.

    Returns:
        The input as a documents table (:func:`new_documents`).
    """
    if output_path is not None:
        check_output_path(output_path)
    table = read_table(input_path)
    require_columns(table, ["id", "text"], f"input table {input_path}")
    return new_documents(table)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``.jsonl`` or ``.parquet`` (chosen by the suffix); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix in (".jsonl", ".json"):
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        raise InputError(f"{path}: output must end in .jsonl or .parquet")
    return path
