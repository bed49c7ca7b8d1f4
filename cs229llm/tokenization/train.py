"""Fast tokenizer training with Hugging Face ``tokenizers`` (byte-level BPE), and compression per domain.

Lecture stage: tokenization turns the mixture's text into training tokens. This is the library path
beside the teaching BPE in :mod:`cs229llm.tokenization.bpe`: the same byte-level alphabet and the same
GPT-2 regex pre-split, trained in Rust, saved as a standard ``tokenizer.json``. Notable: the vocabulary
always holds the 256 bytes, so any text round-trips exactly; bytes per token measures what a domain costs.
"""

from __future__ import annotations

import hashlib
import json
import numbers
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers
from tokenizers.pre_tokenizers import ByteLevel

from ..data.documents import require_columns
from ..errors import InputError

END_OF_TEXT = "<|endoftext|>"
BYTE_ALPHABET_SIZE = 256
TOKENIZER_FILENAME = "tokenizer.json"
MAX_VOCAB_SIZE = 2**20  # largest vocabulary accepted (see check_vocab_size)


def _require_texts(texts: Iterable[str]) -> list[str]:
    """Materialise ``texts`` as a list of strings; raise InputError when there is nothing to learn from."""
    if isinstance(texts, str):
        raise InputError("texts must be a list of documents, not one string (wrap it in a list)")
    materialised = [text for text in texts]
    bad = [type(text).__name__ for text in materialised if not isinstance(text, str)]
    if bad:
        raise InputError(f"every document must be a string; found {bad[0]} values")
    if not any(materialised):
        raise InputError("the corpus is empty: tokenizer training needs at least one non-empty document")
    return materialised


def check_vocab_size(vocab_size: int, special_tokens: Sequence[str]) -> int:
    """Check that ``vocab_size`` is a whole number from ``256 + len(special_tokens)`` to :data:`MAX_VOCAB_SIZE`.

    The lower bound holds the 256 byte tokens and the special tokens; the upper bound (2**20, about
    a million ids, 8x GPT-4's) keeps the Rust trainer from trying to reserve memory for an absurd
    vocabulary (``1e9`` aborted the whole process). A corpus may still stop short of the size asked
    for when every word has become one token.

    Raises:
        InputError: not an integer (floats and booleans included), or outside the range.
    """
    smallest = BYTE_ALPHABET_SIZE + len(special_tokens)
    allowed = f"choose {smallest} <= vocab_size <= {MAX_VOCAB_SIZE}"
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, numbers.Integral):
        raise InputError(f"vocab_size must be a whole number, got {vocab_size!r}: {allowed}")
    vocab_size = int(vocab_size)
    if vocab_size < smallest:
        raise InputError(
            f"vocab_size={vocab_size} is too small: a byte-level vocabulary needs the 256 byte tokens "
            f"plus {len(special_tokens)} special token(s), so at least {smallest} ({allowed})"
        )
    if vocab_size > MAX_VOCAB_SIZE:
        raise InputError(f"vocab_size={vocab_size} is too large: at most {MAX_VOCAB_SIZE} (2**20) ids ({allowed})")
    return vocab_size


class Tokenizer:
    """A trained byte-level BPE tokenizer (a thin wrapper around ``tokenizers.Tokenizer``).

    Attributes:
        hf: the underlying ``tokenizers.Tokenizer``.
        eot_id: id of the end-of-text token placed between documents.
    """

    def __init__(self, hf_tokenizer, end_of_text: str = END_OF_TEXT):
        self.hf = hf_tokenizer
        self.end_of_text = end_of_text
        eot_id = hf_tokenizer.token_to_id(end_of_text)
        if eot_id is None:
            raise InputError(f"this tokenizer has no {end_of_text!r} token; train it with that special token")
        self.eot_id = int(eot_id)

    @property
    def vocab_size(self) -> int:
        """Number of token ids (bytes + merges + special tokens)."""
        return int(self.hf.get_vocab_size(with_added_tokens=True))

    @property
    def fingerprint(self) -> str:
        """A short hash of the tokenizer's JSON: shards record it so a mismatched tokenizer is caught."""
        return hashlib.sha256(self.hf.to_str().encode("utf-8")).hexdigest()[:16]

    def encode(self, text: str) -> list[int]:
        """Token ids of one string (no end-of-text token is added)."""
        return self.hf.encode(text, add_special_tokens=False).ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of many strings, encoded in parallel by the Rust library."""
        encodings = self.hf.encode_batch(list(texts), add_special_tokens=False)
        return [encoding.ids for encoding in encodings]

    def decode(self, ids: Sequence[int]) -> str:
        """The text of a list of token ids (special tokens kept, so round-trips are exact)."""
        return self.hf.decode(list(map(int, ids)), skip_special_tokens=False)

    def token_bytes(self, token_id: int) -> bytes:
        """The raw bytes one token stands for (a token may hold part of a UTF-8 character)."""
        token = self.hf.id_to_token(int(token_id))
        if token is None:
            raise InputError(f"token id {token_id} is outside the vocabulary (size {self.vocab_size})")
        if token == self.end_of_text:
            return token.encode("utf-8")
        char_to_byte = _byte_level_decoder_table(ByteLevel.alphabet())
        return bytes(char_to_byte[char] for char in token)

    def save(self, path: str | Path) -> Path:
        """Write ``tokenizer.json`` (into ``path`` if it is a folder or has no ``.json`` suffix); return the file."""
        path = Path(path)
        if path.suffix != ".json":
            path.mkdir(parents=True, exist_ok=True)
            path = path / TOKENIZER_FILENAME
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.hf.save(str(path))
        return path

    def __repr__(self) -> str:
        return f"Tokenizer(vocab_size={self.vocab_size}, eot_id={self.eot_id}, fingerprint={self.fingerprint!r})"


def _byte_level_decoder_table(alphabet: Iterable[str]) -> dict[str, int]:
    """Map GPT-2's printable stand-in characters back to byte values.

    GPT-2 shows each byte as a printable character: printable Latin-1 bytes stand for themselves,
    the other bytes (in order) take the characters 256, 257, ...
    """
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    table = {chr(byte): byte for byte in printable}
    next_char = 256
    for byte in range(256):
        if byte not in printable:
            table[chr(next_char)] = byte
            next_char += 1
    missing = set(alphabet) - set(table)
    if missing:  # the library changed its mapping: fail loudly rather than decode wrong bytes
        raise RuntimeError(f"unexpected byte-level alphabet characters: {sorted(missing)[:5]}")
    return table


def train_tokenizer(texts: Iterable[str], vocab_size: int, special_tokens: Sequence[str] = (END_OF_TEXT,),
                    min_frequency: int = 0, show_progress: bool = False) -> Tokenizer:
    """Train a byte-level BPE tokenizer with Hugging Face ``tokenizers``.

    Args:
        texts: the training documents (strings).
        vocab_size: total vocabulary: 256 bytes + merges + special tokens (at most 2**20, see check_vocab_size).
        special_tokens: added first; the first one must be the end-of-text token.
        min_frequency: a pair must occur this often to be merged (0: merge until the vocabulary is full).
        show_progress: show the library's progress bar.

    Returns:
        a :class:`Tokenizer`.

    Raises:
        InputError: empty corpus, or ``vocab_size`` not a whole number from 256 + special tokens to 2**20.
    """
    documents = _require_texts(texts)
    special_tokens = list(special_tokens)
    if not special_tokens:
        raise InputError(f"special_tokens must include the end-of-text token {END_OF_TEXT!r}")
    vocab_size = check_vocab_size(vocab_size, special_tokens)

    hf_tokenizer = HFTokenizer(models.BPE())
    # GPT-2's regex pre-split (use_regex) and no prefix space: exactly what the teaching BPE does.
    hf_tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf_tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=show_progress,
    )
    hf_tokenizer.train_from_iterator(documents, trainer=trainer, length=len(documents))
    return Tokenizer(hf_tokenizer, end_of_text=special_tokens[0])


def load_tokenizer(path: str | Path) -> Tokenizer:
    """Load a tokenizer saved by :meth:`Tokenizer.save` (a ``tokenizer.json`` file or its folder).

    Raises:
        InputError: the file does not exist or is not a tokenizer.
    """
    path = Path(path)
    if path.is_dir():
        path = path / TOKENIZER_FILENAME
    if not path.is_file():
        raise InputError(f"no tokenizer at {path}: train one with `cs229llm tokenize train`")
    try:
        hf_tokenizer = HFTokenizer.from_file(str(path))
    except Exception as error:  # the library raises a bare Exception on malformed JSON
        raise InputError(f"{path} is not a valid tokenizer.json ({error})") from None
    return Tokenizer(hf_tokenizer)


# ---------------------------------------------------------------- compression


def bytes_per_token(tokenizer, texts: Iterable[str]) -> float:
    """UTF-8 bytes per token over ``texts`` (higher = the tokenizer compresses this text better).

    Works with any object that has ``encode_batch`` (this module's Tokenizer or the teaching BPE).
    """
    documents = _require_texts(texts)
    total_bytes = sum(len(text.encode("utf-8")) for text in documents)
    total_tokens = sum(len(ids) for ids in tokenizer.encode_batch(documents))
    return total_bytes / max(total_tokens, 1)


def compression_by_domain(tokenizer, documents):
    """Bytes per token for each domain of a documents DataFrame (columns ``text``, ``domain``).

    Returns:
        a DataFrame with one row per domain: ``documents``, ``bytes``, ``tokens``, ``bytes_per_token``,
        sorted from the best-compressed domain to the worst.
    """
    require_columns(documents, ["text", "domain"])
    rows = []
    for domain, group in documents.groupby("domain", sort=True):
        texts = [text for text in group["text"].tolist() if text]
        if not texts:
            continue
        n_bytes = sum(len(text.encode("utf-8")) for text in texts)
        n_tokens = sum(len(ids) for ids in tokenizer.encode_batch(texts))
        rows.append({"domain": domain, "documents": len(texts), "bytes": n_bytes, "tokens": n_tokens,
                     "bytes_per_token": n_bytes / max(n_tokens, 1)})
    if not rows:
        raise InputError("no non-empty documents to measure compression on")
    return pd.DataFrame(rows).sort_values("bytes_per_token", ascending=False).reset_index(drop=True)


def describe(tokenizer: Tokenizer) -> str:
    """One JSON line describing a tokenizer (for CLI output and run directories)."""
    return json.dumps({"vocab_size": tokenizer.vocab_size, "eot_id": tokenizer.eot_id,
                       "fingerprint": tokenizer.fingerprint})
