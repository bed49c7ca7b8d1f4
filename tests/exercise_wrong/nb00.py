"""Wrong solutions of notebook 00's exercises (temperature, entropy)."""
import numpy as np


def temperature_multiplies(p, temperature):
    q = p * (1 / temperature)  # the slip: scales instead of raising to a power
    return q / q.sum()


def temperature_upside_down(p, temperature):
    q = p ** temperature  # T instead of 1/T: sharpens when it should flatten
    return q / q.sum()


def temperature_not_stable(p, temperature):
    q = p ** (1 / temperature)  # underflows to 0/0 at a tiny temperature
    return q / q.sum()


def temperature_not_renormalised(p, temperature):
    return np.exp(np.log(p) / temperature)


def entropy_in_nats(p):
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def entropy_zero_terms(p):
    return float(-(p * np.log2(p)).sum())  # 0 * log 0 is NaN


def entropy_without_minus(p):
    p = p[p > 0]
    return float((p * np.log2(p)).sum())


WRONG = [
    ("apply_temperature", temperature_multiplies, "0.05]), 0.5) expected"),
    ("apply_temperature", temperature_upside_down, "0.05]), 0.5) expected"),
    ("apply_temperature", temperature_not_stable, "0.0005) expected"),
    ("apply_temperature", temperature_not_renormalised, "0.05]), 0.5) expected"),
    ("entropy_bits", entropy_in_nats, "(array([0.5, 0.5]),) expected 1.0, got 0.69"),
    ("entropy_bits", entropy_zero_terms, "(array([1., 0., 0.]),) expected 0.0, got nan"),
    ("entropy_bits", entropy_without_minus, "expected 1.0, got -1.0"),
]
