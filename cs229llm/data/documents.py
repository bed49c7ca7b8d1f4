"""The documents table: one row per document, and the rule that rows are never deleted.

Columns: ``id``, ``url``, ``text``, ``source`` and then what stages add (``lang``,
``quality`` signals, ``cluster_id``, ``domain``, ...). A stage that rejects a document
sets ``dropped_by`` (the stage) and ``drop_reason`` (why) instead of removing the row, so
"in = kept + dropped" holds at every stage and the funnel comes for free.

Files are ``.jsonl`` (one JSON object a line; ``.jsonl.gz`` compressed) or ``.parquet``.

* Reading never retypes a value: a JSON string stays ``str`` (``"00001"``, ``"2020-01-01"``,
  ``"1000"``), numbers stay numbers (an integer column with a null is an ``object`` column of
  ints, not floats), booleans stay booleans, ``null`` (or an absent key) is missing, and arrays
  and objects stay Python lists and dicts.
* A bad line never rejects the file. Invalid UTF-8, a line that is not JSON (a truncated last
  line, a raw NUL byte, a lone surrogate escape such as ``"\\ud800"``, which is half a UTF-16
  pair and no character), a JSON value that is not an object, and, in a file whose lines carry
  ids, a missing, null, non-string or repeated id: each becomes a row dropped by
  ``"read"`` whose ``drop_reason`` names the line and the problem (``line 17: not valid JSON
  (...)``), whose ``raw_line`` keeps the line as read (decoded with replacement; a line that
  parsed but lacked an id is stored re-serialised) and whose id is generated (``line-17``;
  ``line-17-2`` if a real id is already ``line-17``). Fields of a line that parsed are kept.
  A file where *no* line is usable is the wrong file: :class:`InputError` with the first reason.
* Blank (whitespace-only) lines are skipped, not rows: they hold nothing. They are counted in
  ``frame.attrs["read"]`` (``lines``, ``blank_lines``, ``bad_lines``). A UTF-8 byte order mark
  before the first line is skipped too.
* Parquet keeps strings as strings. A column Parquet cannot type as one kind (values of mixed
  types, such as a ``text`` column where some values are numbers, or lists and dicts) is stored
  as JSON text, named in the file's metadata (``cs229llm.json_columns``), and decoded back by
  :func:`read_table`, so JSONL -> Parquet -> JSONL gives the same rows (other Parquet readers see
  JSON text in those columns). Integer ids in a Parquet file become strings (one typed column
  cannot mix ``1`` and ``"1"``); null or repeated ids are marked like bad lines (``row-5``).
* Writes are atomic: a temporary file in the output's folder, then :func:`os.replace`; a failure
  leaves neither half a file nor the temporary file (not fsynced: atomic, not crash-durable).
  JSONL writes NaN and None as ``null``.
* Limits of orjson: an integer beyond 64 bits is read as a float, and an object that repeats a
  key keeps its last value.
"""

from __future__ import annotations

import gzip
import os
import secrets
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime, time, timedelta
from itertools import chain
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..paths import make_folder

BASE_COLUMNS = ["id", "url", "text", "source"]
DROP_COLUMNS = ["dropped_by", "drop_reason"]
READ_STAGE = "read"  # ``dropped_by`` of rows made from bad lines
RAW_COLUMN = "raw_line"  # the bad line as read, only set on rows dropped by ``read``
TABLE_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")
JSON_COLUMNS_KEY = b"cs229llm.json_columns"  # Parquet metadata: columns stored as JSON text
_SUFFIX_HELP = "a .jsonl or .parquet file (or .jsonl.gz)"
_BOM = b"\xef\xbb\xbf"
_DUMP_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_WRITE_BUFFER = 1 << 20


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

    ``stages`` gives the order (default: ``read`` first, then order of first appearance in ``dropped_by``).
    """
    dropped_by = frame["dropped_by"] if "dropped_by" in frame.columns else pd.Series(None, index=frame.index)
    if stages is None:
        stages = sorted(pd.unique(dropped_by.dropna()), key=lambda stage: stage != READ_STAGE)  # stable
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


# ------------------------------------------------------------------------------------ paths


def table_format(path: str | Path) -> str | None:
    """``"jsonl"``, ``"jsonl.gz"`` or ``"parquet"`` from the file name (any case), else None."""
    name = Path(path).name.lower()
    for suffix in (".jsonl.gz", ".jsonl", ".parquet"):
        if name.endswith(suffix):
            return suffix[1:]
    return None


def check_input_path(path: str | Path) -> Path:
    """Fail early when ``path`` is missing, a folder or not a ``.jsonl``/``.jsonl.gz``/``.parquet`` file."""
    path = Path(path)
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    if is_dir:
        raise InputError(f"{path} is a folder: give {_SUFFIX_HELP}")
    if not exists:
        raise InputError(f"no such file: {path}")
    if table_format(path) is None:
        raise InputError(f"{path}: expected {_SUFFIX_HELP}")
    return path


def check_output_path(path: str | Path) -> Path:
    """Fail early (before any work) when a table cannot be written at ``path``.

    Refuses an unknown suffix, an existing folder, a read-only file and a folder that cannot be
    created or written in (checked by creating and removing a probe file). Missing parent folders
    are created. Returns the path.
    """
    path = Path(path)
    if table_format(path) is None:
        raise InputError(f"{path}: output must end in .jsonl or .parquet (or .jsonl.gz)")
    if path.is_dir():
        raise InputError(f"{path} is a folder: give a file name ending in .jsonl or .parquet")
    folder = make_folder(path.parent, "folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{path} is read-only: choose another output or make it writable")
    try:
        probe = _reserve_temporary(path)
        probe.unlink()
    except OSError as error:
        raise InputError(f"cannot write in {folder}: {error.strerror or error}") from None
    return path


def _reserve_temporary(path: Path) -> Path:
    """Create an empty, uniquely named temporary file next to ``path`` (mode from the umask)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return temporary


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``, on failure it is removed."""
    temporary = _reserve_temporary(path)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            temporary.unlink()
        raise


# ------------------------------------------------------------------------------------ reading


def read_table(path: str | Path) -> pd.DataFrame:
    """Read ``.jsonl``, ``.jsonl.gz`` or ``.parquet`` without retyping values (see the module notes).

    Bad lines become rows dropped by ``"read"``; :class:`InputError` for a bad path or a file where
    no line is usable.
    """
    path = check_input_path(path)
    return read_parquet(path) if table_format(path) == "parquet" else read_jsonl(path)


def _json_kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _raw_text(line: bytes) -> str:
    """The line as text, undecodable bytes replaced, without its line ending."""
    text = line.decode("utf-8", "replace")
    if text.endswith("\n"):
        text = text[:-1]
    return text[:-1] if text.endswith("\r") else text


def _why_not_json(line: bytes, number: int, error: Exception) -> str:
    """The drop reason of a line that orjson rejected, most specific first."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"line {number}: not valid UTF-8 (byte 0x{line[bad.start]:02x} at byte {bad.start + 1})"
    nul = line.find(b"\x00")
    if nul >= 0:
        return f"line {number}: a raw NUL byte at byte {nul + 1} (JSON writes it as \\u0000)"
    message = str(error).split(":", 1)[0]
    if "surrogate" in message:
        return (f"line {number}: a lone surrogate escape such as \\ud800 (half of a UTF-16 pair, "
                f"no character; {message})")
    if not line.endswith(b"\n"):
        return f"line {number}: truncated last line (not valid JSON: {message})"
    return f"line {number}: not valid JSON ({message} at character {getattr(error, 'pos', 0) + 1})"


def _open_input(path: Path):
    return gzip.open(path, "rb") if table_format(path) == "jsonl.gz" else open(path, "rb", buffering=_WRITE_BUFFER)


def read_records(path: str | Path) -> pd.DataFrame:
    """A ``.jsonl``/``.jsonl.gz`` file of records that is not a documents table (labels, results), as written.

    Values keep their JSON types (``"00001"`` stays text); no id rules apply. A line that is not a
    JSON object is an :class:`InputError` naming the line: these are files the course writes.
    """
    path = check_input_path(path)
    rows = []
    with _open_input(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise InputError(f"{path}, line {number}: not JSON ({error}); rebuild the file") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}, line {number}: expected a JSON object, got {_json_kind(row)}")
            rows.append(row)
    return pd.DataFrame.from_records(rows) if rows else pd.DataFrame()


def read_jsonl(path: str | Path) -> pd.DataFrame:
    """Read a ``.jsonl`` (or ``.jsonl.gz``) table line by line with orjson; see the module notes.

    ``frame.attrs["read"]`` counts ``lines``, ``blank_lines`` (skipped) and ``bad_lines``
    (rows dropped by ``"read"``).
    """
    path = check_input_path(path)
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    rows: list[dict] = []
    numbers: list[int] = []  # line number of each row
    problems: list[tuple[int, str, str | None]] = []  # (row, reason, raw line); raw None: re-serialise
    seen: dict[str, int] = {}  # id -> line number of its first row
    missing_id: list[int] = []  # rows without an "id" key: bad only if some line has one
    blank = number = 0
    try:
        with _open_input(path) as handle:
            for number, line in enumerate(handle, 1):
                try:
                    row = loads(line)
                except decode_error as error:
                    if not line.strip():
                        blank += 1
                        continue
                    row = None
                    if number == 1 and line.startswith(_BOM):
                        with suppress(decode_error):
                            row = loads(line[len(_BOM):])
                    if row is None:
                        problems.append((len(rows), _why_not_json(line, number, error), _raw_text(line)))
                        rows.append({})
                        numbers.append(number)
                        continue
                numbers.append(number)
                if type(row) is not dict:
                    problems.append((len(rows), f"line {number}: {_json_kind(row)}, not a JSON object",
                                     _raw_text(line)))
                    rows.append({})
                    continue
                key = row.get("id", missing_id)
                if type(key) is str and key not in seen:
                    seen[key] = number
                elif key is missing_id:
                    missing_id.append(len(rows))
                else:
                    if key is None:
                        reason = f'line {number}: "id" is null'
                    elif type(key) is str:
                        reason = f"line {number}: repeated id {key!r} (first on line {seen[key]})"
                    else:
                        reason = (f'line {number}: "id" must be a JSON string, got {_json_kind(key)} '
                                  f"({orjson.dumps(key).decode()[:60]})")
                    problems.append((len(rows), reason, _raw_text(line)))
                rows.append(row)
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    carries_ids = bool(seen) or any("id" in rows[index] for index, _, _ in problems)
    if carries_ids:
        problems.extend((i, f'line {numbers[i]}: no "id"', None) for i in missing_id)
        problems.sort(key=lambda problem: problem[0])
    if rows and len(problems) == len(rows):
        more = f" (and {len(problems) - 1} more bad lines)" if len(problems) > 1 else ""
        raise InputError(f"{path}: no line is a usable row; {problems[0][1]}{more}")
    order = dict.fromkeys(chain.from_iterable(rows))
    if problems:
        taken = set(seen)
        for index, reason, raw in problems:
            row = rows[index]
            if raw is None:
                raw = orjson.dumps(row, option=_DUMP_OPTIONS).decode()
            marks = {"dropped_by": READ_STAGE, "drop_reason": reason, RAW_COLUMN: raw}
            if carries_ids:  # a table without ids (e.g. text only) gets none
                generated, copy = f"line-{numbers[index]}", 1
                while generated in taken:
                    copy += 1
                    generated = f"line-{numbers[index]}-{copy}"
                taken.add(generated)
                marks["id"] = generated
            rows[index] = {**row, **marks}
        order.update(dict.fromkeys((["id"] if carries_ids else []) + [*DROP_COLUMNS, RAW_COLUMN]))
    frame = pd.DataFrame({key: _column([row.get(key) for row in rows]) for key in order}, index=range(len(rows)))
    frame.attrs["read"] = {"lines": number, "blank_lines": blank, "bad_lines": len(problems)}
    return frame


def _column(values: list):
    """Values as a column without retyping: pandas infers only where that changes no value."""
    kinds = set(map(type, values))
    missing = type(None) in kinds
    kinds.discard(type(None))
    if kinds <= {str} or kinds == {float} or (not missing and (kinds == {int} or kinds == {bool})):
        return values  # str (missing: NaN), float64 (missing: NaN), int64, bool: same values
    return pd.Series(values, dtype=object).to_numpy()  # ints with nulls, mixed kinds, lists, dicts


def read_parquet(path: str | Path) -> pd.DataFrame:
    """Read a Parquet table; columns stored as JSON text (``cs229llm.json_columns``) are decoded back."""
    path = check_input_path(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"cannot read {path}: not a readable Parquet file ({message})") from None
    metadata = table.schema.metadata or {}
    json_columns = set(orjson.loads(metadata[JSON_COLUMNS_KEY])) if JSON_COLUMNS_KEY in metadata else set()
    frame = table.to_pandas()
    for name in table.column_names:
        if name not in frame.columns:
            continue  # an index column pandas restored
        column = table.column(name)
        if name in json_columns:
            frame[name] = _column([None if v is None else orjson.loads(v) for v in column.to_pylist()])
        elif column.null_count and (pa.types.is_integer(column.type) or pa.types.is_boolean(column.type)):
            frame[name] = pd.Series(column.to_pylist(), dtype=object).to_numpy()  # not floats / NaN
    if "id" in frame.columns:
        frame = _repair_parquet_ids(frame)
    return frame


def _repair_parquet_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Integer ids become strings; null and repeated ids become rows dropped by ``read`` (``row-5``)."""
    ids = frame["id"]
    null = ids.isna().to_numpy()
    if not all(type(v) is str for v in ids[~null]):
        ids = ids.map(lambda v: v if v is None or isinstance(v, str) or v != v else str(v))
    repeated = (ids.duplicated() & ~null).to_numpy()
    if not null.any() and not repeated.any():
        if ids is not frame["id"]:
            frame = frame.assign(id=ids)
        return frame
    frame = frame.copy()
    first = {}
    for position, value in enumerate(ids.tolist()):
        if not null[position] and not repeated[position]:
            first.setdefault(value, position + 1)
    ids, dropped_by, reasons = ids.astype(object).tolist(), [], []
    taken = set(first)
    has_drop = "dropped_by" in frame.columns
    dropped_by = frame["dropped_by"].astype(object).tolist() if has_drop else [None] * len(frame)
    reasons = frame["drop_reason"].astype(object).tolist() if "drop_reason" in frame.columns else [None] * len(frame)
    for position in np.flatnonzero(null | repeated):
        row = position + 1
        reason = (f'row {row}: "id" is null' if null[position]
                  else f"row {row}: repeated id {ids[position]!r} (first on row {first[ids[position]]})")
        generated, copy = f"row-{row}", 1
        while generated in taken:
            copy += 1
            generated = f"row-{row}-{copy}"
        taken.add(generated)
        ids[position], dropped_by[position], reasons[position] = generated, READ_STAGE, reason
    frame["id"], frame["dropped_by"], frame["drop_reason"] = ids, dropped_by, reasons
    return frame


def read_documents(input_path: str | Path, output_path: str | Path | None = None) -> pd.DataFrame:
    """What a command does first: check the output path, read the input, require ``id`` and ``text``.

    Returns:
        The input as a documents table (:func:`new_documents`); an empty file gives an empty table.
    """
    if output_path is not None:
        check_output_path(output_path)
    table = read_table(input_path)
    if table.empty and not len(table.columns):
        return new_documents([])
    require_columns(table, ["id", "text"], f"input table {input_path}")
    return new_documents(table)


# ------------------------------------------------------------------------------------ writing


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``.jsonl``, ``.jsonl.gz`` or ``.parquet`` (chosen by the suffix), atomically; returns the path."""
    path = check_output_path(path)
    try:
        if table_format(path) == "parquet":
            write_parquet(frame, path, checked=True)
        else:
            write_jsonl(frame, path, checked=True)
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None
    return path


def _column_names(frame: pd.DataFrame) -> list[str]:
    names = [str(name) for name in frame.columns]
    if len(set(names)) < len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise InputError(f"the table has repeated column names {repeated}: rename them before writing")
    return names


def _json_default(value):
    """orjson's fallback for values it does not know (pandas missing values, timestamps, sets)."""
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (pd.Timedelta, timedelta)):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} values cannot be written as JSON")


def _unwritable(path: Path, names: list[str], row: tuple, index: int, error: Exception) -> InputError:
    for name, value in zip(names, row):
        try:
            orjson.dumps(value, default=_json_default, option=_DUMP_OPTIONS)
        except orjson.JSONEncodeError as bad:
            return InputError(f"cannot write {path}: column {name!r}, row {index}: {bad} "
                              f"(convert the column or write .parquet)")
    return InputError(f"cannot write {path}: row {index}: {error}")


def write_jsonl(frame: pd.DataFrame, path: str | Path, checked: bool = False) -> Path:
    """Write one JSON object a line with orjson into a buffered file, atomically (``.jsonl.gz``: gzip).

    Missing values (None, NaN, NaT, pd.NA) become ``null``; numpy scalars and arrays become numbers and
    lists; timestamps ISO text. ``checked``: the caller already ran :func:`check_output_path`.
    """
    path = Path(path) if checked else check_output_path(path)
    names = _column_names(frame)
    columns = [frame.iloc[:, position].tolist() for position in range(len(names))]
    dumps, options = orjson.dumps, _DUMP_OPTIONS | orjson.OPT_APPEND_NEWLINE
    with _atomic(path) as temporary, open(temporary, "wb", buffering=_WRITE_BUFFER) as raw:
        # .jsonl.gz: no time stamp and no (temporary) file name in the gzip header, so a table gives the same bytes
        handle = (gzip.GzipFile(filename="", mode="wb", compresslevel=6, mtime=0, fileobj=raw)
                  if table_format(path) == "jsonl.gz" else raw)
        with handle:
            write = handle.write
            for index, row in enumerate(zip(*columns)):
                try:
                    line = dumps(dict(zip(names, row)), default=_json_default, option=options)
                except orjson.JSONEncodeError as error:
                    raise _unwritable(path, names, row, index, error) from None
                write(line)
    return path


def _arrow_type(kinds: set[type]):
    """The one Arrow type that holds values of these Python types unchanged, else None."""
    if not kinds:
        return pa.null()
    if all(issubclass(kind, str) for kind in kinds):
        return pa.large_string()
    if all(issubclass(kind, (bool, np.bool_)) for kind in kinds):
        return pa.bool_()
    if all(issubclass(kind, (int, np.integer)) and not issubclass(kind, (bool, np.bool_)) for kind in kinds):
        return pa.int64()
    if all(issubclass(kind, (float, np.floating)) for kind in kinds):
        return pa.float64()
    if all(issubclass(kind, bytes) for kind in kinds):
        return pa.large_binary()
    return None


def _arrow_array(series: pd.Series, name: str, path: Path):
    """``(array, stored_as_json)`` for one column; mixed or nested object columns become JSON text."""
    if series.dtype != object:
        try:
            return pa.array(series, from_pandas=True), False
        except (pa.ArrowException, TypeError, ValueError) as error:
            raise InputError(f"cannot write {path}: column {name!r} ({series.dtype}) has no Parquet type "
                             f"({error}); convert it or write .jsonl") from None
    values = series.tolist()
    missing = pd.isna(series).to_numpy()
    kinds = {type(value) for value, absent in zip(values, missing) if not absent}
    arrow_type = _arrow_type(kinds)
    if arrow_type is not None:
        with suppress(pa.ArrowException, OverflowError):
            return pa.array(values, type=arrow_type, from_pandas=True), False
    encoded = []
    for index, (value, absent) in enumerate(zip(values, missing)):
        try:
            encoded.append(None if absent else orjson.dumps(value, default=_json_default,
                                                            option=_DUMP_OPTIONS).decode())
        except orjson.JSONEncodeError as error:
            raise InputError(f"cannot write {path}: column {name!r}, row {index}: {error} "
                             f"(convert the column)") from None
    return pa.array(encoded, type=pa.large_string()), True


def write_parquet(frame: pd.DataFrame, path: str | Path, checked: bool = False) -> Path:
    """Write Parquet with pyarrow, atomically; strings stay strings, mixed/nested columns become JSON text.

    ``checked``: the caller already ran :func:`check_output_path`.
    """
    path = Path(path) if checked else check_output_path(path)
    names = _column_names(frame)
    arrays, json_columns = [], []
    for position, name in enumerate(names):
        array, as_json = _arrow_array(frame.iloc[:, position], name, path)
        arrays.append(array)
        if as_json:
            json_columns.append(name)
    table = pa.Table.from_arrays(arrays, names=names) if names else pa.table({})
    if json_columns:
        table = table.replace_schema_metadata({JSON_COLUMNS_KEY: orjson.dumps(json_columns)})
    with _atomic(path) as temporary:
        pq.write_table(table, temporary)
    return path
