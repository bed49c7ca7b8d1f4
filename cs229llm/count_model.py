"""A count-based language model: the smallest thing that is a language model (notebook 00).

A language model is a probability distribution over the next token given the ones
before it. Here the tokens are words and punctuation, the context is the previous
``order - 1`` tokens, and the probabilities are smoothed counts. Temperature reshapes
the distribution before sampling: p_i ∝ p_i^(1/T).
"""

from __future__ import annotations

import importlib
import inspect
from collections import Counter, defaultdict

import numpy as np
import regex

from .errors import InputError

TOKEN_PATTERN = regex.compile(r"\p{L}[\p{L}\p{N}_'-]*|\p{N}+|[^\s\p{L}\p{N}]")

# Standard-library modules whose documentation is the sample text of notebook 00: real
# English prose that ships with every Python, so nothing is downloaded or invented.
DEFAULT_DOC_MODULES = ("collections", "itertools", "functools", "pathlib", "json", "random",
                       "statistics", "string", "textwrap", "datetime", "heapq", "bisect",
                       "argparse", "logging", "os", "typing", "csv", "re", "enum", "dataclasses",
                       "fractions", "decimal", "calendar", "threading", "queue", "subprocess",
                       "shutil", "zipfile", "tarfile", "unittest", "inspect", "ast", "difflib")


def tokenize_words(text: str) -> list[str]:
    """Split text into lower-cased words, numbers and single punctuation marks."""
    return [token.lower() for token in TOKEN_PATTERN.findall(text)]


def is_prose(paragraph: str, min_words: int = 8) -> bool:
    """True for a paragraph of running text (not code, a doctest or a table)."""
    words = paragraph.split()
    if len(words) < min_words or ">>>" in paragraph:
        return False
    visible = [c for c in paragraph if not c.isspace()]
    letters = sum(c.isalpha() for c in visible)
    return letters / len(visible) > 0.85 and paragraph.rstrip().endswith((".", ":", "?", "!"))


def stdlib_documentation(modules=DEFAULT_DOC_MODULES) -> str:
    """Prose paragraphs of the docstrings of some standard-library modules and their members."""
    docs = []
    for name in modules:
        module = importlib.import_module(name)
        docs.append(inspect.getdoc(module) or "")
        for attribute in sorted(dir(module)):
            if not attribute.startswith("_"):
                docs.append(inspect.getdoc(getattr(module, attribute, None)) or "")
    paragraphs = [p.strip() for doc in docs for p in doc.split("\n\n")]
    seen, kept = set(), []
    for paragraph in paragraphs:
        if is_prose(paragraph) and paragraph not in seen:
            seen.add(paragraph)
            kept.append(" ".join(paragraph.split()))
    return "\n\n".join(kept)


def apply_temperature(p: np.ndarray, temperature: float) -> np.ndarray:
    """A distribution reshaped by ``temperature``: p_i^(1/T), renormalised to sum to 1.

    Computed in log space with the largest log-probability subtracted first, so a tiny
    temperature does not underflow every entry to 0. A zero probability stays 0.

    Args:
        p: float array, a probability distribution.
        temperature: > 0; 1 returns a copy of ``p``.
    Returns:
        float64 array of the same shape, summing to 1.
    """
    if not temperature > 0:
        raise InputError("temperature must be greater than 0 (0 would mean always the top word)")
    p = np.asarray(p, dtype=np.float64)
    if temperature == 1.0:
        return p.copy()
    with np.errstate(divide="ignore"):  # log(0) = -inf, and exp(-inf) = 0 again
        log_p = np.log(p) / temperature
    log_p -= log_p.max()
    p = np.exp(log_p)
    return p / p.sum()


def entropy_bits(p: np.ndarray) -> float:
    """Entropy of a distribution in bits, -sum p_i log2 p_i (zero entries contribute 0)."""
    p = np.asarray(p, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0: a certain outcome has 0.0 bits, not -0.0


class CountLanguageModel:
    """An n-gram model whose counts are smoothed by interpolating with shorter contexts.

    P(w | context) = (count(context, w) + strength * P(w | shorter context)) / (count(context) + strength),
    down to the unigram, which gets add-``smoothing`` counts. A context seen often trusts its own
    counts; a context seen rarely leans on the shorter one (Dirichlet-style smoothing).

    Args:
        order: 1 for a unigram model, 2 for bigram (context = previous token), 3 for trigram, ...
        smoothing: added to every unigram count, so unseen continuations keep a little probability.
        strength: how many pseudo-observations of the shorter context each context gets.
    """

    def __init__(self, order: int = 2, smoothing: float = 0.5, strength: float = 10.0):
        if order < 1:
            raise InputError("order must be at least 1 (1 = unigram, 2 = bigram, ...)")
        if smoothing <= 0 or strength <= 0:
            raise InputError("smoothing and strength must be positive (they keep unseen words possible)")
        self.order = order
        self.smoothing = smoothing
        self.strength = strength
        self.vocabulary: list[str] = []
        self.index: dict[str, int] = {}
        self.counts: list[dict[tuple[str, ...], Counter]] = []
        self.num_tokens = 0
        self._cache: dict[tuple[str, ...], np.ndarray] = {}

    def fit(self, text: str) -> "CountLanguageModel":
        """Count every (context, next token) pair in ``text`` for every context length; returns self."""
        tokens = tokenize_words(text)
        if len(tokens) < self.order + 1:
            raise InputError(f"the text has {len(tokens)} tokens; a model of order {self.order} needs more")
        self.vocabulary = sorted(set(tokens))
        self.index = {token: i for i, token in enumerate(self.vocabulary)}
        self.counts = [defaultdict(Counter) for _ in range(self.order)]
        for width in range(self.order):
            for position in range(width, len(tokens)):
                self.counts[width][tuple(tokens[position - width:position])][tokens[position]] += 1
        self.num_tokens = len(tokens)
        self._cache = {}
        return self

    def _context(self, context) -> tuple[str, ...]:
        if isinstance(context, str):
            context = tokenize_words(context)
        width = self.order - 1
        return tuple(context[-width:]) if width else ()

    def _smoothed(self, context: tuple[str, ...]) -> np.ndarray:
        """P(next | context) before temperature, memoised per context."""
        if context in self._cache:
            return self._cache[context]
        if not context:
            p = np.full(len(self.vocabulary), self.smoothing)
        else:
            p = self.strength * self._smoothed(context[1:])
        for token, count in self.counts[len(context)].get(context, {}).items():
            p[self.index[token]] += count
        p = p / p.sum()
        self._cache[context] = p
        return p

    def probabilities(self, context, temperature: float = 1.0) -> np.ndarray:
        """P(next token | context) over :attr:`vocabulary`, reshaped by ``temperature``.

        Args:
            context: the text (or token list) so far; only its last ``order - 1`` tokens count.
            temperature: > 0. Below 1 sharpens the distribution, above 1 flattens it.
        Returns:
            float64 array [vocabulary size] summing to 1.
        """
        if not self.vocabulary:
            raise InputError("fit the model on some text first")
        if not temperature > 0:
            raise InputError("temperature must be greater than 0 (0 would mean always the top word)")
        return apply_temperature(self._smoothed(self._context(context)), temperature)

    def top_next(self, context, k: int = 10, temperature: float = 1.0) -> list[tuple[str, float]]:
        """The ``k`` most likely next tokens and their probabilities."""
        p = self.probabilities(context, temperature)
        order = np.argsort(-p, kind="stable")[:k]
        return [(self.vocabulary[i], float(p[i])) for i in order]

    def sample(self, context, num_tokens: int = 20, temperature: float = 1.0, seed: int = 0) -> list[str]:
        """Draw ``num_tokens`` tokens one at a time, each conditioned on what came before."""
        rng = np.random.default_rng(seed)
        tokens = list(tokenize_words(context) if isinstance(context, str) else context)
        generated = []
        for _ in range(num_tokens):
            p = self.probabilities(tokens, temperature)
            token = self.vocabulary[int(rng.choice(len(p), p=p))]
            tokens.append(token)
            generated.append(token)
        return generated

    def entropy_bits(self, context, temperature: float = 1.0) -> float:
        """Entropy of the next-token distribution in bits: how unsure the model is."""
        return entropy_bits(self.probabilities(context, temperature))


def detokenize(tokens: list[str]) -> str:
    """Join tokens with spaces, without a space before punctuation."""
    text = ""
    for token in tokens:
        if text and (token[0].isalnum()):
            text += " "
        text += token
    return text


def cross_entropy_bits(model: CountLanguageModel, text: str) -> tuple[float, float]:
    """Average bits per token the model needs for ``text``, and the out-of-vocabulary rate.

    Tokens the model never saw cannot be scored by a closed-vocabulary model; they are
    skipped and their share is returned so it can be reported, not hidden.
    Returns:
        (bits per in-vocabulary token, fraction of tokens out of vocabulary)
    """
    tokens = tokenize_words(text)
    width = model.order - 1
    total_bits, scored, unknown = 0.0, 0, 0
    for position in range(width, len(tokens)):
        target = tokens[position]
        if target not in model.index:
            unknown += 1
            continue
        p = model.probabilities(tokens[position - width:position])
        total_bits -= float(np.log2(p[model.index[target]]))
        scored += 1
    if scored == 0:
        raise InputError("none of the text's tokens are in the model's vocabulary")
    return total_bits / scored, unknown / max(1, scored + unknown)
