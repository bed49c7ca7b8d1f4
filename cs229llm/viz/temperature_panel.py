"""Temperature panel (notebook 00): a slider that reshapes a next-token distribution.

Moving the temperature redraws the bar chart of the top next tokens and draws new
samples from the count model, so a learner sees sharpening (T < 1) and flattening (T > 1).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import HTML, display

from ..count_model import CountLanguageModel, detokenize
from .panel import safe_callback


def temperature_figure(model: CountLanguageModel, context: str, temperature: float, k: int = 12):
    """Bar chart of the top-``k`` next tokens at ``temperature`` (a new matplotlib figure)."""
    top = model.top_next(context, k=k, temperature=temperature)
    fig, axis = plt.subplots(figsize=(7, 2.8))
    axis.bar([token for token, _ in top], [p for _, p in top], color="#4c72b0")
    axis.set_ylabel("P(next token)")
    axis.set_ylim(0, 1)
    axis.set_title(f"after {context!r}, temperature {temperature:.2f}")
    axis.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


def temperature_panel(model: CountLanguageModel, context: str = "the", num_samples: int = 3,
                      sample_length: int = 15, seed: int = 0):
    """An ipywidgets panel: temperature slider -> distribution plot, samples and a readout.

    Returns the top container (class ``cs229llm-panel-temperature``).
    """
    slider = widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=0.7, step=0.05,
                                    description="temperature", continuous_update=False)
    slider.add_class("cs229llm-slider-temperature")
    context_box = widgets.Text(value=context, description="context", continuous_update=False)
    readout = widgets.HTML()
    readout.add_class("cs229llm-readout")
    output = widgets.Output()

    @safe_callback(output)
    def redraw(_change=None):
        temperature = float(slider.value)
        top_token, top_p = model.top_next(context_box.value, k=1, temperature=temperature)[0]
        entropy = model.entropy_bits(context_box.value, temperature)
        readout.value = (f"temperature={temperature:.3f} top_token={html.escape(top_token)} "
                         f"top_p={top_p:.3f} entropy_bits={entropy:.2f}")
        fig = temperature_figure(model, context_box.value, temperature)
        display(fig)
        plt.close(fig)
        samples = [detokenize(model.sample(context_box.value, sample_length, temperature, seed=seed + i))
                   for i in range(num_samples)]
        lines = "".join(f"<li>{html.escape(context_box.value)} <b>{html.escape(s)}</b></li>" for s in samples)
        display(HTML(f"<ol>{lines}</ol>"))

    slider.observe(redraw, names="value")
    context_box.observe(redraw, names="value")
    panel = widgets.VBox([widgets.HBox([slider, context_box]), readout, output])
    panel.add_class("cs229llm-panel-temperature")
    redraw()
    return panel
