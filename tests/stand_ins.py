"""Tiny stand-ins for the evaluation tests: a byte tokenizer and a bigram model whose
log-probabilities can be computed by hand, so scores are checked against a manual sum."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ByteTokenizer:
    """UTF-8 bytes as token ids, 256 = end of text (dropped when decoding)."""

    eot_id = 256
    vocab_size = 257
    fingerprint = "bytes"

    def encode(self, text):
        return list(text.encode("utf-8"))

    def encode_batch(self, texts):
        return [self.encode(t) for t in texts]

    def decode(self, ids):
        return bytes(i for i in ids if i < 256).decode("utf-8", errors="replace")


class BigramModel(nn.Module):
    """logits[b, t] = table[idx[b, t]]: the next token depends only on the current one.

    Records the longest input it was given, so tests can check context truncation.
    """

    def __init__(self, seed=0, block_size=64, vocab=257):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.table = nn.Parameter(torch.randn(vocab, vocab, generator=generator))
        self.config = type("Config", (), {"block_size": block_size})()
        self.longest_input = 0

    def forward(self, idx, targets=None):
        self.longest_input = max(self.longest_input, idx.size(1))
        logits = self.table[idx]
        loss = None if targets is None else F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss
