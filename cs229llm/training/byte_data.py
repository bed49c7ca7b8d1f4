"""Byte-level tokens and a small in-memory mixture sampler: training data with no tokenizer to train.

Stage "pretraining" of the lecture, minimal data path. A :class:`ByteTokenizer` maps text to
its UTF-8 bytes (ids 0-255, end-of-text 256), so bits per byte is simply loss / ln 2 per
token. :class:`StreamSampler` draws windows from per-domain token streams in mixture
proportions and implements the trainer's sampler protocol (``next_batch``, ``state_dict``,
``load_state_dict``, ``set_mixture``); its whole state is JSON, so resumes are exact.
The shard-backed ``cs229llm.tokenization.shards.MixtureSampler`` is the full-size path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import torch

from ..errors import InputError


class ByteTokenizer:
    """Text <-> UTF-8 bytes. ``vocab_size`` 257: bytes 0-255 and ``eot_id`` 256."""

    vocab_size = 257
    eot_id = 256

    def encode(self, text: str) -> list[int]:
        """The UTF-8 bytes of ``text`` as ids."""
        return list(text.encode("utf-8"))

    def encode_batch(self, texts: Iterable[str]) -> list[list[int]]:
        """:meth:`encode` for each text."""
        return [self.encode(text) for text in texts]

    def decode(self, ids: Iterable[int]) -> str:
        """Bytes back to text (the end-of-text id becomes a newline; broken UTF-8 is replaced)."""
        return bytes(10 if i == self.eot_id else int(i) for i in ids).decode("utf-8", errors="replace")


def encode_domains(tokenizer, texts_by_domain: Mapping[str, Iterable[str]]) -> dict[str, np.ndarray]:
    """One token stream per domain: documents joined with the end-of-text id (``uint16`` arrays)."""
    streams = {}
    for domain, texts in texts_by_domain.items():
        ids: list[int] = []
        for document in tokenizer.encode_batch([t for t in texts if t]):
            ids.append(tokenizer.eot_id)
            ids.extend(document)
        streams[domain] = np.asarray(ids, dtype=np.uint16 if tokenizer.vocab_size <= 65536 else np.uint32)
    return streams


class StreamSampler:
    """Random windows from per-domain token streams, domains drawn by mixture weight.

    Args:
        streams: domain -> 1-D integer array of token ids (each at least ``seq_len + 1`` long).
        weights: domain -> nonnegative weight (normalised; domains left out get 0).
        batch_size, seq_len: the batch shape ``[B, T]``.
        seed: the random generator's seed (a run is reproducible from it).
    """

    def __init__(self, streams: Mapping[str, np.ndarray], weights: Mapping[str, float], batch_size: int,
                 seq_len: int, seed: int = 0):
        if batch_size < 1 or seq_len < 1:
            raise InputError(f"batch_size and seq_len must be >= 1, got {batch_size} and {seq_len}")
        self.streams = {domain: np.asarray(stream) for domain, stream in streams.items()}
        # a window reads seq_len + 1 tokens, so a stream of exactly seq_len + 1 tokens has one window
        too_short = [d for d, s in self.streams.items() if s.size < seq_len + 1]
        if too_short:
            raise InputError(f"streams shorter than seq_len + 1 = {seq_len + 1}: {', '.join(too_short)} "
                             f"(lower seq_len or give them more text)")
        self.batch_size, self.seq_len, self.seed = batch_size, seq_len, seed
        self.domains = sorted(self.streams)
        self.rng = np.random.default_rng(seed)
        self.batches_drawn = 0
        self.set_mixture(weights)

    def set_mixture(self, weights: Mapping[str, float]) -> None:
        """Switch the sampling proportions (e.g. for annealing); the random stream continues."""
        unknown = sorted(set(weights) - set(self.domains))
        if unknown:
            raise InputError(f"mixture names domains with no stream: {', '.join(unknown)}")
        values = np.array([max(0.0, float(weights.get(d, 0.0))) for d in self.domains])
        if values.sum() <= 0:
            raise InputError("mixture weights are all zero: give at least one domain a positive weight")
        self.weights = {d: float(v / values.sum()) for d, v in zip(self.domains, values)}

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x[B, T], y[B, T])`` LongTensors; y is x shifted by one token."""
        probabilities = np.array([self.weights[d] for d in self.domains])
        chosen = self.rng.choice(len(self.domains), size=self.batch_size, p=probabilities)
        rows = []
        for index in chosen:
            stream = self.streams[self.domains[index]]
            # valid starts are 0 .. size - (seq_len + 1) inclusive; ``integers`` excludes its high end
            start = int(self.rng.integers(0, stream.size - self.seq_len))
            rows.append(stream[start:start + self.seq_len + 1].astype(np.int64))
        block = torch.from_numpy(np.stack(rows))
        self.batches_drawn += 1
        return block[:, :-1].contiguous(), block[:, 1:].contiguous()

    def state_dict(self) -> dict:
        """The position (generator state, batches drawn, weights) as JSON-able data."""
        return {"rng": self.rng.bit_generator.state, "batches_drawn": self.batches_drawn,
                "weights": dict(self.weights), "seed": self.seed}

    def load_state_dict(self, state: dict) -> None:
        """Continue exactly where :meth:`state_dict` was taken."""
        self.rng.bit_generator.state = state["rng"]
        self.batches_drawn = int(state["batches_drawn"])
        self.weights = {d: float(state["weights"].get(d, 0.0)) for d in self.domains}
