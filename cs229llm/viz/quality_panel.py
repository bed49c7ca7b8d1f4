"""Quality-filter panel (notebook 02): threshold sliders, a live funnel, agreement with labels.

The signals are computed once; each slider move re-evaluates the rules on the signal
columns (milliseconds), redraws the per-rule funnel and reports how many documents are kept
and how the decision agrees with the crawl's ground-truth quality labels.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from ..data.pipeline import plot_funnel
from ..data.quality import (
    DEFAULT_RULES,
    agreement_with_labels,
    default_thresholds,
    evaluate_rules,
    first_failing_rule,
    rule_counts,
)
from .panel import safe_callback

# (rule, threshold, slider min, max, step): one slider per rule a learner is likely to question
SLIDERS = [
    ("gopher_word_count", "min_words", 0, 300, 10),
    ("gopher_stop_words", "min_stop_words", 0, 20, 1),
    ("gopher_duplicate_lines", "max_duplicate_lines", 0.0, 1.0, 0.05),
    ("c4_min_sentences", "min_sentences", 0, 20, 1),
    ("fineweb_line_punctuation", "min_line_punctuation", 0.0, 1.0, 0.02),
    ("fineweb_short_lines", "max_short_lines", 0.0, 1.0, 0.02),
    ("fineweb_duplicate_line_chars", "fineweb_max_duplicate_line_chars", 0.0, 0.5, 0.01),
]


def quality_readout(signals: pd.DataFrame, is_good: pd.Series, rules=DEFAULT_RULES, **thresholds) -> dict:
    """Kept count and agreement with labels for the given thresholds (what the panel prints)."""
    kept_mask = first_failing_rule(evaluate_rules(signals, rules, **thresholds)).isna()
    return agreement_with_labels(kept_mask, is_good)


def quality_filters_panel(signals: pd.DataFrame, is_good: pd.Series, rules=DEFAULT_RULES, sliders=SLIDERS):
    """Sliders for rule thresholds -> live funnel through the rules and a precision/recall readout.

    Args:
        signals: the documents that reach the quality stage, with ``q_*`` signal columns.
        is_good: ground truth per row (True = a good document), same index.
        rules: rule groups to apply.
        sliders: ``(rule, threshold, min, max, step)`` tuples.

    Returns:
        The panel (class ``cs229llm-panel-quality-filters``).
    """
    defaults = default_thresholds(rules)
    controls = {}
    for rule, name, low, high, step in sliders:
        if name not in defaults:
            continue
        make = widgets.IntSlider if isinstance(step, int) else widgets.FloatSlider
        slider = make(value=defaults[name], min=low, max=high, step=step, description=name,
                      continuous_update=False, style={"description_width": "initial"},
                      layout=widgets.Layout(width="420px"))
        slider.add_class(f"cs229llm-slider-{rule}")
        controls[name] = slider
    reset = widgets.Button(description="published defaults")
    readout = widgets.HTML()
    readout.add_class("cs229llm-readout")
    output = widgets.Output()

    @safe_callback(output)
    def redraw(_change=None):
        thresholds = {name: slider.value for name, slider in controls.items()}
        counts = rule_counts(signals, rules, **thresholds)
        agreement = quality_readout(signals, is_good, rules, **thresholds)
        readout.value = (f"kept={agreement['kept']} dropped={agreement['dropped']} "
                         f"precision={agreement['kept_precision']:.3f} recall={agreement['good_recall']:.3f} "
                         f"dropped_precision={agreement['dropped_precision']:.3f}")
        fig, ax = plt.subplots(figsize=(7, 3))
        plot_funnel(counts, ax=ax, title="documents left after each rule (live)")
        fig.tight_layout()
        display(fig)
        plt.close(fig)

    def restore(_button):
        for name, slider in controls.items():
            slider.value = defaults[name]

    for slider in controls.values():
        slider.observe(redraw, names="value")
    reset.on_click(restore)
    panel = widgets.VBox([widgets.VBox(list(controls.values())), reset, readout, output])
    panel.add_class("cs229llm-panel-quality-filters")
    redraw()
    return panel
