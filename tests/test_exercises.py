"""Exercise checks, proved: every solution in solutions/*.py passes its check, the student version of the same
cell is "not done yet" and carries on, and plausible wrong solutions (tests/exercise_wrong/) are rejected
with the input, what was expected and a hint."""
import contextlib
import importlib
import io
import re
from pathlib import Path

import pytest

from cs229llm.errors import InputError
from cs229llm.exercises import EXERCISES, check, use
from cs229llm.exercises.student import STUB, code_cells, exercise_cells, stale_student_versions, student_source
from cs229llm.paths import NOTEBOOKS, SOLUTIONS

SOURCES = sorted(SOLUTIONS.glob("[0-9][0-9]_*.py"))
WRONG_MODULES = sorted(p.stem for p in (Path(__file__).parent / "exercise_wrong").glob("nb[0-9][0-9].py"))
WRONG = [entry for name in WRONG_MODULES for entry in importlib.import_module(f"exercise_wrong.{name}").WRONG]
# Notebooks whose exercises are still to be written (the list must shrink to nothing; a notebook that gains
# exercises must leave it, and one that has none must be on it).
NOT_YET: set[str] = set()
CHECKED = re.compile(r"""\bcheck\(\s*["']([a-z0-9_]+)["']""")


def run_cell(cell: str, where: str) -> str:
    """Execute one cell on its own (exercise cells import what they use) and return what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(cell, where, "exec"), {"__name__": "__exercise__"})
    return printed.getvalue()


EXERCISE_CELLS = [(source.stem, number, cell) for source in SOURCES
                  for number, cell in enumerate(exercise_cells(source.read_text(encoding="utf-8")))]


def test_every_notebook_has_at_least_two_exercises_and_every_exercise_is_in_its_notebook():
    checked = {}
    for notebook, _, cell in EXERCISE_CELLS:
        for exercise_id in CHECKED.findall(cell):
            checked[exercise_id] = notebook
    assert set(checked) == set(EXERCISES), "registered exercises and the notebooks' check(...) calls differ"
    for exercise_id, notebook in checked.items():
        assert EXERCISES[exercise_id].notebook == notebook, exercise_id
    per_notebook = {source.stem: sum(1 for n in checked.values() if n == source.stem) for source in SOURCES}
    without = {notebook for notebook, count in per_notebook.items() if count == 0}
    assert without == NOT_YET, f"notebooks without exercises {sorted(without)}; listed as not yet {sorted(NOT_YET)}"
    assert all(count >= 2 for count in per_notebook.values() if count), per_notebook


@pytest.mark.parametrize("notebook, number, cell", EXERCISE_CELLS,
                         ids=[f"{notebook}-{number}" for notebook, number, _ in EXERCISE_CELLS])
def test_the_solution_passes_and_the_student_version_is_not_done_yet(notebook, number, cell):
    ids = CHECKED.findall(cell)
    assert ids, f"exercise cell {number} of {notebook} calls no check(...)"
    solved = run_cell(cell, f"solutions/{notebook}.py")
    for exercise_id in ids:
        assert f"{exercise_id}: correct on all" in solved, solved
    student = run_cell(student_source(cell), f"notebooks/{notebook}.py")
    for exercise_id in ids:
        assert f"{exercise_id}: not done yet" in student and "Hint:" in student, student


@pytest.mark.parametrize("exercise_id, wrong, shows", WRONG, ids=[f"{e}-{w.__name__}" for e, w, _ in WRONG])
def test_plausible_wrong_solutions_are_caught_with_the_input_and_a_hint(capsys, exercise_id, wrong, shows):
    assert not check(exercise_id, wrong)
    printed = capsys.readouterr().out
    assert shows in printed and "Hint:" in printed and printed.count("\n") == 1, printed
    assert use(exercise_id, wrong) is EXERCISES[exercise_id].reference  # later cells use the package's


def test_every_exercise_has_a_wrong_solution_that_its_check_rejects():
    missing = set(EXERCISES) - {exercise_id for exercise_id, _, _ in WRONG}
    assert not missing, f"no wrong solution in tests/exercise_wrong/ for: {sorted(missing)}"


def test_every_exercise_has_cases_and_a_hint():
    for exercise in EXERCISES.values():
        assert len(exercise.cases) >= 3 and exercise.hint and exercise.notebook[:2].isdigit(), exercise.id


def stub(*args):
    raise NotImplementedError("your turn")


def test_a_stub_is_not_done_yet_and_the_notebook_carries_on(capsys):
    assert not check("gopher_stop_words", stub)
    assert "not done yet" in capsys.readouterr().out
    fallback = use("gopher_stop_words", stub)
    assert fallback("the cat and the dog") == 2
    with pytest.raises(InputError, match="unknown exercise"):
        check("no_such_exercise", stub)


def test_the_student_sources_in_notebooks_are_the_solutions_with_stubs():
    assert stale_student_versions() == [], "run `make student`"
    for source in SOURCES:
        student = (NOTEBOOKS / source.name).read_text(encoding="utf-8")
        assert "### BEGIN SOLUTION" not in student and "### END SOLUTION" not in student
        assert student.count(STUB) == source.read_text(encoding="utf-8").count("### BEGIN SOLUTION")


def test_a_stale_student_source_is_reported(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "solutions" / "00_x.py").write_text("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\n")
    assert stale_student_versions(tmp_path / "solutions", tmp_path / "notebooks") == ["00_x.py"]
    (tmp_path / "notebooks" / "00_x.py").write_text(f"x = 1\n{STUB}\n")
    assert stale_student_versions(tmp_path / "solutions", tmp_path / "notebooks") == []
    (tmp_path / "notebooks" / "00_x.py").write_text("x = 1\ny = 2\n")  # the solution leaked into the student's
    assert stale_student_versions(tmp_path / "solutions", tmp_path / "notebooks") == ["00_x.py"]


def test_comparison_is_strict_about_kinds_and_shapes():
    import numpy as np

    from cs229llm.exercises.core import _same
    assert _same([1, 2], (1, 2), 0) and not _same([1, 2], [1, 2, 3], 0)
    assert not _same(True, 1, 0) and not _same({"a": 1}, {"a": 1, "b": 2}, 0)
    assert _same(np.array([0.5, 0.5]), np.array([0.5, 0.5 + 1e-12]), 1e-9)
    assert not _same(np.array([0.5, 0.5]), np.array([[0.5, 0.5]]), 1e-9)
    assert not _same(np.array([0.5, 0.5]), [0.5, 0.5], 1e-9)


SOURCE = '''# %%
def my_rate(step):
    """The learner writes this."""
    ### BEGIN SOLUTION
    if step < 10:
        return step / 10
    return 1.0
    ### END SOLUTION


check("x", my_rate)

# %% [markdown]
# ### BEGIN SOLUTION is only a marker in code
'''


def test_student_version_replaces_solutions_with_a_stub_and_keeps_the_rest():
    student = student_source(SOURCE.split("# %% [markdown]")[0])
    assert "return step / 10" not in student and "### BEGIN" not in student
    assert f"    {STUB}\n" in student
    assert student.startswith('# %%\ndef my_rate(step):\n    """The learner writes this."""\n')
    assert student.endswith('\n\ncheck("x", my_rate)\n\n')
    namespace = {}
    exec(student.replace('check("x", my_rate)', ""), namespace)
    with pytest.raises(NotImplementedError):
        namespace["my_rate"](3)


def test_code_cells_leave_markdown_out():
    cells = code_cells(SOURCE)
    assert len(cells) == 1 and cells[0].startswith("def my_rate") and len(exercise_cells(SOURCE)) == 1


@pytest.mark.parametrize("broken, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside the block"),
])
def test_unbalanced_markers_are_refused_naming_the_line(broken, message):
    with pytest.raises(InputError, match=message):
        student_source(broken, "notebook.py")
