"""The solved functions of a notebook, taken from its exercise cells in solutions/*.py (so the tests use the
notebook's own solution, not a copy of it)."""
import contextlib
import io

from cs229llm.exercises.student import exercise_cells
from cs229llm.paths import SOLUTIONS


def solution(notebook: str, name: str):
    """The function ``name`` defined in an exercise cell of ``solutions/<notebook>.py``."""
    for cell in exercise_cells((SOLUTIONS / f"{notebook}.py").read_text(encoding="utf-8")):
        if f"def {name}(" in cell:
            namespace = {}
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(cell, f"{notebook}.py", "exec"), namespace)
            return namespace[name]
    raise LookupError(f"no exercise cell of {notebook} defines {name}")
