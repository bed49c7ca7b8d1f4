"""Multiple-choice evaluation by log-likelihood: acc, acc_norm and accuracy centered on chance.

Stage "evaluation" of the lecture. Each choice is scored by the sum of the log-probabilities
the model gives its tokens after the context; the highest wins (``acc``). Longer answers have
more tokens to pay for, so ``acc_norm`` divides by the answer's length in UTF-8 bytes. Centered
accuracy ``(acc - random) / (1 - random)`` puts tasks with 2 or 5 choices on one scale (DCLM's
CORE). Tiny models need the *cloze* format (score the answer text itself); the lettered format
("A. ... B. ... Answer: B") only works once a model has learned to follow it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F

from ..errors import InputError

FORMATS = ("cloze", "letters")
LETTERS = "ABCDEFGHIJ"


@dataclass
class MultipleChoiceItem:
    """One question: a context, its candidate continuations and the index of the right one.

    Attributes:
        context: the text before the answer (a sentence prefix in the cloze format).
        choices: candidate continuations; each should start with the space that separates it
            from the context (``" the cat sat"``).
        answer: index of the correct choice.
        id: a stable identifier (for contamination reports and few-shot exclusion).
        domain: where the item's text came from (``"news"``, ...), for per-domain tables.
    """

    context: str
    choices: list[str]
    answer: int
    id: str = ""
    domain: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.choices) < 2:
            raise InputError(f"item {self.id!r}: a multiple-choice item needs at least 2 choices")
        if not 0 <= int(self.answer) < len(self.choices):
            raise InputError(f"item {self.id!r}: answer index {self.answer} is outside 0..{len(self.choices) - 1}")
        if any(not choice for choice in self.choices):
            raise InputError(f"item {self.id!r}: empty choice text")


# ---------------------------------------------------------------- log-likelihood of continuations


def _model_device(model) -> torch.device:
    try:
        return next(model.parameters()).device
    except StopIteration:
        return torch.device("cpu")


def _bos_id(tokenizer) -> int:
    eot = getattr(tokenizer, "eot_id", None)
    return 0 if eot is None else int(eot)


@torch.no_grad()
def continuation_logprobs(model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 16,
                          block_size: int | None = None) -> list[tuple[float, bool, int]]:
    """Log-probability (nats) of each continuation given its context, and whether it is greedy.

    The sequence fed to the model is ``[end-of-text] + tokens(context) + tokens(continuation)``
    (the end-of-text id serves as beginning-of-sequence, so an empty context works), cut from the
    left to the model's block size when too long. Context and continuation are tokenized
    separately, so the continuation's tokens are the same in every context.

    Args:
        model: ``forward(idx[B, T]) -> (logits[B, T, V], loss)``, with ``config.block_size``.
        tokenizer: has ``encode(str) -> list[int]`` and ``eot_id``.
        pairs: ``(context, continuation)`` strings; the continuation must not be empty.
        batch_size: sequences per forward pass (right-padded; a causal model ignores the padding).
        block_size: longest window T (default: ``model.config.block_size``).

    Returns:
        One ``(sum_logprob, is_greedy, n_continuation_tokens)`` per pair, in order.
    """
    length = block_size or model.config.block_size
    bos = _bos_id(tokenizer)
    device = _model_device(model)
    sequences: list[tuple[list[int], int]] = []  # (window of ids, number of continuation tokens)
    for context, continuation in pairs:
        continuation_ids = list(tokenizer.encode(continuation))
        if not continuation_ids:
            raise InputError(f"empty continuation after tokenization (context {context[:40]!r})")
        if len(continuation_ids) > length:
            raise InputError(f"a continuation of {len(continuation_ids)} tokens does not fit the "
                             f"model's block size {length}")
        ids = [bos] + list(tokenizer.encode(context)) + continuation_ids
        sequences.append((ids[-(length + 1):], len(continuation_ids)))

    results: list[tuple[float, bool, int]] = []
    was_training = model.training
    model.eval()
    try:
        for first in range(0, len(sequences), batch_size):
            chunk = sequences[first:first + batch_size]
            width = max(len(ids) for ids, _ in chunk) - 1
            inputs = torch.zeros(len(chunk), width, dtype=torch.long)
            for row, (ids, _) in enumerate(chunk):
                inputs[row, :len(ids) - 1] = torch.tensor(ids[:-1])
            logits, _ = model(inputs.to(device))
            log_probs = F.log_softmax(logits.float(), dim=-1).cpu()  # [B, T, V]
            for row, (ids, n_continuation) in enumerate(chunk):
                end = len(ids) - 1  # positions 0..end-1 predict ids[1..end]
                positions = torch.arange(end - n_continuation, end)
                targets = torch.tensor(ids[-n_continuation:])
                row_log_probs = log_probs[row, positions]  # [n, V]
                total = float(row_log_probs.gather(1, targets[:, None]).sum())
                greedy = bool((row_log_probs.argmax(dim=-1) == targets).all())
                results.append((total, greedy, n_continuation))
    finally:
        model.train(was_training)
    return results


# ---------------------------------------------------------------- prompts


def format_question(item: MultipleChoiceItem, style: str = "cloze") -> tuple[str, list[str]]:
    """The prompt text and the continuations to score for ``item`` in ``style``.

    ``"cloze"``: the context, continued by each choice's own text. ``"letters"``: the choices are
    listed as ``A. ...`` lines after the context, then ``Answer:``, and the continuations are
    ``" A"``, ``" B"``, ... (only a model that has learned this format can do better than chance).
    """
    if style == "cloze":
        return item.context, list(item.choices)
    if style == "letters":
        if len(item.choices) > len(LETTERS):
            raise InputError(f"the lettered format supports at most {len(LETTERS)} choices")
        lines = [item.context.rstrip()] + [f"{LETTERS[i]}. {c.strip()}" for i, c in enumerate(item.choices)]
        return "\n".join(lines) + "\nAnswer:", [f" {LETTERS[i]}" for i in range(len(item.choices))]
    raise InputError(f"unknown prompt style {style!r}: choose one of {', '.join(FORMATS)}")


def solved_example(item: MultipleChoiceItem, style: str = "cloze") -> str:
    """``item`` written out with its correct answer, as one few-shot demonstration."""
    prompt, continuations = format_question(item, style)
    return prompt + continuations[item.answer]


def few_shot_examples(pool: Sequence[MultipleChoiceItem], k: int, seed: int = 0) -> list[MultipleChoiceItem]:
    """A fixed, seeded choice of ``k`` demonstrations from ``pool`` (the same for every question).

    Fixed prompts make scores comparable between checkpoints and runs: only the model changes.
    """
    if k < 0:
        raise InputError(f"few-shot k must be >= 0, got {k}")
    if k > len(pool):
        raise InputError(f"asked for {k} few-shot examples but the pool has only {len(pool)} items")
    order = list(range(len(pool)))
    random.Random(seed).shuffle(order)
    return [pool[i] for i in sorted(order[:k])]


def build_prompt(item: MultipleChoiceItem, shots: Sequence[MultipleChoiceItem] = (), style: str = "cloze",
                 separator: str = "\n\n") -> tuple[str, list[str]]:
    """Few-shot prompt (demonstrations, then the question) and the continuations to score."""
    prompt, continuations = format_question(item, style)
    demonstrations = [solved_example(shot, style) for shot in shots if shot.id != item.id or not item.id]
    if demonstrations:
        prompt = separator.join(demonstrations) + separator + prompt
    return prompt, continuations


# ---------------------------------------------------------------- scoring and metrics


def predict_choice(logprobs: Sequence[float], continuations: Sequence[str], per_byte: bool = False) -> int:
    """The index of the choice the model picks: the highest log-probability, or the highest per UTF-8 byte.

    Args:
        logprobs: the summed log-probability (nats) of each continuation.
        continuations: the scored texts, in the same order (their byte lengths normalise for ``acc_norm``).
        per_byte: divide each log-probability by its continuation's length in UTF-8 bytes (at least 1) first.

    Returns:
        the index of the best choice; on a tie, the first of the tied choices.
    """
    if len(logprobs) != len(continuations) or not logprobs:
        raise InputError(f"need one log-probability per continuation, got {len(logprobs)} for {len(continuations)}")
    scores = [lp / max(1, len(c.encode("utf-8"))) for lp, c in zip(logprobs, continuations)] if per_byte \
        else list(logprobs)
    return max(range(len(scores)), key=lambda i: scores[i])


def score_items(model, tokenizer, items: Sequence[MultipleChoiceItem], shots: Sequence[MultipleChoiceItem] = (),
                style: str = "cloze", batch_size: int = 16) -> pd.DataFrame:
    """Score every choice of every item by log-likelihood; one row per item.

    Args:
        model, tokenizer: as for :func:`continuation_logprobs`.
        items: the questions.
        shots: few-shot demonstrations put before each question (see :func:`few_shot_examples`).
        style: ``"cloze"`` or ``"letters"`` (see :func:`format_question`).

    Returns:
        DataFrame with ``id``, ``domain``, ``n_choices``, ``answer``, ``logprobs`` (per choice),
        ``pred`` (argmax of the sum), ``pred_norm`` (argmax of the sum per answer byte),
        ``correct`` and ``correct_norm`` (booleans).
    """
    if not items:
        raise InputError("no multiple-choice items to score")
    pairs, spans = [], []
    for item in items:
        prompt, continuations = build_prompt(item, shots, style)
        spans.append((len(pairs), len(continuations)))
        pairs.extend((prompt, continuation) for continuation in continuations)
    scored = continuation_logprobs(model, tokenizer, pairs, batch_size=batch_size)
    rows = []
    for item, (start, count) in zip(items, spans):
        logprobs = [scored[start + i][0] for i in range(count)]
        _, continuations = format_question(item, style)
        pred = predict_choice(logprobs, continuations, per_byte=False)
        pred_norm = predict_choice(logprobs, continuations, per_byte=True)
        rows.append({"id": item.id, "domain": item.domain, "n_choices": count, "answer": item.answer,
                     "logprobs": logprobs, "pred": pred, "pred_norm": pred_norm,
                     "correct": pred == item.answer, "correct_norm": pred_norm == item.answer})
    return pd.DataFrame(rows)


def centered_accuracy(accuracy: float, random_baseline: float) -> float:
    """``(accuracy - random) / (1 - random)``: 0 at chance, 1 when perfect, negative below chance."""
    if not 0 <= random_baseline < 1:
        raise InputError(f"random baseline must be in [0, 1), got {random_baseline}")
    return (accuracy - random_baseline) / (1.0 - random_baseline)


def summarize(scores: pd.DataFrame) -> dict[str, float]:
    """``acc``, ``acc_norm``, the random baseline and both centered accuracies of scored items.

    The random baseline is the mean of ``1 / n_choices`` (the accuracy of guessing).
    """
    if scores.empty:
        raise InputError("no scored items to summarize")
    random_baseline = float((1.0 / scores["n_choices"]).mean())
    acc, acc_norm = float(scores["correct"].mean()), float(scores["correct_norm"].mean())
    return {"n_items": int(len(scores)), "acc": acc, "acc_norm": acc_norm, "random": random_baseline,
            "centered_acc": centered_accuracy(acc, random_baseline),
            "centered_acc_norm": centered_accuracy(acc_norm, random_baseline)}


def summarize_by_domain(scores: pd.DataFrame) -> pd.DataFrame:
    """:func:`summarize` per domain, plus an ``all`` row; one row per domain."""
    rows = [{"domain": domain, **summarize(group)} for domain, group in scores.groupby("domain", sort=True)]
    rows.append({"domain": "all", **summarize(scores)})
    return pd.DataFrame(rows)


def evaluate_multiple_choice(model, tokenizer, items: Sequence[MultipleChoiceItem],
                             pool: Sequence[MultipleChoiceItem] = (), k_shot: int = 0, seed: int = 0,
                             style: str = "cloze", batch_size: int = 16) -> tuple[dict, pd.DataFrame]:
    """Score ``items`` with ``k_shot`` fixed seeded demonstrations from ``pool``.

    Returns:
        ``(summary, per_item_scores)``: see :func:`summarize` and :func:`score_items`.
    """
    shots = few_shot_examples(pool, k_shot, seed) if k_shot else []
    scores = score_items(model, tokenizer, items, shots, style, batch_size)
    return summarize(scores), scores
