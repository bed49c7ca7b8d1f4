"""Every course notebook, run in JupyterLab in a real browser, shows what a learner expects.

Run All must finish with no error output, no traceback inside a widget, no ``cs229llm-error``
and every widget view rendered; a PNG of each notebook's key panel is saved under
``test-artifacts/browser/`` for a person to look at.
"""

from __future__ import annotations

import json

import pytest
from labdriver import course_notebooks

NOTEBOOKS = course_notebooks()


def uses_widgets(path) -> bool:
    """Whether any code cell of the notebook imports ipywidgets."""
    cells = json.loads(path.read_text())["cells"]
    return any(cell["cell_type"] == "code" and "ipywidgets" in "".join(cell["source"])
               for cell in cells)


def save_key_screenshots(notebook) -> list:
    """PNG of each ``cs229llm-panel-*`` element; else of the first widget or figure shown."""
    panels = notebook.locator('[class*="cs229llm-panel-"]').evaluate_all(
        "els => els.map(e => Array.from(e.classList).find(c => c.startsWith('cs229llm-panel-')))")
    saved = []
    for panel in dict.fromkeys(panels):
        saved.append(notebook.screenshot(f".{panel}", f"{notebook.name}--{panel[len('cs229llm-'):]}"))
    if not saved:
        for css in (".jp-OutputArea-output > .jupyter-widgets", ".jp-OutputArea-output img"):
            if notebook.count(css):
                saved.append(notebook.screenshot(css, notebook.name))
                break
    return saved


@pytest.mark.slow
@pytest.mark.parametrize("notebook", [path.stem for path in NOTEBOOKS] or
                         [pytest.param("none", marks=pytest.mark.skip("no notebooks yet"))])
def test_notebook_runs_clean_in_lab(course, notebook):
    opened = course.get(notebook)
    report = opened.report
    assert report.ok, report.summary()
    assert report.code_cells > 0, report.summary()
    if uses_widgets(course.root / f"{notebook}.ipynb"):
        assert report.widget_views > 0, f"{notebook} imports ipywidgets but shows no widget"
    shots = save_key_screenshots(opened)
    for shot in shots:
        assert shot.stat().st_size > 0
