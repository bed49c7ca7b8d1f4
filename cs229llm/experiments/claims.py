"""The lecture's claims as experiments: arms, seeds, intervals, and a verdict computed from the interval.

A :class:`Claim` states one sentence of the lecture, the metric that tests it, which way is better,
the arms (a baseline and a treatment) and the compute each arm gets. :func:`run_claim` trains or
measures every (arm, seed) pair round-robin, and :func:`judge` turns the per-seed numbers into a
:class:`ClaimResult`: each arm's mean with a 95% interval, the effect (treatment minus baseline,
signed so that positive means "as the lecture says") with its interval, and a verdict read off that
interval, never off one run:

* ``supported``: the whole effect interval lies on the claimed side of zero;
* ``contradicted``: the whole interval lies on the other side;
* ``not distinguishable at this scale``: the interval contains zero.

Intervals are Student-t by default (few seeds, roughly normal noise); ``method="bootstrap"`` resamples
seeds instead (percentile, seeded). When both arms ran the same seeds, the effect is paired: its
interval comes from the per-seed differences, which removes the noise the arms share (data order,
initialisation). A claim needs at least :data:`MIN_SEEDS` seeds per arm.

The same result renders as a table and a sentence in a notebook (:meth:`ClaimResult.card`), as
Markdown in ``report.md`` (:meth:`ClaimResult.to_markdown`) and as a dict in ``metrics.json``
(:meth:`ClaimResult.to_json`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError

MIN_SEEDS = 3
CONFIDENCE = 0.95
SUPPORTED, CONTRADICTED, UNCLEAR = "supported", "contradicted", "not distinguishable at this scale"
BOOTSTRAP_RESAMPLES = 10_000


@dataclass(frozen=True)
class Claim:
    """One claim of the lecture, stated so that an experiment can test it.

    Attributes:
        id: short key, e.g. ``"C1"``.
        claim: the claim in one sentence.
        metric: what is measured per run, e.g. ``"held-out bits per byte"``.
        baseline, treatment: the two arms' names; the claim says the treatment is better.
        lower_is_better: True for losses and bits per byte, False for accuracies.
        compute: what each arm gets, stated (e.g. ``{"tokens": 1.2e6, "flops": 8e12}``): equal by design.
    """
    id: str
    claim: str
    metric: str
    baseline: str
    treatment: str
    lower_is_better: bool = True
    compute: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.baseline == self.treatment:
            raise InputError(f"claim {self.id}: the baseline and the treatment must be different arms")


@dataclass
class ArmSummary:
    """Per-seed values of one arm and their mean with its interval."""
    name: str
    seeds: list[int]
    values: list[float]
    mean: float
    ci_low: float
    ci_high: float


@dataclass
class ClaimResult:
    """A judged claim: both arms, the effect with its interval, and the verdict read from it."""
    claim: Claim
    arms: dict[str, ArmSummary]
    effect: float
    effect_ci: tuple[float, float]
    paired: bool
    method: str
    verdict: str

    def sentence(self) -> str:
        """The verdict in one sentence, with the effect and its interval in the metric's units."""
        claim, (low, high) = self.claim, self.effect_ci
        seeds = len(self.arms[claim.treatment].values)
        direction = "lower" if claim.lower_is_better else "higher"
        return (f"{claim.id}, {self.verdict}: {claim.treatment} vs {claim.baseline}, improvement in {claim.metric} "
                f"{self.effect:+.4g} (95% interval {low:+.4g} to {high:+.4g}; positive = {direction}, as claimed; "
                f"{seeds} seeds{', paired by seed' if self.paired else ''}).")

    def card(self) -> pd.DataFrame:
        """A small table: one row per arm (mean, interval, seeds) and one for the effect."""
        rows = [{"": name, "mean": arm.mean, "ci_low": arm.ci_low, "ci_high": arm.ci_high, "seeds": len(arm.values)}
                for name, arm in self.arms.items()]
        rows.append({"": "improvement", "mean": self.effect, "ci_low": self.effect_ci[0],
                     "ci_high": self.effect_ci[1], "seeds": len(self.arms[self.claim.treatment].values)})
        return pd.DataFrame(rows).set_index("")

    def to_markdown(self) -> str:
        """The card for ``report.md``: the claim, a table, and the verdict sentence."""
        lines = [f"**{self.claim.id}.** {self.claim.claim}", "",
                 f"| arm | mean {self.claim.metric} | 95% interval | seeds |", "|---|---|---|---|"]
        for name, arm in self.arms.items():
            lines.append(f"| {name} | {arm.mean:.4g} | {arm.ci_low:.4g} to {arm.ci_high:.4g} | {len(arm.values)} |")
        lines.append(f"| improvement | {self.effect:+.4g} | {self.effect_ci[0]:+.4g} to {self.effect_ci[1]:+.4g} | |")
        lines += ["", self.sentence()]
        return "\n".join(lines)

    def to_json(self) -> dict:
        """The entry of ``metrics.json``'s ``claims`` list."""
        treatment = self.arms[self.claim.treatment]
        return {"id": self.claim.id, "claim": self.claim.claim, "metric": self.claim.metric,
                "arms": {name: {"seeds": arm.seeds, "values": arm.values, "mean": arm.mean, "ci_low": arm.ci_low,
                                "ci_high": arm.ci_high} for name, arm in self.arms.items()},
                "seeds": treatment.seeds, "mean": treatment.mean, "ci_low": treatment.ci_low,
                "ci_high": treatment.ci_high, "effect": self.effect, "effect_ci": list(self.effect_ci),
                "paired": self.paired, "method": self.method, "verdict": self.verdict,
                "compute": dict(self.claim.compute)}


def interval(values: Sequence[float], method: str = "t", confidence: float = CONFIDENCE,
             seed: int = 0) -> tuple[float, float, float]:
    """``(mean, low, high)`` of the mean of ``values``: a Student-t or a seeded percentile-bootstrap interval.

    Raises:
        InputError: fewer than two values, a value that is not finite, or an unknown method.
    """
    data = np.asarray([float(value) for value in values], dtype=np.float64)
    if data.size < 2:
        raise InputError(f"an interval needs at least 2 values, got {data.size}")
    if not np.isfinite(data).all():
        raise InputError(f"every value must be a finite number, got {data.tolist()}")
    mean = float(data.mean())
    if method == "t":
        half = float(stats.t.ppf(0.5 + confidence / 2, df=data.size - 1) * data.std(ddof=1) / math.sqrt(data.size))
        return mean, mean - half, mean + half
    if method == "bootstrap":
        rng = np.random.default_rng(seed)
        means = data[rng.integers(0, data.size, size=(BOOTSTRAP_RESAMPLES, data.size))].mean(axis=1)
        low, high = np.quantile(means, [0.5 - confidence / 2, 0.5 + confidence / 2])
        return mean, float(low), float(high)
    raise InputError(f"unknown interval method {method!r}: use 't' or 'bootstrap'")


def _welch(better: np.ndarray, worse: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Mean difference ``better - worse`` of two independent samples with a Welch t interval."""
    diff = float(better.mean() - worse.mean())
    var_a, var_b = better.var(ddof=1) / better.size, worse.var(ddof=1) / worse.size
    se = math.sqrt(var_a + var_b)
    if se == 0:
        return diff, diff, diff
    dof = (var_a + var_b) ** 2 / (var_a**2 / (better.size - 1) + var_b**2 / (worse.size - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df=dof) * se)
    return diff, diff - half, diff + half


def judge(claim: Claim, results: Mapping[str, Mapping[int, float]], method: str = "t",
          confidence: float = CONFIDENCE, seed: int = 0) -> ClaimResult:
    """Judge ``claim`` from per-seed results ``{arm: {seed: value}}``.

    Raises:
        InputError: an arm is missing, or has fewer than :data:`MIN_SEEDS` seeds.
    """
    for arm in (claim.baseline, claim.treatment):
        if arm not in results:
            raise InputError(f"claim {claim.id}: no results for arm {arm!r} (have {', '.join(results) or 'none'})")
        if len(results[arm]) < MIN_SEEDS:
            raise InputError(f"claim {claim.id}: arm {arm!r} has {len(results[arm])} seed(s); a verdict needs at "
                             f"least {MIN_SEEDS} (one run is an anecdote, not a measurement)")
    arms = {}
    for name in (claim.baseline, claim.treatment):
        seeds = sorted(results[name])
        values = [float(results[name][s]) for s in seeds]
        mean, low, high = interval(values, method, confidence, seed)
        arms[name] = ArmSummary(name, seeds, values, mean, low, high)
    sign = -1.0 if claim.lower_is_better else 1.0  # the improvement is positive when the claim holds
    base, treat = arms[claim.baseline], arms[claim.treatment]
    paired = base.seeds == treat.seeds
    if paired:
        improvement = sign * (np.asarray(treat.values) - np.asarray(base.values))
        if np.ptp(improvement) == 0:
            effect, low, high = float(improvement[0]), float(improvement[0]), float(improvement[0])
        else:
            effect, low, high = interval(improvement, method, confidence, seed)
    elif method == "t":
        effect, low, high = _welch(sign * np.asarray(treat.values), sign * np.asarray(base.values), confidence)
    else:
        rng = np.random.default_rng(seed)
        a, b = sign * np.asarray(treat.values), sign * np.asarray(base.values)
        draws = (a[rng.integers(0, a.size, (BOOTSTRAP_RESAMPLES, a.size))].mean(axis=1)
                 - b[rng.integers(0, b.size, (BOOTSTRAP_RESAMPLES, b.size))].mean(axis=1))
        effect = float(a.mean() - b.mean())
        low, high = (float(q) for q in np.quantile(draws, [0.5 - confidence / 2, 0.5 + confidence / 2]))
    verdict = SUPPORTED if low > 0 else CONTRADICTED if high < 0 else UNCLEAR
    return ClaimResult(claim, arms, effect, (low, high), paired, method, verdict)


def run_claim(claim: Claim, measure: Callable[[str, int], float], seeds: Sequence[int] = (0, 1, 2),
              method: str = "t", on_result: Callable[[str, int, float], None] | None = None) -> ClaimResult:
    """Measure every (arm, seed) round-robin (seed by seed, both arms each time) and judge the claim.

    Round-robin keeps a machine whose speed or load drifts from favouring one arm.

    Args:
        measure: ``measure(arm, seed) -> value of the metric`` (trains or evaluates one run).
        seeds: at least :data:`MIN_SEEDS` distinct seeds.
        on_result: called after each run with ``(arm, seed, value)`` (a live table or plot).
    """
    seeds = list(seeds)
    if len(set(seeds)) != len(seeds) or len(seeds) < MIN_SEEDS:
        raise InputError(f"claim {claim.id}: give at least {MIN_SEEDS} distinct seeds, got {seeds}")
    results: dict[str, dict[int, float]] = {claim.baseline: {}, claim.treatment: {}}
    for seed in seeds:
        for arm in (claim.baseline, claim.treatment):
            value = float(measure(arm, seed))
            results[arm][seed] = value
            if on_result is not None:
                on_result(arm, seed, value)
    return judge(claim, results, method)
