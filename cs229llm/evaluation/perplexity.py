"""Held-out loss and bits per byte, overall and per domain.

Stage "evaluation" of the lecture. Bits per byte = (sum of token losses in nats) /
(ln 2 x number of UTF-8 bytes): it does not depend on the tokenizer, so models with
different vocabularies compare fairly. One number over a mixed validation set hides domain
gaps (Paloma, Magnusson et al. 2023), so the per-domain variant is what the trainer logs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import torch
import torch.nn.functional as F

from ..errors import InputError


def _model_device(model) -> torch.device:
    try:
        return next(model.parameters()).device
    except StopIteration:
        return torch.device("cpu")


def token_stream(tokenizer, texts: Iterable[str]) -> tuple[list[int], int]:
    """Encode ``texts`` into one stream of ids (documents separated by the end-of-text id).

    Returns:
        ``(ids, n_bytes)``: the token ids and the number of UTF-8 bytes of the texts.
    """
    texts = [text for text in texts if text]
    if not texts:
        raise InputError("no (non-empty) texts to evaluate on")
    encoded = tokenizer.encode_batch(texts) if hasattr(tokenizer, "encode_batch") else \
        [tokenizer.encode(text) for text in texts]
    eot = getattr(tokenizer, "eot_id", None)
    ids: list[int] = []
    for document in encoded:
        if eot is not None:
            ids.append(int(eot))
        ids.extend(int(token) for token in document)
    return ids, utf8_bytes(texts)


def utf8_bytes(texts: Iterable[str]) -> int:
    """The number of UTF-8 bytes of ``texts`` together (what bits per byte divides by; not characters)."""
    return sum(len(text.encode("utf-8")) for text in texts)


def bits_per_byte_from_nats(total_nats: float, n_bytes: int) -> float:
    """Bits per byte from a summed loss: ``total_nats / (ln 2 x n_bytes)``.

    Args:
        total_nats: the sum of the token losses (natural log) over a text.
        n_bytes: that text's size in UTF-8 bytes (see :func:`utf8_bytes`).

    Raises:
        InputError: ``n_bytes`` is not positive.
    """
    if n_bytes <= 0:
        raise InputError(f"bits per byte needs a text of at least one byte, got {n_bytes} bytes")
    return total_nats / (math.log(2) * n_bytes)


@torch.no_grad()
def sum_token_losses(model, ids: list[int] | torch.Tensor, block_size: int | None = None,
                     batch_size: int = 8, autocast_dtype=None) -> tuple[float, int]:
    """Sum of next-token losses (nats) over a token stream, scored in non-overlapping windows.

    Every token after the first is predicted exactly once, with the preceding tokens of its
    window as context (windows of ``block_size + 1`` tokens, overlapping by one).

    Args:
        model: a GPT (``forward(idx[B, T]) -> (logits[B, T, V], _)``) with ``config.block_size``.
        ids: the stream, length S >= 2.
        block_size: window length T (default: the model's).
        batch_size: windows per forward pass.
        autocast_dtype: e.g. ``torch.bfloat16`` to score under autocast, or None.

    Returns:
        ``(total_nats, n_predicted_tokens)`` with ``n_predicted_tokens = S - 1``.
    """
    stream = torch.as_tensor(ids, dtype=torch.long)
    if stream.numel() < 2:
        raise InputError("need at least two tokens to score")
    length = block_size or model.config.block_size
    device = _model_device(model)
    was_training = model.training
    model.eval()
    starts = list(range(0, stream.numel() - 1, length))
    total, count = 0.0, 0
    try:
        for first in range(0, len(starts), batch_size):
            chunk = starts[first:first + batch_size]
            windows = [stream[s:s + length + 1] for s in chunk]
            width = max(w.numel() for w in windows) - 1
            inputs = torch.zeros(len(windows), width, dtype=torch.long)
            targets = torch.full((len(windows), width), -1, dtype=torch.long)
            for row, window in enumerate(windows):
                inputs[row, :window.numel() - 1] = window[:-1]
                targets[row, :window.numel() - 1] = window[1:]
            inputs, targets = inputs.to(device), targets.to(device)
            with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
                logits, _ = model(inputs)
            losses = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1),
                                     ignore_index=-1, reduction="sum")
            total += float(losses)
            count += int((targets != -1).sum())
    finally:
        model.train(was_training)
    return total, count


def bits_per_byte(model, tokenizer, texts: Iterable[str], block_size: int | None = None,
                  batch_size: int = 8, autocast_dtype=None) -> float:
    """Bits per UTF-8 byte of ``texts`` under ``model`` (lower is better).

    Args:
        model: a GPT; tokenizer: has ``encode``/``encode_batch`` (and optionally ``eot_id``).
        texts: the documents to score.

    Returns:
        ``sum of token losses (nats) / (ln 2 * bytes)``.
    """
    ids, n_bytes = token_stream(tokenizer, texts)
    nats, _ = sum_token_losses(model, ids, block_size, batch_size, autocast_dtype)
    return bits_per_byte_from_nats(nats, n_bytes)


def bits_per_byte_by_domain(model, tokenizer, texts_by_domain: Mapping[str, Iterable[str]],
                            block_size: int | None = None, batch_size: int = 8,
                            autocast_dtype=None) -> dict[str, float]:
    """Bits per byte for each domain: ``{"code": 2.1, "news": 1.7, ...}``.

    Args:
        texts_by_domain: domain -> its held-out texts (or a DataFrame with ``text`` and
            ``domain`` columns, grouped for you).
    """
    if hasattr(texts_by_domain, "groupby"):
        frame = texts_by_domain
        texts_by_domain = {domain: list(group["text"]) for domain, group in frame.groupby("domain")}
    return {domain: bits_per_byte(model, tokenizer, texts, block_size, batch_size, autocast_dtype)
            for domain, texts in texts_by_domain.items()}


def make_eval_fn(tokenizer, texts_by_domain: Mapping[str, Iterable[str]], max_bytes_per_domain: int | None = None,
                 batch_size: int = 8):
    """An ``eval_fn(model) -> {"bpb/<domain>": ..., "bpb/all": ...}`` for the trainer.

    Args:
        max_bytes_per_domain: keep each domain's texts up to about this many bytes (speed).
    """
    kept: dict[str, list[str]] = {}
    for domain, texts in (texts_by_domain.groupby("domain")["text"] if hasattr(texts_by_domain, "groupby")
                          else texts_by_domain.items()):
        chosen, used = [], 0
        for text in texts:
            if max_bytes_per_domain is not None and used >= max_bytes_per_domain:
                break
            chosen.append(text)
            used += len(text.encode("utf-8"))
        kept[domain] = chosen
    streams = {domain: token_stream(tokenizer, texts) for domain, texts in kept.items()}

    def eval_fn(model) -> dict[str, float]:
        metrics, all_nats, all_bytes = {}, 0.0, 0
        for domain, (ids, n_bytes) in streams.items():
            nats, _ = sum_token_losses(model, ids, batch_size=batch_size)
            metrics[f"bpb/{domain}"] = bits_per_byte_from_nats(nats, n_bytes)
            all_nats += nats
            all_bytes += n_bytes
        metrics["bpb/all"] = bits_per_byte_from_nats(all_nats, all_bytes)
        return metrics

    return eval_fn
