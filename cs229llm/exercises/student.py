"""Student versions of the notebooks' sources: solutions between nbgrader's markers become stubs.

In a ``.py`` (jupytext percent) source, the lines between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` are replaced by ``raise NotImplementedError(...)`` at the marker's indentation,
as nbgrader's ``ClearSolutions`` does. Everything else is kept byte for byte.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..errors import InputError
from ..paths import NOTEBOOKS, SOLUTIONS

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


def code_cells(text: str) -> list[str]:
    """The code cells of a jupytext percent source, each as its text (the ``# %%`` line left out)."""
    cells, current, is_code = [], None, False
    for line in text.splitlines(keepends=True):
        if line.startswith("# %%"):
            if current is not None and is_code:
                cells.append("".join(current))
            current, is_code = [], "[markdown]" not in line and "[raw]" not in line
            continue
        if current is not None:
            current.append(line)
    if current is not None and is_code:
        cells.append("".join(current))
    return cells


def exercise_cells(text: str) -> list[str]:
    """The code cells that hold a solution block: each one an exercise the learner writes."""
    return [cell for cell in code_cells(text) if BEGIN in cell]


def write_student_versions(sources: list[Path], out_dir: Path) -> list[Path]:
    """Write the student version of each source into ``out_dir`` (same file names); return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        target = out_dir / source.name
        target.write_text(student_source(source.read_text(encoding="utf-8"), str(source)), encoding="utf-8")
        written.append(target)
    return written


def stale_student_versions(solutions: Path = SOLUTIONS, notebooks: Path = NOTEBOOKS) -> list[str]:
    """Names of the student sources in ``notebooks`` that are missing or differ from their solution's."""
    stale = []
    for source in sorted(solutions.glob("[0-9][0-9]_*.py")):
        target = notebooks / source.name
        wanted = student_source(source.read_text(encoding="utf-8"), str(source))
        if not target.exists() or target.read_text(encoding="utf-8") != wanted:
            stale.append(source.name)
    return stale


def main(argv: list[str] | None = None) -> int:
    """``python -m cs229llm.exercises.student``: write notebooks/*.py from solutions/*.py (or ``--check`` them)."""
    parser = argparse.ArgumentParser(prog="python -m cs229llm.exercises.student",
                                     description="Write the student notebooks' sources (notebooks/*.py) from "
                                                 "the solved ones (solutions/*.py).")
    parser.add_argument("--check", action="store_true", help="only say which student sources are out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_student_versions()
            if stale:
                print(f"out of date in {NOTEBOOKS.name}/: {', '.join(stale)}; run `make student`", file=sys.stderr)
                return 1
            print("the student sources match the solutions")
            return 0
        written = write_student_versions(sorted(SOLUTIONS.glob("[0-9][0-9]_*.py")), NOTEBOOKS)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} student sources into {NOTEBOOKS.name}/ (execute them with `make notebooks`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
