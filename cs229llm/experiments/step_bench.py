"""Whole training-step benchmarks: eager vs compiled vs bf16 on the tiny GPT, and where a step's time goes.

The kernels and timers are library code (:mod:`cs229llm.systems.fusion`, :mod:`cs229llm.systems.roofline`);
this module builds a model, an optimizer and a batch and times real training steps with them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Callable

import torch
from torch.profiler import ProfilerActivity, profile

from ..model import GPT, GPTConfig
from ..systems.fusion import compile_function
from ..systems.roofline import synchronize, time_function
from ..training.precision import resolve_precision


def _step_inputs(model_config, batch_size: int, device: str, seed: int):
    """``(config, x, y)``: the config (default: the tiny GPT) and one seeded batch of random tokens."""
    config = model_config or GPTConfig(vocab_size=512, block_size=128, n_layer=4, n_head=4, n_embd=128)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randint(0, config.vocab_size, (batch_size, config.block_size), generator=generator).to(device)
    y = torch.randint(0, config.vocab_size, (batch_size, config.block_size), generator=generator).to(device)
    return config, x, y


def training_step_benchmark(model_config=None, batch_size: int = 16, steps: int = 10, warmup: int = 2,
                            variants=(("eager", "fp32"), ("eager", "bf16"), ("compiled", "bf16")),
                            device: str = "cpu", seed: int = 0, on_result: Callable | None = None) -> dict:
    """Tokens/s of a full AdamW training step of a GPT under each (mode, precision) variant.

    Args:
        model_config: a ``GPTConfig`` (default: 4 layers, width 128, T=128, vocab 512: ~1.3M
            parameters, the issue's tiny GPT).
        variants: pairs of ``"eager"``/``"compiled"`` and ``"fp32"``/``"bf16"``; bf16 is
            requested explicitly (autocast) even where ``config.autocast_dtype`` says fp32.
        on_result: called with ``(key, tokens_per_s)`` after each variant.

    Returns:
        ``{"<mode>_<precision>_tok_s": tokens/s, ..., "n_params": ..., "notes": [...]}``.
    """
    config, x, y = _step_inputs(model_config, batch_size, device, seed)
    results: dict = {"notes": []}
    for mode, precision in variants:
        torch.manual_seed(seed)
        model = GPT(config).to(device)
        results["n_params"] = model.num_parameters()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True if device.startswith("cuda") else None)
        policy = resolve_precision(precision, device)
        runner = model
        if mode == "compiled":
            compiled, message = compile_function(model)
            if compiled is None:
                results["notes"].append(f"{mode} {precision}: {message}")
            else:
                runner = compiled

        def step():
            with policy.autocast():
                _, loss = runner(x, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        for _ in range(warmup):
            step()
        seconds = time_function(step, warmup=0, repeats=steps, device=device)
        key = f"{mode}_{precision}_tok_s"
        results[key] = batch_size * config.block_size / seconds
        if on_result is not None:
            on_result(key, results[key])
    return results


@contextlib.contextmanager
def _without_native_stderr():
    """Send file descriptor 2 to the null device for the duration (C++ log lines, not Python errors)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm")


def matmul_time_share(model_config=None, batch_size: int = 16, steps: int = 3, device: str = "cpu",
                      seed: int = 0) -> dict:
    """Where an eager fp32 training step spends its time: matrix multiplies vs everything else.

    Profiles ``steps`` AdamW steps with ``torch.profiler`` and sums the self time of the matmul
    kernels (``aten::mm``, ``addmm``, ``bmm``, ``baddbmm``). Fusion removes memory traffic
    *between* kernels; it does not make a matmul faster. So if matmuls take a share ``s`` of
    the step, compiling alone can speed the step up by at most ``1 / s`` (Amdahl's law);
    only faster matmuls (bf16 tensor cores, AMX) can go further. Fused attention kernels count
    as "everything else" although they multiply matrices too, so the bound is a generous one.

    Returns:
        ``{"matmul_share": s, "compile_only_bound": 1 / s, "step_s": ..., "matmul_s": ...}``
        (seconds per step; the profiler's own overhead makes ``step_s`` a little longer than
        an unprofiled step).
    """
    config, x, y = _step_inputs(model_config, batch_size, device, seed)
    torch.manual_seed(seed)
    model = GPT(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step():
        _, loss = model(x, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    step()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.startswith("cuda") else [])
    profiler = profile(activities=activities)
    with _without_native_stderr():  # the profiler's C++ side logs a line at start and at stop
        profiler.start()
    try:
        for _ in range(steps):
            step()
        synchronize(device)
    finally:
        with _without_native_stderr():
            profiler.stop()
    events = profiler.key_averages()
    on_gpu = device.startswith("cuda")

    def own_time(event) -> float:
        return (event.self_device_time_total if on_gpu else event.self_cpu_time_total) / 1e6

    total = sum(own_time(event) for event in events)
    matmul = sum(own_time(event) for event in events if event.key in MATMUL_OPS)
    share = matmul / total if total > 0 else float("nan")
    return {"matmul_share": share, "compile_only_bound": 1.0 / share if share > 0 else float("inf"),
            "step_s": total / steps, "matmul_s": matmul / steps}
