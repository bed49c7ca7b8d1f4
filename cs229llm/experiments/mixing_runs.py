"""Mixing-law proxy runs: train one small GPT per sampled mixture and record its held-out losses.

The experiment half of :mod:`cs229llm.mixing_law`: the fit lives in the library, the runs that
feed it live here and train through :func:`cs229llm.experiments.small_runs.train_small_model`,
the one small-run trainer every controlled comparison uses.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import by_profile
from ..data.documents import read_records
from ..data.samples import domain_corpus
from ..errors import InputError
from ..evaluation.perplexity import make_eval_fn
from ..model import GPTConfig
from ..tokenization.shards import MixtureSampler
from ..tokenization.train import load_tokenizer
from .small_runs import train_on_shards

RESULTS_FILENAME = "proxy_runs.jsonl"


@dataclass
class ProxySettings:
    """Size of each proxy run (tiny: the point is many cheap runs)."""
    n_layer: int = 1
    n_head: int = 2
    n_embd: int = 32
    seq_len: int = 64
    batch_size: int = 8
    steps: int = 60
    lr: float = 1e-2
    eval_bytes_per_domain: int = 4000

    @classmethod
    def for_profile(cls) -> ProxySettings:
        """ci: seconds per run; laptop: a bigger model trained longer."""
        return by_profile(ci=cls(), laptop=cls(n_layer=2, n_embd=64, n_head=4, seq_len=64, batch_size=16,
                                                steps=150, eval_bytes_per_domain=20000),
                          gpu=cls(n_layer=4, n_embd=128, n_head=4, seq_len=256, batch_size=32, steps=1000,
                                  eval_bytes_per_domain=100000))


def run_proxy_experiments(token_dir: str | Path, mixtures: Sequence[Mapping[str, float]], out_dir: str | Path,
                          settings: ProxySettings | None = None, seed: int = 0, heldout=None,
                          progress: bool = False) -> pd.DataFrame:
    """Train one tiny GPT per mixture and measure held-out bits per byte per domain.

    Args:
        token_dir: a folder from :func:`cs229llm.tokenization.shards.prepare_token_data`
            (``tokenizer.json``, ``train/`` shards; held-out texts come from ``domain_corpus("heldout")``).
        mixtures: domain -> weight, one per run.
        out_dir: the run directory: ``proxy_runs.jsonl`` (one row per run) and one trainer run folder per run.
        settings: model and training size (default: by profile).
        seed: the same seed for every run, so runs differ only by mixture.
        heldout: held-out texts (DataFrame with ``text``, ``domain``, or domain -> texts);
            default ``domain_corpus("heldout")``.
        progress: print one line per run.

    Returns:
        the table of :func:`load_proxy_runs`.
    """
    settings = settings or ProxySettings.for_profile()
    token_dir, out_dir = Path(token_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = load_tokenizer(token_dir)
    if heldout is None:
        heldout = domain_corpus("heldout")
    eval_fn = make_eval_fn(tokenizer, heldout, max_bytes_per_domain=settings.eval_bytes_per_domain)
    (out_dir / "settings.json").write_text(json.dumps({"seed": seed, "token_dir": str(token_dir),
                                                       **settings.__dict__}, indent=2))
    results_path = out_dir / RESULTS_FILENAME
    results_path.write_text("")
    for index, mixture in enumerate(mixtures):
        started = time.perf_counter()
        config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=settings.seq_len, n_layer=settings.n_layer,
                           n_head=settings.n_head, n_embd=settings.n_embd)
        model, _ = train_on_shards(token_dir / "train", mixture, config, out_dir / f"proxy-{index:02d}",
                                   settings.steps, batch_size=settings.batch_size, lr=settings.lr,
                                   warmup_steps=max(1, settings.steps // 10), schedule="cosine", min_lr_ratio=0.1,
                                   log_every=settings.steps, seed=seed, device="cpu")
        probabilities = MixtureSampler(token_dir / "train", dict(mixture), 1, settings.seq_len, seed).probabilities
        metrics = eval_fn(model)
        row = {"run": index, "steps": settings.steps, "tokens": settings.steps * settings.batch_size * settings.seq_len,
               "seconds": time.perf_counter() - started,
               **{f"r/{d}": p for d, p in probabilities.items()}, **metrics}
        with open(results_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        if progress:
            print(f"proxy run {index + 1}/{len(mixtures)}: bpb/all={metrics['bpb/all']:.3f} "
                  f"({row['seconds']:.1f} s)")
    return load_proxy_runs(out_dir)


def load_proxy_runs(out_dir: str | Path) -> pd.DataFrame:
    """The proxy-run table written by :func:`run_proxy_experiments` (columns ``r/<d>``, ``bpb/<d>``, ...).

    Raises:
        InputError: no results in ``out_dir``.
    """
    path = Path(out_dir) / RESULTS_FILENAME
    if not path.is_file() or not path.read_text().strip():
        raise InputError(f"no proxy runs in {out_dir}: run them with run_proxy_experiments "
                         "(notebook 04 does it for you)")
    return read_records(path)
