"""Claims judged from seeds: intervals by hand, verdicts from the interval, and refusal of single runs."""
import json
import math

import numpy as np
import pytest
from scipy import stats

from cs229llm.errors import InputError
from cs229llm.experiments.claims import (
    CONTRADICTED,
    SUPPORTED,
    UNCLEAR,
    Claim,
    interval,
    judge,
    run_claim,
)

CLAIM = Claim("C1", "Curated data beats an architecture tweak at equal compute.", "held-out bits per byte",
              baseline="raw", treatment="curated", lower_is_better=True, compute={"tokens": 1e6})


def test_t_interval_matches_the_formula():
    values = [1.0, 1.2, 0.9, 1.1]
    mean, low, high = interval(values)
    half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / math.sqrt(4)
    assert mean == pytest.approx(1.05) and low == pytest.approx(1.05 - half) and high == pytest.approx(1.05 + half)
    b_mean, b_low, b_high = interval(values, method="bootstrap", seed=1)
    assert b_mean == mean and low < b_low < b_mean < b_high < high  # the bootstrap is narrower at n=4
    assert interval(values, method="bootstrap", seed=1) == (b_mean, b_low, b_high)  # seeded


@pytest.mark.parametrize("treated, verdict", [
    ([0.90, 0.91, 0.89], SUPPORTED),  # clearly lower bits per byte
    ([1.10, 1.11, 1.09], CONTRADICTED),  # clearly higher
    ([0.99, 1.02, 1.00], UNCLEAR),  # inside the noise
])
def test_the_verdict_is_read_from_the_interval(treated, verdict):
    results = {"raw": {0: 1.00, 1: 1.01, 2: 0.99}, "curated": dict(enumerate(treated))}
    result = judge(CLAIM, results)
    assert result.verdict == verdict
    low, high = result.effect_ci
    assert low <= result.effect <= high
    assert (low > 0) == (verdict == SUPPORTED) and (high < 0) == (verdict == CONTRADICTED)


def test_higher_is_better_flips_the_sign():
    accuracy = Claim("C2", "More code helps reasoning.", "probe accuracy", "web", "code-heavy", lower_is_better=False)
    result = judge(accuracy, {"web": {0: 0.50, 1: 0.52, 2: 0.51}, "code-heavy": {0: 0.60, 1: 0.61, 2: 0.62}})
    assert result.verdict == SUPPORTED and result.effect == pytest.approx(0.1, abs=1e-9)


def test_pairing_by_seed_removes_shared_noise():
    # each seed shifts both arms alike; the treatment is always 0.01 better
    base = {0: 1.00, 1: 1.20, 2: 0.80, 3: 1.10}
    treated = {seed: value - 0.01 + 0.001 * seed for seed, value in base.items()}
    paired = judge(CLAIM, {"raw": base, "curated": treated})
    assert paired.paired and paired.verdict == SUPPORTED
    unpaired = judge(CLAIM, {"raw": base, "curated": {seed + 10: value for seed, value in treated.items()}})
    assert not unpaired.paired and unpaired.verdict == UNCLEAR  # Welch cannot see it through the seed noise


def test_fewer_than_three_seeds_is_refused():
    with pytest.raises(InputError, match="at least 3"):
        judge(CLAIM, {"raw": {0: 1.0, 1: 1.1}, "curated": {0: 0.5, 1: 0.6}})
    with pytest.raises(InputError, match="no results for arm 'curated'"):
        judge(CLAIM, {"raw": {0: 1.0, 1: 1.1, 2: 1.0}})
    with pytest.raises(InputError, match="distinct seeds"):
        run_claim(CLAIM, lambda arm, seed: 1.0, seeds=[0, 0, 1])
    with pytest.raises(InputError, match="finite"):
        interval([1.0, float("nan")])


def test_run_claim_is_round_robin_and_renders_three_ways():
    calls = []

    def measure(arm, seed):
        calls.append((arm, seed))
        return (0.9 if arm == "curated" else 1.0) + 0.01 * seed

    result = run_claim(CLAIM, measure, seeds=[0, 1, 2])
    assert calls == [("raw", 0), ("curated", 0), ("raw", 1), ("curated", 1), ("raw", 2), ("curated", 2)]
    assert result.verdict == SUPPORTED and result.effect_ci == pytest.approx((0.1, 0.1))
    card = result.card()
    assert list(card.index) == ["raw", "curated", "improvement"] and card.loc["curated", "seeds"] == 3
    entry = json.loads(json.dumps(result.to_json()))
    assert {"id", "claim", "metric", "arms", "seeds", "mean", "ci_low", "ci_high", "effect", "effect_ci",
            "verdict"} <= set(entry)
    assert entry["verdict"] == SUPPORTED and entry["seeds"] == [0, 1, 2]
    markdown = result.to_markdown()
    assert markdown.startswith("**C1.**") and "| improvement |" in markdown and SUPPORTED in markdown
    assert result.sentence().startswith("C1, supported")
