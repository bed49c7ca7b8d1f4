"""Exercises: the learner writes the core of a stage; :func:`check` compares it with the package's own.

Each :class:`Exercise` names the package function that is the reference, the cases it is tried on
(edge cases a plausible wrong answer gets wrong), and a hint. :func:`check` runs the learner's
function on every case and prints one specific message: which input, what was expected, what came
back, and the hint. A function that still raises ``NotImplementedError`` (the student version's
stub) is reported as *not done yet*, and :func:`use` hands back the package's implementation, so a
notebook's later cells run whether or not the exercise is done.

Exercises live in the notebooks' ``.py`` sources between nbgrader's ``### BEGIN SOLUTION`` and
``### END SOLUTION`` markers; :mod:`cs229llm.exercises.student` writes the student versions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..data.quality import text_signals
from ..errors import InputError
from ..training.schedules import Schedule


@dataclass(frozen=True)
class Exercise:
    """One exercise: the reference, the cases, how to compare, and what to say when it is wrong.

    Attributes:
        id: the name used in :func:`check` (``"wsd_learning_rate"``).
        notebook: where it is taught.
        reference: the package's implementation, with the learner's signature.
        cases: argument tuples to call both with.
        hint: one sentence pointing at the idea, not at the answer.
        tolerance: relative tolerance for floats (0 compares exactly).
    """
    id: str
    notebook: str
    reference: Callable
    cases: Sequence[tuple] = field(default_factory=tuple)
    hint: str = ""
    tolerance: float = 0.0


def _wsd_reference(step: int, total_steps: int, peak_lr: float, warmup_steps: int, decay_fraction: float,
                   min_lr_ratio: float) -> float:
    return Schedule(kind="wsd", peak_lr=peak_lr, total_steps=total_steps, warmup_steps=warmup_steps,
                    decay_fraction=decay_fraction, min_lr_ratio=min_lr_ratio)(step)


def _stop_words_reference(text: str) -> int:
    return int(text_signals(text)["q_stop_words"])


_WSD = (1000, 1e-3, 100, 0.2, 0.0)
EXERCISES = {exercise.id: exercise for exercise in (
    Exercise("wsd_learning_rate", "08_annealing", _wsd_reference,
             cases=tuple((step, *_WSD) for step in (0, 50, 99, 100, 500, 799, 800, 801, 900, 999, 1500))
             + ((0, 10, 1.0, 0, 0.5, 0.1), (9, 10, 1.0, 0, 0.5, 0.1), (5, 10, 1.0, 2, 1.0, 0.0)),
             hint="warmup climbs to the peak over warmup_steps (step 0 already gets peak/warmup); the rate "
                  "stays at the peak until the last round(decay_fraction x total_steps) steps, then falls in a "
                  "straight line from the peak at the first of them to min_lr_ratio x peak at the final step; "
                  "steps past the end keep the final rate",
             tolerance=1e-9),
    Exercise("gopher_stop_words", "02_quality_filters", _stop_words_reference,
             cases=(("the cat and the hat",), ("the the the the",), ("The River And the sea",), ("",),
                    ("to be or not to be, that is the question",), ("with, have; of",), ("thee other",)),
             hint="count how many *different* words of {the, be, to, of, and, that, have, with} appear, "
                  "lower-cased and split on whitespace (a word with punctuation attached is a different word)"),
)}


class NotDone(Exception):
    """Raised inside :func:`check` when the learner's function is still the stub."""


def _same(expected, got, tolerance: float) -> bool:
    """Equal values of the same kind (``True`` is not ``1`` here); floats within ``tolerance``."""
    if isinstance(got, bool) != isinstance(expected, bool):
        return False
    if isinstance(expected, float) or isinstance(got, float):
        try:
            return math.isclose(float(expected), float(got), rel_tol=tolerance, abs_tol=tolerance)
        except (TypeError, ValueError):
            return False
    return expected == got


def check(exercise_id: str, learner: Callable, quiet: bool = False) -> bool:
    """Run ``learner`` on every case of the exercise; print what is wrong (or that it passes); return whether it does.

    Returns False (and says so) when the learner's function raises ``NotImplementedError``.
    """
    if exercise_id not in EXERCISES:
        raise InputError(f"unknown exercise {exercise_id!r}: choose one of {', '.join(sorted(EXERCISES))}")
    exercise = EXERCISES[exercise_id]
    for case in exercise.cases:
        expected = exercise.reference(*case)
        try:
            got = learner(*case)
        except NotImplementedError:
            if not quiet:
                print(f"{exercise_id}: not done yet; the rest of the notebook uses the package's implementation. "
                      f"Hint: {exercise.hint}")
            return False
        except Exception as error:  # noqa: BLE001 - the learner's code: report it, do not crash the notebook
            if not quiet:
                print(f"{exercise_id}: your function raised {type(error).__name__}: {error} on input {case!r} "
                      f"(expected {expected!r}). Hint: {exercise.hint}")
            return False
        if not _same(expected, got, exercise.tolerance):
            if not quiet:
                print(f"{exercise_id}: on input {case!r} expected {expected!r}, got {got!r}. Hint: {exercise.hint}")
            return False
    if not quiet:
        print(f"{exercise_id}: correct on all {len(exercise.cases)} cases, edge cases included")
    return True


def use(exercise_id: str, learner: Callable) -> Callable:
    """The learner's function when it passes :func:`check`, else the package's (so later cells always run)."""
    return learner if check(exercise_id, learner, quiet=True) else EXERCISES[exercise_id].reference
