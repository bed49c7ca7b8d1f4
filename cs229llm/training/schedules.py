"""Learning-rate schedules for pretraining and annealing: cosine, warmup-stable-decay, linear to zero.

Stage "pretraining / annealing" of the lecture. Every schedule is a pure function
``lr(step)`` with a linear warmup. Warmup-stable-decay (MiniCPM, Hu et al. 2024) holds the
peak rate and decays only over the last fraction of training, which is where annealing on
high-quality data happens (Llama 3 decays linearly to 0 over its last 40M tokens); linear
decay to zero beats cosine-to-10% at equal compute (Bergsma et al. 2025). See docs/references.md#decay-to-zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError

SCHEDULES = ("constant", "cosine", "wsd", "linear")


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule over ``total_steps`` optimizer steps.

    Attributes:
        kind: ``"constant"``, ``"cosine"`` (to ``min_lr_ratio`` of the peak), ``"wsd"``
            (warmup, stable at the peak, then linear decay over ``decay_fraction`` of training
            to ``min_lr_ratio``) or ``"linear"`` (linear decay from the end of warmup to
            ``min_lr_ratio``, 0 by default: "straight to zero").
        peak_lr: the rate after warmup.
        total_steps: optimizer steps in the run.
        warmup_steps: linear warmup from ``peak_lr / warmup_steps`` to ``peak_lr``.
        min_lr_ratio: final rate as a fraction of the peak.
        decay_fraction: for ``wsd``, the fraction of steps spent decaying.
    """

    kind: str = "cosine"
    peak_lr: float = 1e-3
    total_steps: int = 1000
    warmup_steps: int = 0
    min_lr_ratio: float = 0.0
    decay_fraction: float = 0.2

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise InputError(f"unknown schedule {self.kind!r}: choose one of {', '.join(SCHEDULES)}")
        if self.total_steps < 1:
            raise InputError(f"total_steps must be >= 1, got {self.total_steps}")
        if not 0 <= self.warmup_steps <= self.total_steps:
            raise InputError(f"warmup_steps must be between 0 and total_steps={self.total_steps}")
        if not 0.0 <= self.min_lr_ratio <= 1.0:
            raise InputError(f"min_lr_ratio must be in [0, 1], got {self.min_lr_ratio}")
        if not 0.0 < self.decay_fraction <= 1.0:
            raise InputError(f"decay_fraction must be in (0, 1], got {self.decay_fraction}")
        if self.peak_lr <= 0:
            raise InputError(f"peak_lr must be positive, got {self.peak_lr}")

    def __call__(self, step: int) -> float:
        """The learning rate for optimizer step ``step`` (0-based)."""
        return learning_rate(step, self)


def learning_rate(step: int, schedule: Schedule) -> float:
    """The rate at 0-based ``step`` under ``schedule`` (steps past the end keep the final rate)."""
    peak, total, warmup = schedule.peak_lr, schedule.total_steps, schedule.warmup_steps
    floor = peak * schedule.min_lr_ratio
    if step < warmup:
        return peak * (step + 1) / warmup
    if schedule.kind == "constant":
        return peak
    step = min(step, total - 1)
    if schedule.kind == "cosine":
        span = max(1, total - 1 - warmup)
        progress = (step - warmup) / span
        return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule.kind == "linear":
        span = max(1, total - 1 - warmup)
        progress = (step - warmup) / span
        return peak + (floor - peak) * progress
    # warmup-stable-decay: the decay phase is the last decay_fraction of all steps
    decay_steps = max(1, round(schedule.decay_fraction * total))
    decay_start = max(warmup, total - decay_steps)
    if step < decay_start:
        return peak
    span = max(1, total - 1 - decay_start)
    progress = (step - decay_start) / span
    return peak + (floor - peak) * progress


def schedule_curve(schedule: Schedule) -> list[float]:
    """The rate at every step ``0 .. total_steps - 1`` (for plots)."""
    return [learning_rate(step, schedule) for step in range(schedule.total_steps)]
