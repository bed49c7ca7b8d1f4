"""Domain mixtures: from weights per domain and a token budget to tokens, epochs and sampling proportions.

Lecture stage: domain balancing, the second data lever (upweight code, downweight entertainment,
decide how often each domain repeats). A :class:`Mixture` is a set of sampling proportions; its
:meth:`~Mixture.plan` against the tokens each domain holds says how many tokens each domain gets
and how many epochs that means, and warns past ~4 epochs (Muennighoff et al. 2023). Temperature
sampling and UniMax (Chung et al. 2023) are rules that produce a Mixture; published mixtures
(The Pile, Llama 1) are kept as data with their citations for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from .data.domain_names import DOMAINS  # noqa: F401  (mixtures are over these domains; re-exported)
from .errors import InputError

REPETITION_LIMIT = 4.0  # epochs; data-constrained scaling (Muennighoff et al. 2023)


# ---------------------------------------------------------------- weights: parse and check


def parse_weights(text: str, domains: Iterable[str] | None = None) -> dict[str, float]:
    """Parse ``"code=2,books=1,news=0.5"`` into ``{"code": 2.0, "books": 1.0, "news": 0.5}``.

    The one parser of the mixture syntax: ``cs229llm mix``, ``train`` and ``run`` all read their
    ``--mixture`` with it. The weights are then checked by :func:`check_weights`.

    Args:
        text: ``domain=weight`` items separated by commas.
        domains: the known domains, where the list is known (default: any name is accepted).

    Raises:
        InputError: (one line) an item is not ``domain=number``, a weight is not a number, a
            domain repeats, a domain is unknown, a weight is negative or infinite, or all are zero.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("weights are empty: write them as domain=weight,... e.g. code=2,books=1")
    weights: dict[str, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"cannot read {item!r}: write each weight as domain=number, e.g. code=2")
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"weight of {name!r} is not a number: {value.strip()!r}") from None
        if name in weights:
            raise InputError(f"domain {name!r} is given twice")
        weights[name] = number
    if not weights:
        raise InputError("weights are empty: write them as domain=weight,... e.g. code=2,books=1")
    return check_weights(weights, domains)


def check_weights(weights: Mapping[str, float], domains: Iterable[str] | None = None) -> dict[str, float]:
    """Check weights (finite, ≥ 0, not all zero, known domains); return them as floats.

    Args:
        weights: domain -> non-negative number.
        domains: the known domains (default: any name is accepted).

    Raises:
        InputError: a negative, infinite or non-numeric weight, all weights zero, or an unknown domain.
    """
    if not isinstance(weights, Mapping) or not weights:
        raise InputError("no weights given: give at least one domain a positive weight")
    known = list(domains) if domains is not None else None
    if known is not None:
        unknown = [name for name in weights if name not in known]
        if unknown:
            raise InputError(f"unknown domain(s) {', '.join(map(repr, unknown))}: "
                             f"known domains are {', '.join(known)}")
    checked = {}
    for name, weight in weights.items():
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise InputError(f"weight of {name!r} is not a number: {weight!r}") from None
        if not math.isfinite(weight):
            raise InputError(f"weight of {name!r} must be finite, got {weight}")
        if weight < 0:
            raise InputError(f"weight of {name!r} is negative ({weight:g}): weights must be ≥ 0")
        checked[name] = weight
    if sum(checked.values()) <= 0:
        raise InputError("all weights are zero, so nothing would be sampled: "
                         "give at least one domain a positive weight")
    return checked


def _check_available(available_tokens: Mapping[str, float]) -> dict[str, float]:
    """Check a domain -> available tokens mapping (non-negative numbers)."""
    if not isinstance(available_tokens, Mapping) or not available_tokens:
        raise InputError("available tokens per domain are missing")
    checked = {}
    for name, count in available_tokens.items():
        count = float(count)
        if not math.isfinite(count) or count < 0:
            raise InputError(f"available tokens of {name!r} must be ≥ 0, got {count}")
        checked[name] = count
    return checked


# ---------------------------------------------------------------- the mixture and its plan


@dataclass(frozen=True)
class Mixture:
    """Sampling proportions over domains (they sum to 1).

    Build one with :meth:`from_weights`, :meth:`parse`, :meth:`from_epochs`, :meth:`temperature`
    or :meth:`unimax`; resolve it against a corpus and a budget with :meth:`plan`.
    """

    proportions: dict[str, float]

    @classmethod
    def from_weights(cls, weights: Mapping[str, float], domains: Iterable[str] | None = None) -> Mixture:
        """Proportions proportional to ``weights`` (any positive scale; unlisted known domains get 0)."""
        checked = check_weights(weights, domains)
        names = list(domains) if domains is not None else list(checked)
        total = sum(checked.values())
        return cls({name: checked.get(name, 0.0) / total for name in names})

    @classmethod
    def parse(cls, text: str, domains: Iterable[str] | None = None) -> Mixture:
        """A mixture from ``"domain=weight,..."`` text (see :func:`parse_weights`)."""
        known = list(domains) if domains is not None else None
        return cls.from_weights(parse_weights(text, known), known)

    @classmethod
    def from_epochs(cls, epochs: Mapping[str, float], available_tokens: Mapping[str, float]) -> Mixture:
        """The mixture that repeats each domain ``epochs[d]`` times: tokens_d = epochs_d × available_d."""
        available = _check_available(available_tokens)
        checked = check_weights(epochs, available)
        tokens = {name: checked.get(name, 0.0) * available[name] for name in available}
        if sum(tokens.values()) <= 0:
            raise InputError("the epochs given select no tokens (every chosen domain is empty)")
        return cls.from_weights(tokens)

    @classmethod
    def temperature(cls, available_tokens: Mapping[str, float], temperature: float) -> Mixture:
        """Temperature sampling: p_d ∝ n_d^(1/T). T=1 keeps natural sizes; large T tends to uniform.

        Raises:
            InputError: ``temperature`` ≤ 0.
        """
        if not temperature or temperature <= 0:
            raise InputError(f"temperature must be > 0, got {temperature}")
        available = _check_available(available_tokens)
        largest = max(available.values())
        if largest <= 0:
            raise InputError("every domain is empty: nothing to sample")
        # scale by the largest count first so n^(1/T) never overflows for small T
        return cls.from_weights({name: (count / largest) ** (1.0 / temperature)
                                 for name, count in available.items()})

    @classmethod
    def unimax(cls, available_tokens: Mapping[str, float], budget: float,
               max_epochs: float = 1.0) -> Mixture:
        """UniMax (Chung et al. 2023): share the budget uniformly, but never repeat a domain more than ``max_epochs``.

        Domains are visited from smallest to largest; each gets the uniform share of what is left,
        capped at ``max_epochs`` × its size; what a small domain cannot use goes to the larger ones.
        """
        available = _check_available(available_tokens)
        budget = _check_budget(budget)
        if max_epochs <= 0:
            raise InputError(f"max_epochs must be > 0, got {max_epochs}")
        remaining = budget
        allocation = {}
        order = sorted(available, key=lambda name: available[name])
        for position, name in enumerate(order):
            share = remaining / (len(order) - position)
            allocation[name] = min(share, max_epochs * available[name])
            remaining -= allocation[name]
        if sum(allocation.values()) <= 0:
            raise InputError("every domain is empty: nothing to sample")
        return cls.from_weights({name: allocation[name] for name in available})

    @property
    def probabilities(self) -> dict[str, float]:
        """Sampling probability per domain (what :class:`~cs229llm.tokenization.shards.MixtureSampler` reads)."""
        return dict(self.proportions)

    def allocate(self, budget: float) -> dict[str, int]:
        """Tokens per domain for a budget (integers adding up to the budget); no corpus needed."""
        budget = _check_budget(budget)
        return _largest_remainder({name: p * budget for name, p in self.proportions.items()},
                                  int(round(budget)))

    def readout(self) -> str:
        """The proportions as plain text: ``code=0.250 books=0.125 ...``."""
        return " ".join(f"{name}={value:.3f}" for name, value in self.proportions.items())

    def plan(self, available_tokens: Mapping[str, float], budget: float,
             repetition_limit: float = REPETITION_LIMIT) -> MixturePlan:
        """Resolve the mixture against a corpus: tokens and epochs per domain for a token budget.

        Args:
            available_tokens: domain -> unique tokens the corpus holds.
            budget: total training tokens.
            repetition_limit: warn when a domain repeats more epochs than this.

        Returns:
            a :class:`MixturePlan`.

        Raises:
            InputError: a weighted domain is not in the corpus or holds no tokens; a bad budget.
        """
        available = _check_available(available_tokens)
        budget = _check_budget(budget)
        unknown = [name for name, p in self.proportions.items() if name not in available and p > 0]
        if unknown:
            raise InputError(f"unknown domain(s) {', '.join(map(repr, unknown))}: "
                             f"the corpus holds {', '.join(available)}")
        empty = [name for name in available if self.proportions.get(name, 0) > 0 and available[name] <= 0]
        if empty:
            raise InputError(f"domain(s) {', '.join(empty)} have a positive weight but no tokens to sample")
        names = list(available)
        tokens = _largest_remainder({name: self.proportions.get(name, 0.0) * budget for name in names},
                                    int(round(budget)))
        rows, warnings = [], []
        for name in names:
            epochs = tokens[name] / available[name] if available[name] > 0 else 0.0
            rows.append({"domain": name, "available_tokens": int(available[name]),
                         "proportion": self.proportions.get(name, 0.0), "tokens": tokens[name],
                         "epochs": epochs})
            if epochs > repetition_limit and tokens[name] - 1 > repetition_limit * available[name]:  # 1 token: rounding
                warnings.append(f"{name} repeats {epochs:.1f} epochs (> {repetition_limit:g}): past about 4 "
                                "epochs repeated data is worth much less than new data (Muennighoff et al. 2023)")
        return MixturePlan(budget=int(round(budget)), table=pd.DataFrame(rows), warnings=warnings,
                           repetition_limit=repetition_limit)


@dataclass
class MixturePlan:
    """A mixture resolved against a corpus and a budget.

    Attributes:
        budget: total training tokens.
        table: one row per domain: ``domain``, ``available_tokens``, ``proportion``, ``tokens``, ``epochs``.
        warnings: one sentence per domain repeated past ``repetition_limit`` epochs.
    """

    budget: int
    table: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    repetition_limit: float = REPETITION_LIMIT

    @property
    def probabilities(self) -> dict[str, float]:
        """Sampling probability per domain."""
        return dict(zip(self.table["domain"], self.table["proportion"]))

    @property
    def epochs(self) -> dict[str, float]:
        """Epochs (passes over the domain's unique tokens) per domain."""
        return dict(zip(self.table["domain"], self.table["epochs"]))

    def __str__(self) -> str:
        shown = self.table.assign(proportion=self.table["proportion"].map("{:.3f}".format),
                                  epochs=self.table["epochs"].map("{:.2f}".format))
        lines = [f"budget: {self.budget:,} tokens", shown.to_string(index=False)]
        lines += [f"warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def _check_budget(budget) -> float:
    try:
        budget = float(budget)
    except (TypeError, ValueError):
        raise InputError(f"the token budget must be a number, got {budget!r}") from None
    if not math.isfinite(budget) or budget <= 0:
        raise InputError(f"the token budget must be > 0, got {budget:g}")
    return budget


def _largest_remainder(shares: Mapping[str, float], total: int) -> dict[str, int]:
    """Round real shares to integers that add up to ``total`` (largest remainders get the spare units)."""
    floors = {name: int(math.floor(value)) for name, value in shares.items()}
    spare = total - sum(floors.values())
    by_remainder = sorted(shares, key=lambda name: shares[name] - floors[name], reverse=True)
    for name in by_remainder[:max(spare, 0)]:
        floors[name] += 1
    return floors


# ---------------------------------------------------------------- published mixtures


@dataclass(frozen=True)
class PublishedMixture:
    """A mixture a paper published: proportions (percent) and epochs per source, with its citation."""

    name: str
    citation: str
    rows: tuple[tuple[str, float, float], ...]  # (source, percent of training tokens, epochs)
    total_tokens: float | None = None

    def frame(self) -> pd.DataFrame:
        """One row per source: ``source``, ``percent``, ``epochs``."""
        return pd.DataFrame(self.rows, columns=["source", "percent", "epochs"])

    def implied_sizes(self, training_tokens: float = 1_000_000) -> dict[str, float]:
        """Each source's unique tokens implied by the table for a run of ``training_tokens``: share / epochs.

        A source read for 2 epochs at 10% of training holds 5% of ``training_tokens`` worth of unique
        tokens. Derived from the published table (not itself published); it is what rules such as
        temperature sampling or UniMax take as input.
        """
        return {source: training_tokens * percent / 100.0 / epochs for source, percent, epochs in self.rows}


PUBLISHED_MIXTURES = {
    "The Pile": PublishedMixture(
        name="The Pile",
        citation="Gao et al. 2020, The Pile: An 800GB Dataset of Diverse Text for Language Modeling, Table 1",
        rows=(("Pile-CC", 18.11, 1.0), ("PubMed Central", 14.40, 2), ("Books3", 12.07, 1.5),
              ("OpenWebText2", 10.01, 2), ("ArXiv", 8.96, 2), ("GitHub", 7.59, 1), ("FreeLaw", 6.12, 1.5),
              ("StackExchange", 5.13, 2), ("USPTO", 3.65, 2), ("PubMed Abstracts", 3.07, 2),
              ("PG-19", 2.17, 2.5), ("OpenSubtitles", 1.55, 1.5), ("Wikipedia", 1.53, 3),
              ("DM Mathematics", 1.24, 2), ("Ubuntu IRC", 0.88, 2), ("BookCorpus2", 0.75, 1.5),
              ("EuroParl", 0.73, 2), ("HackerNews", 0.62, 2), ("YouTube Subtitles", 0.60, 2),
              ("PhilPapers", 0.38, 2), ("NIH ExPorter", 0.30, 2), ("Enron Emails", 0.14, 2)),
    ),
    "Llama 1": PublishedMixture(
        name="Llama 1",
        citation="Touvron et al. 2023, LLaMA: Open and Efficient Foundation Language Models, Table 1",
        rows=(("CommonCrawl", 67.0, 1.10), ("C4", 15.0, 1.06), ("GitHub", 4.5, 0.64), ("Wikipedia", 4.5, 2.45),
              ("Books", 4.5, 2.23), ("ArXiv", 2.5, 1.06), ("StackExchange", 2.0, 1.03)),
        total_tokens=1.4e12,
    ),
}


def published_mixture(name: str) -> PublishedMixture:
    """A published mixture by name (``"The Pile"`` or ``"Llama 1"``).

    Raises:
        InputError: no mixture of that name.
    """
    if name not in PUBLISHED_MIXTURES:
        raise InputError(f"no published mixture {name!r}: choose one of {', '.join(PUBLISHED_MIXTURES)}")
    return PUBLISHED_MIXTURES[name]
