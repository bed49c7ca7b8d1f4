"""Where the course keeps its files: the shipped samples, run directories, caches.

The package is installed in editable mode by the Makefile, so the repository root is
found from this file. ``CS229LLM_RUNS`` moves run directories elsewhere.
"""

import os
from pathlib import Path

from .errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_SAMPLES = REPO_ROOT / "data_samples"
NOTEBOOKS = REPO_ROOT / "notebooks"
# The notebooks' sources with the exercises solved; notebooks/*.py are written from them (make student).
SOLUTIONS = REPO_ROOT / "solutions"


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


def check_output_folder(path: str | Path, what: str = "output folder") -> Path:
    """Create ``path`` as a folder one can write in, or refuse in one line before any work.

    Refuses an empty name, an existing file, a path through a file and a folder without write access.
    """
    if str(path).strip() == "":
        raise InputError(f"the {what} is empty: give a folder name")
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file: the {what} must be a folder")
    make_folder(folder, what)
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write in the {what} {folder}: it is read-only")
    return folder


def make_folder(folder: str | Path, what: str = "folder") -> Path:
    """Create ``folder`` (and its parents) or refuse in one line: a file in the way, no permission."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"cannot create the {what} {folder}: part of that path is a file") from None
    except OSError as error:
        raise InputError(f"cannot create the {what} {folder}: {error.strerror or error}") from None
    return folder
