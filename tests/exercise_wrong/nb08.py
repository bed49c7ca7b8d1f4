"""Wrong solutions of notebook 08's exercises (the WSD learning rate, the annealing mixture)."""
import math

from ._solutions import solution

wsd = solution("08_annealing", "wsd_learning_rate")
mixture = solution("08_annealing", "annealing_mixture")


def warmup_off_by_one(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio):
    if step < warmup_steps:
        return peak_lr * step / warmup_steps  # step 0 gets a rate of 0
    return wsd(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio)


def cosine_decay(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio):
    rate = wsd(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio)
    floor = peak_lr * min_lr_ratio
    if rate >= peak_lr or step < warmup_steps:
        return rate
    linear = (peak_lr - rate) / (peak_lr - floor) if peak_lr != floor else 1.0
    return floor + (peak_lr - floor) * 0.5 * (1 + math.cos(math.pi * linear))


def no_clamp_past_the_end(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio):
    if step >= total_steps:
        return peak_lr * min_lr_ratio - 1e-4  # keeps falling past the last step
    return wsd(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio)


def weights_taken_as_proportions(web_weights, hq_share, hq_domain):
    out = {d: (1 - hq_share) * w for d, w in web_weights.items() if d != hq_domain}  # assumes they sum to 1
    out[hq_domain] = hq_share
    return out


def zero_shares_dropped(web_weights, hq_share, hq_domain):
    return {d: p for d, p in mixture(web_weights, hq_share, hq_domain).items() if p > 0}


def hq_kept_in_the_web_mixture(web_weights, hq_share, hq_domain):
    total = sum(web_weights.values())
    out = {d: (1 - hq_share) * w / total for d, w in web_weights.items()}
    out[hq_domain] = out.get(hq_domain, 0.0) + hq_share
    return out


WRONG = [
    ("wsd_learning_rate", warmup_off_by_one, "on input (0,"),
    ("wsd_learning_rate", cosine_decay, "expected"),
    ("wsd_learning_rate", no_clamp_past_the_end, "on input (1500,"),
    ("annealing_mixture", weights_taken_as_proportions, "on input ({'news': 3.0, 'code': 1.0}, 0.5, 'hq')"),
    ("annealing_mixture", zero_shares_dropped, "on input ({'news': 0.7, 'code': 0.3}, 1.0, 'hq')"),
    ("annealing_mixture", hq_kept_in_the_web_mixture, "on input ({'news': 0.6, 'code': 0.2, 'hq': 0.2}, 0.25, 'hq')"),
]
