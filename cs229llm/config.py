"""Profiles, device and precision choice, seeding and threads: the one dial for size.

A profile (``ci``, ``laptop``, ``gpu``) sets how big every experiment is. It is chosen by
the ``CS229LLM_PROFILE`` environment variable or an argument; tests run ``ci``, the
notebooks default to ``laptop``. Modules pick their own sizes with :func:`by_profile`, so
adding a knob never means editing this file.
"""

from __future__ import annotations

import functools
import os
import random
from dataclasses import dataclass, fields

import numpy as np
import torch

from .errors import InputError
from .paths import cache_dir

PROFILE_ENV = "CS229LLM_PROFILE"
PROFILES = ("ci", "laptop", "gpu")
DEFAULT_PROFILE = "laptop"


@dataclass(frozen=True)
class Profile:
    """A named size for every experiment in the course.

    Attributes:
        name: ``ci`` (seconds, for tests), ``laptop`` (minutes on a laptop CPU) or ``gpu``.
        description: one line a learner can read.
    """
    name: str
    description: str


_DESCRIPTIONS = {
    "ci": "smallest sizes: every notebook in well under a minute on 2 CPU cores (tests)",
    "laptop": "a few minutes per notebook on a laptop CPU (the default)",
    "gpu": "bigger models and data for a CUDA GPU (bf16 + torch.compile)",
}


def get_profile(name: str | None = None) -> Profile:
    """Return the profile named ``name``, else the one in ``CS229LLM_PROFILE``, else ``laptop``.

    Raises:
        InputError: the name is not one of ``ci``, ``laptop``, ``gpu``.
    """
    chosen = (name or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE).strip().lower()
    if chosen not in PROFILES:
        raise InputError(
            f"unknown profile {chosen!r}: choose one of {', '.join(PROFILES)} "
            f"(argument --profile or environment variable {PROFILE_ENV})"
        )
    return Profile(chosen, _DESCRIPTIONS[chosen])


def by_profile(ci, laptop, gpu=None, profile: str | Profile | None = None):
    """Pick a value for the current profile: ``by_profile(ci=200, laptop=2000, gpu=20000)``.

    ``gpu`` defaults to the ``laptop`` value.
    """
    if isinstance(profile, Profile):
        profile = profile.name
    name = get_profile(profile).name
    return {"ci": ci, "laptop": laptop, "gpu": laptop if gpu is None else gpu}[name]


def dataclass_from_dict(cls, values: dict):
    """Build the dataclass ``cls`` from ``values``, refusing unknown keys with a clear message."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(f"unknown {cls.__name__} fields: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return cls(**values)


# ---------------------------------------------------------------- device and precision


def choose_device(prefer: str | None = None) -> str:
    """``"cuda"`` when a CUDA GPU is present (or ``prefer`` says so), else ``"cpu"``."""
    if prefer:
        if prefer.startswith("cuda") and not torch.cuda.is_available():
            raise InputError("device 'cuda' was asked for, but no CUDA GPU is visible to PyTorch")
        return prefer
    return "cuda" if torch.cuda.is_available() else "cpu"


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """CPU feature flags from /proc/cpuinfo (empty where that file does not exist)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_bf16_support() -> str:
    """How this CPU runs bfloat16 math.

    Returns:
        ``"native"`` with AVX512-BF16 or AMX (bf16 dot products in hardware), or
        ``"emulated"`` otherwise (PyTorch converts to fp32 inside its kernels: it works,
        and halves memory traffic, but the arithmetic is not faster).
    """
    flags = cpu_flags()
    if {"avx512_bf16", "amx_bf16"} & flags:
        return "native"
    return "emulated"


def autocast_dtype(device: str):
    """The 16-bit type to autocast to on ``device``, or ``None`` for plain fp32.

    CUDA: bf16 where the GPU supports it (Ampere and newer), else fp16 (with a GradScaler).
    CPU: bf16 only where the CPU supports it in hardware (see :func:`cpu_bf16_support`).
    """
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if cpu_bf16_support() == "native" else None


def compile_by_default(device: str) -> bool:
    """Whether training uses ``torch.compile`` by default on ``device`` (CUDA yes; CPU when it works)."""
    if device.startswith("cuda"):
        return True
    return compile_works()


@functools.lru_cache(maxsize=1)
def compile_works() -> bool:
    """Try ``torch.compile`` on a tiny function once; ``False`` where no compiler works here."""
    return compile_status()[0]


@functools.lru_cache(maxsize=1)
def compile_status() -> tuple[bool, str]:
    """``(works, message)`` for ``torch.compile`` on this machine (compiles a tiny function once)."""
    enable_compile_cache()
    try:
        compiled = torch.compile(lambda x: torch.nn.functional.gelu(x) * 2.0 + 1.0)
        x = torch.randn(64)
        expected = torch.nn.functional.gelu(x) * 2.0 + 1.0
        if not torch.allclose(compiled(x), expected, atol=1e-5):
            return False, "torch.compile ran but gave a different answer; eager mode will be used"
        return True, "torch.compile works (inductor)"
    except Exception as error:  # any compiler failure means: fall back to eager
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return False, f"torch.compile is not available here ({first_line[:160]}); eager mode will be used"


def enable_compile_cache() -> str:
    """Point inductor's kernel cache at a persistent folder (a cold compile costs 15-30 s)."""
    path = os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(cache_dir() / "inductor"))
    return path


# ---------------------------------------------------------------- seeds and threads


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch so a run is reproducible from its config."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def set_threads(num_threads: int | None = None) -> int:
    """Set PyTorch's intra-op threads (default: ``CS229LLM_THREADS`` or all cores); return it.

    Two trainings at once with all cores each slow each other down badly: give each one
    thread when running several.
    """
    if num_threads is None:
        num_threads = int(os.environ.get("CS229LLM_THREADS", os.cpu_count() or 1))
    num_threads = max(1, int(num_threads))
    torch.set_num_threads(num_threads)
    return num_threads
