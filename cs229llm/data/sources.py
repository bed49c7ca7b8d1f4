"""A real corpus nobody here wrote: the Python standard library and the installed packages.

Source files become the ``code`` domain; READMEs, docs pages, package long descriptions
(``METADATA``) and module docstrings become ``documentation``; license files become
``legal``. Being real, it has real duplicates: vendored copies of the same library (pip
and setuptools both ship ``packaging``), and license texts that differ only in a name or
a year. Order is a seeded hash of each file's *logical* path (vendoring prefix removed),
so a capped sample spreads over packages and vendored copies sit next to each other.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import inspect
import os
import re
import site
import sysconfig
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .documents import new_documents

LOCAL_DOMAINS = ("code", "documentation", "legal")
# shares of a capped sample per (domain, kind): docstrings outnumber READMEs 50 to 1 on disk
KIND_SHARES = {("code", "source"): 0.5, ("legal", "license"): 0.15, ("documentation", "docstrings"): 0.2,
               ("documentation", "docs"): 0.08, ("documentation", "long_description"): 0.07}
LICENSE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "COPYRIGHT")
DOC_PREFIXES = ("README", "CHANGELOG", "CHANGES", "HISTORY", "CONTRIBUTING")
SKIP_DIRS = {"__pycache__", "site-packages", "dist-packages", "test", "tests", "idle_test", ".git"}
_STRING_STATEMENT = re.compile(r'^[ \t]*[rRuU]?("""|\'\'\')(.*?)\1[ \t]*$', re.M | re.S)
_DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+def|def|class)[ \t]+(\w+)", re.M)
VENDOR_MARKERS = ("/_vendor/", "/vendored/", "/_vendored/", "/vendor/", "/_distutils/")


@dataclass(frozen=True)
class Candidate:
    """A file (or a derived view of one, like its docstrings) that may become a document."""
    order: str
    domain: str
    kind: str
    source: str
    package: str
    path: Path
    location: str


def default_roots() -> list[tuple[str, Path]]:
    """``(source, folder)`` pairs: the standard library and this interpreter's site-packages."""
    roots = [("stdlib", Path(sysconfig.get_paths()["stdlib"]))]
    seen = {roots[0][1].resolve()}
    for folder in [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()]:
        path = Path(folder)
        if path.is_dir() and path.resolve() not in seen:
            seen.add(path.resolve())
            roots.append(("site-packages", path))
    return roots


def logical_path(location: str) -> str:
    """The path a file would have in its own project: vendoring prefixes removed.

    ``pip/_vendor/packaging/version.py`` and ``setuptools/_vendor/packaging/version.py``
    both become ``packaging/version.py``.
    """
    marked = "/" + location
    for marker in VENDOR_MARKERS:
        if marker in marked:
            marked = "/" + marked.rsplit(marker, 1)[1]
    return marked.lstrip("/")


def _order_key(seed: int, kind: str, location: str) -> str:
    return hashlib.sha1(f"{seed}:{kind}:{logical_path(location)}".encode()).hexdigest() + location


def _classify_file(name: str, relative: str) -> list[tuple[str, str]]:
    """(domain, kind) views of one file: a .py file is code and also a source of docstrings."""
    upper = name.upper()
    if upper.startswith(LICENSE_PREFIXES) or "/licenses/" in "/" + relative.lower():
        return [("legal", "license")]
    if name.endswith((".py", ".pyi")):
        return [("code", "source"), ("documentation", "docstrings")]
    if name.endswith((".md", ".rst")) or (upper.startswith(DOC_PREFIXES) and name.endswith(".txt")):
        return [("documentation", "docs")]
    if name == "METADATA" and ".dist-info" in relative:
        return [("documentation", "long_description")]
    return []


def candidates(roots: list[tuple[str, Path]] | None = None, seed: int = 0) -> dict[str, list[Candidate]]:
    """Every candidate document under ``roots``, per domain, in seeded order (a walk, no reading)."""
    roots = roots if roots is not None else default_roots()
    found: dict[str, list[Candidate]] = {domain: [] for domain in LOCAL_DOMAINS}
    for source, root in roots:
        root = Path(root)
        if not root.is_dir():
            raise InputError(f"not a folder: {root}")
        prefix = len(str(root)) + 1
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d not in SKIP_DIRS)
            relative_folder = folder[prefix:]
            for name in sorted(files):
                relative = f"{relative_folder}/{name}" if relative_folder else name
                views = _classify_file(name, relative)
                if not views:
                    continue
                path = Path(folder, name)
                package = relative.split("/", 1)[0]
                for domain, kind in views:
                    location = f"{source}/{relative}"
                    found[domain].append(Candidate(_order_key(seed, kind, location), domain, kind, source,
                                                   package, path, location))
    for domain in found:
        found[domain].sort(key=lambda candidate: candidate.order)
    return found


def docstrings_fast(source_text: str) -> str:
    """Docstrings of Python source by pattern: string statements, named after the nearest ``def``/``class``.

    A string literal that stands alone at the start of a line is, in practice, a docstring.
    About 20x faster than parsing; :func:`docstrings_exact` is the parser's answer (tests
    check they agree on the standard library).
    """
    definitions = [(m.start(), m.group(1)) for m in _DEFINITION.finditer(source_text)]
    starts = [position for position, _ in definitions]
    parts = []
    for match in _STRING_STATEMENT.finditer(source_text):
        body = inspect.cleandoc(match.group(2))
        if not body:
            continue
        index = bisect.bisect_right(starts, match.start()) - 1
        parts.append(f"{definitions[index][1]}: {body}" if index >= 0 else body)
    return "\n\n".join(parts)


def docstrings_exact(source_text: str) -> str:
    """Module, class and function docstrings found by parsing (``ast``), in file order."""
    tree = ast.parse(source_text)
    parts = []
    module_doc = ast.get_docstring(tree)
    if module_doc:
        parts.append(module_doc)
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    stack = [node for node in reversed(tree.body) if isinstance(node, definitions)]
    while stack:  # only definitions nest docstrings: skip the statements inside function bodies
        node = stack.pop()
        doc = ast.get_docstring(node)
        if doc:
            parts.append(f"{node.name}: {doc}")
        stack += [child for child in reversed(node.body) if isinstance(child, definitions)]
    return "\n\n".join(parts)


def _long_description(metadata_text: str) -> str:
    message = HeaderParser().parsestr(metadata_text)
    payload = message.get_payload()
    if isinstance(payload, str) and payload.strip():
        return payload
    return message.get("Description", "") or ""


def load_candidate(candidate: Candidate, max_bytes: int) -> tuple[str | None, str | None]:
    """``(text, None)`` or ``(None, skip reason)`` for one candidate."""
    try:
        size = candidate.path.stat().st_size
        if size > max_bytes:
            return None, f"larger than {max_bytes} bytes"
        raw = candidate.path.read_bytes()
    except OSError as error:
        return None, f"unreadable ({type(error).__name__})"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8"
    if candidate.kind == "docstrings":
        text = docstrings_fast(text)
    elif candidate.kind == "long_description":
        text = _long_description(text)
    return text.strip(), None


def iter_local_documents(max_docs: int, roots=None, seed: int = 0, max_bytes: int = 200_000,
                         min_chars: int = 200, skipped: Counter | None = None) -> Iterator[dict]:
    """Yield document rows, mixing kinds by :data:`KIND_SHARES` (refilled from the rest when one runs out)."""
    by_domain = candidates(roots, seed)
    pools = {key: [c for c in by_domain[key[0]] if c.kind == key[1]] for key in KIND_SHARES}
    positions = {key: 0 for key in KIND_SHARES}
    emitted = Counter()
    skipped = skipped if skipped is not None else Counter()
    total = 0
    order = list(KIND_SHARES)
    while total < max_docs:
        open_pools = [key for key in order if positions[key] < len(pools[key])]
        if not open_pools:
            return
        key = min(open_pools, key=lambda k: (emitted[k] / KIND_SHARES[k], order.index(k)))
        candidate = pools[key][positions[key]]
        positions[key] += 1
        text, reason = load_candidate(candidate, max_bytes)
        if reason is None and len(text) < min_chars:
            reason = f"shorter than {min_chars} characters"
        if reason is not None:
            skipped[f"{candidate.kind}: {reason}"] += 1
            continue
        emitted[key] += 1
        total += 1
        yield {"id": f"{candidate.kind}:{candidate.location}", "url": candidate.path.as_uri(), "text": text,
               "source": candidate.source, "domain": candidate.domain, "kind": candidate.kind,
               "package": candidate.package, "path": candidate.location}


def local_corpus(max_docs: int = 5000, roots: list[tuple[str, Path]] | None = None, seed: int = 0,
                 max_bytes: int = 200_000, min_chars: int = 200) -> pd.DataFrame:
    """Documents from the installed Python: source code, documentation and licenses.

    Args:
        max_docs: stop after this many documents (code ~50%, documentation ~35%, legal ~15%,
            see :data:`KIND_SHARES`; filled from the others when one runs out).
        roots: ``(source, folder)`` pairs to read (default: stdlib and site-packages).
        seed: changes which files a capped sample takes (the order is a seeded hash).
        max_bytes: skip files larger than this.
        min_chars: skip documents shorter than this.

    Returns:
        The documents table (``id``, ``url``, ``text``, ``source``, ``domain``, ``kind``,
        ``package``, ``path``); ``frame.attrs["skipped"]`` counts skipped files by reason.
    """
    if max_docs < 1:
        raise InputError(f"max_docs must be at least 1, got {max_docs}")
    skipped: Counter = Counter()
    rows = list(iter_local_documents(max_docs, roots, seed, max_bytes, min_chars, skipped))
    frame = new_documents(rows if rows else pd.DataFrame(columns=["id", "text"]))
    frame.attrs["skipped"] = dict(skipped)
    return frame
