"""Annealing on high-quality data: one stable phase, then three endings at equal compute.

Stage "annealing" of the lecture: the last phase of training decays the learning rate and
overfits on the best data (Llama 3 decays linearly to 0 over its last 40M tokens with
high-quality sources upsampled; MiniCPM's warmup-stable-decay). A WSD run can branch: train
the stable phase once, copy its checkpoint, and finish it three ways with the same number of
steps: (a) decay to zero on the high-quality set, (b) decay to zero on the web mixture,
(c) no decay at all. Per-domain bits per byte before (at the branch) and after each ending.
"""

from __future__ import annotations

import json
import random as _random
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..data.samples import domain_corpus, hq_reference
from ..errors import InputError
from ..tokenization.shards import write_shards
from ..tokenization.train import train_tokenizer
from ..training.schedules import Schedule, schedule_curve
from ..training.trainer import TrainConfig, TrainResult, train

HQ_DOMAIN = "hq"


@dataclass(frozen=True)
class Arm:
    """One ending of the run: its learning-rate schedule and whether data switches to HQ."""
    name: str
    schedule: str  # "wsd" (decay over the final fraction) or "constant" (no decay)
    anneal_on_hq: bool
    label: str


ARMS = (
    Arm("anneal_hq", "wsd", True, "decay to 0 on high-quality data"),
    Arm("decay_web", "wsd", False, "decay to 0 on the web mixture"),
    Arm("no_decay", "constant", False, "no decay (constant LR)"),
)


def anneal_weights(web_weights: Mapping[str, float], hq_share: float = 1.0, hq_domain: str = HQ_DOMAIN) -> dict:
    """The mixture for the annealing phase: ``hq_share`` on the HQ domain, the rest as the web mixture.

    ``hq_share=1`` trains only on the high-quality set (the lecture's "overfit on the best data");
    ``0.5`` upsamples it the way Llama 3 did while keeping every domain in view.
    """
    if not 0 < hq_share <= 1:
        raise InputError(f"hq_share must be in (0, 1], got {hq_share}")
    web = {d: float(w) for d, w in web_weights.items() if d != hq_domain}
    total = sum(web.values())
    if total <= 0 and hq_share < 1:
        raise InputError("the web mixture has no positive weight")
    weights = {d: (1 - hq_share) * w / total for d, w in web.items()} if total > 0 else {}
    weights[hq_domain] = hq_share
    return weights


@dataclass
class AnnealResult:
    """What :func:`run_annealing_arms` measured.

    Attributes:
        before: per-domain metrics at the branch point (end of the stable phase).
        after: arm name -> per-domain metrics at the end of that arm.
        table: one row per (arm, metric): ``arm``, ``metric``, ``before``, ``after``, ``change``.
        results: arm name -> the trainer's :class:`TrainResult` (the stable phase under ``"stable"``).
        branch_step, total_steps: where the arms branch, and where they end.
        schedules: arm name -> learning rate at every step (for plots).
    """
    before: dict
    after: dict
    table: pd.DataFrame
    results: dict[str, TrainResult] = field(default_factory=dict)
    branch_step: int = 0
    total_steps: int = 0
    schedules: dict[str, list[float]] = field(default_factory=dict)

    def to_json(self) -> dict:
        """A JSON-able summary (before, after, branch step, total steps)."""
        return {"branch_step": self.branch_step, "total_steps": self.total_steps,
                "before": self.before, "after": self.after}


def branch_step(total_steps: int, decay_fraction: float) -> int:
    """First step of the decay phase: the stable phase covers ``total - round(fraction * total)`` steps."""
    decay_steps = max(1, round(decay_fraction * total_steps))
    if decay_steps >= total_steps:
        raise InputError(f"decay_fraction={decay_fraction} leaves no stable phase in {total_steps} steps")
    return total_steps - decay_steps


def arm_schedules(config: TrainConfig, decay_fraction: float) -> dict[str, list[float]]:
    """Each arm's learning rate at every step (the stable phase is shared)."""
    curves = {}
    for arm in ARMS:
        schedule = Schedule(kind=arm.schedule, peak_lr=config.lr, total_steps=config.max_steps,
                            warmup_steps=min(config.warmup_steps, config.max_steps), min_lr_ratio=0.0,
                            decay_fraction=decay_fraction)
        curves[arm.name] = schedule_curve(schedule)
    return curves


def _copy_stable_phase(stable_dir: Path, arm_dir: Path) -> None:
    if arm_dir.exists():
        shutil.rmtree(arm_dir)
    arm_dir.mkdir(parents=True)
    shutil.copytree(stable_dir / "checkpoints", arm_dir / "checkpoints")
    if (stable_dir / "metrics.jsonl").exists():
        shutil.copy2(stable_dir / "metrics.jsonl", arm_dir / "metrics.jsonl")


def run_annealing_arms(model_factory: Callable, sampler_factory: Callable, config: TrainConfig,
                       web_weights: Mapping[str, float], out_dir: str | Path, eval_fn: Callable,
                       decay_fraction: float = 0.2, hq_share: float = 1.0, hq_domain: str = HQ_DOMAIN,
                       arms: tuple[Arm, ...] = ARMS, callbacks=()) -> AnnealResult:
    """Train the stable phase once, then finish it with each arm at equal compute.

    Args:
        model_factory: ``() -> GPT`` (a fresh model; arms load the stable checkpoint into it).
        sampler_factory: ``(weights) -> MixtureSampler`` over shards holding the web domains and
            ``hq_domain``.
        config: total steps, peak LR, warmup, batch settings; its schedule and mixture-switch
            fields are set here per arm.
        web_weights: the pretraining mixture (no weight on ``hq_domain``).
        out_dir: gets ``stable/`` and one run directory per arm (``anneal_hq/``, ...).
        eval_fn: ``model -> {"bpb/<domain>": ...}`` run at the branch and at each arm's end.
        decay_fraction: share of steps in the decay phase (MiniCPM: about 10% is enough).
        hq_share: weight of the HQ domain during annealing (see :func:`anneal_weights`).

    Returns:
        an :class:`AnnealResult`.
    """
    out = Path(out_dir)
    if hq_domain in web_weights and float(web_weights[hq_domain]) > 0:
        raise InputError(f"the web mixture must not include the high-quality domain {hq_domain!r}")
    start = branch_step(config.max_steps, decay_fraction)
    base = replace(config, min_lr_ratio=0.0, decay_fraction=decay_fraction, resume=True,
                   mixture_switch_step=None, mixture_switch_weights=None, checkpoint_every=0)
    stable_dir = out / "stable"
    if stable_dir.exists():
        shutil.rmtree(stable_dir)
    stable_config = replace(base, schedule="constant", max_steps=start, run_dir=str(stable_dir), run_name=None,
                            eval_every=base.eval_every)
    results = {"stable": train(model_factory(), sampler_factory(dict(web_weights)), stable_config,
                               callbacks=callbacks, eval_fn=eval_fn)}
    before = dict(results["stable"].final_eval)
    after = {}
    for arm in arms:
        arm_dir = out / arm.name
        _copy_stable_phase(stable_dir, arm_dir)
        switch = dict(mixture_switch_step=start, mixture_switch_weights=anneal_weights(web_weights, hq_share, hq_domain)) \
            if arm.anneal_on_hq else {}
        arm_config = replace(base, schedule=arm.schedule, run_dir=str(arm_dir), run_name=None, **switch)
        # an arm continues the stable phase with its own schedule, length and mixture: a deliberate change
        results[arm.name] = train(model_factory(), sampler_factory(dict(web_weights)), arm_config,
                                  callbacks=callbacks, eval_fn=eval_fn, override=True)
        if results[arm.name].resumed_from != start:
            raise InputError(f"arm {arm.name} did not resume from the stable phase (step {start})")
        after[arm.name] = dict(results[arm.name].final_eval)
    rows = [{"arm": arm, "metric": metric, "before": before.get(metric), "after": value,
             "change": value - before[metric] if metric in before else None}
            for arm, metrics in after.items() for metric, value in metrics.items()]
    table = pd.DataFrame(rows, columns=["arm", "metric", "before", "after", "change"])
    result = AnnealResult(before, after, table, results, start, config.max_steps, arm_schedules(config, decay_fraction))
    (out / "anneal.json").write_text(json.dumps(result.to_json(), indent=2))
    return result


def comparison_table(result: AnnealResult) -> pd.DataFrame:
    """Metrics as rows (``bpb/news``, ...), columns ``before`` then one per arm (wide format)."""
    wide = result.table.pivot(index="metric", columns="arm", values="after")
    wide.insert(0, "before", pd.Series(result.before))
    ordered = ["before"] + [arm.name for arm in ARMS if arm.name in wide.columns]
    return wide[ordered]


@dataclass
class AnnealData:
    """Shards and held-out texts for an annealing experiment on the course corpus.

    Attributes:
        tokenizer: trained on the web training split.
        shards_dir: one shard per web domain plus ``hq`` (the HQ set's training part).
        web_weights: the pretraining mixture (each web domain by its token count).
        eval_texts: domain -> held-out texts, including ``hq`` (the HQ set's held-out part).
    """
    tokenizer: object
    shards_dir: Path
    web_weights: dict
    eval_texts: dict


def prepare_anneal_data(out_dir: str | Path, vocab_size: int, hq_heldout_fraction: float = 0.2,
                        max_eval_bytes_per_domain: int | None = None, seed: int = 0) -> AnnealData:
    """Tokenizer, web + HQ shards and held-out texts from ``cs229llm.data.samples``.

    The HQ reference set is split (seeded) into an annealing part (a shard named ``hq``) and a
    held-out part (evaluation texts under ``hq``), so "after annealing" is measured on HQ text
    the model never saw.
    """
    if not 0 < hq_heldout_fraction < 1:
        raise InputError(f"hq_heldout_fraction must be in (0, 1), got {hq_heldout_fraction}")
    train_docs, heldout_docs = domain_corpus("train"), domain_corpus("heldout")
    hq_texts = hq_reference()["text"].tolist()
    order = list(range(len(hq_texts)))
    _random.Random(seed).shuffle(order)
    n_heldout = max(1, round(hq_heldout_fraction * len(hq_texts)))
    hq_heldout = [hq_texts[i] for i in sorted(order[:n_heldout])]
    hq_train = [hq_texts[i] for i in sorted(order[n_heldout:])]
    tokenizer = train_tokenizer(train_docs["text"].tolist(), vocab_size=vocab_size)
    web = {str(d): g["text"].tolist() for d, g in train_docs.groupby("domain")}
    manifest = write_shards({**web, HQ_DOMAIN: hq_train}, tokenizer, Path(out_dir) / "shards")
    web_tokens = {d: info["tokens"] for d, info in manifest["domains"].items() if d != HQ_DOMAIN}
    total = sum(web_tokens.values())
    eval_texts = {str(d): g["text"].tolist() for d, g in heldout_docs.groupby("domain")}
    eval_texts[HQ_DOMAIN] = hq_heldout
    if max_eval_bytes_per_domain:
        eval_texts = {d: cap_bytes(texts, max_eval_bytes_per_domain) for d, texts in eval_texts.items()}
    return AnnealData(tokenizer, Path(out_dir) / "shards", {d: n / total for d, n in web_tokens.items()}, eval_texts)


def cap_bytes(texts: list[str], limit: int) -> list[str]:
    """The first texts of ``texts`` until their UTF-8 size reaches ``limit`` bytes (the text that crosses it included)."""
    kept, used = [], 0
    for text in texts:
        if used >= limit:
            break
        kept.append(text)
        used += len(text.encode("utf-8"))
    return kept
