"""Notebook 00 (course map): the learner reshapes a next-token distribution by temperature and measures its
entropy, as the count model does."""

import numpy as np

from ..count_model import apply_temperature, entropy_bits
from .core import Exercise, register


def _temperature_reference(p: np.ndarray, temperature: float) -> np.ndarray:
    return apply_temperature(p, temperature)


def _entropy_reference(p: np.ndarray) -> float:
    return entropy_bits(p)


_SKEWED = np.array([0.5, 0.3, 0.15, 0.05])
register(
    Exercise("apply_temperature", "00_course_map", _temperature_reference,
             cases=((_SKEWED, 1.0), (_SKEWED, 0.5), (_SKEWED, 2.0), (_SKEWED, 10.0),
                    (np.full(5, 0.2), 0.3), (np.array([0.7, 0.0, 0.3]), 0.5), (np.array([1.0]), 3.0),
                    (np.array([0.6, 0.4]), 0.001), (np.array([0.6, 0.3, 0.1]), 0.0005)),
             hint="raise every probability to the power 1/T (in log space: divide log p by T, subtract the "
                  "largest value before exponentiating so a tiny T cannot underflow), then divide by the sum",
             tolerance=1e-9),
    Exercise("entropy_bits", "00_course_map", _entropy_reference,
             cases=((np.array([0.5, 0.5]),), (np.full(4, 0.25),), (np.array([1.0]),), (np.array([1.0, 0.0, 0.0]),),
                    (np.array([0.9, 0.1]),), (_SKEWED,), (np.array([0.5, 0.25, 0.25, 0.0]),), (np.full(8, 0.125),)),
             hint="entropy is -sum of p log2 p in bits (base 2, not e), and a zero probability adds nothing "
                  "because p log p goes to 0 as p goes to 0",
             tolerance=1e-9),
)
