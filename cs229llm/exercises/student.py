"""Student versions of the notebooks' sources: solutions between nbgrader's markers become stubs.

In a ``.py`` (jupytext percent) source, the lines between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` are replaced by ``raise NotImplementedError(...)`` at the marker's indentation,
as nbgrader's ``ClearSolutions`` does. Everything else is kept byte for byte.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("your turn: write this part")'
_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>### (?:BEGIN|END) SOLUTION)[ \t]*$")


def student_source(text: str, where: str = "source") -> str:
    """``text`` with every solution block replaced by a stub.

    Raises:
        InputError: a marker without its partner, or nested markers (naming the line).
    """
    out, inside, indent, opened_at = [], False, "", 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        match = _MARKER.match(line.rstrip("\r\n"))
        if match and match["marker"] == BEGIN:
            if inside:
                raise InputError(f"{where}, line {number}: {BEGIN} inside the block opened at line {opened_at}")
            inside, indent, opened_at = True, match["indent"], number
            out.append(f"{indent}{STUB}\n")
            continue
        if match and match["marker"] == END:
            if not inside:
                raise InputError(f"{where}, line {number}: {END} without a {BEGIN}")
            inside = False
            continue
        if not inside:
            out.append(line)
    if inside:
        raise InputError(f"{where}, line {opened_at}: {BEGIN} is never closed by {END}")
    return "".join(out)


def write_student_versions(sources: list[Path], out_dir: Path) -> list[Path]:
    """Write the student version of each source into ``out_dir`` (same file names); return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        target = out_dir / source.name
        target.write_text(student_source(source.read_text(encoding="utf-8"), str(source)), encoding="utf-8")
        written.append(target)
    return written
