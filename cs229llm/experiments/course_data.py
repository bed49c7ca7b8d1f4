"""The pretraining data the course trains on: a mixture sampler and a per-domain held-out evaluator.

Stage "pretraining" of the lecture: joins the tokenization stage (BPE tokenizer and
``MixtureSampler`` shards built by ``prepare_token_data``) to the trainer. A byte-level path
(no tokenizer, vocabulary 257) is kept beside it for the quickest runs and for tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..config import by_profile, get_profile
from ..data.samples import domain_corpus
from ..errors import InputError
from ..evaluation.perplexity import make_eval_fn
from ..paths import runs_dir
from ..tokenization.shards import MANIFEST_FILENAME, MixtureSampler, read_manifest, write_shards
from ..tokenization.train import load_tokenizer, train_tokenizer
from ..training.byte_data import ByteTokenizer, StreamSampler, encode_domains

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
    if source not in SOURCES:
        raise InputError(f"unknown data source {source!r}: choose one of {', '.join(SOURCES)}")
    heldout = domain_corpus("heldout")
    if source == "bytes":
        tokenizer = ByteTokenizer()
        train_texts = {str(d): list(g["text"]) for d, g in domain_corpus("train").groupby("domain")}
        streams = encode_domains(tokenizer, train_texts)
        domains = sorted(streams)
        sampler = StreamSampler(streams, weights or {d: 1.0 for d in domains}, batch_size, seq_len, seed)
        token_dir = None
    else:
        token_dir = prepare_token_data()
        if private_copy is not None:
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


def default_token_dir(vocab_size: int | None = None) -> Path:
    """Where :func:`prepare_token_data` keeps the course tokenizer and shards for this profile."""
    vocab_size = vocab_size or default_vocab_size()
    return runs_dir() / "tokens" / f"{get_profile().name}-v{vocab_size}"


def default_vocab_size() -> int:
    """The course vocabulary size for the active profile (ci 512, laptop 2048, gpu 8192)."""
    return by_profile(ci=512, laptop=2048, gpu=8192)


def prepare_token_data(vocab_size: int | None = None, out_dir: str | Path | None = None,
                       rebuild: bool = False) -> Path:
    """Train the course tokenizer on ``domain_corpus("train")`` and write train and heldout shards.

    Reuses what is already on disk unless ``rebuild`` or the corpus changed (``source.json`` keeps its
    fingerprint). Layout: ``out_dir/tokenizer.json``,
    ``out_dir/train/`` and ``out_dir/heldout/`` (each a shards folder for :class:`MixtureSampler`).

    Args:
        vocab_size: vocabulary size (default :func:`default_vocab_size`).
        out_dir: folder (default :func:`default_token_dir`).
        rebuild: retrain and rewrite even when the files exist.

    Returns:
        ``out_dir``.
    """
    vocab_size = vocab_size or default_vocab_size()
    out_dir = Path(out_dir) if out_dir is not None else default_token_dir(vocab_size)
    train_docs, heldout_docs = domain_corpus("train"), domain_corpus("heldout")
    source = {"vocab_size": int(vocab_size), "corpus_fingerprint": corpus_fingerprint(train_docs, heldout_docs)}
    source_path = out_dir / "source.json"
    done = all((out_dir / split / MANIFEST_FILENAME).is_file() for split in ("train", "heldout"))
    if (done and (out_dir / "tokenizer.json").is_file() and not rebuild and source_path.is_file()
            and json.loads(source_path.read_text()) == source):
        return out_dir
    # build in a private folder, then swap it in: a reader never sees half-written shards

    building = out_dir.with_name(f"{out_dir.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    tokenizer = train_tokenizer(train_docs["text"].tolist(), vocab_size=vocab_size)
    tokenizer.save(building / "tokenizer.json")
    write_shards(train_docs, tokenizer, building / "train")
    write_shards(heldout_docs, load_tokenizer(building), building / "heldout")
    (building / "source.json").write_text(json.dumps(source))
    shutil.rmtree(out_dir, ignore_errors=True)
    try:
        os.replace(building, out_dir)
    except OSError:  # another process swapped its (identical) build in first
        shutil.rmtree(building, ignore_errors=True)
    return out_dir


def corpus_fingerprint(*frames) -> str:
    """A short hash of documents tables (ids, domains, texts): cached token data is rebuilt when it changes."""
    digest = hashlib.sha256()
    for frame in frames:
        for doc_id, domain, text in zip(frame["id"], frame["domain"], frame["text"]):
            digest.update(f"{doc_id}\x1f{domain}\x1f".encode("utf-8"))
            digest.update(str(text).encode("utf-8"))
            digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def byte_level_domain_data(split: str = "train", max_docs_per_domain: int | None = None) -> dict[str, list[str]]:
    """Texts by domain from ``cs229llm.data.samples.domain_corpus(split)`` (the shipped crawl)."""
    frame = domain_corpus(split=split)
    texts = {}
    for domain, group in frame.groupby("domain"):
        documents = list(group["text"])
        texts[str(domain)] = documents[:max_docs_per_domain] if max_docs_per_domain else documents
    return texts
