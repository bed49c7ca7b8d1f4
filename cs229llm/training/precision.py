"""Mixed precision: compute in 16 bits, keep the weights in 32 bits.

Stage "systems" of the lecture. A :class:`PrecisionPolicy` says how a step runs: fp32, bf16
autocast (fp32 master weights, bf16 matmuls) or fp16 autocast with a GradScaler (fp16's
narrow range underflows small gradients unless the loss is scaled). The master-weights
experiment shows why the fp32 copy matters: a bf16 weight has 8 significant bits, so an
update smaller than about 1/256 of the weight rounds away to nothing.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import pandas as pd
import torch

from ..config import autocast_dtype
from ..errors import InputError

PRECISIONS = ("fp32", "bf16", "fp16")
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class PrecisionPolicy:
    """How one training step handles number formats.

    Attributes:
        name: ``"fp32"``, ``"bf16"`` or ``"fp16"``.
        device_type: ``"cpu"`` or ``"cuda"``.
        compute_dtype: the autocast dtype (None for fp32: no autocast).
        uses_grad_scaler: fp16 needs loss scaling; bf16 has fp32's range and does not.
    """
    name: str
    device_type: str
    compute_dtype: torch.dtype | None
    uses_grad_scaler: bool

    def autocast(self):
        """A context manager running the forward pass under this policy."""
        if self.compute_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.compute_dtype)

    def grad_scaler(self):
        """A ``torch.amp.GradScaler`` for fp16, else a disabled one (a no-op with the same API)."""
        return torch.amp.GradScaler(self.device_type, enabled=self.uses_grad_scaler)


def resolve_precision(name: str, device: str) -> PrecisionPolicy:
    """The policy for ``name`` (``fp32``, ``bf16``, ``fp16`` or ``auto``) on ``device``.

    ``auto`` is :func:`cs229llm.config.autocast_dtype`: bf16 on Ampere+ GPUs and on CPUs with
    bf16 hardware, fp16 on older GPUs, fp32 elsewhere.

    Raises:
        InputError: unknown name, or bf16 on a GPU without bf16 support.
    """
    device_type = "cuda" if str(device).startswith("cuda") else "cpu"
    name = (name or "auto").lower()
    if name == "auto":
        dtype = autocast_dtype(str(device))
        name = {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[dtype]
    if name not in PRECISIONS:
        raise InputError(f"unknown precision {name!r}: choose one of {', '.join(PRECISIONS)} or auto")
    if name == "bf16" and device_type == "cuda" and not torch.cuda.is_bf16_supported():
        raise InputError("this GPU has no bf16 support: use precision fp16 (with loss scaling)")
    return PrecisionPolicy(name, device_type, None if name == "fp32" else DTYPES[name], name == "fp16")


# ---------------------------------------------------------------- number formats


def format_table():
    """Range and precision of fp32, bf16 and fp16, measured with ``torch.finfo``.

    Returns:
        DataFrame with columns ``format, bits, mantissa_bits, max, smallest_normal, epsilon,
        decimal_digits``.
    """
    rows = []
    for name, dtype in DTYPES.items():
        info = torch.finfo(dtype)
        rows.append({"format": name, "bits": info.bits, "mantissa_bits": round(-math.log2(info.eps)),
                     "max": info.max, "smallest_normal": info.tiny, "epsilon": info.eps,
                     "decimal_digits": info.resolution})
    return pd.DataFrame(rows)


def swallowed_fraction(weights: torch.Tensor, update: torch.Tensor, dtype=torch.bfloat16) -> float:
    """Fraction of nonzero updates lost when ``weights + update`` is stored in ``dtype``.

    Args:
        weights, update: same shape, any float dtype (compared in fp32).
    """
    stored = weights.to(dtype)
    after = (stored.float() + update.float()).to(dtype)
    nonzero = update != 0
    if not bool(nonzero.any()):
        return 0.0
    return float(((after == stored) & nonzero).sum()) / float(nonzero.sum())


# ---------------------------------------------------------------- memory per parameter


MEMORY_POLICIES: dict[str, tuple[str, str, str, str | None]] = {
    "fp32": ("fp32", "fp32", "fp32", None),
    "bf16 autocast (fp32 weights)": ("fp32", "fp32", "fp32", None),
    "bf16 weights + fp32 master": ("bf16", "bf16", "fp32", "fp32"),
    "fp16 + fp32 master + loss scaling": ("fp16", "fp16", "fp32", "fp32"),
    "pure bf16 (no master copy)": ("bf16", "bf16", "bf16", None),
}
"""Each precision policy's formats: (weights, gradients, Adam moments, master copy or None)."""


def bytes_per_parameter(weights: str, gradients: str, moments: str, master: str | None = None) -> dict[str, int]:
    """Training bytes per parameter when weights, gradients, Adam's two moments and a master copy use these formats.

    Args:
        weights, gradients, moments: ``"fp32"``, ``"bf16"`` or ``"fp16"``; AdamW keeps *two* moments
            (m and v) per parameter, both in ``moments``.
        master: the format of a master copy of the weights, or None for none.

    Returns:
        ``{"weights", "gradients", "adam_moments", "master_copy", "total"}`` in bytes.

    Raises:
        InputError: an unknown format name.
    """
    def size(name: str | None) -> int:
        if name is None:
            return 0
        if name not in DTYPES:
            raise InputError(f"unknown format {name!r}: choose one of {', '.join(DTYPES)}")
        return torch.finfo(DTYPES[name]).bits // 8

    parts = {"weights": size(weights), "gradients": size(gradients), "adam_moments": 2 * size(moments),
             "master_copy": size(master)}
    return {**parts, "total": sum(parts.values())}


def memory_per_parameter():
    """Bytes per parameter for weights, gradients, Adam moments and a master copy, per policy.

    Each row is :func:`bytes_per_parameter` of a policy's formats (:data:`MEMORY_POLICIES`).
    Activations are not included (they scale with batch x sequence, not with parameters).

    Returns:
        DataFrame with columns ``policy, weights, gradients, adam_moments, master_copy, total``.
    """
    rows = [{"policy": policy, **bytes_per_parameter(*formats)} for policy, formats in MEMORY_POLICIES.items()]
    return pd.DataFrame(rows, columns=["policy", "weights", "gradients", "adam_moments", "master_copy", "total"])


# ---------------------------------------------------------------- the master-weights experiment
