"""Real code and documentation from the installed Python's standard library (``sources.local_corpus``).

Only the standard library is read, not site-packages: its licence (PSF License 2.0, read from its
``LICENSE.txt``) allows redistribution, while installed packages carry licences of every kind (some
not redistributable at all). The documents depend on the Python version (recorded in the manifest):
the same Python gives the same bytes.

Domains: ``code`` (source files), ``documentation`` (docstrings, READMEs), ``legal`` (licence files).
``group`` is the file, so a file's code and its docstrings fall on the same side of a split.
"""

from __future__ import annotations

import hashlib
import platform
import sysconfig
from pathlib import Path

from ...errors import InputError
from ..sources import local_corpus, logical_path
from .records import SourceResult

SOURCE = "python-stdlib"
PACKAGES = ()
REDISTRIBUTABLE = True
MAX_DOCS = 800
MAX_BYTES = 50_000
LICENCE_MARKERS = {"PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2": "PSF-2.0"}


def stdlib_root() -> Path:
    """The running Python's standard library folder."""
    return Path(sysconfig.get_paths()["stdlib"])


def stdlib_licence(root: Path) -> tuple[str, str]:
    """``(licence, note)`` read from the standard library's ``LICENSE.txt``."""
    path = Path(root) / "LICENSE.txt"
    if not path.is_file():
        return "unknown", f"no LICENSE.txt in the standard library folder ({path.name} missing)"
    text = path.read_text("utf-8", "replace")
    for marker, licence in LICENCE_MARKERS.items():
        if marker in text:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
            return licence, f"LICENSE.txt of the standard library ({marker.title()}; sha256 {digest}...)"
    return "unknown", "LICENSE.txt names no licence this builder knows"


def parse(archives: dict[str, object], root: Path | None = None, max_docs: int = MAX_DOCS,
          max_bytes: int = MAX_BYTES) -> SourceResult:
    """Documents from the standard library under ``root`` (default: this Python's)."""
    root = Path(root) if root is not None else stdlib_root()
    if not root.is_dir():
        raise InputError(f"not a folder: {root} (the standard library to read)")
    licence, note = stdlib_licence(root)
    frame = local_corpus(max_docs=max_docs, roots=[("stdlib", root)], seed=0, max_bytes=max_bytes)
    version = platform.python_version()
    result = SourceResult(SOURCE, licence=licence, licence_note=note)
    if (root / "LICENSE.txt").is_file():
        result.licence_files["python-LICENSE.txt"] = (root / "LICENSE.txt").read_text("utf-8", "replace")
    result.extra = {"python": f"{platform.python_implementation()} {version}",
                    "skipped_files": dict(sorted(frame.attrs.get("skipped", {}).items())),
                    "max_docs": max_docs, "max_bytes": max_bytes}
    for row in frame.to_dict("records"):
        location = row["path"]
        result.keep({"id": f"{SOURCE}:{row['kind']}:{location}", "source": SOURCE,
                     "url": f"python:{version}/{location}", "path": location, "text": row["text"],
                     "domain": row["domain"], "kind": row["kind"], "licence": licence,
                     "group": f"{SOURCE}:{logical_path(location)}",
                     "language": None if row["domain"] == "code" else "en",
                     "language_basis": None if row["domain"] == "code"
                     else "heuristic: the standard library is documented in English"})
    return result
