"""Notebook 04 (domains and mixing): the learner writes the rules that turn domain sizes and weights into a plan."""

from ..mixing import Mixture
from .core import Exercise, register


def _temperature_reference(sizes: dict, temperature: float) -> dict:
    return Mixture.temperature(sizes, temperature).proportions


def _unimax_reference(sizes: dict, budget: float, max_epochs: float) -> dict:
    return Mixture.unimax(sizes, budget, max_epochs=max_epochs).proportions


def _allocate_reference(weights: dict, budget: int) -> dict:
    return Mixture.from_weights(weights).allocate(budget)


register(
    Exercise("allocate_tokens", "04_domains_and_mixing", _allocate_reference,
             cases=(({"a": 1, "b": 1, "c": 1}, 10),  # a tie: the first domain gets the spare token
                    ({"a": 2, "b": 1}, 10),
                    ({"a": 1, "b": 1, "c": 1, "d": 1}, 2),  # every share is 0.5
                    ({"a": 5, "b": 3, "c": 2}, 7),
                    ({"a": 6, "b": 3, "c": 1}, 7),  # the spare token goes to the smallest domain here
                    ({"a": 0, "b": 1}, 5),  # a zero weight keeps its key
                    ({"code": 3, "web": 1}, 101),
                    ({"a": 3, "b": 3, "c": 1}, 1),
                    ({"x": 10, "y": 20, "z": 30, "w": 45}, 1000),
                    ({"only": 7}, 12)),
             hint="normalise the weights to proportions, take floor(proportion x budget) for every domain, then "
                  "hand the tokens still missing from the budget one each to the domains with the largest "
                  "fractional parts (the earlier domain first on a tie)"),
    Exercise("temperature_mixture", "04_domains_and_mixing", _temperature_reference,
             cases=(({"a": 100, "b": 1}, 1.0), ({"a": 100, "b": 1}, 2.0), ({"a": 9, "b": 1, "c": 0}, 2.0),
                    ({"a": 1000, "b": 10, "c": 1}, 0.5), ({"x": 5}, 3.0), ({"a": 3, "b": 3}, 10.0),
                    ({"big": 4e9, "small": 1e6}, 100.0),
                    ({"big": 2e9, "small": 1e9}, 0.025)),  # n^(1/T) overflows unless scaled first
             hint="p_d is proportional to n_d ** (1 / T), normalised to sum to 1; divide every size by the largest "
                  "before taking the power, so a small T cannot overflow",
             tolerance=1e-9),
    Exercise("unimax_mixture", "04_domains_and_mixing", _unimax_reference,
             cases=(({"a": 100, "b": 10, "c": 1}, 30, 1.0),
                    ({"a": 100, "b": 10, "c": 1}, 30, 4.0),
                    ({"a": 100, "b": 50, "c": 20}, 30, 1.0),  # no cap binds: uniform
                    ({"a": 10, "b": 1}, 1000, 2.0),  # the budget cannot be spent: every domain at its cap
                    ({"a": 10, "b": 0}, 10, 1.0),
                    ({"c": 1, "a": 100, "b": 10}, 60, 2.0),  # not given smallest first
                    ({"a": 5, "b": 5, "c": 5}, 12, 1.0),
                    ({"web": 1000, "code": 40, "books": 30, "wiki": 5}, 400, 4.0)),
             hint="visit the domains from smallest to largest; each gets (budget still left) / (domains still "
                  "left), but at most max_epochs x its size, and what it cannot take stays in the budget for the "
                  "larger ones; the proportions are the allocations over their sum",
             tolerance=1e-9),
)
