"""Cloze multiple-choice tasks built from held-out texts, one task per domain.

Stage "evaluation" of the lecture. Public benchmarks are far beyond a 100k-parameter model, so
we make questions it can answer: cut a held-out document at a word boundary, keep the text
before the cut as the context, and ask which of several continuations really follows. The
distractors are word spans of the same length from other documents of the same domain
(``"same_domain"``, harder: topic does not give the answer away) or of any domain (``"any"``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import pandas as pd

from ..errors import InputError
from .multiple_choice import MultipleChoiceItem

_SPACE = re.compile(r"\s+")


def _words(text: str) -> list[str]:
    return [w for w in _SPACE.split(text.strip()) if w]


def cloze_items(documents: pd.DataFrame, n_per_domain: int = 20, n_choices: int = 4, context_words: int = 24,
                answer_words: int = 6, distractors: str = "same_domain", seed: int = 0) -> list[MultipleChoiceItem]:
    """Build seeded cloze questions from held-out documents (``text`` and ``domain`` columns).

    For each question, a document with at least ``context_words + answer_words`` words is cut at
    a random word position: the preceding ``context_words`` words are the context, the next
    ``answer_words`` words the answer (with a leading space). The ``n_choices - 1`` distractors
    are spans of ``answer_words`` words taken at random from other documents.

    Args:
        documents: DataFrame with ``text`` and ``domain`` (and optionally ``id``) columns.
        n_per_domain: questions per domain (fewer when a domain has too few long documents:
            each document gives at most one question).
        distractors: ``"same_domain"`` or ``"any"`` (where distractors come from).
        seed: the same seed gives the same questions.

    Returns:
        Items with ids ``"<domain>-<k>"``, ordered by domain.
    """
    for column in ("text", "domain"):
        if column not in documents.columns:
            raise InputError(f"the documents need a {column!r} column to build cloze items")
    if n_choices < 2:
        raise InputError(f"n_choices must be >= 2, got {n_choices}")
    if distractors not in ("same_domain", "any"):
        raise InputError(f"distractors must be 'same_domain' or 'any', got {distractors!r}")
    need = context_words + answer_words
    rng = random.Random(seed)
    words_of = [(_words(text), str(domain), str(doc_id)) for text, domain, doc_id in
                zip(documents["text"], documents["domain"],
                    documents["id"] if "id" in documents.columns else range(len(documents)))]
    spans_by_domain: dict[str, list[int]] = {}
    for position, (words, domain, _) in enumerate(words_of):
        if len(words) >= answer_words:
            spans_by_domain.setdefault(domain, []).append(position)
    everything = [p for positions in spans_by_domain.values() for p in positions]

    items: list[MultipleChoiceItem] = []
    for domain in sorted(spans_by_domain):
        candidates = [p for p in spans_by_domain[domain] if len(words_of[p][0]) >= need]
        rng.shuffle(candidates)
        for k, position in enumerate(candidates[:n_per_domain]):
            words = words_of[position][0]
            cut = rng.randint(context_words, len(words) - answer_words)
            context = " ".join(words[cut - context_words:cut])
            answer = " " + " ".join(words[cut:cut + answer_words])
            pool = [p for p in (spans_by_domain[domain] if distractors == "same_domain" else everything)
                    if p != position]
            choices = [answer]
            attempts = 0
            while len(choices) < n_choices and pool and attempts < 50 * n_choices:
                attempts += 1
                other = words_of[rng.choice(pool)][0]
                start = rng.randint(0, len(other) - answer_words)
                span = " " + " ".join(other[start:start + answer_words])
                if span not in choices:
                    choices.append(span)
            if len(choices) < n_choices:
                continue  # not enough distinct distractors in this domain
            rng.shuffle(choices)
            items.append(MultipleChoiceItem(context=context, choices=choices, answer=choices.index(answer),
                                            id=f"{domain}-{k}", domain=domain,
                                            meta={"document": words_of[position][2]}))
    if not items:
        raise InputError(f"no document is long enough for a cloze item ({need} words needed)")
    return items


def split_items(items: Sequence[MultipleChoiceItem], n_pool: int, seed: int = 0
                ) -> tuple[list[MultipleChoiceItem], list[MultipleChoiceItem]]:
    """Split items into a few-shot pool of ``n_pool`` and the questions to score (seeded)."""
    if not 0 <= n_pool < len(items):
        raise InputError(f"pool size {n_pool} must be between 0 and {len(items) - 1}")
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    pool = set(order[:n_pool])
    return ([item for i, item in enumerate(items) if i in pool],
            [item for i, item in enumerate(items) if i not in pool])


def items_frame(items: Sequence[MultipleChoiceItem]) -> pd.DataFrame:
    """The items as a table (for display): id, domain, context, choices, answer."""
    return pd.DataFrame([{"id": i.id, "domain": i.domain, "context": i.context, "choices": i.choices,
                          "answer": i.answer} for i in items])
