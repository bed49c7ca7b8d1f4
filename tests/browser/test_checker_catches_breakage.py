"""The notebook checker itself: it must fail on a broken widget and pass a healthy one.

Two throwaway notebooks are written into the server's temporary folder (never into
``notebooks/``): a healthy panel built the course's way (``safe_callback``, an input error
shown as a message) beside two sliders whose callbacks raise when moved, and a notebook that
is broken at Run All (a bug inside a ``safe_callback``, a widget view whose model does not
exist, a cell that raises).
"""

from __future__ import annotations

import nbformat
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.notebook("~checker")]

SETUP = """\
import ipywidgets as widgets
from IPython.display import display
from cs229llm.errors import InputError
from cs229llm.viz.panel import safe_callback
print("stderr warnings are not errors", file=__import__("sys").stderr)
"""

HEALTHY_PANEL = """\
out = widgets.Output()
slider = widgets.IntSlider(value=3, min=0, max=10, description="k")
slider.add_class("cs229llm-slider-k")
readout = widgets.HTML()
readout.add_class("cs229llm-readout")

@safe_callback(out)
def redraw(change=None):
    if slider.value == 0:
        raise InputError("k must be at least 1: nothing to show for k=0")
    readout.value = f"k={slider.value} square={slider.value ** 2}"
    print("drawn", slider.value)

slider.observe(redraw, "value")
panel = widgets.VBox([slider, readout, out])
panel.add_class("cs229llm-panel-healthy")
display(panel)
redraw()
"""

BREAKS_ON_MOVE = """\
fragile_out = widgets.Output()
fragile = widgets.IntSlider(value=1, min=0, max=5)
fragile.add_class("cs229llm-slider-fragile")

def fragile_redraw(change):
    with fragile_out:  # no safe_callback: the Output widget shows the traceback
        fragile_out.clear_output()
        raise ZeroDivisionError("fragile callback divided by zero")

fragile.observe(fragile_redraw, "value")
silent = widgets.IntSlider(value=1, min=0, max=5)
silent.add_class("cs229llm-slider-silent")

def silent_redraw(change):  # no Output at all: the error never reaches a cell
    raise KeyError("silent callback lost its key")

silent.observe(silent_redraw, "value")
display(widgets.VBox([fragile, fragile_out, silent]))
"""

BUG_IN_SAFE_CALLBACK = """\
bug_out = widgets.Output()

@safe_callback(bug_out)
def buggy(change=None):
    return {}["missing"]  # a bug, not an input error

display(bug_out)
buggy()
"""

MISSING_WIDGET_MODEL = """\
display({"application/vnd.jupyter.widget-view+json":
         {"model_id": "0123456789abcdef0123456789abcdef", "version_major": 2, "version_minor": 0}},
        raw=True)
"""

RAISING_CELL = "raise RuntimeError('this cell fails on purpose')"
NEVER_RUNS = "print('after the failure')"


def write_notebook(folder, name: str, sources: list[str]) -> str:
    """Write a notebook of code cells ``sources`` into ``folder``; returns its file name."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, folder / name)
    return name


@pytest.fixture(scope="module")
def healthy(lab, lab_root):
    name = write_notebook(lab_root, "zz_checker_healthy.ipynb", [SETUP, HEALTHY_PANEL, BREAKS_ON_MOVE])
    notebook = lab.open_notebook(name)
    notebook.run_all(timeout=120)
    yield notebook
    notebook.close()


def test_checker_passes_a_healthy_panel_and_sees_it_change(healthy):
    assert healthy.report.ok, healthy.report.summary()
    assert healthy.report.widget_views == 2
    before = healthy.text_of(".cs229llm-readout")
    assert before == "k=3 square=9"
    healthy.press_slider("cs229llm-slider-k", "ArrowRight")
    assert healthy.wait_for_change(lambda: healthy.text_of(".cs229llm-readout"), before) == "k=4 square=16"
    healthy.set_slider("cs229llm-slider-k", 7)
    healthy.wait_for_change(lambda: healthy.text_of(".cs229llm-readout"), "k=4 square=16")
    assert healthy.text_of(".cs229llm-readout") == "k=7 square=49"


def test_checker_accepts_an_input_error_shown_as_a_message(healthy):
    healthy.press_slider("cs229llm-slider-k", "Home")
    healthy.wait_for_change(lambda: healthy.count(".cs229llm-panel-healthy .cs229llm-message"), 0)
    assert "k must be at least 1" in healthy.text_of(".cs229llm-message")
    healthy.wait_kernel_idle()
    report = healthy.inspect()
    assert report.ok, report.summary()


def test_checker_fails_when_a_slider_callback_raises(healthy):
    offset = healthy.server.log_size()
    healthy.press_slider("cs229llm-slider-fragile", "ArrowRight")
    healthy.wait_until(lambda: "ZeroDivisionError" in healthy.inspect(wait_widgets=0).summary(),
                       "the fragile callback's traceback")
    healthy.press_slider("cs229llm-slider-silent", "ArrowRight")
    healthy.wait_until(lambda: "KeyError" in healthy.inspect(wait_widgets=0, log_offset=offset).summary(),
                       "the silent callback's error")
    report = healthy.inspect(log_offset=offset)
    assert not report.ok
    text = report.summary()
    assert "traceback shown in cell 2: ZeroDivisionError: fragile callback divided by zero" in text, text
    assert "kernel error not shown in a cell: KeyError" in text, text


def test_checker_fails_a_notebook_broken_at_run_all(lab, lab_root):
    name = write_notebook(lab_root, "zz_checker_broken.ipynb",
                          [SETUP, BUG_IN_SAFE_CALLBACK, MISSING_WIDGET_MODEL, RAISING_CELL, NEVER_RUNS])
    notebook = lab.open_notebook(name)
    try:
        report = notebook.run_all(timeout=120)
    finally:
        notebook.close()
    text = report.summary()
    assert not report.ok
    assert "cs229llm-error in cell 1: internal error in buggy: KeyError" in text, text
    assert "widget did not render in cell 2" in text, text
    assert "error output in cell 3: RuntimeError: this cell fails on purpose" in text, text
    assert "cells never ran: [4]" in text, text


LIVE_FIGURE_LOOP = """\
import time
from cs229llm.viz.live import LiveFigure

def draw(fig, axis, losses):
    axis.plot(losses)
    axis.set_title(f"step {len(losses)}")

live = LiveFigure(draw, figsize=(4, 2))
losses = []
for step in range(6):
    losses.append(1.0 / (step + 1))
    live.update(losses)
    time.sleep(0.4)
"""

NEW_FIGURE_PER_STEP = """\
import time
import matplotlib.pyplot as plt
losses = []
for step in range(6):
    losses.append(1.0 / (step + 1))
    fig, axis = plt.subplots(figsize=(4, 2))
    axis.plot(losses)
    display(fig)
    plt.close(fig)
    time.sleep(0.4)
"""


def test_live_plot_check_tells_in_place_from_a_figure_per_step(lab, lab_root):
    from labdriver import figure_traces

    name = write_notebook(lab_root, "zz_checker_live.ipynb",
                          ["from IPython.display import display", LIVE_FIGURE_LOOP, NEW_FIGURE_PER_STEP])
    notebook = lab.open_notebook(name)
    try:
        report = notebook.run_all(timeout=120)
        traces = figure_traces(notebook.image_history())
    finally:
        notebook.close()
    assert report.ok, report.summary()
    live, per_step = traces[1], traces[2]
    assert live.final_count == live.max_count == 1 and live.in_place >= 2 and live.grew == 0, live
    assert per_step.final_count == 6 and per_step.grew >= 3 and per_step.in_place == 0, per_step
