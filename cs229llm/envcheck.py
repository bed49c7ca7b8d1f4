"""The environment check (``cs229llm env`` and notebook 00): OK/FAIL per dependency.

Prints each package the course needs with its version, then the device, bf16 support and
whether ``torch.compile`` works here. Bug reports should include its output.
"""

from __future__ import annotations

import importlib
import platform
from dataclasses import dataclass
from importlib import metadata

import torch

from . import config

# (import name, distribution name, what the course uses it for)
REQUIRED = [
    ("torch", "torch", "models, training, mixed precision, torch.compile"),
    ("numpy", "numpy", "arrays everywhere"),
    ("pandas", "pandas", "the documents table"),
    ("pyarrow", "pyarrow", "Parquet files"),
    ("matplotlib", "matplotlib", "plots"),
    ("ipywidgets", "ipywidgets", "sliders in the notebooks"),
    ("tqdm", "tqdm", "progress bars"),
    ("regex", "regex", "tokenizer pre-splitting"),
    ("safetensors", "safetensors", "checkpoints without pickle"),
    ("datasketch", "datasketch", "MinHash reference implementation"),
    ("tokenizers", "tokenizers", "fast BPE training"),
    ("warcio", "warcio", "reading and writing WARC files"),
    ("fastwarc", "fastwarc", "fast WARC reading"),
    ("resiliparse", "resiliparse", "HTML to text extraction"),
    ("trafilatura", "trafilatura", "HTML to text extraction"),
    ("py3langid", "py3langid", "language identification"),
    ("sklearn", "scikit-learn", "quality and domain classifiers"),
    ("dask", "dask", "data stages beyond one machine"),
    ("distributed", "distributed", "Dask clusters"),
    ("requests", "requests", "downloaders"),
]
OPTIONAL = [
    ("jupyterlab", "jupyterlab", "running the notebooks"),
    ("jupytext", "jupytext", "paired notebook sources"),
    ("nbval", "nbval", "testing the notebooks"),
    ("playwright", "playwright", "browser tests of the notebooks"),
]


@dataclass
class CheckRow:
    """One line of the environment check."""
    name: str
    ok: bool
    detail: str
    required: bool = True


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def check_packages() -> list[CheckRow]:
    """Import each package the course uses; a row per package with its version or the error."""
    rows = []
    for group, required in ((REQUIRED, True), (OPTIONAL, False)):
        for module, distribution, purpose in group:
            try:
                importlib.import_module(module)
                rows.append(CheckRow(distribution, True, f"{_version(distribution)}  ({purpose})", required))
            except Exception as error:  # an import can fail in many ways; report, do not crash
                rows.append(CheckRow(distribution, False, f"{type(error).__name__}: {error}", required))
    return rows


def check_torch(try_compile: bool = True) -> list[CheckRow]:
    """Device, precision and compiler facts about this machine."""
    rows = []
    device = config.choose_device()
    if device == "cuda":
        name = torch.cuda.get_device_name(0)
        rows.append(CheckRow("device", True, f"cuda ({name}), torch {torch.__version__}"))
        rows.append(CheckRow("bf16", True, "supported" if torch.cuda.is_bf16_supported() else "not supported: fp16 + GradScaler"))
    else:
        rows.append(CheckRow("device", True, f"cpu ({platform.processor() or platform.machine()}), "
                             f"{torch.get_num_threads()} threads, torch {torch.__version__}"))
        support = config.cpu_bf16_support()
        detail = ("native (AVX512-BF16 or AMX): autocast to bf16 by default" if support == "native"
                  else "emulated: bf16 autocast works but the math runs in fp32 units; training defaults to fp32")
        rows.append(CheckRow("bf16", True, detail, required=False))
    if try_compile:
        works, message = config.compile_status()
        rows.append(CheckRow("torch.compile", works, message, required=False))
    return rows


def run_checks(try_compile: bool = True) -> list[CheckRow]:
    """All rows: packages, then device facts."""
    return check_packages() + check_torch(try_compile=try_compile)


def format_rows(rows: list[CheckRow]) -> str:
    """Render rows as an aligned OK/FAIL table (``WARN`` for optional things that fail)."""
    width = max(len(row.name) for row in rows)
    lines = []
    for row in rows:
        status = "OK  " if row.ok else ("FAIL" if row.required else "WARN")
        lines.append(f"{status}  {row.name:<{width}}  {row.detail}")
    return "\n".join(lines)


def all_required_ok(rows: list[CheckRow]) -> bool:
    """True when every required row passed."""
    return all(row.ok for row in rows if row.required)
