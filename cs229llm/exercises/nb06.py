"""Notebook 06 (mixed precision and fusion): the learner writes rounding to 16 bits, memory per parameter and the
roofline."""

import torch

from ..systems.roofline import attainable_flops, ridge_point
from ..training.precision import bytes_per_parameter, swallowed_fraction
from .core import Exercise, register


def _swallowed_reference(weights: torch.Tensor, update: torch.Tensor, dtype: torch.dtype) -> float:
    return swallowed_fraction(weights, update, dtype)


def _bytes_reference(weights: str, gradients: str, moments: str, master) -> dict:
    return bytes_per_parameter(weights, gradients, moments, master)


def _roofline_reference(flops: float, bytes_moved: float, peak_flops: float, bandwidth: float) -> tuple:
    intensity = flops / bytes_moved
    return intensity, attainable_flops(intensity, peak_flops, bandwidth), intensity < ridge_point(peak_flops, bandwidth)


_t = torch.tensor
register(
    Exercise("swallowed_fraction", "06_mixed_precision_and_fusion", _swallowed_reference,
             cases=((_t([1.0]), _t([1e-3]), torch.bfloat16),
                    (_t([1.0]), _t([1e-2]), torch.bfloat16),
                    (_t([1.0]), _t([5e-3]), torch.bfloat16),  # above half the gap (2^-8): kept
                    (_t([1.0]), _t([2.0**-8]), torch.bfloat16),  # exactly half the gap: rounds to even, lost
                    (_t([1.0]), _t([2.0**-8]), torch.float16),
                    (_t([1.0]), _t([1e-3]), torch.float32),
                    (_t([1.0, 0.01, 100.0, 1e-4]), _t([1e-3, 1e-3, 1e-3, 1e-3]), torch.bfloat16),
                    (_t([1.0, 1.0, 1.0]), _t([0.0, 1e-3, 1e-1]), torch.bfloat16),  # a zero update is not lost
                    (_t([1.0, 2.0]), _t([0.0, 0.0]), torch.bfloat16),
                    (_t([1.001]), _t([1e-3]), torch.bfloat16),  # the weight itself is stored rounded
                    (torch.ones(2, 2), torch.full((2, 2), 0.01), torch.float16)),
             hint="store the weights in the format, add the update (in fp32) and store the sum in the format "
                  "again; an update is lost when the stored value did not change; the fraction counts only the "
                  "nonzero updates (0.0 when there are none)",
             tolerance=1e-12),
    Exercise("bytes_per_parameter", "06_mixed_precision_and_fusion", _bytes_reference,
             cases=(("fp32", "fp32", "fp32", None), ("bf16", "bf16", "fp32", "fp32"), ("fp16", "fp16", "fp32", "fp32"),
                    ("bf16", "bf16", "bf16", None), ("fp32", "bf16", "fp32", None), ("bf16", "fp32", "fp16", "bf16"),
                    ("fp16", "fp16", "fp16", None)),
             hint="bytes of a format are its bits / 8 (fp32 4, bf16 and fp16 2); AdamW keeps two moments (m and "
                  "v) per parameter; no master copy (None) costs 0; total is the sum of the four"),
    Exercise("roofline_point", "06_mixed_precision_and_fusion", _roofline_reference,
             cases=((11e6, 8e6, 1e11, 1e10),
                    (2 * 512**3, 3 * 512 * 512 * 4, 1e11, 1e10),  # a 512 x 512 fp32 matmul
                    (1e9, 1e8, 1e11, 1e10),  # exactly at the ridge point: not memory-bound
                    (1e6, 4e6, 5e10, 2e10),
                    (0.0, 1e6, 1e11, 1e10),  # a copy: no FLOPs at all
                    (1e12, 1e9, 2e14, 3e12),
                    (3e9, 1e9, 1e14, 2e12)),
             hint="intensity = FLOPs / bytes; the roof is min(peak FLOP/s, intensity x bandwidth); an operation "
                  "is memory-bound when its intensity is below the ridge point peak / bandwidth",
             tolerance=1e-9),
)
