"""Wrong solutions of notebook 10's exercises (epochs at equal compute, the t interval, the verdict)."""
import math

import numpy as np
from scipy import stats

from cs229llm.experiments.claims import interval

from ._solutions import solution

t_interval = solution("10_capstone_data_vs_architecture", "t_interval")


def windows_of_block_plus_one(steps, batch_size, block_size, dataset_tokens):
    return steps * batch_size * (block_size + 1) / dataset_tokens


def upside_down(steps, batch_size, block_size, dataset_tokens):
    return dataset_tokens / (steps * batch_size * block_size)


def population_std(values, confidence):
    mean = float(np.mean(values))
    half = stats.t.ppf(0.5 + confidence / 2, df=len(values) - 1) * float(np.std(values)) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def normal_quantile(values, confidence):
    mean = float(np.mean(values))
    half = stats.norm.ppf(0.5 + confidence / 2) * float(np.std(values, ddof=1)) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def t_with_n_degrees(values, confidence):
    mean = float(np.mean(values))
    half = stats.t.ppf(0.5 + confidence / 2, df=len(values)) * float(np.std(values, ddof=1)) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def _rule(low, high):
    return "supported" if low > 0 else "contradicted" if high < 0 else "not distinguishable at this scale"


def unpaired_overlap(baseline, treatment, lower_is_better):
    sign = 1 if lower_is_better else -1
    _, b_low, b_high = interval([sign * -v for v in baseline])
    _, t_low, t_high = interval([sign * -v for v in treatment])
    return _rule(t_low - b_high, t_high - b_low)  # the arms' intervals must not overlap


def lower_always_better(baseline, treatment, lower_is_better):
    _, low, high = interval([b - t for b, t in zip(baseline, treatment)])
    return _rule(low, high)


def zero_counts_as_support(baseline, treatment, lower_is_better):
    sign = 1 if lower_is_better else -1
    _, low, high = interval([sign * (b - t) for b, t in zip(baseline, treatment)])
    return "supported" if low >= 0 else "contradicted" if high < 0 else "not distinguishable at this scale"


WRONG = [
    ("epochs_at_equal_compute", windows_of_block_plus_one, "on input (150, 16, 64, 400000)"),
    ("epochs_at_equal_compute", upside_down, "expected 0.384, got"),
    ("t_interval", population_std, "on input ([1.0, 1.2, 0.9, 1.1], 0.95)"),
    ("t_interval", normal_quantile, "on input ([1.0, 1.2, 0.9, 1.1], 0.95)"),
    ("t_interval", t_with_n_degrees, "on input ([1.0, 1.2, 0.9, 1.1], 0.95)"),
    ("claim_verdict", unpaired_overlap, "on input ([1.0, 1.2, 0.8, 1.1]"),
    ("claim_verdict", lower_always_better, "on input ([0.5, 0.52, 0.51], [0.6, 0.61, 0.62], False)"),
    ("claim_verdict", zero_counts_as_support, "on input ([1.0, 1.1, 0.9], [1.0, 1.1, 0.9], True) expected 'not"),
]
