"""Why we report bits per byte: perplexity per token depends on the tokenizer, bits per byte does not.

Stage "evaluation" of the lecture. A token's loss is averaged over however many tokens the
tokenizer cut the text into: a bigger vocabulary makes fewer, harder tokens, so perplexity per
token rises even when the model predicts the *text* equally well. Dividing the total loss by
the text's bytes instead gives one number that any two tokenizers share:
``bpb = (nats per token) / (ln 2 x bytes per token)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

from .perplexity import bits_per_byte_from_nats, sum_token_losses, token_stream


def token_and_byte_metrics(model, tokenizer, texts: Iterable[str], batch_size: int = 8) -> dict[str, float]:
    """Loss per token, perplexity per token, bytes per token and bits per byte of ``texts``.

    Returns:
        dict with ``tokens``, ``bytes``, ``nats_per_token``, ``perplexity`` (``exp`` of nats per
        token), ``bytes_per_token``, ``bits_per_byte`` and ``byte_perplexity`` (``2 ** bpb``).
    """
    ids, n_bytes = token_stream(tokenizer, texts)
    nats, count = sum_token_losses(model, ids, batch_size=batch_size)
    bpb = bits_per_byte_from_nats(nats, n_bytes)
    return {"tokens": count, "bytes": n_bytes, "nats_per_token": nats / count,
            "perplexity": math.exp(nats / count), "bytes_per_token": n_bytes / count,
            "bits_per_byte": bpb, "byte_perplexity": 2.0 ** bpb}


def per_domain_table(model, tokenizer, texts_by_domain: Mapping[str, Iterable[str]] | pd.DataFrame,
                     batch_size: int = 8) -> pd.DataFrame:
    """:func:`token_and_byte_metrics` per domain; one row per domain, sorted by bits per byte."""
    if hasattr(texts_by_domain, "groupby"):
        texts_by_domain = {d: list(g["text"]) for d, g in texts_by_domain.groupby("domain")}
    rows = [{"domain": domain, **token_and_byte_metrics(model, tokenizer, texts, batch_size)}
            for domain, texts in texts_by_domain.items()]
    return pd.DataFrame(rows).sort_values("bits_per_byte").reset_index(drop=True)


def compare_tokenizers(models_and_tokenizers: Mapping[str, tuple], texts: Iterable[str]) -> pd.DataFrame:
    """The same texts under several (model, tokenizer) pairs: perplexity per token vs bits per byte.

    Args:
        models_and_tokenizers: label -> ``(model, tokenizer)``.
        texts: the held-out texts every pair is scored on.

    Returns:
        one row per label with the columns of :func:`token_and_byte_metrics` plus ``vocab_size``.
    """
    texts = list(texts)
    rows = []
    for label, (model, tokenizer) in models_and_tokenizers.items():
        rows.append({"model": label, "vocab_size": int(getattr(tokenizer, "vocab_size", 0)),
                     **token_and_byte_metrics(model, tokenizer, texts)})
    return pd.DataFrame(rows)
