"""Notebook 10 (capstone): the learner writes how often each arm repeats its data at equal compute, the
t interval of a mean over seeds, and the verdict a claim gets from its paired interval."""

from ..experiments.claims import Claim, interval, judge
from ..mixing import Mixture
from .core import Exercise, register


def _epochs_reference(steps: int, batch_size: int, block_size: int, dataset_tokens: int) -> float:
    budget = steps * batch_size * block_size  # tokens a run trains on: each step reads batch_size windows of block_size
    return float(Mixture.from_weights({"data": 1.0}).plan({"data": dataset_tokens}, budget).table["epochs"].iloc[0])


def _interval_reference(values: list[float], confidence: float) -> tuple[float, float, float]:
    return interval(values, method="t", confidence=confidence)


def _verdict_reference(baseline: list[float], treatment: list[float], lower_is_better: bool) -> str:
    claim = Claim("exercise", "the treatment beats the baseline", "metric", "baseline", "treatment", lower_is_better)
    return judge(claim, {"baseline": dict(enumerate(baseline)), "treatment": dict(enumerate(treatment))}).verdict


register(
    Exercise("epochs_at_equal_compute", "10_capstone_data_vs_architecture", _epochs_reference,
             cases=((150, 16, 64, 400_000), (10, 4, 8, 320), (10, 4, 8, 3_200), (1, 1, 1, 1), (3, 2, 5, 7),
                    (1_200, 16, 64, 1_228_800), (100, 32, 128, 10_000_000)),
             hint="a run trains on steps x batch_size x block_size tokens (every window of the batch gives "
                  "block_size predictions); the epochs are those tokens divided by the dataset's tokens",
             tolerance=1e-9),
    Exercise("t_interval", "10_capstone_data_vs_architecture", _interval_reference,
             cases=(([1.0, 1.2, 0.9, 1.1], 0.95),
                    ([2.0, 4.0], 0.95),  # two values: one degree of freedom, a wide interval
                    ([3.0, 3.0, 3.0], 0.95),  # no spread: the interval is the mean itself
                    ([1.0, 1.2, 0.9, 1.1], 0.8),
                    ([-0.5, 0.1, 0.3, -0.2, 0.0], 0.95),
                    ([3.21, 3.19, 3.25], 0.99),
                    ([10.0, 12.0, 11.0, 15.0, 9.0, 13.0, 10.0, 14.0], 0.9)),
             hint="mean +/- t x s / sqrt(n), where s is the sample standard deviation (divide by n - 1) and t is "
                  "Student's t quantile at 0.5 + confidence / 2 with n - 1 degrees of freedom",
             tolerance=1e-9),
    Exercise("claim_verdict", "10_capstone_data_vs_architecture", _verdict_reference,
             cases=(([1.00, 1.01, 0.99], [0.90, 0.91, 0.89], True),  # clearly lower bits per byte
                    ([1.00, 1.01, 0.99], [1.10, 1.11, 1.09], True),  # clearly higher: contradicted
                    ([1.00, 1.01, 0.99], [0.99, 1.02, 1.00], True),  # inside the noise
                    ([0.50, 0.52, 0.51], [0.60, 0.61, 0.62], False),  # an accuracy: higher is better
                    ([1.00, 1.01, 0.99], [0.90, 0.91, 0.89], False),
                    ([1.00, 1.20, 0.80, 1.10], [0.99, 1.191, 0.792, 1.093], True),  # seeds shift both arms alike
                    ([1.0, 1.1, 0.9], [1.0, 1.1, 0.9], True),  # no difference at all
                    ([1.0, 1.1, 0.9], [0.99, 1.09, 0.89], True),  # the same small gain on every seed
                    ([2.0, 2.1, 1.9, 2.05, 1.95], [1.9, 2.2, 1.8, 2.0, 2.0], True)),
             hint="pair the two arms by seed: the improvement per seed is baseline - treatment when lower is "
                  "better (treatment - baseline otherwise); take the 95% t interval of its mean: supported when "
                  "the whole interval is above 0, contradicted when it is all below 0, else not distinguishable"),
)
