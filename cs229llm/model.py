"""A small GPT: the model the course pretrains, anneals, evaluates and compares.

Stage "pretraining" of the lecture. Causal attention uses ``F.scaled_dot_product_attention``
(flash / memory-efficient kernels where the device has them); the input embedding and the
output head share one matrix (weight tying). The architecture options the capstone compares
are config fields: normalisation (LayerNorm or RMSNorm), MLP activation (GELU, ReLU or
SwiGLU) and positions (learned absolute embeddings or rotary, RoPE).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import check_types, dataclass_from_dict
from .errors import InputError

NORMS = ("layernorm", "rmsnorm")
ACTIVATIONS = ("gelu", "relu", "swiglu")
POSITIONS = ("learned", "rope")


@dataclass
class GPTConfig:
    """Shape and architecture of a GPT.

    Attributes:
        vocab_size: number of token ids V.
        block_size: longest context T the model accepts.
        n_layer, n_head, n_embd: depth L, heads H, width D (D must divide by H).
        dropout: dropout probability on residual branches and attention (0 for pretraining).
        norm: ``"layernorm"`` or ``"rmsnorm"``.
        activation: MLP nonlinearity, ``"gelu"``, ``"relu"`` or ``"swiglu"`` (gated; its hidden
            width is 2/3 of 4D so the parameter count matches the others).
        position: ``"learned"`` absolute position embeddings or ``"rope"`` rotary embeddings.
        tie_weights: share the token embedding with the output head.
        bias: biases in Linear and LayerNorm layers.
    """

    vocab_size: int = 512
    block_size: int = 128
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    norm: str = "layernorm"
    activation: str = "gelu"
    position: str = "learned"
    tie_weights: bool = True
    bias: bool = False

    def __post_init__(self) -> None:
        check_types(self)
        for name, value, allowed in (("norm", self.norm, NORMS), ("activation", self.activation, ACTIVATIONS),
                                     ("position", self.position, POSITIONS)):
            if value not in allowed:
                raise InputError(f"GPTConfig.{name}={value!r}: choose one of {', '.join(allowed)}")
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"GPTConfig.{name} must be a positive integer, got {getattr(self, name)!r}")
        if self.n_embd % self.n_head:
            raise InputError(f"n_embd={self.n_embd} must be divisible by n_head={self.n_head}")
        if self.position == "rope" and (self.n_embd // self.n_head) % 2:
            raise InputError("rotary positions need an even head size (n_embd / n_head)")
        if not 0.0 <= self.dropout < 1.0:
            raise InputError(f"dropout must be in [0, 1), got {self.dropout}")

    @property
    def head_size(self) -> int:
        """Width of one attention head, D / H."""
        return self.n_embd // self.n_head

    def to_dict(self) -> dict:
        """The config as a JSON-able dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "GPTConfig":
        """Build a config from a dict, refusing unknown keys with a clear message."""
        return dataclass_from_dict(cls, values)


# ---------------------------------------------------------------- building blocks


class RMSNorm(nn.Module):
    """Root-mean-square normalisation: ``x / rms(x) * weight`` (no mean subtraction, no bias).

    Input and output ``[..., D]``.
    """

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x[..., D] -> [..., D]``, computed in fp32 for stability then cast back."""
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(dim=-1, keepdim=True) + self.eps)
        return normed.type_as(x) * self.weight


def make_norm(config: GPTConfig) -> nn.Module:
    """The normalisation layer the config asks for, over the last dimension D."""
    if config.norm == "rmsnorm":
        return RMSNorm(config.n_embd)
    return nn.LayerNorm(config.n_embd, bias=config.bias)


def rotary_tables(head_size: int, length: int, base: float = 10000.0, device=None):
    """Cosine and sine tables for rotary embeddings, each ``[length, head_size / 2]``."""
    inverse_frequency = 1.0 / (base ** (torch.arange(0, head_size, 2, device=device).float() / head_size))
    angles = torch.outer(torch.arange(length, device=device).float(), inverse_frequency)
    return angles.cos(), angles.sin()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs of channels of ``x[B, H, T, Dh]`` by position-dependent angles.

    ``cos`` and ``sin`` are ``[T, Dh/2]``. Channel ``i`` pairs with channel ``i + Dh/2``.
    """
    half = x.shape[-1] // 2
    first, second = x[..., :half], x[..., half:]
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    return torch.cat((first * cos - second * sin, first * sin + second * cos), dim=-1)


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with one fused QKV projection.

    ``forward(x[B, T, D]) -> [B, T, D]``; each position attends to itself and earlier ones.
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor, rotary=None) -> torch.Tensor:
        """``x[B, T, D]`` (and optional rotary ``(cos, sin)`` tables ``[T, Dh/2]``) -> ``[B, T, D]``."""
        batch, length, width = x.shape
        heads = self.config.n_head
        q, k, v = self.qkv(x).split(width, dim=2)
        # [B, T, D] -> [B, H, T, Dh]
        q, k, v = (t.view(batch, length, heads, width // heads).transpose(1, 2) for t in (q, k, v))
        if rotary is not None:
            q, k = apply_rotary(q, *rotary), apply_rotary(k, *rotary)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).contiguous().view(batch, length, width)
        return F.dropout(self.proj(y), self.dropout, self.training)


class MLP(nn.Module):
    """Position-wise feed-forward network: ``[B, T, D] -> [B, T, D]`` with hidden width 4D.

    SwiGLU (Shazeer 2020) uses ``silu(x W1) * (x W3)`` with hidden width 2/3 of 4D, rounded
    to a multiple of 8, so all three activations have about the same parameter count.
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.activation = config.activation
        if config.activation == "swiglu":
            hidden = int(2 * 4 * config.n_embd / 3)
            hidden = 8 * ((hidden + 7) // 8)
            self.gate = nn.Linear(config.n_embd, hidden, bias=config.bias)
        else:
            hidden = 4 * config.n_embd
        self.up = nn.Linear(config.n_embd, hidden, bias=config.bias)
        self.down = nn.Linear(hidden, config.n_embd, bias=config.bias)
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x[B, T, D] -> [B, T, D]``."""
        if self.activation == "swiglu":
            hidden = F.silu(self.gate(x)) * self.up(x)
        elif self.activation == "relu":
            hidden = F.relu(self.up(x))
        else:
            hidden = F.gelu(self.up(x), approximate="tanh")
        return F.dropout(self.down(hidden), self.dropout, self.training)


class Block(nn.Module):
    """A pre-norm transformer block: ``x + attn(norm(x))`` then ``x + mlp(norm(x))``; ``[B, T, D]``."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.norm_attention = make_norm(config)
        self.attention = CausalSelfAttention(config)
        self.norm_mlp = make_norm(config)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, rotary=None) -> torch.Tensor:
        """``x[B, T, D] -> [B, T, D]``."""
        x = x + self.attention(self.norm_attention(x), rotary)
        return x + self.mlp(self.norm_mlp(x))


# ---------------------------------------------------------------- the model


class GPT(nn.Module):
    """A decoder-only transformer language model.

    ``forward(idx[B, T], targets[B, T] or None) -> (logits[B, T, V], loss or None)``; the loss
    is the mean next-token cross-entropy in nats (targets of -1 are ignored).
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.n_embd)
        if config.position == "learned":
            self.position_embedding = nn.Embedding(config.block_size, config.n_embd)
        else:
            cos, sin = rotary_tables(config.head_size, config.block_size)
            self.register_buffer("rotary_cos", cos, persistent=False)
            self.register_buffer("rotary_sin", sin, persistent=False)
        self.dropout = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.final_norm = make_norm(config)
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            self.head.weight = self.token_embedding.weight
        self.apply(self._init_weights)
        # GPT-2: scale the residual projections by 1/sqrt(2L) so the residual stream's variance stays put
        for name, parameter in self.named_parameters():
            if name.endswith("proj.weight") or name.endswith("down.weight"):
                nn.init.normal_(parameter, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        """Next-token logits for every position.

        Args:
            idx: token ids ``[B, T]`` (LongTensor), ``T <= block_size``.
            targets: the next token at each position ``[B, T]``, or None.

        Returns:
            ``(logits[B, T, V], loss)`` where loss is the mean cross-entropy (a 0-d tensor)
            or None without targets.
        """
        batch, length = idx.shape
        if length > self.config.block_size:
            raise InputError(f"sequence length {length} exceeds block_size {self.config.block_size}")
        x = self.token_embedding(idx)  # [B, T, D]
        rotary = None
        if self.config.position == "learned":
            positions = torch.arange(length, device=idx.device)
            x = x + self.position_embedding(positions)  # broadcast [T, D]
        else:
            rotary = (self.rotary_cos[:length], self.rotary_sin[:length])
        x = self.dropout(x)
        for block in self.blocks:
            x = block(x, rotary)
        logits = self.head(self.final_norm(x))  # [B, T, V]
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)
        return logits, loss

    def num_parameters(self, include_embeddings: bool = True) -> int:
        """Number of distinct parameters (a tied matrix counts once).

        Args:
            include_embeddings: False leaves out the position embedding (and, when the head is
                not tied, the token embedding), the usual N in ``6N`` FLOPs per token.
        """
        total = sum(p.numel() for p in self.parameters())
        if not include_embeddings:
            if self.config.position == "learned":
                total -= self.position_embedding.weight.numel()
            if not self.config.tie_weights:
                total -= self.token_embedding.weight.numel()
        return total

    def flops_per_token(self, sequence_length: int | None = None) -> float:
        """Training FLOPs per token, ``6N + 12 L H Q T`` (PaLM, Chowdhery et al. 2022, appendix B).

        N counts non-embedding parameters; H heads of size Q; T the sequence length.
        """
        config = self.config
        length = sequence_length or config.block_size
        return 6 * self.num_parameters(include_embeddings=False) + \
            12 * config.n_layer * config.n_head * config.head_size * length
