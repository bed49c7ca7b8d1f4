"""The training loop: precision policy, torch.compile with eager fallback, checkpoints that resume exactly.

Stage "pretraining" of the lecture. One function, :func:`train`, runs AdamW (fused on CUDA)
with gradient accumulation and clipping under a schedule, logs tokens/s and MFU
(``6N + 12·L·H·Q·T`` FLOPs per token against the device's peak), evaluates per-domain bits
per byte through an ``eval_fn`` hook, can switch the sampler's mixture at a step (annealing),
writes a run directory (config.json, metrics.jsonl, safetensors checkpoints) and resumes
from its latest checkpoint bit for bit. Under ``torchrun`` it wraps the model in DDP.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import torch
from tqdm.auto import tqdm

from ..config import (
    check_seed,
    check_types,
    choose_device,
    compile_status,
    dataclass_from_dict,
    enable_compile_cache,
    seed_everything,
)
from ..errors import InputError
from ..paths import runs_dir
from .checkpoint import latest_checkpoint, load_checkpoint, read_state, save_checkpoint
from .distributed import all_reduce_mean, distributed_info, wrap_ddp
from .precision import resolve_precision
from .schedules import Schedule

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
LOCK_FILE = ".lock"
# settings a resumed run may change without changing its weights; any other change needs override=True
CHANGEABLE_ON_RESUME = frozenset({"eval_every", "log_every", "checkpoint_every", "keep_checkpoints", "run_dir",
                                  "run_name", "resume", "peak_flops", "progress", "device"})


class BatchSampler(Protocol):
    """What the trainer needs from a sampler (``cs229llm.tokenization.shards.MixtureSampler``)."""

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]: ...  # (x[B, T], y[B, T]) LongTensors
    def state_dict(self) -> dict: ...  # JSON-able position
    def load_state_dict(self, state: dict) -> None: ...
    def set_mixture(self, weights: dict[str, float]) -> None: ...


class TrainingDiverged(InputError):
    """The loss became NaN or infinite: the run stops with a message saying what to change."""


# Dense bf16 tensor-core peaks (FLOP/s) from the vendors' spec sheets, without 2:4 sparsity (the sheets'
# headline figures are often the sparse ones, twice these); docs/references.md#gpu-peak-flops.
# Matched in order against the lowercased device name, so the more specific names come first.
PEAK_FLOPS_BF16: tuple[tuple[str, str, float], ...] = (
    ("h200", "H200", 989e12),
    ("h100 pcie", "H100 PCIe", 756e12),
    ("h100 nvl", "H100 NVL", 835e12),
    ("h100", "H100 SXM", 989e12),
    ("a100", "A100", 312e12),
    ("l40s", "L40S", 362e12),
    ("l4", "L4", 121e12),
    ("rtx 4090", "RTX 4090", 165e12),  # bf16 with fp32 accumulation, as PyTorch runs it
)


@dataclass
class TrainConfig:
    """Everything that decides a training run (saved as the run's ``config.json``).

    Attributes:
        max_steps: optimizer steps.
        grad_accum_steps: micro-batches per optimizer step (tokens/step = accum x B x T).
        lr, schedule, warmup_steps, min_lr_ratio, decay_fraction: see :class:`Schedule`.
        weight_decay, beta1, beta2: AdamW (decay on matrices only, not norms or biases).
        grad_clip: clip the global gradient norm to this (0 disables).
        precision: ``fp32``, ``bf16``, ``fp16`` or ``auto``.
        compile: ``torch.compile`` the model (falls back to eager with a message where it fails).
        device: ``auto``, ``cpu`` or ``cuda``.
        eval_every: call ``eval_fn`` every this many steps (and at the end); 0 only at the end.
        log_every: log train loss, tokens/s and MFU every this many steps.
        checkpoint_every: save every this many steps (0: only at the end); keep_checkpoints newest kept.
        run_dir: the run directory (default: ``runs_dir()/run_name``).
        run_name: folder name under ``runs_dir()`` (default: a timestamp).
        resume: continue from the newest checkpoint in the run directory, if there is one.
        seed: seeds Python, NumPy and torch before the model is used (0 <= seed < 2**63).
        deterministic: ``torch.use_deterministic_algorithms`` during the run, so the same seed gives
            the same weights bit for bit, resumed or not, compiled or not (compiled CPU kernels
            otherwise add embedding gradients from several threads in whatever order they finish).
        mixture_switch_step, mixture_switch_weights: at that step call ``sampler.set_mixture``.
        peak_flops: the device's peak FLOP/s for MFU (default: known GPUs, else no MFU).
        progress: show a tqdm progress bar.
    """
    max_steps: int = 200
    grad_accum_steps: int = 1
    lr: float = 1e-3
    schedule: str = "cosine"
    warmup_steps: int = 10
    min_lr_ratio: float = 0.1
    decay_fraction: float = 0.2
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    precision: str = "fp32"
    compile: bool = False
    device: str = "auto"
    eval_every: int = 50
    log_every: int = 10
    checkpoint_every: int = 0
    keep_checkpoints: int = 2
    run_dir: str | None = None
    run_name: str | None = None
    resume: bool = True
    seed: int = 0
    deterministic: bool = True
    mixture_switch_step: int | None = None
    mixture_switch_weights: dict | None = None
    peak_flops: float | None = None
    progress: bool = False

    def __post_init__(self) -> None:
        check_types(self)
        at_least = {"max_steps": 1, "grad_accum_steps": 1, "warmup_steps": 0, "eval_every": 0, "log_every": 0,
                    "checkpoint_every": 0, "keep_checkpoints": 0, "weight_decay": 0, "grad_clip": 0}
        for name, minimum in at_least.items():
            if getattr(self, name) < minimum:
                raise InputError(f"{name} must be >= {minimum}, got {getattr(self, name)}")
        if self.lr <= 0:
            raise InputError(f"lr must be positive, got {self.lr}")
        for name in ("beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise InputError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        check_seed(self.seed)
        if self.peak_flops is not None and self.peak_flops <= 0:
            raise InputError(f"peak_flops must be positive, got {self.peak_flops}")
        if self.precision not in PRECISIONS:
            raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if (self.mixture_switch_step is None) != (self.mixture_switch_weights is None):
            raise InputError("give both mixture_switch_step and mixture_switch_weights, or neither")
        self.schedule_object()  # validates the schedule fields

    def schedule_object(self) -> Schedule:
        """The learning-rate :class:`Schedule` these settings describe."""
        return Schedule(kind=self.schedule, peak_lr=self.lr, total_steps=self.max_steps,
                        warmup_steps=min(self.warmup_steps, self.max_steps), min_lr_ratio=self.min_lr_ratio,
                        decay_fraction=self.decay_fraction)

    def to_dict(self) -> dict:
        """The config as a JSON-able dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """Build from a dict, refusing unknown keys with a clear message."""
        return dataclass_from_dict(cls, values)


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes:
        run_dir: the run directory.
        step: optimizer steps completed.
        history: every logged event (dicts with ``kind`` = ``train`` / ``eval`` / ...).
        final_eval: the last ``eval_fn`` metrics ({} without eval_fn).
        tokens_per_second: mean training throughput (excluding evaluation and checkpoints).
        resumed_from: the step training resumed from (None for a fresh run).
        compiled: whether the model ran compiled.
        notes: messages (compile fallback, ...).
    """
    run_dir: Path
    step: int
    history: list[dict] = field(default_factory=list)
    final_eval: dict = field(default_factory=dict)
    tokens_per_second: float = 0.0
    resumed_from: int | None = None
    compiled: bool = False
    notes: list[str] = field(default_factory=list)

    def events(self, kind: str) -> list[dict]:
        """The history's events of one kind."""
        return [event for event in self.history if event.get("kind") == kind]


# ---------------------------------------------------------------- helpers


def peak_flops_lookup(device_name: str) -> tuple[float | None, str]:
    """(peak dense bf16 FLOP/s, what it was matched to) for a GPU name such as ``"NVIDIA H100 80GB HBM3"``.

    An unknown name gives ``(None, reason)``: MFU is then not reported, rather than guessed.
    """
    lowered = device_name.lower()
    for pattern, label, peak in PEAK_FLOPS_BF16:
        if pattern in lowered:
            return peak, f"{label}: {peak / 1e12:.0f} TFLOP/s dense bf16"
    return None, (f"the peak FLOP/s of {device_name!r} is not in the course's table (PEAK_FLOPS_BF16), so MFU "
                  "is not reported; give TrainConfig.peak_flops to report it")


def peak_flops_for(device: str) -> float | None:
    """Peak dense bf16 FLOP/s of the CUDA GPU ``device`` when the table knows it, else None (and on CPU)."""
    if not str(device).startswith("cuda") or not torch.cuda.is_available():
        return None
    return peak_flops_lookup(torch.cuda.get_device_name(torch.device(device)))[0]


def clip_gradients(parameters, max_norm: float):
    """Scale all gradients by one factor so that their *global* L2 norm is at most ``max_norm``; 0 disables.

    The global norm is sqrt(sum of every gradient entry squared), over all parameters together. When it
    exceeds ``max_norm`` every gradient is multiplied by ``max_norm / (norm + 1e-6)`` (PyTorch's
    ``clip_grad_norm_``, which the trainer calls after the last micro-batch); otherwise nothing changes.

    Returns:
        the global norm before clipping (a tensor), or None when ``max_norm`` is 0.
    """
    if max_norm <= 0:
        return None
    return torch.nn.utils.clip_grad_norm_(parameters, max_norm)


def model_flops_utilization(flops_per_token: float, tokens_per_second: float, peak_flops: float,
                            world_size: int = 1) -> float:
    """MFU: the share of the devices' peak FLOP/s that the model's training FLOPs use.

    Args:
        flops_per_token: training FLOPs per token (``GPT.flops_per_token``: 6N + 12 L H Q T).
        tokens_per_second: training tokens per second, all processes together.
        peak_flops: one device's peak FLOP/s.
        world_size: how many devices share the work.
    """
    return flops_per_token * tokens_per_second / (peak_flops * world_size)


def make_optimizer(model: torch.nn.Module, config: TrainConfig, device: str) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only; the fused kernel on CUDA."""
    decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    fused = str(device).startswith("cuda")
    return torch.optim.AdamW(groups, lr=config.lr, betas=(config.beta1, config.beta2), fused=fused or None)


def _resolve_run_dir(config: TrainConfig) -> Path:
    if config.run_dir:
        return Path(config.run_dir)
    name = config.run_name or time.strftime("run-%Y%m%d-%H%M%S")
    return runs_dir() / name


class RunLock:
    """``run_dir/.lock`` while a training writes the run directory: a second writer is refused.

    The lock names its process; a lock left by a process that no longer runs (killed with
    SIGKILL, a crashed kernel) is taken over, so a killed run can always be resumed.
    """

    def __init__(self, run_dir: str | Path):
        self.path = Path(run_dir) / LOCK_FILE
        self.held = False

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        owner = f"{socket.gethostname()} {os.getpid()}"
        for _ in range(2):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is not None:
                    raise InputError(f"{self.path.parent} is being written by another training ({holder}); "
                                     "wait for it to finish or choose another run directory") from None
                self.path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(descriptor, "w") as handle:
                handle.write(owner + "\n")
            self.held = True
            return self
        raise InputError(f"could not take the lock {self.path}; delete it if no training is running")

    def _holder(self) -> str | None:
        """Who holds the lock, when that process still runs on this machine; None for a stale lock."""
        try:
            host, pid = self.path.read_text().split()
            pid_number = int(pid)
        except (OSError, ValueError):
            return None
        if host != socket.gethostname():
            return f"process {pid} on {host}"
        if pid_number == os.getpid():
            return f"this process ({pid})"
        try:
            os.kill(pid_number, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return f"process {pid}"

    def __exit__(self, *exc) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False


@contextlib.contextmanager
def deterministic_algorithms(enabled: bool):
    """``torch.use_deterministic_algorithms`` on for the block (warnings only), restored after.

    Measured on this course's CPU runs: compiled (Inductor) training without it differs between
    two identical runs by about 1e-7 in the weights; with it, fp32 and bf16, eager and compiled,
    resume bit for bit. cuBLAS needs ``CUBLAS_WORKSPACE_CONFIG`` set before it starts.
    """
    if not enabled:
        yield
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    previous, previous_warn = torch.are_deterministic_algorithms_enabled(), \
        torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous, warn_only=previous_warn)


def check_resume(state: dict, config: TrainConfig, model_config: dict | None, checkpoint: Path,
                 override: bool) -> dict:
    """Refuse a resume that would not continue the same run; return the changes ``override`` accepts.

    Returns:
        ``{setting: [saved, now]}`` for settings that changed (empty unless ``override``).
    """
    step = int(state.get("step", 0))
    if step > config.max_steps:
        raise InputError(f"{checkpoint} is at step {step}, past max_steps={config.max_steps}: give at least "
                         f"{step} steps, or another run directory to start afresh")
    saved_model = state.get("model_config")
    if saved_model is not None and model_config is not None and saved_model != model_config:
        changed = sorted(key for key in set(saved_model) | set(model_config)
                         if saved_model.get(key) != model_config.get(key))
        raise InputError(f"{checkpoint} holds another model ({', '.join(f'{key}={saved_model.get(key)!r}' for key in changed)}"
                         f" there, {', '.join(f'{key}={model_config.get(key)!r}' for key in changed)} now): "
                         "use the same model settings, or another run directory")
    saved = state.get("train_config") or {}
    now = config.to_dict()
    changes = {key: [saved[key], now[key]] for key in sorted(now)
               if key in saved and key not in CHANGEABLE_ON_RESUME and saved[key] != now[key]}
    if changes and not override:
        listed = ", ".join(f"{key} {old!r} -> {new!r}" for key, (old, new) in changes.items())
        raise InputError(f"resuming {checkpoint.parent.parent} with changed settings ({listed}); use the saved "
                         "settings, pass override (`--override`) to continue with the new ones, or use another "
                         "run directory")
    return changes


def _previous_overrides(run_dir: Path) -> list:
    try:
        return list(json.loads((run_dir / "config.json").read_text(encoding="utf-8")).get("overrides", []))
    except (OSError, ValueError, AttributeError):
        return []


def _model_config_dict(model: torch.nn.Module) -> dict | None:
    model_config = getattr(model, "config", None)
    return model_config.to_dict() if hasattr(model_config, "to_dict") else None


class _MetricsLog:
    """Append-only JSONL log; on resume, drops lines from steps after the checkpoint."""

    def __init__(self, path: Path, resume_step: int | None, enabled: bool):
        self.path, self.enabled = path, enabled
        if not enabled:
            return
        if resume_step is None:
            path.write_text("", encoding="utf-8")
        elif path.exists():
            kept = [line for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip() and json.loads(line).get("step", 0) <= resume_step]
            path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")

    def write(self, event: dict) -> None:
        if self.enabled:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(event) + "\n")


def _compile_model(model: torch.nn.Module, notes: list[str]):
    enable_compile_cache()
    works, message = compile_status()
    if not works:
        notes.append(message)
        print(message)
        return model, False
    return torch.compile(model), True


# ---------------------------------------------------------------- the loop


def train(model: torch.nn.Module, sampler: BatchSampler, config: TrainConfig,
          callbacks: list[Callable[[dict], Any]] | tuple = (), eval_fn: Callable | None = None,
          override: bool = False) -> TrainResult:
    """Train ``model`` on batches from ``sampler``; write and resume a run directory.

    Args:
        model: a GPT (``forward(x[B, T], y[B, T]) -> (logits, loss)``), on CPU; it is moved
            to the configured device.
        sampler: anything with ``next_batch() -> (x[B, T], y[B, T])``, ``state_dict()``,
            ``load_state_dict(state)`` and ``set_mixture(weights)``. Under DDP give each rank
            its own seed.
        config: the :class:`TrainConfig`.
        callbacks: functions called with every event dict (``kind`` is ``train``, ``eval``,
            ``checkpoint``, ``mixture`` or ``end``), e.g. a :class:`LiveTrainingPlot`.
        eval_fn: ``eval_fn(model) -> dict of metrics`` (e.g. per-domain bits per byte from
            :func:`cs229llm.evaluation.perplexity.make_eval_fn`), run on the uncompiled model.
        override: when resuming, accept settings that differ from the checkpoint's (recorded in
            ``config.json`` under ``overrides``); without it a change that alters the weights is refused.

    Returns:
        a :class:`TrainResult`.

    Raises:
        TrainingDiverged: the loss became NaN or infinite.
        InputError: another process is writing the run directory; resuming with changed settings
            (without ``override``), with another model, or past ``max_steps``; a damaged checkpoint.
    """
    dist = distributed_info()
    run_dir = _resolve_run_dir(config)
    lock = RunLock(run_dir) if dist.rank == 0 else contextlib.nullcontext()
    with lock, deterministic_algorithms(config.deterministic):
        return _train(model, sampler, config, list(callbacks), eval_fn, override, dist, run_dir)


def _train(model, sampler, config: TrainConfig, callbacks: list, eval_fn, override: bool, dist,
           run_dir: Path) -> TrainResult:
    device = dist.device if dist.enabled else choose_device(None if config.device == "auto" else config.device)
    is_main = dist.rank == 0
    checkpoint_dir = run_dir / "checkpoints"
    if is_main:
        checkpoint_dir.mkdir(parents=True, exist_ok=True)

    seed_everything(config.seed + dist.rank)
    model.to(device)
    raw_model = model
    policy = resolve_precision(config.precision, device)
    scaler = policy.grad_scaler()
    optimizer = make_optimizer(raw_model, config, device)
    schedule = config.schedule_object()

    # resume: weights, optimizer, scaler, RNG, sampler position
    start_step, resumed_from, overrides = 0, None, []
    found = latest_checkpoint(checkpoint_dir) if config.resume else None
    if found is not None:
        overrides = check_resume(read_state(found), config, _model_config_dict(raw_model), found, override)
        state = load_checkpoint(found, raw_model, optimizer)
        if state.get("sampler") is not None:
            sampler.load_state_dict(state["sampler"])
        if state.get("grad_scaler"):
            scaler.load_state_dict(state["grad_scaler"])
        start_step = resumed_from = int(state["step"])
    notes: list[str] = []
    if is_main:
        recorded = _previous_overrides(run_dir) if found is not None else []
        if overrides:
            recorded.append({"step": start_step, "changed": overrides})
        with open(run_dir / "config.json", "w", encoding="utf-8") as handle:
            json.dump({"train": config.to_dict(), "model": _model_config_dict(raw_model),
                       "device": device, "precision": policy.name, "world_size": dist.world_size,
                       **({"overrides": recorded} if recorded else {})}, handle, indent=2)
    log = _MetricsLog(run_dir / "metrics.jsonl", resumed_from, enabled=is_main)

    step_model = wrap_ddp(raw_model, dist) if dist.enabled else raw_model
    compiled = False
    if config.compile:
        step_model, compiled = _compile_model(step_model, notes)
    # compile or eager is decided once, at the first step: a compiled model that fails later stops the run
    compile_decided = not compiled

    flops_per_token = raw_model.flops_per_token() if hasattr(raw_model, "flops_per_token") else None
    peak = config.peak_flops or peak_flops_for(device)
    if peak is None and str(device).startswith("cuda") and is_main:
        notes.append(peak_flops_lookup(torch.cuda.get_device_name(torch.device(device)))[1])
        print(notes[-1])
    history: list[dict] = []
    final_eval: dict = {}

    def emit(event: dict) -> None:
        history.append(event)
        log.write(event)
        if is_main:
            for callback in callbacks:
                callback(event)

    def run_eval(step: int) -> dict:
        if eval_fn is None or not is_main:
            return {}
        metrics = {key: float(value) for key, value in eval_fn(raw_model).items()}
        emit({"kind": "eval", "step": step, **metrics})
        return metrics

    def checkpoint(step: int) -> None:
        if not is_main:
            return
        sampler_state = sampler.state_dict()
        path = save_checkpoint(checkpoint_dir, raw_model, optimizer, {
            "step": step, "train_config": config.to_dict(), "model_config": _model_config_dict(raw_model),
            "sampler": sampler_state, "grad_scaler": scaler.state_dict() if policy.uses_grad_scaler else None,
        }, keep=config.keep_checkpoints)
        emit({"kind": "checkpoint", "step": step, "path": str(path)})

    progress = None
    if config.progress and is_main:
        progress = tqdm(total=config.max_steps, initial=start_step, desc="train")

    if start_step == 0 and config.eval_every and eval_fn is not None:
        final_eval = run_eval(0)
    raw_model.train()
    window_tokens, window_time, total_tokens, total_time = 0, 0.0, 0, 0.0
    window_losses: list[float] = []
    for step in range(start_step, config.max_steps):
        if config.mixture_switch_step is not None and step == config.mixture_switch_step:
            sampler.set_mixture(config.mixture_switch_weights)
            emit({"kind": "mixture", "step": step, "weights": config.mixture_switch_weights})
        started = time.perf_counter()
        lr = schedule(step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        step_loss = 0.0
        tokens = 0
        for micro in range(config.grad_accum_steps):
            x, y = sampler.next_batch()
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            last = micro == config.grad_accum_steps - 1
            sync = torch.nn.parallel.DistributedDataParallel.no_sync if (dist.enabled and not last) else None
            context = sync(step_model if not compiled else step_model._orig_mod) if sync else contextlib.nullcontext()
            with context:
                try:
                    with policy.autocast():
                        _, loss = step_model(x, y)
                except Exception as error:
                    if not compiled:
                        raise
                    reason = str(error).strip().splitlines()[0][:160] if str(error).strip() else type(error).__name__
                    if compile_decided:  # it compiled and ran before: this is a real failure, not a missing compiler
                        raise RuntimeError(f"the compiled model failed at step {step} after running compiled "
                                           f"before ({reason}); rerun with compile off to see whether eager "
                                           "mode fails too") from error
                    message = (f"torch.compile failed at the first step ({reason}); "
                               "the whole run continues in eager mode")
                    notes.append(message)
                    print(message)
                    step_model = wrap_ddp(raw_model, dist) if dist.enabled else raw_model
                    compiled = False
                    with policy.autocast():
                        _, loss = step_model(x, y)
                scaler.scale(loss / config.grad_accum_steps).backward()
            step_loss += float(loss.detach()) / config.grad_accum_steps
            tokens += x.numel()
            compile_decided = True
        if dist.enabled:  # every rank sees the global mean: the same log line and the same NaN decision
            step_loss = all_reduce_mean(step_loss)
        if not math.isfinite(step_loss):
            if progress is not None:
                progress.close()
            raise TrainingDiverged(
                f"the loss became {step_loss} at step {step} (learning rate {lr:.3g}): lower the learning rate, "
                "keep gradient clipping on (grad_clip), or use bf16 instead of fp16; "
                f"the last good checkpoint is in {checkpoint_dir}")
        if config.grad_clip > 0:
            scaler.unscale_(optimizer)
            clip_gradients(raw_model.parameters(), config.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        if str(device).startswith("cuda"):
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - started
        tokens *= dist.world_size
        window_tokens += tokens
        window_time += elapsed
        total_tokens += tokens
        total_time += elapsed
        window_losses.append(step_loss)
        done = step + 1
        if progress is not None:
            progress.update(1)
        if config.log_every and (done % config.log_every == 0 or done == config.max_steps):
            tokens_per_second = window_tokens / max(window_time, 1e-9)
            event = {"kind": "train", "step": done, "loss": sum(window_losses) / len(window_losses),
                     "lr": lr, "tokens_per_s": tokens_per_second, "tokens_seen": done * tokens}
            if flops_per_token and peak:
                event["mfu"] = model_flops_utilization(flops_per_token, tokens_per_second, peak, dist.world_size)
            emit(event)
            window_tokens, window_time, window_losses = 0, 0.0, []
        if config.eval_every and done % config.eval_every == 0 and done != config.max_steps:
            final_eval = run_eval(done)
        if config.checkpoint_every and done % config.checkpoint_every == 0 and done != config.max_steps:
            checkpoint(done)
    if progress is not None:
        progress.close()

    final_step = config.max_steps
    if eval_fn is not None:
        final_eval = run_eval(final_step)
    checkpoint(final_step)
    throughput = total_tokens / total_time if total_time else 0.0
    emit({"kind": "end", "step": final_step, "tokens_per_s": throughput, "compiled": compiled})
    return TrainResult(run_dir=run_dir, step=final_step, history=history, final_eval=final_eval,
                       tokens_per_second=throughput, resumed_from=resumed_from, compiled=compiled, notes=notes)
