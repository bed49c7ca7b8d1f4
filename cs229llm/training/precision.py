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


def memory_per_parameter():
    """Bytes per parameter for weights, gradients, Adam moments and a master copy, per policy.

    Activations are not included (they scale with batch x sequence, not with parameters).

    Returns:
        DataFrame with columns ``policy, weights, gradients, adam_moments, master_copy, total``.
    """
    rows = [
        ("fp32", 4, 4, 8, 0),
        ("bf16 autocast (fp32 weights)", 4, 4, 8, 0),
        ("bf16 weights + fp32 master", 2, 2, 8, 4),
        ("fp16 + fp32 master + loss scaling", 2, 2, 8, 4),
        ("pure bf16 (no master copy)", 2, 2, 4, 0),
    ]
    frame = pd.DataFrame(rows, columns=["policy", "weights", "gradients", "adam_moments", "master_copy"])
    frame["total"] = frame[["weights", "gradients", "adam_moments", "master_copy"]].sum(axis=1)
    return frame


# ---------------------------------------------------------------- the master-weights experiment
