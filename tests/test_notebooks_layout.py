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


def widget_views_without_state(notebook) -> list[str]:
    """Model ids of widget views in the outputs whose state the notebook does not store."""
    stored = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    state = stored.get("state", {})
    missing = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view and view.get("model_id") not in state:
                missing.append(view.get("model_id"))
    return missing


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_widget_panels_render_on_opening(source):
    """Every widget view in a committed notebook has its state stored, so a viewer without a kernel
    (JupyterLab before Run All, nbviewer) draws the panel as it was last left."""
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert widget_views_without_state(notebook) == []
    # the check can fail: a view whose model is not stored is reported
    broken = nbformat.v4.new_notebook()
    broken.cells.append(nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "gone", "version_major": 2,
                                                                             "version_minor": 0}})]))
    assert widget_views_without_state(broken) == ["gone"]
