"""The pretraining data the course trains on: a mixture sampler and a per-domain held-out evaluator.

Stage "pretraining" of the lecture: joins the tokenization stage (BPE tokenizer and
``MixtureSampler`` shards built by ``prepare_token_data``) to the trainer. A byte-level path
(no tokenizer, vocabulary 257) is kept beside it for the quickest runs and for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError

SOURCES = ("bpe", "bytes")


@dataclass
class CourseData:
    """What a training run needs from the data side.

    Attributes:
        sampler: has ``next_batch``, ``state_dict``, ``load_state_dict``, ``set_mixture``.
        eval_fn: ``eval_fn(model) -> {"bpb/<domain>": ..., "bpb/all": ...}`` on held-out texts.
        tokenizer: ``encode``/``decode``/``vocab_size``/``eot_id``.
        vocab_size: the model's V.
        domains: the domains the sampler can draw from.
        source: ``"bpe"`` (course tokenizer + shards) or ``"bytes"``.
        token_dir: where the tokenizer and shards live (None for bytes).
    """

    sampler: Any
    eval_fn: Callable
    tokenizer: Any
    vocab_size: int
    domains: list[str]
    source: str
    token_dir: Path | None = None


def course_data(batch_size: int, seq_len: int, weights: dict[str, float] | None = None, seed: int = 0,
                source: str = "bpe", eval_bytes_per_domain: int | None = None,
                private_copy: str | Path | None = None) -> CourseData:
    """Build the sampler and evaluator over the shipped crawl's domain corpus.

    Args:
        batch_size, seq_len: the batch shape ``[B, T]``.
        weights: domain -> mixture weight (default: every domain equally).
        seed: the sampler's seed (under DDP pass ``seed + rank``).
        source: ``"bpe"`` trains/loads the course tokenizer and shards (cached on disk);
            ``"bytes"`` uses UTF-8 bytes directly.
        eval_bytes_per_domain: cap the held-out text per domain (speed).
        private_copy: copy the tokenizer and shards into this folder (once) and train from the
            copy, so another process rebuilding the shared token data cannot change a run's data.
    """
    from ..data.samples import domain_corpus
    from ..evaluation.perplexity import make_eval_fn

    if source not in SOURCES:
        raise InputError(f"unknown data source {source!r}: choose one of {', '.join(SOURCES)}")
    heldout = domain_corpus("heldout")
    if source == "bytes":
        from .byte_data import ByteTokenizer, StreamSampler, encode_domains

        tokenizer = ByteTokenizer()
        train_texts = {str(d): list(g["text"]) for d, g in domain_corpus("train").groupby("domain")}
        streams = encode_domains(tokenizer, train_texts)
        domains = sorted(streams)
        sampler = StreamSampler(streams, weights or {d: 1.0 for d in domains}, batch_size, seq_len, seed)
        token_dir = None
    else:
        from ..tokenization.shards import MixtureSampler, prepare_token_data, read_manifest
        from ..tokenization.train import load_tokenizer

        token_dir = prepare_token_data()
        if private_copy is not None:
            import shutil

            copy = Path(private_copy)
            if not (copy / "train").is_dir():
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(token_dir, copy)
            token_dir = copy
        tokenizer = load_tokenizer(token_dir)
        domains = sorted(read_manifest(token_dir / "train")["domains"])
        sampler = MixtureSampler(token_dir / "train", weights or {d: 1.0 for d in domains}, batch_size, seq_len, seed)
    eval_fn = make_eval_fn(tokenizer, heldout, max_bytes_per_domain=eval_bytes_per_domain)
    return CourseData(sampler, eval_fn, tokenizer, int(tokenizer.vocab_size), domains, source, token_dir)


def parse_mixture(text: str) -> dict[str, float]:
    """``"code=2,books=1"`` -> ``{"code": 2.0, "books": 1.0}`` (a clear error for anything else)."""
    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"mixture entry {part!r} is not domain=weight") from None
        if not sep:
            raise InputError(f"mixture entry {part!r} is not domain=weight")
    if not weights:
        raise InputError("empty mixture: write it as domain=weight,domain=weight")
    return weights
