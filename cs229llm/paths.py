"""Where the course keeps its files: the shipped samples, run directories, caches.

The package is installed in editable mode by the Makefile, so the repository root is
found from this file. ``CS229LLM_RUNS`` moves run directories elsewhere.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_SAMPLES = REPO_ROOT / "data_samples"
NOTEBOOKS = REPO_ROOT / "notebooks"


def runs_dir() -> Path:
    """The folder that holds run directories (created on first use)."""
    path = Path(os.environ.get("CS229LLM_RUNS", REPO_ROOT / "runs"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """A folder for caches that are safe to delete (compiled kernels, downloads)."""
    path = Path(os.environ.get("CS229LLM_CACHE", REPO_ROOT / ".cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path
