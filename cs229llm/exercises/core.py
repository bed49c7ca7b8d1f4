"""Exercises: the learner writes the core of a stage; :func:`check` compares it with the package's own.

Each :class:`Exercise` names the package function that is the reference, the cases it is tried on
(edge cases a plausible wrong answer gets wrong), and a hint. :func:`check` runs the learner's
function on every case and prints one specific message: which input, what was expected, what came
back, and the hint. A function that still raises ``NotImplementedError`` (the student version's
stub) is reported as *not done yet*, and :func:`use` hands back the package's implementation, so a
notebook's later cells run whether or not the exercise is done.

Exercises live in the notebooks' sources (``solutions/*.py``) between nbgrader's ``### BEGIN SOLUTION`` and
``### END SOLUTION`` markers; :mod:`cs229llm.exercises.student` writes the student versions.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError


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


EXERCISES: dict[str, Exercise] = {}
"""Every exercise by id, filled by :func:`register` from the per-notebook modules (``nb00`` ... ``nb10``)."""


def register(*exercises: Exercise) -> None:
    """Add exercises to :data:`EXERCISES`; an id used twice is a mistake in the catalogue."""
    for exercise in exercises:
        if exercise.id in EXERCISES:
            raise ValueError(f"exercise id {exercise.id!r} is registered twice")
        EXERCISES[exercise.id] = exercise


class NotDone(Exception):
    """Raised inside :func:`check` when the learner's function is still the stub."""


def _as_array(value):
    """A NumPy array for arrays and tensors (tensors are detached and moved to the CPU), else None."""
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().float().numpy()
    return None


def _same(expected, got, tolerance: float) -> bool:
    """Equal values of the same kind (``True`` is not ``1`` here); floats within ``tolerance``.

    Lists and tuples compare element by element (a list and a tuple with the same elements are the
    same), dicts by keys and values, arrays and tensors by shape and then within ``tolerance``.
    """
    expected_array, got_array = _as_array(expected), _as_array(got)
    if expected_array is not None or got_array is not None:
        if expected_array is None or got_array is None or expected_array.shape != got_array.shape:
            return False
        return bool(np.allclose(expected_array, got_array, rtol=tolerance, atol=tolerance, equal_nan=True))
    if isinstance(got, bool) != isinstance(expected, bool):
        return False
    if isinstance(expected, (list, tuple)):
        return (isinstance(got, (list, tuple)) and len(got) == len(expected)
                and all(_same(e, g, tolerance) for e, g in zip(expected, got)))
    if isinstance(expected, dict):
        return (isinstance(got, dict) and set(got) == set(expected)
                and all(_same(expected[key], got[key], tolerance) for key in expected))
    if isinstance(expected, (float, np.floating)) or isinstance(got, (float, np.floating)):
        try:
            return math.isclose(float(expected), float(got), rel_tol=tolerance, abs_tol=tolerance)
        except (TypeError, ValueError):
            return False
    return expected == got


def _short(value, limit: int = 160) -> str:
    """``repr(value)`` on one line (an array's repr spans several) cut to ``limit`` characters, so a long
    document does not flood the message."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 5] + " ...)"


def check(exercise_id: str, learner: Callable, quiet: bool = False) -> bool:
    """Run ``learner`` on every case of the exercise; print what is wrong (or that it passes); return whether it does.

    Returns False (and says so) when the learner's function raises ``NotImplementedError``.
    """
    if exercise_id not in EXERCISES:
        raise InputError(f"unknown exercise {exercise_id!r}: choose one of {', '.join(sorted(EXERCISES))}")
    exercise = EXERCISES[exercise_id]
    for case in exercise.cases:
        expected = exercise.reference(*copy.deepcopy(case))
        try:
            got = learner(*copy.deepcopy(case))  # a learner's function that changes its input cannot change the case
        except NotImplementedError:
            if not quiet:
                print(f"{exercise_id}: not done yet; the rest of the notebook uses the package's implementation. "
                      f"Hint: {exercise.hint}")
            return False
        except Exception as error:  # noqa: BLE001 - the learner's code: report it, do not crash the notebook
            if not quiet:
                print(f"{exercise_id}: your function raised {type(error).__name__}: {error} on input {_short(case)} "
                      f"(expected {_short(expected)}). Hint: {exercise.hint}")
            return False
        if not _same(expected, got, exercise.tolerance):
            if not quiet:
                print(f"{exercise_id}: on input {_short(case)} expected {_short(expected)}, got {_short(got)}. "
                      f"Hint: {exercise.hint}")
            return False
    if not quiet:
        print(f"{exercise_id}: correct on all {len(exercise.cases)} cases, edge cases included")
    return True


def use(exercise_id: str, learner: Callable) -> Callable:
    """The learner's function when it passes :func:`check`, else the package's (so later cells always run)."""
    return learner if check(exercise_id, learner, quiet=True) else EXERCISES[exercise_id].reference
