"""Token shards per domain and a sampler that draws training windows by mixture proportions.

Lecture stage: the mixture plan becomes training data. Each domain is one flat file of token ids
(uint16, or uint32 past 65,535 ids) behind a small JSON header, documents separated by the
end-of-text token. :class:`MixtureSampler` draws whole batches at once (domains, then offsets,
then one numpy gather from memory-mapped files), is a pure function of (seed, step, mixture), so a
run resumes exactly from its ``state_dict``, and can switch mixture mid-run (annealing).
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import torch

from ..data.documents import is_kept, require_columns
from ..errors import InputError
from ..mixing import check_weights

MAGIC = b"CS229TOK"
HEADER_BYTES = 1024  # magic (8) + JSON length (4, little endian) + JSON, zero-padded
MANIFEST_FILENAME = "manifest.json"
SHARD_SUFFIX = ".tokens"
_DOMAIN_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits in 16 bits (vocabulary ≤ 65,536), else uint32."""
    return np.dtype(np.uint16) if int(vocab_size) <= 2**16 else np.dtype(np.uint32)


# ---------------------------------------------------------------- writing


def _docs_by_domain(docs_by_domain) -> tuple[dict[str, list[str]], int]:
    """Texts per domain and the number of rows left out because a stage dropped them.

    Accepts a mapping domain -> texts, or a DataFrame with ``domain`` and ``text`` columns; in a
    DataFrame, rows with a ``dropped_by`` (a duplicate, a filtered page) never become tokens.
    """
    if hasattr(docs_by_domain, "groupby") and hasattr(docs_by_domain, "columns"):
        require_columns(docs_by_domain, ["domain", "text"])
        keep = is_kept(docs_by_domain)
        table = docs_by_domain[keep]
        return ({str(domain): group["text"].tolist() for domain, group in table.groupby("domain", sort=True)},
                int((~keep).sum()))
    if not isinstance(docs_by_domain, Mapping):
        raise InputError("docs_by_domain must be a dict domain -> list of texts, or a DataFrame "
                         "with 'domain' and 'text' columns")
    return {str(domain): list(texts) for domain, texts in docs_by_domain.items()}, 0


def write_shard(path: str | Path, tokens: np.ndarray, header: dict) -> Path:
    """Write one shard: ``MAGIC``, the JSON header padded to ``HEADER_BYTES``, then the raw tokens."""
    payload = json.dumps(header, sort_keys=True).encode("utf-8")
    if len(payload) > HEADER_BYTES - len(MAGIC) - 4:
        raise InputError(f"shard header too long ({len(payload)} bytes)")
    path = Path(path)
    with open(path, "wb") as handle:
        handle.write(MAGIC + struct.pack("<I", len(payload)) + payload)
        handle.write(b"\0" * (HEADER_BYTES - len(MAGIC) - 4 - len(payload)))
        handle.write(np.ascontiguousarray(tokens).tobytes())
    return path


def read_header(path: str | Path) -> dict:
    """The JSON header of a shard file.

    Raises:
        InputError: the file is missing, not a shard, or its size disagrees with its header.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no shard file at {path}")
    with open(path, "rb") as handle:
        start = handle.read(len(MAGIC) + 4)
        if len(start) < len(MAGIC) + 4 or start[: len(MAGIC)] != MAGIC:
            raise InputError(f"{path} is not a token shard (bad magic bytes)")
        (length,) = struct.unpack("<I", start[len(MAGIC):])
        header = json.loads(handle.read(length).decode("utf-8"))
    expected = HEADER_BYTES + header["tokens"] * np.dtype(header["dtype"]).itemsize
    if path.stat().st_size != expected:
        raise InputError(f"{path} is truncated or corrupt: {path.stat().st_size} bytes, header says {expected}")
    return header


def open_shard(path: str | Path) -> tuple[np.memmap, dict]:
    """Memory-map a shard: returns (tokens as a read-only 1-D memmap, header)."""
    header = read_header(path)
    tokens = np.memmap(path, dtype=np.dtype(header["dtype"]), mode="r", offset=HEADER_BYTES,
                       shape=(header["tokens"],))
    return tokens, header


def write_shards(docs_by_domain, tokenizer, out_dir: str | Path, batch_documents: int = 256) -> dict:
    """Tokenize documents per domain into one shard per domain, plus ``manifest.json`` and the tokenizer.

    Each document's tokens are followed by the end-of-text token, so documents never run together.

    Args:
        docs_by_domain: dict domain -> list of texts, or a DataFrame with ``domain`` and ``text``.
        tokenizer: a trained tokenizer (``encode_batch``, ``vocab_size``, ``eot_id``, ``fingerprint``, ``save``).
        out_dir: folder to write ``<domain>.tokens``, ``manifest.json`` and ``tokenizer.json`` into.
        batch_documents: documents encoded per library call.

    Returns:
        the manifest dict (vocab size, dtype, tokenizer fingerprint, per-domain documents/bytes/tokens).

    Raises:
        InputError: no documents at all, or a domain name unfit for a file name.
    """
    corpus, dropped_rows = _docs_by_domain(docs_by_domain)
    if not any(text for texts in corpus.values() for text in texts):
        raise InputError("no documents to tokenize: every domain is empty"
                         + (f" ({dropped_rows} rows were dropped by earlier stages)" if dropped_rows else ""))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dtype = token_dtype(tokenizer.vocab_size)
    fingerprint = getattr(tokenizer, "fingerprint", "unknown")
    manifest = {"format": "cs229llm-token-shards/1", "vocab_size": int(tokenizer.vocab_size),
                "dtype": dtype.name, "eot_id": int(tokenizer.eot_id), "tokenizer_fingerprint": fingerprint,
                "header_bytes": HEADER_BYTES, "dropped_rows_left_out": dropped_rows, "domains": {}}
    for domain, texts in sorted(corpus.items()):
        if not _DOMAIN_NAME.match(domain):
            raise InputError(f"domain name {domain!r} cannot be a file name: use letters, digits, '_', '-', '.'")
        empty = sum(1 for text in texts if not text)
        texts = [text for text in texts if text]
        pieces, n_bytes = [], 0
        for start in range(0, len(texts), batch_documents):
            chunk = texts[start:start + batch_documents]
            n_bytes += sum(len(text.encode("utf-8")) for text in chunk)
            for ids in tokenizer.encode_batch(chunk):
                pieces.append(np.asarray(ids, dtype=dtype))
                pieces.append(np.asarray([tokenizer.eot_id], dtype=dtype))
        tokens = np.concatenate(pieces) if pieces else np.zeros(0, dtype=dtype)
        header = {"domain": domain, "vocab_size": int(tokenizer.vocab_size), "dtype": dtype.name,
                  "tokens": int(tokens.size), "documents": len(texts), "bytes": int(n_bytes),
                  "eot_id": int(tokenizer.eot_id), "tokenizer_fingerprint": fingerprint}
        write_shard(out_dir / f"{domain}{SHARD_SUFFIX}", tokens, header)
        manifest["domains"][domain] = {**{key: header[key] for key in ("tokens", "documents", "bytes")},
                                       "empty_documents": empty}
    # a folder used before may hold shards of domains this corpus no longer has: they must not outlive it
    for stale in sorted(out_dir.glob(f"*{SHARD_SUFFIX}")):
        if stale.name[: -len(SHARD_SUFFIX)] not in manifest["domains"]:
            stale.unlink()
    if hasattr(tokenizer, "save"):
        tokenizer.save(out_dir / "tokenizer.json")
    (out_dir / MANIFEST_FILENAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def read_manifest(shards_dir: str | Path) -> dict:
    """The manifest of a shards folder written by :func:`write_shards`."""
    path = Path(shards_dir) / MANIFEST_FILENAME
    if not path.is_file():
        raise InputError(f"no token shards in {shards_dir} (missing {MANIFEST_FILENAME}); "
                         "write them with `cs229llm tokenize shards`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{path} cannot be read ({type(error).__name__}): rewrite the shards with "
                         "`cs229llm tokenize shards --rebuild`") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("domains"), dict) or "vocab_size" not in manifest:
        raise InputError(f"{path} is not a shards manifest (no vocab_size or domains): rewrite the shards with "
                         "`cs229llm tokenize shards --rebuild`")
    return manifest


def tokens_per_domain(shards_dir: str | Path) -> dict[str, int]:
    """Tokens available per domain in a shards folder (what a Mixture needs to count epochs)."""
    return {domain: info["tokens"] for domain, info in read_manifest(shards_dir)["domains"].items()}


# ---------------------------------------------------------------- sampling


def _normalise_weights(weights, domains: Iterable[str]) -> dict[str, float]:
    """Turn a weights dict (or an object with ``probabilities``) into probabilities over ``domains``."""
    if hasattr(weights, "probabilities"):  # a cs229llm.mixing Mixture or MixturePlan
        weights = weights.probabilities
    domains = list(domains)
    checked = check_weights(weights, domains)
    total = sum(checked.values())
    return {domain: checked.get(domain, 0.0) / total for domain in domains}


class MixtureSampler:
    """Random training windows from per-domain shards, domains drawn by mixture proportions.

    Batch ``step`` is a pure function of ``(seed, step, current mixture)``: a fresh sampler given the
    same state returns the same batches, whatever happened before.

    Args:
        shards_dir: a folder written by :func:`write_shards`.
        weights: domain -> weight (normalised here), or a ``cs229llm.mixing`` plan.
        batch_size: B, windows per batch.
        seq_len: T, tokens per window (each window reads T + 1 tokens).
        seed: the random seed.
    """

    def __init__(self, shards_dir: str | Path, weights, batch_size: int, seq_len: int, seed: int = 0):
        self.shards_dir = Path(shards_dir)
        self.manifest = read_manifest(self.shards_dir)
        if int(batch_size) < 1 or int(seq_len) < 1:
            raise InputError(f"batch_size and seq_len must be ≥ 1, got {batch_size} and {seq_len}")
        self.batch_size, self.seq_len, self.seed = int(batch_size), int(seq_len), int(seed)
        self.domains = sorted(self.manifest["domains"])
        self.tokens = {}
        for domain in self.domains:
            tokens, header = open_shard(self.shards_dir / f"{domain}{SHARD_SUFFIX}")
            if header["tokenizer_fingerprint"] != self.manifest["tokenizer_fingerprint"]:
                raise InputError(f"shard {domain} was written by another tokenizer than the manifest says")
            self.tokens[domain] = tokens
        self.vocab_size = int(self.manifest["vocab_size"])
        self.eot_id = int(self.manifest["eot_id"])
        self.step = 0
        self.tokens_served = {domain: 0 for domain in self.domains}
        self.set_mixture(weights)

    def set_mixture(self, weights) -> None:
        """Switch to another mixture from the next batch on (annealing switches to high-quality data).

        Raises:
            InputError: bad weights, or a weighted domain with fewer than ``seq_len + 1`` tokens.
        """
        probabilities = _normalise_weights(weights, self.domains)
        too_short = [d for d, p in probabilities.items() if p > 0 and self.tokens[d].size < self.seq_len + 1]
        if too_short:
            raise InputError(f"domain(s) {', '.join(too_short)} hold fewer than seq_len + 1 = "
                             f"{self.seq_len + 1} tokens: lower seq_len or give them weight 0")
        self.probabilities = probabilities
        self._active = [d for d in self.domains if probabilities[d] > 0]
        self._active_p = np.array([probabilities[d] for d in self._active], dtype=np.float64)
        self._active_p /= self._active_p.sum()
        # window starts allowed per domain: 0 .. len - (T + 1)
        self._starts = np.array([self.tokens[d].size - self.seq_len for d in self._active], dtype=np.int64)

    def draw_windows(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The (domain index into the active domains, start offset) of each window of batch ``step``."""
        rng = np.random.default_rng([self.seed, int(step)])
        domain_index = rng.choice(len(self._active), size=self.batch_size, p=self._active_p)
        uniforms = rng.random(self.batch_size)
        starts = np.minimum((uniforms * self._starts[domain_index]).astype(np.int64),
                            self._starts[domain_index] - 1)
        return domain_index, starts

    def batch_at(self, step: int):
        """Batch number ``step`` without moving the sampler: (x, y) LongTensors of shape [B, T]."""
        x, y, _ = self._gather(step)
        return x, y

    def _gather(self, step: int):
        """(x [B, T], y [B, T], domain index [B]) of batch ``step``: one numpy gather per domain."""
        domain_index, starts = self.draw_windows(step)
        window = np.empty((self.batch_size, self.seq_len + 1), dtype=np.int64)
        offsets = np.arange(self.seq_len + 1, dtype=np.int64)
        for index in np.unique(domain_index):
            rows = np.flatnonzero(domain_index == index)
            window[rows] = self.tokens[self._active[index]][starts[rows, None] + offsets]
        window_tensor = torch.from_numpy(window)
        return window_tensor[:, :-1].contiguous(), window_tensor[:, 1:].contiguous(), domain_index

    def next_batch(self):
        """The next batch: (x, y) LongTensors [B, T], y shifted one token ahead of x."""
        x, y, domain_index = self._gather(self.step)
        counts = np.bincount(domain_index, minlength=len(self._active))
        for index, count in enumerate(counts):
            self.tokens_served[self._active[index]] += int(count) * self.seq_len
        self.step += 1
        return x, y

    def __iter__(self):
        while True:
            yield self.next_batch()

    def state_dict(self) -> dict:
        """JSON-able state: seed, position, current mixture, tokens served per domain."""
        return {"seed": self.seed, "step": self.step, "batch_size": self.batch_size, "seq_len": self.seq_len,
                "weights": dict(self.probabilities), "tokens_served": dict(self.tokens_served),
                "tokenizer_fingerprint": self.manifest["tokenizer_fingerprint"]}

    def load_state_dict(self, state: Mapping) -> None:
        """Resume exactly where :meth:`state_dict` was taken.

        Raises:
            InputError: the state belongs to other shards or another batch shape.
        """
        if state.get("tokenizer_fingerprint") != self.manifest["tokenizer_fingerprint"]:
            raise InputError("this sampler state was saved with shards of another tokenizer")
        if (int(state["batch_size"]), int(state["seq_len"])) != (self.batch_size, self.seq_len):
            raise InputError(f"state has batch [{state['batch_size']}, {state['seq_len']}], "
                             f"this sampler [{self.batch_size}, {self.seq_len}]")
        self.seed = int(state["seed"])
        self.set_mixture(dict(state["weights"]))
        self.step = int(state["step"])
        self.tokens_served = {d: int(state.get("tokens_served", {}).get(d, 0)) for d in self.domains}

    def __repr__(self) -> str:
        mixture = " ".join(f"{d}={p:.3f}" for d, p in self.probabilities.items())
        return f"MixtureSampler(B={self.batch_size}, T={self.seq_len}, step={self.step}, {mixture})"


# ---------------------------------------------------------------- the course's token data, built once
