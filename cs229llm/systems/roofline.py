"""This machine's roofline: measured copy bandwidth and matmul FLOP/s, and where an operation sits.

Stage "systems" of the lecture. An operation that does few FLOPs per byte it moves is
memory-bound: its speed is capped by bandwidth (``attainable = min(peak FLOP/s,
intensity x bandwidth)``), so the only way to speed it up is to move fewer bytes, which is
what operator fusion does. Both ceilings are measured here, not looked up: a large tensor
copy (read + write) for bandwidth, a large matmul for FLOP/s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import torch


def synchronize(device: str | torch.device = "cpu") -> None:
    """Wait for queued GPU work (a no-op on CPU) so wall-clock timings are honest."""
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def time_function(function: Callable, *args, warmup: int = 2, repeats: int = 10, device="cpu",
                  statistic: str = "median") -> float:
    """Wall-clock seconds of ``function(*args)`` over ``repeats`` calls after ``warmup`` calls.

    ``statistic`` is ``"median"`` (typical cost) or ``"min"`` (the least disturbed run: the usual
    choice for micro-benchmarks on a machine shared with other jobs).
    """
    return time_interleaved({"function": lambda: function(*args)}, warmup, repeats, device, statistic)["function"]


def time_interleaved(functions: dict[str, Callable], warmup: int = 2, repeats: int = 10, device="cpu",
                     statistic: str = "min") -> dict[str, float]:
    """Seconds per call of each function, timed round-robin: ``{name: seconds}``.

    Each round calls every function once, so a burst of load from a neighbour on a shared
    machine slows all of them alike; ratios taken from one call of this function are far
    steadier than ratios of numbers measured minutes apart.
    """
    for _ in range(warmup):
        for function in functions.values():
            function()
    synchronize(device)
    timings: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            synchronize(device)
            timings[name].append(time.perf_counter() - started)
    pick = min if statistic == "min" else statistics.median
    return {name: pick(values) for name, values in timings.items()}


def measure_copy_bandwidth(n_elements: int = 1 << 22, dtype=torch.float32, device="cpu", repeats: int = 10) -> float:
    """Achieved GB/s of ``out.copy_(x)`` on a large tensor: bytes read + bytes written per second.

    This is the practical bandwidth ceiling a memory-bound kernel can hope to reach.
    """
    source = torch.randn(n_elements, device=device).to(dtype)
    target = torch.empty_like(source)
    seconds = time_function(target.copy_, source, repeats=repeats, device=device, statistic="min")
    bytes_moved = 2 * source.numel() * source.element_size()
    return bytes_moved / seconds / 1e9


def measure_matmul_flops(size: int = 512, dtype=torch.float32, device="cpu", repeats: int = 5) -> float:
    """Achieved FLOP/s of a square ``size x size`` matmul (``2 size^3`` FLOPs): the compute ceiling."""
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    seconds = time_function(torch.matmul, a, b, repeats=repeats, device=device, statistic="min")
    return 2 * size**3 / seconds


def attainable_flops(intensity: float, peak_flops: float, bandwidth_bytes_per_s: float) -> float:
    """The roofline: ``min(peak, intensity x bandwidth)`` FLOP/s for ``intensity`` FLOPs per byte."""
    return min(peak_flops, intensity * bandwidth_bytes_per_s)


def ridge_point(peak_flops: float, bandwidth_bytes_per_s: float) -> float:
    """FLOPs per byte above which an operation is compute-bound on this machine."""
    return peak_flops / bandwidth_bytes_per_s


def draw_roofline(axis, peak_flops: float, copy_gbps: float, points: list[dict]) -> None:
    """Plot the roofline and operations on it (log-log).

    Args:
        axis: a matplotlib axis.
        peak_flops: measured matmul FLOP/s; copy_gbps: measured copy bandwidth (GB/s).
        points: dicts with ``name``, ``intensity`` (FLOP/byte), ``flops_per_s`` and optional
            ``marker`` / ``color``.
    """
    bandwidth = copy_gbps * 1e9
    lowest = min([p["intensity"] for p in points] + [0.05]) / 2
    highest = max([p["intensity"] for p in points] + [ridge_point(peak_flops, bandwidth)]) * 4
    intensities = np.logspace(np.log10(lowest), np.log10(highest), 100)
    axis.loglog(intensities, [attainable_flops(i, peak_flops, bandwidth) for i in intensities],
                color="black", linewidth=1.5, label="roof (measured)")
    for point in points:
        axis.scatter(point["intensity"], point["flops_per_s"], marker=point.get("marker", "o"),
                     color=point.get("color"), s=30, zorder=3, label=point.get("label"))
        if point.get("annotate"):
            axis.annotate(point["name"], (point["intensity"], point["flops_per_s"]), fontsize=7,
                          xytext=(3, 3), textcoords="offset points")
    axis.set_xlabel("arithmetic intensity (FLOP / byte)")
    axis.set_ylabel("achieved FLOP/s")
