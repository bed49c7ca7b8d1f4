"""Moving the course's sliders in the browser changes what the page shows.

Each test drives one notebook's panel the way a learner does (keyboard on the slider handle,
or typing into the slider's readout) and compares the panel's readout numbers and figure
before and after. Tests for notebooks not written yet are skipped with the reason.
"""

from __future__ import annotations

import pytest
from labdriver import figure_traces, numbers_in

from cs229llm.data.domain_names import DOMAINS

pytestmark = pytest.mark.slow


def panel_state(notebook, panel: str) -> tuple[str, tuple[str, ...]]:
    """The panel's readout text and the images it shows: what a learner compares."""
    readout = notebook.text_of(f".{panel} .cs229llm-readout")
    return readout, tuple(notebook.image_sources(f".{panel}"))


def assert_panel_clean(notebook):
    """After an interaction: no traceback, no cs229llm-error, every widget still rendered."""
    notebook.wait_kernel_idle()
    report = notebook.inspect()
    assert report.ok, report.summary()


@pytest.mark.notebook("00")
def test_temperature_slider_redraws_distribution(course):
    notebook = course.get("00")
    panel = "cs229llm-panel-temperature"
    before_text, before_images = panel_state(notebook, panel)
    before = numbers_in(before_text)
    assert before["temperature"] == pytest.approx(1.0), before_text
    notebook.screenshot(f".{panel}", "00-temperature-before")

    notebook.press_slider("cs229llm-slider-temperature", "ArrowRight", times=4)
    after_text = notebook.wait_for_change(lambda: notebook.text_of(f".{panel} .cs229llm-readout"),
                                          before_text)
    notebook.wait_kernel_idle()
    after_text, after_images = panel_state(notebook, panel)
    after = numbers_in(after_text)
    assert after["temperature"] > before["temperature"], (before_text, after_text)
    # a higher temperature flattens the distribution: more entropy, a less likely top token
    assert after["entropy_bits"] > before["entropy_bits"], (before_text, after_text)
    assert after["top_p"] < before["top_p"], (before_text, after_text)
    assert after_images and after_images != before_images, "the plot was not redrawn"

    notebook.set_slider("cs229llm-slider-temperature", "0.2")
    notebook.wait_for_change(lambda: notebook.text_of(f".{panel} .cs229llm-readout"), after_text)
    notebook.wait_kernel_idle()
    cold = numbers_in(notebook.text_of(f".{panel} .cs229llm-readout"))
    assert cold["temperature"] == pytest.approx(0.2, rel=0.15)
    assert cold["entropy_bits"] < before["entropy_bits"]
    notebook.screenshot(f".{panel}", "00-temperature-after")
    assert_panel_clean(notebook)


def domain_sliders(notebook, panel: str) -> list[str]:
    """The CSS classes of the domain-weight sliders in ``panel`` (``cs229llm-slider-<...domain...>``)."""
    classes = notebook.locator(f".{panel} .widget-slider").evaluate_all(
        "els => els.map(e => Array.from(e.classList).find(c => c.startsWith('cs229llm-slider-')) || '')")
    return [name for name in classes if any(domain in name for domain in DOMAINS)]


@pytest.mark.notebook("04")
def test_mixture_slider_changes_proportions(course):
    notebook = course.get("04")
    panel = "cs229llm-panel-mixture-explorer"
    sliders = domain_sliders(notebook, panel)
    assert sliders, f"no domain sliders (cs229llm-slider-<domain>) in .{panel}"
    before_text, before_images = panel_state(notebook, panel)
    notebook.press_slider(sliders[0], "End")
    notebook.wait_for_change(lambda: notebook.text_of(f".{panel} .cs229llm-readout"), before_text)
    notebook.wait_kernel_idle()
    after_text, after_images = panel_state(notebook, panel)
    before, after = numbers_in(before_text), numbers_in(after_text)
    changed = [key for key in before if key in after and before[key] != after[key]]
    assert changed, f"readout numbers did not change: {before_text!r} -> {after_text!r}"
    if before_images:
        assert after_images != before_images, "the mixture plot was not redrawn"
    notebook.screenshot(f".{panel}", "04-mixture-explorer-after")
    assert_panel_clean(notebook)


@pytest.mark.notebook("04")
def test_all_zero_mixture_shows_message_not_traceback(course):
    notebook = course.get("04")
    panel = "cs229llm-panel-mixture-explorer"
    sliders = domain_sliders(notebook, panel)
    assert sliders, f"no domain sliders in .{panel}"
    for slider in sliders:
        notebook.press_slider(slider, "Home")
        notebook.wait_kernel_idle(settle=0.2)
    notebook.wait_for_change(lambda: notebook.count(f".{panel} .cs229llm-message"), 0)
    message = notebook.text_of(f".{panel} .cs229llm-message")
    assert message, "empty message"
    notebook.screenshot(f".{panel}", "04-mixture-explorer-all-zero")
    assert_panel_clean(notebook)
    # and the panel recovers when a weight comes back
    notebook.press_slider(sliders[0], "End")
    notebook.wait_for_change(lambda: notebook.count(f".{panel} .cs229llm-message"), 1)
    assert_panel_clean(notebook)


@pytest.mark.notebook("03")
def test_dedup_threshold_changes_precision_recall(course):
    notebook = course.get("03")
    panel = "cs229llm-panel-dedup"
    read = lambda: notebook.text_of(f".{panel} .cs229llm-readout")  # noqa: E731
    before_text = read()
    before = numbers_in(before_text)
    assert {"precision", "recall"} <= before.keys(), before_text
    # the lowest threshold, then the highest (the ground truth moves with it: pairs at least that similar)
    notebook.press_slider("cs229llm-slider-threshold", "Home")
    low_text = notebook.wait_for_change(read, before_text)
    notebook.wait_kernel_idle()
    low = numbers_in(read())
    notebook.press_slider("cs229llm-slider-threshold", "End")
    notebook.wait_for_change(read, low_text)
    notebook.wait_kernel_idle()
    high = numbers_in(read())
    assert (low["precision"], low["recall"]) != (high["precision"], high["recall"]), (low, high)
    for scores in (before, low, high):
        assert 0.0 <= scores["precision"] <= 1.0 and 0.0 <= scores["recall"] <= 1.0, scores
    notebook.screenshot(f".{panel}", "03-dedup-threshold-high")
    assert_panel_clean(notebook)


@pytest.mark.notebook("07")
def test_live_training_plot_updates_in_place(course):
    notebook = course.get("07")
    traces = figure_traces(notebook.image_history())
    live = [trace for trace in traces.values() if trace.in_place >= 2]
    assert live, f"no figure was redrawn in place during the run: {traces}"
    for trace in live:
        # one figure per LiveFigure, redrawn: the cell never gained a figure per step
        assert trace.final_count == trace.max_count, trace
        assert trace.grew <= trace.final_count, trace
    growing = [trace for trace in traces.values() if trace.grew >= 5]
    assert not growing, f"cells that add a new figure per step: {growing}"
    cell = live[0].cell
    notebook.screenshot(f'[data-cs229llm-cell="{cell}"] .jp-Cell-outputArea',
                        "07-live-training-plot")
