"""Sampling text from a trained model: temperature and top-k.

Stage "evaluation" of the lecture: reading samples is the oldest evaluation there is. The next
token is drawn from ``softmax(logits / temperature)`` restricted to the ``top_k`` most likely
tokens; temperature 0 means greedy decoding (always the most likely token). A seeded
``torch.Generator`` makes every sample reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ..errors import InputError


def check_sampling(temperature: float, top_k: int | None) -> None:
    """Raise :class:`InputError` for a negative temperature or a top-k below 1."""
    if temperature < 0:
        raise InputError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if top_k is not None and int(top_k) < 1:
        raise InputError(f"top_k must be >= 1 (or None for no limit), got {top_k}")


def next_token_distribution(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None) -> torch.Tensor:
    """Probabilities of the next token after temperature scaling and top-k truncation.

    Args:
        logits: ``[..., V]`` scores of the next token.
        temperature: divides the logits; below 1 sharpens, above 1 flattens; 0 puts all mass
            on the argmax.
        top_k: keep only the ``top_k`` largest logits (None: keep all).

    Returns:
        ``[..., V]`` probabilities summing to 1 on the last dimension.
    """
    check_sampling(temperature, top_k)
    logits = logits.float()
    if temperature == 0:
        return F.one_hot(logits.argmax(dim=-1), logits.size(-1)).float()
    scaled = logits / temperature
    if top_k is not None and top_k < scaled.size(-1):
        threshold = torch.topk(scaled, int(top_k), dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < threshold, float("-inf"))
    return F.softmax(scaled, dim=-1)


@torch.no_grad()
def generate_ids(model, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, seed: int | None = 0, stop_ids: Sequence[int] = ()) -> torch.Tensor:
    """Append up to ``max_new_tokens`` sampled tokens to each row of ``idx[B, T]``.

    The context is cropped to the model's block size from the left. A row stops growing once it
    samples an id in ``stop_ids`` (the output is padded with that id so rows stay aligned).

    Returns:
        ``[B, T + n]`` ids, ``n <= max_new_tokens``.
    """
    check_sampling(temperature, top_k)
    if max_new_tokens < 0:
        raise InputError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    device = next(model.parameters()).device
    generator = torch.Generator(device="cpu")
    if seed is not None:
        generator.manual_seed(int(seed))
    block = model.config.block_size
    out = idx.to(device)
    finished = torch.zeros(out.size(0), dtype=torch.bool)
    stops = torch.tensor(list(stop_ids), dtype=torch.long)
    was_training = model.training
    model.eval()
    try:
        for _ in range(max_new_tokens):
            logits, _ = model(out[:, -block:])
            probs = next_token_distribution(logits[:, -1, :].cpu(), temperature, top_k)
            token = torch.multinomial(probs, 1, generator=generator)[:, 0]  # [B]
            if len(stops):
                token = torch.where(finished, stops[0], token)
                finished |= torch.isin(token, stops)
            out = torch.cat([out, token[:, None].to(device)], dim=1)
            if len(stops) and bool(finished.all()):
                break
    finally:
        model.train(was_training)
    return out


def generate(model, tokenizer, prompt: str, max_new_tokens: int = 64, temperature: float = 0.8,
             top_k: int | None = 40, seed: int | None = 0, stop_at_end_of_text: bool = True) -> str:
    """Continue ``prompt`` with sampled text (the continuation only, not the prompt).

    Args:
        model: ``forward(idx[B, T]) -> (logits[B, T, V], _)`` with ``config.block_size``.
        tokenizer: ``encode``/``decode`` and ``eot_id`` (generation stops there when asked).
        temperature, top_k: see :func:`next_token_distribution`.
        seed: the sampler's seed (the same seed gives the same text).
    """
    eot = getattr(tokenizer, "eot_id", None)
    ids = ([int(eot)] if eot is not None else []) + list(tokenizer.encode(prompt))
    if not ids:
        raise InputError("the prompt is empty and the tokenizer has no end-of-text id to start from")
    stop_ids = [int(eot)] if (stop_at_end_of_text and eot is not None) else []
    out = generate_ids(model, torch.tensor([ids]), max_new_tokens, temperature, top_k, seed, stop_ids)
    new_ids = out[0, len(ids):].tolist()
    if stop_ids and stop_ids[0] in new_ids:
        new_ids = new_ids[:new_ids.index(stop_ids[0])]
    return tokenizer.decode(new_ids)


def samples_table(model, tokenizer, prompts: Sequence[str], settings: Sequence[tuple[float, int | None]],
                  max_new_tokens: int = 48, seed: int = 0) -> list[dict]:
    """Generate for every prompt and every ``(temperature, top_k)`` setting; one dict per sample."""
    return [{"prompt": prompt, "temperature": temperature, "top_k": top_k,
             "text": generate(model, tokenizer, prompt, max_new_tokens, temperature, top_k, seed)}
            for prompt in prompts for temperature, top_k in settings]
