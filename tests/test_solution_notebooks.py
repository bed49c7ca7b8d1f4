"""The solved notebooks (solutions/*.py) run end to end, and every exercise in them passes its check.

The student versions (notebooks/*.ipynb) run under nbval in `make test`; this runs the instructor's side: the
same notebooks with the solutions in place, under the profile the tests use (ci).
"""
import os
import re

import jupytext
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from cs229llm.paths import NOTEBOOKS, SOLUTIONS

SOURCES = sorted(SOLUTIONS.glob("[0-9][0-9]_*.py"))
CHECKED = re.compile(r"""\bcheck\(\s*["']([a-z0-9_]+)["']""")


def printed(notebook) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []) if output.get("output_type") == "stream")


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=[source.stem for source in SOURCES])
def test_the_solved_notebook_runs_and_every_exercise_passes(source):
    notebook = jupytext.read(source)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    os.environ.setdefault("CS229LLM_PROFILE", "ci")  # the kernel inherits this process's environment
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{source.name}: {str(error).splitlines()[0] if str(error) else error}\n{error}", pytrace=False)
    shown = printed(notebook)
    exercises = CHECKED.findall(source.read_text(encoding="utf-8"))
    # a notebook still without exercises (tests/test_exercises.py lists them as NOT_YET) only has to run
    for exercise_id in exercises:
        assert f"{exercise_id}: correct on all" in shown, f"{source.name}: {exercise_id} did not pass"
    assert "not done yet" not in shown
