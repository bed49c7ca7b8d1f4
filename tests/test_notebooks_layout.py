"""Every notebook is paired with its py:percent source, is committed executed, and follows the house layout."""

from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def test_there_are_notebooks():
    assert SOURCES, "no notebook sources found"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_matches_its_source(source):
    notebook_path = source.with_suffix(".ipynb")
    assert notebook_path.exists(), f"{notebook_path.name} missing: run `make notebooks`"
    committed = nbformat.read(notebook_path, as_version=4)
    from_source = jupytext.read(source)
    committed_cells = [(c.cell_type, c.source.strip()) for c in committed.cells]
    source_cells = [(c.cell_type, c.source.strip()) for c in from_source.cells]
    assert committed_cells == source_cells, f"{notebook_path.name} differs from {source.name}: run `make notebooks`"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_is_executed_and_has_goals_and_summary(source):
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells and all(c.get("execution_count") for c in code_cells), "commit the notebook executed"
    errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert not errors, f"committed outputs contain an error: {errors[0].get('ename')}"
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "Learning goals" in text
    assert "What we measured" in text
