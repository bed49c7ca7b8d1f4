"""Evaluation as a continuous process: curves over training, read back from a run's metrics.

Stage "evaluation" of the lecture: one number at the end hides when a domain stopped improving
or got worse (e.g. right after the mixture switched to high-quality data). The trainer appends
every event to ``metrics.jsonl``; these helpers turn it into tables and plots, and put several
runs (the annealing arms) on one axis.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ..errors import InputError


def read_metrics(run_dir: str | Path) -> list[dict]:
    """Every event of a run directory's ``metrics.jsonl`` (or of that file itself), in order."""
    path = Path(run_dir)
    path = path / "metrics.jsonl" if path.is_dir() else path
    if not path.is_file():
        raise InputError(f"no metrics.jsonl at {path}: is this a run directory written by the trainer?")
    events = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                raise InputError(f"{path}:{number} is not valid JSON") from None
    return events


def eval_curves(events: list[dict] | str | Path) -> pd.DataFrame:
    """Evaluation events as a table: one row per evaluated step, one column per metric.

    Args:
        events: a list of events, or a run directory / metrics.jsonl path.

    Returns:
        DataFrame indexed by ``step`` with columns like ``bpb/news``, ``bpb/all`` (sorted by step;
        a step evaluated twice, e.g. on resume, keeps the last value).
    """
    if not isinstance(events, list):
        events = read_metrics(events)
    rows = [{k: v for k, v in e.items() if k != "kind"} for e in events if e.get("kind") == "eval"]
    if not rows:
        return pd.DataFrame(index=pd.Index([], name="step"))
    frame = pd.DataFrame(rows).drop_duplicates("step", keep="last").set_index("step").sort_index()
    return frame


def train_curves(events: list[dict] | str | Path) -> pd.DataFrame:
    """Training events (loss, lr, tokens/s, tokens seen) as a table indexed by step."""
    if not isinstance(events, list):
        events = read_metrics(events)
    rows = [{k: v for k, v in e.items() if k != "kind"} for e in events if e.get("kind") == "train"]
    if not rows:
        return pd.DataFrame(index=pd.Index([], name="step"))
    return pd.DataFrame(rows).drop_duplicates("step", keep="last").set_index("step").sort_index()


def mixture_switches(events: list[dict] | str | Path) -> list[int]:
    """Steps where the run switched its mixture (annealing starts there)."""
    if not isinstance(events, list):
        events = read_metrics(events)
    return [int(e["step"]) for e in events if e.get("kind") == "mixture"]


def plot_eval_curves(runs: Mapping[str, str | Path | list], metric: str = "bpb/all", ax=None, mark_switch: bool = True):
    """One line per run of ``metric`` over steps (e.g. the annealing arms on one axis).

    Args:
        runs: label -> run directory (or its events).
        metric: an evaluation column such as ``bpb/all`` or ``bpb/code``.
        mark_switch: draw a dotted line where a run switched its mixture.

    Returns:
        the matplotlib axis.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    for label, run in runs.items():
        events = run if isinstance(run, list) else read_metrics(run)
        curves = eval_curves(events)
        if metric not in curves.columns:
            raise InputError(f"run {label!r} has no metric {metric!r} (has: {', '.join(curves.columns) or 'none'})")
        ax.plot(curves.index, curves[metric], marker="o", markersize=3, label=label)
        if mark_switch:
            for step in mixture_switches(events):
                ax.axvline(step, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel(f"held-out {metric}")
    ax.legend(fontsize=8)
    return ax


def plot_domain_curves(run: str | Path | list, ax=None, prefix: str = "bpb/"):
    """Every per-domain ``bpb/<domain>`` curve of one run on one axis (``all`` drawn thick)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    events = run if isinstance(run, list) else read_metrics(run)
    curves = eval_curves(events)
    columns = [c for c in curves.columns if c.startswith(prefix)]
    if not columns:
        raise InputError(f"no {prefix}* evaluation metrics in this run")
    for column in sorted(columns):
        style = dict(color="black", linewidth=2.5) if column.endswith("/all") else dict(linewidth=1)
        ax.plot(curves.index, curves[column], label=column[len(prefix):], **style)
    for step in mixture_switches(events):
        ax.axvline(step, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("held-out bits per byte")
    ax.legend(fontsize=7, ncol=3)
    return ax
