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

from cs229llm.exercises import EXERCISES

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


def panel_controls(notebook, panel: str, per_kind: int = 3) -> list[tuple[str, object]]:
    """Up to ``per_kind`` enabled sliders, toggle-button groups and dropdowns of ``panel``, each with
    a function that changes its value (and returns whether the value changed)."""
    controls = []
    sliders = notebook.locator(f".{panel} .widget-slider").evaluate_all(
        "els => els.filter(e => !e.querySelector('.noUi-target[disabled]'))"
        ".map(e => Array.from(e.classList).find(c => c.startsWith('cs229llm-slider-')) || '')")
    for slider in [name for name in sliders if name][:per_kind]:
        def move(slider=slider):
            before = notebook.slider_value(slider)
            for key in ("ArrowRight", "ArrowLeft"):  # ArrowLeft when the slider sits at its maximum
                notebook.press_slider(slider, key)
                if notebook.slider_value(slider) != before:
                    return True
            return False
        controls.append((f"slider .{slider}", move))
    groups = notebook.locator(f".{panel} .widget-toggle-buttons")
    for index in range(min(groups.count(), per_kind)):
        def toggle(group=groups.nth(index)):
            idle = group.locator("button:not(.mod-active)")
            if not idle.count():
                return False
            idle.first.click()
            return True
        controls.append((f"toggle buttons #{index}", toggle))
    menus = notebook.locator(f".{panel} .widget-dropdown select")
    for index in range(min(menus.count(), per_kind)):
        def choose(menu=menus.nth(index)):
            options = menu.locator("option").count()
            if options < 2:
                return False
            current = menu.evaluate("m => m.selectedIndex")
            menu.select_option(index=(current + 1) % options)
            return True
        controls.append((f"dropdown #{index}", choose))
    return controls


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS or
                         [pytest.param("none", marks=pytest.mark.skip("no notebooks yet"))])
def test_every_panel_answers_its_controls(course, notebook):
    """Each ``cs229llm-panel-*``: moving a slider, a toggle or a dropdown changes the panel, cleanly."""
    opened = course.get(notebook)
    panels = list(dict.fromkeys(opened.locator('[class*="cs229llm-panel-"]').evaluate_all(
        "els => els.map(e => Array.from(e.classList).find(c => c.startsWith('cs229llm-panel-')))")))
    used = 0
    for panel in panels:
        for name, change in panel_controls(opened, panel):
            before = panel_view(opened, panel)
            assert change(), f"{panel}: {name} could not be changed"
            opened.wait_for_change(lambda: panel_view(opened, panel), before)
            opened.wait_kernel_idle()
            report = opened.inspect()
            assert report.ok, f"after changing {name} of {panel}: {report.summary()}"
            used += 1
    if not used:
        pytest.skip(f"{notebook} has no cs229llm panel with a slider, toggle or dropdown")


@pytest.mark.slow
@pytest.mark.notebook("02")
def test_a_student_notebook_runs_with_no_exercise_done(course):
    """The learner opens notebook 02 as shipped (every exercise a stub), runs it all, and sees each exercise
    say "not done yet" with a hint, no error, and the rest of the notebook done with the package's functions."""
    opened = course.get("02")
    assert opened.report.ok, opened.report.summary()
    shown = "\n".join(opened.locator(".jp-OutputArea-output").all_inner_texts())
    exercises = [exercise.id for exercise in EXERCISES.values() if exercise.notebook.startswith("02")]
    assert len(exercises) >= 2
    for exercise_id in exercises:
        assert f"{exercise_id}: not done yet" in shown, f"{exercise_id}: no 'not done yet' message on the page"
    assert "correct on all" not in shown  # the student's version ships without the answers
