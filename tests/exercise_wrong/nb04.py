"""Wrong solutions of notebook 04's exercises (tokens per domain, temperature sampling, UniMax)."""
import math

from ._solutions import solution

unimax = solution("04_domains_and_mixing", "unimax_mixture")


def rounded_each_share(weights, budget):
    total = sum(weights.values())
    return {d: round(w / total * budget) for d, w in weights.items()}  # need not add up to the budget


def floors_only(weights, budget):
    total = sum(weights.values())
    return {d: math.floor(w / total * budget) for d, w in weights.items()}


def spare_to_the_largest_shares(weights, budget):
    total = sum(weights.values())
    tokens = {d: math.floor(w / total * budget) for d, w in weights.items()}
    for d in sorted(weights, key=weights.get, reverse=True)[:budget - sum(tokens.values())]:
        tokens[d] += 1  # the biggest domains, not the biggest remainders
    return tokens


def power_t_not_one_over_t(sizes, temperature):
    largest = max(sizes.values())
    powered = {d: (n / largest) ** temperature for d, n in sizes.items()}
    total = sum(powered.values())
    return {d: v / total for d, v in powered.items()}


def not_scaled_first(sizes, temperature):
    powered = {d: n ** (1.0 / temperature) for d, n in sizes.items()}  # overflows for a small T
    total = sum(powered.values())
    return {d: v / total for d, v in powered.items()}


def no_redistribution(sizes, budget, max_epochs):
    share = budget / len(sizes)  # what a small domain cannot use is lost
    allocation = {d: min(share, max_epochs * n) for d, n in sizes.items()}
    total = sum(allocation.values())
    return {d: a / total for d, a in allocation.items()}


def largest_first(sizes, budget, max_epochs):
    remaining, allocation = budget, {}
    order = sorted(sizes, key=sizes.get, reverse=True)
    for position, d in enumerate(order):
        allocation[d] = min(remaining / (len(order) - position), max_epochs * sizes[d])
        remaining -= allocation[d]
    total = sum(allocation.values())
    return {d: allocation[d] / total for d in sizes}


def leftover_to_the_largest(sizes, budget, max_epochs):
    allocation = {d: p * budget for d, p in unimax(sizes, budget, max_epochs).items()}
    spent = sum(min(a, max_epochs * sizes[d]) for d, a in allocation.items())
    biggest = max(sizes, key=sizes.get)
    allocation[biggest] += budget - spent  # past its cap when every cap binds
    total = sum(allocation.values())
    return {d: a / total for d, a in allocation.items()}


WRONG = [
    ("allocate_tokens", rounded_each_share, "on input ({'a': 1, 'b': 1, 'c': 1}, 10) expected"),
    ("allocate_tokens", floors_only, "on input ({'a': 1, 'b': 1, 'c': 1}, 10) expected {'a': 4, 'b': 3, 'c': 3}"),
    ("allocate_tokens", spare_to_the_largest_shares, "on input ({'a': 6, 'b': 3, 'c': 1}, 7)"),
    ("temperature_mixture", power_t_not_one_over_t, "on input ({'a': 100, 'b': 1}, 2.0)"),
    ("temperature_mixture", not_scaled_first, "your function raised OverflowError"),
    ("unimax_mixture", no_redistribution, "on input ({'a': 100, 'b': 10, 'c': 1}, 30, 1.0)"),
    ("unimax_mixture", largest_first, "on input ({'a': 100, 'b': 10, 'c': 1}, 30, 1.0)"),
    ("unimax_mixture", leftover_to_the_largest, "on input ({'a': 10, 'b': 1}, 1000, 2.0)"),
]
