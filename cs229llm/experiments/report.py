"""The run report: plots and tables of one end-to-end run, written as Markdown beside metrics.json.

Stage "report card" of the lecture: every stage of the stream shows what it did (the funnel,
the mixture, the tokenizer, training curves and throughput, evaluation tables), so a reader sees
where the numbers came from. Plots are small PNGs next to ``report.md``; tables are Markdown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..data.pipeline import plot_funnel
from ..evaluation.curves import eval_curves, train_curves

FIGSIZE = (7, 3)


def _subplots(*grid, figsize=FIGSIZE):
    """A figure that is not managed by pyplot: drawn and saved headless, whatever backend a notebook uses."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid)


def markdown_table(frame: pd.DataFrame, floatfmt: str = ".3f", index: bool = False) -> str:
    """A DataFrame as a GitHub Markdown table (floats formatted with ``floatfmt``)."""
    if index:
        frame = frame.reset_index()
    if frame.empty:
        return "_(empty)_"

    def cell(value) -> str:
        if isinstance(value, float):
            return "" if math.isnan(value) else format(value, floatfmt)
        if isinstance(value, (list, tuple)):
            return ", ".join(map(str, value))
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def save(fig, out_dir: Path, name: str) -> str:
    """Save ``fig`` as ``out_dir/name.png`` (tight, default dpi); return the file name."""
    path = Path(out_dir) / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path)
    return path.name


# ---------------------------------------------------------------- plots


def save_funnel(funnel: pd.DataFrame, out_dir: Path) -> str:
    """The pipeline funnel (:func:`cs229llm.data.pipeline.plot_funnel`) saved as ``funnel.png``."""
    fig, ax = _subplots(figsize=FIGSIZE)
    plot_funnel(funnel, ax=ax, title="pipeline funnel")
    return save(fig, out_dir, "funnel")


def plot_mixture(natural: Mapping[str, float], chosen: Mapping[str, float], out_dir: Path) -> str:
    """Natural domain shares of the curated data vs the sampling mixture used for training."""
    domains = sorted(set(natural) | set(chosen))
    fig, ax = _subplots(figsize=FIGSIZE)
    xs = range(len(domains))
    ax.bar([x - 0.2 for x in xs], [natural.get(d, 0) for d in domains], width=0.4, label="natural (tokens)")
    ax.bar([x + 0.2 for x in xs], [chosen.get(d, 0) for d in domains], width=0.4, label="training mixture")
    ax.set_xticks(list(xs), domains, rotation=30, fontsize=8)
    ax.set_ylabel("share")
    ax.legend(fontsize=8)
    return save(fig, out_dir, "mixture")


def plot_tokenizer(compression: pd.DataFrame, out_dir: Path) -> str:
    """Bytes per token per domain (higher = the tokenizer compresses that domain better)."""
    fig, ax = _subplots(figsize=FIGSIZE)
    ax.bar(compression["domain"], compression["bytes_per_token"], color="tab:green")
    ax.set_ylabel("bytes per token")
    ax.set_title("tokenizer compression by domain", fontsize=10)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return save(fig, out_dir, "tokenizer")


def plot_training(runs: Mapping[str, list[dict]], out_dir: Path, branch_step: int | None = None) -> str:
    """Train loss (left) and held-out bits per byte over all domains (right) for each run."""
    fig, (loss_ax, bpb_ax) = _subplots(1, 2, figsize=(8, 3))
    for label, events in runs.items():
        train = train_curves(events)
        if "loss" in train.columns:
            loss_ax.plot(train.index, train["loss"], label=label, linewidth=1)
        curves = eval_curves(events)
        if "bpb/all" in curves.columns:
            bpb_ax.plot(curves.index, curves["bpb/all"], marker="o", markersize=3, label=label)
    for ax in (loss_ax, bpb_ax):
        if branch_step is not None:
            ax.axvline(branch_step, color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel("step")
        ax.legend(fontsize=7)
    loss_ax.set_ylabel("train loss (nats/token)")
    bpb_ax.set_ylabel("held-out bpb (all domains)")
    return save(fig, out_dir, "training")


def plot_throughput(events: list[dict], out_dir: Path) -> str:
    """Training tokens per second at each logged step."""
    train = train_curves(events)
    fig, ax = _subplots(figsize=FIGSIZE)
    if "tokens_per_s" in train.columns:
        ax.plot(train.index, train["tokens_per_s"], color="tab:purple")
    ax.set_xlabel("step")
    ax.set_ylabel("tokens / s")
    ax.set_title("training throughput", fontsize=10)
    return save(fig, out_dir, "throughput")


def plot_bpb_before_after(table: pd.DataFrame, out_dir: Path) -> str:
    """Per-domain bits per byte at the branch point and after each annealing arm (grouped bars)."""
    table = table.loc[[m for m in table.index if m.startswith("bpb/")]]
    fig, ax = _subplots(figsize=FIGSIZE)
    columns = list(table.columns)
    width = 0.8 / max(1, len(columns))
    for k, column in enumerate(columns):
        ax.bar([x + (k - (len(columns) - 1) / 2) * width for x in range(len(table))], table[column],
               width=width, label=column)
    ax.set_xticks(range(len(table)), [m[4:] for m in table.index], rotation=30, fontsize=8)
    ax.set_ylabel("held-out bits per byte")
    low = float(table.min().min())
    ax.set_ylim(max(0.0, low - 0.3), float(table.max().max()) + 0.1)
    ax.legend(fontsize=7, ncol=len(columns))
    return save(fig, out_dir, "bpb_before_after")


# ---------------------------------------------------------------- the Markdown report


def write_report(out_dir: str | Path, title: str, sections: Sequence[tuple[str, str]], metrics: dict) -> Path:
    """Write ``report.md`` (title, then ``(heading, markdown body)`` sections) and ``metrics.json``.

    Returns:
        the path of ``report.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# {title}", ""]
    for heading, body in sections:
        lines += [f"## {heading}", "", body.strip(), ""]
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True, default=_json_default),
                                      encoding="utf-8")
    return path


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-able: {type(value).__name__}")


def image(name: str, caption: str) -> str:
    """Markdown for an image next to the report."""
    return f"![{caption}]({name})"
