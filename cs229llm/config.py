"""Profiles, device and precision choice, seeding and threads: the one dial for size.

A profile (``ci``, ``laptop``, ``gpu``) sets how big every experiment is. It is chosen by
the ``CS229LLM_PROFILE`` environment variable or an argument; tests run ``ci``, the
notebooks default to ``laptop``. Modules pick their own sizes with :func:`by_profile`, so
adding a knob never means editing this file.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import random
import re
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


def check_types(instance) -> None:
    """Refuse a dataclass field holding a value of the wrong type, in one line naming the field.

    Catches what config files and notebooks pass by mistake: ``"10"`` for 10, ``true`` for 1, ``nan``
    or ``inf`` for a rate. Fields are read from their annotations (``int``, ``float``, ``bool``, ``str``,
    ``dict``, each optionally ``| None``); an integer (NumPy's too) is a fine ``float``.
    """
    for item in fields(instance):
        value = getattr(instance, item.name)
        kind = item.type if isinstance(item.type, str) else getattr(item.type, "__name__", str(item.type))
        if value is None and "None" in kind:
            continue
        if kind.startswith("bool"):
            ok = isinstance(value, bool)
        elif kind.startswith("int"):
            ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        elif kind.startswith("float"):
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
        elif kind.startswith("str"):
            ok = isinstance(value, str)
        elif kind.startswith("dict"):
            ok = isinstance(value, dict)
        else:
            ok = True
        if not ok:
            wanted = kind.replace(" | None", " or null")
            raise InputError(f"{type(instance).__name__}.{item.name} must be {wanted}"
                             f"{' (a finite number)' if 'float' in kind else ''}, got {value!r}")


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
        if not re.fullmatch(r"cpu|cuda(:\d+)?|mps", prefer):
            raise InputError(f"unknown device {prefer!r}: use auto, cpu, cuda or cuda:N")
        if prefer.startswith("cuda") and not torch.cuda.is_available():
            raise InputError("device 'cuda' was asked for, but no CUDA GPU is visible to PyTorch")
        if prefer.startswith("cuda:") and int(prefer[5:]) >= torch.cuda.device_count():
            raise InputError(f"device {prefer!r} does not exist: this machine has {torch.cuda.device_count()} GPU(s)")
        if prefer == "mps" and not torch.backends.mps.is_available():
            raise InputError("device 'mps' was asked for, but PyTorch sees no Apple GPU")
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


MAX_SEED = 2**63  # torch takes seeds below 2**64; JSON and NumPy's 64-bit integers below 2**63


def check_seed(seed, what: str = "seed") -> int:
    """``seed`` when it is a whole number in [0, 2**63); else a one-line :class:`InputError`."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < MAX_SEED:
        raise InputError(f"{what} must be a whole number in [0, 2**63), got {seed!r}")
    return seed


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch so a run is reproducible from its config."""
    check_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def set_threads(num_threads: int | None = None) -> int:
    """Set PyTorch's intra-op threads (default: ``CS229LLM_THREADS`` or all cores); return it.

    Two trainings at once with all cores each slow each other down badly: give each one
    thread when running several.
    """
    if num_threads is None:
        text = os.environ.get("CS229LLM_THREADS", "").strip()
        if text:
            try:
                num_threads = int(text)
            except ValueError:
                raise InputError(f"CS229LLM_THREADS must be a whole number of threads, got {text!r}") from None
        else:
            num_threads = os.cpu_count() or 1
    if isinstance(num_threads, bool) or not isinstance(num_threads, numbers.Integral):
        raise InputError(f"the number of threads must be a whole number, got {num_threads!r}")
    num_threads = max(1, int(num_threads))  # 0 (e.g. half of one core) means one
    torch.set_num_threads(num_threads)
    return num_threads
