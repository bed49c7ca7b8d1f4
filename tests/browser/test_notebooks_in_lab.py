"""Every course notebook, run in JupyterLab in a real browser, shows what a learner expects.

Run All must finish with no error output, no traceback inside a widget, no ``cs229llm-error``
and every widget view rendered; a PNG of each notebook's key panel is saved under
``test-artifacts/browser/`` for a person to look at.
"""

from __future__ import annotations

import json
import re

import pytest
from labdriver import WIDGET_VIEW_MIME
from labserver import course_notebooks

NOTEBOOKS = course_notebooks()


def expected_widget_views(path) -> int:
    """Widget views the notebook should show: as many as its committed (executed) outputs hold,
    and at least one when it imports ipywidgets or a ``cs229llm.viz`` panel."""
    cells = [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]
    committed = sum(1 for cell in cells for output in cell.get("outputs", [])
                    if WIDGET_VIEW_MIME in output.get("data", {}))
    imports = any(re.search(r"ipywidgets|cs229llm\.viz\.\w*(panel|explorer)", "".join(cell["source"]))
                  for cell in cells)
    return max(committed, 1 if imports else 0)


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
@pytest.mark.parametrize("notebook", NOTEBOOKS or
                         [pytest.param("none", marks=pytest.mark.skip("no notebooks yet"))])
def test_notebook_runs_clean_in_lab(course, notebook):
    opened = course.get(notebook)
    report = opened.report
    assert report.ok, report.summary()
    assert report.code_cells > 0, report.summary()
    expected = expected_widget_views(course.root / f"{notebook}.ipynb")
    assert report.widget_views >= expected, (
        f"{notebook}: {report.widget_views} widget views shown, {expected} expected")
    shots = save_key_screenshots(opened)
    for shot in shots:
        assert shot.stat().st_size > 0


def panel_view(notebook, panel: str) -> tuple[str, tuple[str, ...]]:
    """What a learner sees of a panel: its text and its images."""
    return (notebook.locator(f".{panel}").first.inner_text(),
            tuple(notebook.image_sources(f".{panel}")))


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS or
                         [pytest.param("none", marks=pytest.mark.skip("no notebooks yet"))])
def test_every_panel_answers_its_sliders(course, notebook):
    """Each ``cs229llm-panel-*``: moving a slider (up to three per panel) changes the panel, cleanly."""
    opened = course.get(notebook)
    panels = list(dict.fromkeys(opened.locator('[class*="cs229llm-panel-"]').evaluate_all(
        "els => els.map(e => Array.from(e.classList).find(c => c.startsWith('cs229llm-panel-')))")))
    sliders_by_panel = {
        panel: opened.locator(f".{panel} .widget-slider").evaluate_all(
            "els => els.map(e => Array.from(e.classList).find(c => c.startsWith('cs229llm-slider-')) || '')")
        for panel in panels}
    moved = 0
    for panel, sliders in sliders_by_panel.items():
        for slider in [name for name in sliders if name][:3]:
            before_value = opened.slider_value(slider)
            before = panel_view(opened, panel)
            for key in ("ArrowRight", "ArrowLeft"):  # ArrowLeft when the slider sits at its maximum
                opened.press_slider(slider, key)
                if opened.slider_value(slider) != before_value:
                    break
            assert opened.slider_value(slider) != before_value, f"{slider} did not move"
            opened.wait_for_change(lambda: panel_view(opened, panel), before)
            opened.wait_kernel_idle()
            report = opened.inspect()
            assert report.ok, f"after moving {slider}: {report.summary()}"
            moved += 1
    if not moved:
        pytest.skip(f"{notebook} has no cs229llm panel with sliders")
