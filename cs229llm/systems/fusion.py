"""Operator fusion, measured: eager PyTorch vs ``torch.compile`` on memory-bound chains.

Stage "systems" of the lecture: fusing a chain of operations into one kernel stops shuttling
intermediate tensors between memory and compute. Each benchmark reports time, the minimum
bytes the operation must move (inputs read once + output written once), the achieved GB/s
against this machine's measured copy bandwidth, and the speedup. A chain of elementwise ops
gains most; softmax is already one kernel in eager mode, so fusion has little to add.
:func:`iter_fusion_benchmarks` yields results one by one so a live plot can fill in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..config import by_profile, compile_status, enable_compile_cache
from .roofline import measure_copy_bandwidth, measure_matmul_flops, time_interleaved

# ---------------------------------------------------------------- the operations


def elementwise_chain(x: torch.Tensor) -> torch.Tensor:
    """Eight elementwise ops on ``x[N] -> [N]``; eager mode writes and rereads each intermediate."""
    y = x * 1.5 + 0.5
    y = torch.relu(y)
    y = y * x
    y = y - 0.25
    y = torch.abs(y)
    y = y * 0.5 + x
    return torch.clamp(y, -4.0, 4.0)


def layer_norm_gelu(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``gelu(layer_norm(x))`` on ``x[R, D]`` with affine ``weight[D]``, ``bias[D]`` -> ``[R, D]``."""
    return F.gelu(F.layer_norm(x, (x.shape[-1],), weight, bias), approximate="tanh")


def softmax_rows(x: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension of ``x[R, D]`` (already a single fused kernel in eager mode)."""
    return torch.softmax(x, dim=-1)


def attention_block(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal attention written out: ``softmax(mask(q k^T / sqrt(d))) v``.

    ``q, k, v[B, H, T, Dh] -> [B, H, T, Dh]``. Eager mode materialises the ``[B, H, T, T]``
    score matrix several times (scale, mask, softmax).
    """
    length, head = q.shape[-2], q.shape[-1]
    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(head))
    mask = torch.ones(length, length, dtype=torch.bool, device=q.device).triu(1)
    scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


@dataclass(frozen=True)
class FusionCase:
    """One benchmark: a function, how to make its inputs, and its minimum traffic and FLOPs.

    Attributes:
        name: short label for plots and JSON keys.
        function: the operation (eager PyTorch).
        make_inputs: ``make_inputs(device) -> tuple of tensors``.
        flops: floating-point operations per call (approximate for transcendental functions).
    """
    name: str
    function: Callable
    make_inputs: Callable
    flops: float


def _elements(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def min_bytes_moved(inputs: tuple, output: torch.Tensor) -> int:
    """The least traffic an implementation can get away with: every input read once, the output written once."""
    return _elements(inputs) + output.numel() * output.element_size()


def default_cases(n_elements: int = 1 << 22, rows: int = 4096, width: int = 1024, batch_heads: int = 8,
                  length: int = 256, head_size: int = 64, seed: int = 0) -> list[FusionCase]:
    """The four memory-bound cases at the given sizes (fp32).

    Args:
        n_elements: length of the elementwise chain's vector.
        rows, width: ``[R, D]`` for LayerNorm+GELU and softmax.
        batch_heads, length, head_size: ``q, k, v[1, B*H, T, Dh]`` for attention.
    """
    generator = torch.Generator().manual_seed(seed)

    def vector(device):
        return (torch.randn(n_elements, generator=generator).to(device),)

    def matrix_with_affine(device):
        return (torch.randn(rows, width, generator=generator).to(device),
                torch.ones(width).to(device), torch.zeros(width).to(device))

    def matrix(device):
        return (torch.randn(rows, width, generator=generator).to(device),)

    def qkv(device):
        return tuple(torch.randn(1, batch_heads, length, head_size, generator=generator).to(device) for _ in range(3))

    return [
        FusionCase("elementwise_chain", elementwise_chain, vector, 11.0 * n_elements),
        FusionCase("layernorm_gelu", layer_norm_gelu, matrix_with_affine, 20.0 * rows * width),
        FusionCase("softmax", softmax_rows, matrix, 5.0 * rows * width),
        FusionCase("attention", attention_block, qkv,
                   4.0 * batch_heads * length * length * head_size + 5.0 * batch_heads * length * length),
    ]


def profile_cases(profile: str | None = None) -> list[FusionCase]:
    """:func:`default_cases` sized by the profile (``ci`` small enough for a notebook under a minute)."""
    return default_cases(**by_profile(
        ci=dict(n_elements=1 << 20, rows=1024, width=512, batch_heads=4, length=128),
        laptop=dict(n_elements=1 << 22, rows=4096, width=1024, batch_heads=8, length=256),
        gpu=dict(n_elements=1 << 26, rows=16384, width=4096, batch_heads=64, length=1024),
        profile=profile))


# ---------------------------------------------------------------- running them


def compile_function(function: Callable) -> tuple[Callable | None, str]:
    """``(torch.compile(function), message)``, or ``(None, why)`` where no compiler works here."""
    enable_compile_cache()
    works, message = compile_status()
    if not works:
        return None, message
    return torch.compile(function, dynamic=False), message


def benchmark_case(case: FusionCase, use_compile: bool = True, repeats: int = 10,
                   device: str = "cpu") -> dict:
    """Time one case eagerly and compiled; report bytes, GB/s, fraction of copy bandwidth, speedup.

    The eager call, the compiled call and a reference copy that moves the same number of bytes
    (``out.copy_(x)`` with ``x`` half the case's minimum traffic) are timed round-robin
    (:func:`~cs229llm.systems.roofline.time_interleaved`), so the fraction of copy bandwidth
    compares numbers taken under the same conditions; that copy's bandwidth is ``copy_GBps``.

    Returns:
        dict with ``name, bytes, flops, intensity, eager_s, compiled_s, speedup, eager_GBps,
        compiled_GBps, copy_GBps, eager_frac_copy, compiled_frac_copy, max_abs_diff, note``
        (compiled fields are None when compile is off or unavailable).
    """
    inputs = case.make_inputs(device)
    expected = case.function(*inputs)
    n_bytes = min_bytes_moved(inputs, expected)
    copy_source = torch.empty(max(1, n_bytes // 8), dtype=torch.float32, device=device).normal_()
    copy_target = torch.empty_like(copy_source)
    copy_bytes = 2 * copy_source.numel() * copy_source.element_size()
    functions = {"eager": lambda: case.function(*inputs), "copy": lambda: copy_target.copy_(copy_source)}
    result = {"name": case.name, "bytes": n_bytes, "flops": case.flops, "intensity": case.flops / n_bytes,
              "compiled_s": None, "compiled_GBps": None, "compiled_frac_copy": None, "speedup": None,
              "max_abs_diff": None, "note": ""}
    compiled = None
    if not use_compile:
        result["note"] = "compile off"
    else:
        compiled, message = compile_function(case.function)
        if compiled is None:
            result["note"] = message
        else:
            try:
                got = compiled(*inputs)  # the first call compiles (seconds; cached on disk afterwards)
            except Exception as error:  # a compiler toolchain problem: report it, keep the eager number
                compiled = None
                result["note"] = f"torch.compile failed ({type(error).__name__}); eager only"
            else:
                result["max_abs_diff"] = float((got - expected).abs().max())
                functions["compiled"] = lambda: compiled(*inputs)
    seconds = time_interleaved(functions, repeats=repeats, device=device, statistic="min")
    case_copy_gbps = copy_bytes / seconds["copy"] / 1e9
    result.update(eager_s=seconds["eager"], eager_GBps=n_bytes / seconds["eager"] / 1e9, copy_GBps=case_copy_gbps,
                  eager_frac_copy=n_bytes / seconds["eager"] / 1e9 / case_copy_gbps)
    if compiled is not None:
        result.update(compiled_s=seconds["compiled"], compiled_GBps=n_bytes / seconds["compiled"] / 1e9,
                      compiled_frac_copy=n_bytes / seconds["compiled"] / 1e9 / case_copy_gbps,
                      speedup=seconds["eager"] / seconds["compiled"])
    return result


def iter_fusion_benchmarks(cases: list[FusionCase] | None = None, use_compile: bool = True, repeats: int = 10,
                           device: str = "cpu", copy_elements: int | None = None) -> Iterator[dict]:
    """Yield the machine's ceilings first, then one result per case as soon as it is measured.

    The first item is ``{"name": "machine", "copy_GBps": ..., "matmul_flops": ...}``; the
    rest are :func:`benchmark_case` results. Feed them to a live figure as they come.
    ``use_compile`` is a bool or a set of case names to compile (each new shape costs a
    compile of seconds, so notebooks may compile only some).
    """
    cases = cases if cases is not None else profile_cases()
    if copy_elements is None:
        # measure the copy at the size of the biggest operand so caches play the same role
        copy_elements = max(t.numel() for t in cases[0].make_inputs("cpu"))
    copy_gbps = measure_copy_bandwidth(copy_elements, device=device, repeats=repeats)
    yield {"name": "machine", "copy_GBps": copy_gbps, "matmul_flops": measure_matmul_flops(device=device),
           "copy_elements": copy_elements, "device": device, "torch": torch.__version__}
    for case in cases:
        compile_this = use_compile if isinstance(use_compile, bool) else case.name in use_compile
        yield benchmark_case(case, use_compile=compile_this, repeats=repeats, device=device)


def run_fusion_benchmarks(cases: list[FusionCase] | None = None, use_compile: bool = True, repeats: int = 10,
                          device: str = "cpu", on_result: Callable | None = None) -> dict:
    """Run every case; return ``{"machine": {...}, "results": [...]}``.

    Args:
        on_result: called with the growing summary after each measurement (live plots).
    """
    summary: dict = {"machine": None, "results": []}
    for item in iter_fusion_benchmarks(cases, use_compile, repeats, device):
        if item["name"] == "machine":
            summary["machine"] = item
        else:
            summary["results"].append(item)
        if on_result is not None:
            on_result(summary)
    return summary


def summary_json(summary: dict) -> dict:
    """The flat JSON the benchmark prints last: ``copy_GBps`` and per-op speedup and GB/s."""
    flat = {"copy_GBps": round(summary["machine"]["copy_GBps"], 3),
            "matmul_GFLOPs": round(summary["machine"]["matmul_flops"] / 1e9, 2)}
    for result in summary["results"]:
        name = result["name"]
        flat[f"{name}_speedup"] = None if result["speedup"] is None else round(result["speedup"], 3)
        flat[f"{name}_eager_GBps"] = round(result["eager_GBps"], 3)
        flat[f"{name}_compiled_GBps"] = None if result["compiled_GBps"] is None else round(result["compiled_GBps"], 3)
        flat[f"{name}_compiled_frac_copy"] = (None if result["compiled_frac_copy"] is None
                                              else round(result["compiled_frac_copy"], 3))
    return flat


def draw_fusion(fig, axes, summary: dict) -> None:
    """LiveFigure draw function: speedup per op (left), achieved GB/s vs copy bandwidth (right)."""
    speed_axis, bandwidth_axis = axes
    results = summary.get("results", [])
    names = [r["name"].replace("_", "\n") for r in results]
    positions = np.arange(len(results))
    speedups = [r["speedup"] or 0.0 for r in results]
    speed_axis.bar(positions, speedups, color="tab:green")
    speed_axis.axhline(1.0, color="gray", linewidth=1, linestyle="--")
    speed_axis.set_xticks(positions, names, fontsize=7)
    speed_axis.set_ylabel("speedup (eager / compiled)")
    for x, value in zip(positions, speedups):
        label = f"{value:.1f}x" if value else "not\ncompiled"
        speed_axis.annotate(label, (x, value), ha="center", va="bottom", fontsize=7 if not value else 8)
    width = 0.4
    bandwidth_axis.bar(positions - width / 2, [r["eager_GBps"] for r in results], width, label="eager")
    bandwidth_axis.bar(positions + width / 2, [r["compiled_GBps"] or 0.0 for r in results], width, label="compiled")
    if summary.get("machine"):
        bandwidth_axis.axhline(summary["machine"]["copy_GBps"], color="black", linestyle="--",
                               label=f"copy {summary['machine']['copy_GBps']:.1f} GB/s")
    bandwidth_axis.set_xticks(positions, names, fontsize=7)
    bandwidth_axis.set_ylabel("achieved GB/s (minimum bytes)")
    bandwidth_axis.legend(fontsize=7)


# ---------------------------------------------------------------- a whole training step
