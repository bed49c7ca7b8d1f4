"""Notebook 08 (annealing): the learner writes the warmup-stable-decay learning rate and the annealing mixture."""

from ..experiments.anneal import anneal_weights
from ..training.schedules import Schedule
from .core import Exercise, register


def _wsd_reference(step: int, total_steps: int, peak_lr: float, warmup_steps: int, decay_fraction: float,
                   min_lr_ratio: float) -> float:
    return Schedule(kind="wsd", peak_lr=peak_lr, total_steps=total_steps, warmup_steps=warmup_steps,
                    decay_fraction=decay_fraction, min_lr_ratio=min_lr_ratio)(step)


def _mixture_reference(web_weights: dict, hq_share: float, hq_domain: str) -> dict:
    return anneal_weights(web_weights, hq_share, hq_domain)


_WSD = (1000, 1e-3, 100, 0.2, 0.0)
register(
    Exercise("wsd_learning_rate", "08_annealing", _wsd_reference,
             cases=tuple((step, *_WSD) for step in (0, 50, 99, 100, 500, 799, 800, 801, 900, 999, 1500))
             + ((0, 10, 1.0, 0, 0.5, 0.1), (9, 10, 1.0, 0, 0.5, 0.1), (5, 10, 1.0, 2, 1.0, 0.0)),
             hint="warmup climbs to the peak over warmup_steps (step 0 already gets peak/warmup); the rate "
                  "stays at the peak until the last round(decay_fraction x total_steps) steps, then falls in a "
                  "straight line from the peak at the first of them to min_lr_ratio x peak at the final step; "
                  "steps past the end keep the final rate",
             tolerance=1e-9),
    Exercise("annealing_mixture", "08_annealing", _mixture_reference,
             cases=(({"news": 0.5, "code": 0.5}, 0.5, "hq"),
                    ({"news": 3.0, "code": 1.0}, 0.5, "hq"),  # token counts, not proportions
                    ({"news": 0.6, "code": 0.2, "hq": 0.2}, 0.25, "hq"),  # the HQ domain in the web mixture
                    ({"news": 0.7, "code": 0.3}, 1.0, "hq"),  # only HQ: the web domains stay, at 0
                    ({"web": 5.0}, 0.1, "hq"),
                    ({"news": 2.0, "books": 1.0, "code": 1.0}, 0.4, "books"),
                    ({"news": 0.0, "code": 4.0}, 0.75, "hq")),
             hint="the HQ domain gets exactly hq_share; the web domains (the HQ domain left out) share the rest "
                  "in proportion to their weights, which need not sum to 1, and every web domain keeps its key "
                  "even when its share is 0",
             tolerance=1e-9),
)
