"""The mixture explorer: one slider per domain, and at once what that mixture means and predicts.

Lecture stage: domain balancing. Moving a domain's weight redraws its proportion, its tokens
under the budget, its epochs (with the ~4-epoch repetition limit, Muennighoff et al. 2023) and,
when a mixing law fitted on real proxy runs is given, the predicted validation bits per byte of
every domain. An all-zero mixture shows the explanatory message instead of a plot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from ..errors import InputError
from ..mixing import REPETITION_LIMIT, Mixture, MixturePlan
from .panel import safe_callback


def explorer_state(weights: Mapping[str, float], available_tokens: Mapping[str, float], budget: float,
                   law=None, repetition_limit: float = REPETITION_LIMIT) -> dict:
    """Everything the explorer shows for one setting of the sliders.

    Args:
        weights: domain -> slider weight (relative; need not sum to 1).
        available_tokens: domain -> unique tokens in the corpus.
        budget: training tokens.
        law: a fitted :class:`~cs229llm.mixing_law.MixingLaw`, or None.
        repetition_limit: epochs past which the plan warns.

    Returns:
        dict with ``mixture``, ``plan``, ``predicted`` (domain -> bits per byte, or None) and
        ``readout`` (plain text: ``code=0.250 books=0.125 ... max_epochs=1.20``).

    Raises:
        InputError: all weights zero (or negative, or unknown domains).
    """
    mixture = Mixture.from_weights(dict(weights), list(available_tokens))
    plan = mixture.plan(available_tokens, budget, repetition_limit=repetition_limit)
    predicted = law.predict(mixture.proportions) if law is not None else None
    readout = mixture.readout() + f" max_epochs={max(plan.epochs.values()):.2f}"
    if predicted:
        readout += f" predicted_mean_bpb={sum(predicted.values()) / len(predicted):.3f}"
    return {"mixture": mixture, "plan": plan, "predicted": predicted, "readout": readout}


def draw_state(state: dict, reference: dict | None = None, figsize=(8, 4.6)):
    """A 2×2 figure: proportions, tokens, epochs (with the repetition limit), predicted bits per byte.

    Args:
        state: from :func:`explorer_state`.
        reference: domain -> predicted bits per byte of a reference mixture, drawn as ticks.

    Returns:
        the matplotlib figure (closed, ready to display).
    """
    plan: MixturePlan = state["plan"]
    table = plan.table
    domains = table["domain"].tolist()
    positions = range(len(domains))
    fig, axes = plt.subplots(2, 2, figsize=figsize)
    (proportion_axis, token_axis), (epoch_axis, loss_axis) = axes
    proportion_axis.bar(positions, table["proportion"], color="#4c72b0")
    proportion_axis.set_title("sampling proportion", fontsize=9)
    token_axis.bar(positions, table["tokens"], color="#55a868")
    token_axis.set_title(f"tokens (budget {plan.budget:,})", fontsize=9)
    colors = ["#c44e52" if epochs > plan.repetition_limit else "#8172b2" for epochs in table["epochs"]]
    epoch_axis.bar(positions, table["epochs"], color=colors)
    epoch_axis.axhline(plan.repetition_limit, color="#c44e52", linestyle="--", linewidth=1)
    epoch_axis.set_title(f"epochs (red: > {plan.repetition_limit:g}, repeated data fades)", fontsize=9)
    predicted = state.get("predicted")
    if predicted:
        names = list(predicted)
        loss_axis.bar(range(len(names)), [predicted[d] for d in names], color="#dd8452")
        if reference:
            loss_axis.scatter(range(len(names)), [reference[d] for d in names], marker="_", s=300,
                              color="black", zorder=3, label="uniform mixture")
            loss_axis.legend(fontsize=6, loc="upper left", framealpha=0.6)
        low = min(min(predicted.values()), min(reference.values()) if reference else float("inf"))
        high = max(max(predicted.values()), max(reference.values()) if reference else 0.0)
        loss_axis.set_ylim(low - 0.1 * (high - low + 1e-6), high + 0.1 * (high - low + 1e-6))
        loss_axis.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=7)
        loss_axis.set_title("predicted held-out bits per byte (mixing law, proxy scale)", fontsize=9)
    else:
        loss_axis.axis("off")
        loss_axis.text(0.5, 0.5, "no mixing law fitted", ha="center", va="center")
    for axis in (proportion_axis, token_axis, epoch_axis):
        axis.set_xticks(list(positions), domains, rotation=45, ha="right", fontsize=7)
    fig.tight_layout()
    plt.close(fig)
    return fig


def mixture_explorer(available_tokens: Mapping[str, float], budget: float | None = None, law=None,
                     initial_weights: Mapping[str, float] | None = None, max_weight: float = 4.0,
                     repetition_limit: float = REPETITION_LIMIT):
    """Build the explorer panel (ipywidgets); display it, then call ``panel.redraw()`` once.

    Args:
        available_tokens: domain -> unique tokens in the corpus (e.g. from the shards manifest).
        budget: training tokens (default: as many as the corpus holds); a log slider changes it.
        law: a fitted mixing law for the predicted-loss chart, or None.
        initial_weights: starting slider weights (default 1 for every domain).
        max_weight: the sliders' maximum.
        repetition_limit: epochs past which the plan warns.

    Returns:
        the panel (a ``VBox`` with class ``cs229llm-panel-mixture-explorer``); ``panel.redraw()``
        redraws it and ``panel.sliders`` maps domain -> slider.
    """
    domains = list(available_tokens)
    initial_weights = dict(initial_weights or {domain: 1.0 for domain in domains})
    total = float(sum(available_tokens.values()))
    budget = float(budget or total)
    sliders = {}
    for domain in domains:
        slider = widgets.FloatSlider(value=float(initial_weights.get(domain, 0.0)), min=0.0, max=max_weight,
                                     step=0.1, description=domain, continuous_update=False,
                                     style={"description_width": "90px"}, layout=widgets.Layout(width="330px"))
        slider.add_class(f"cs229llm-slider-{domain}")
        sliders[domain] = slider
    exponent = math.log10(max(budget, 10.0))
    budget_slider = widgets.FloatLogSlider(value=budget, base=10, min=exponent - 2, max=exponent + 2, step=0.1,
                                           description="budget", continuous_update=False, readout_format=".3g",
                                           style={"description_width": "90px"}, layout=widgets.Layout(width="330px"))
    budget_slider.add_class("cs229llm-slider-budget")
    readout = widgets.HTML()
    readout.add_class("cs229llm-readout")
    warnings_html = widgets.HTML()
    warnings_html.add_class("cs229llm-warnings")
    output = widgets.Output()
    reference = law.predict({d: 1.0 for d in law.mixture_domains}) if law is not None else None

    @safe_callback(output)
    def redraw(change=None):
        weights = {domain: slider.value for domain, slider in sliders.items()}
        try:
            state = explorer_state(weights, available_tokens, budget_slider.value, law, repetition_limit)
        except InputError:
            readout.value, warnings_html.value = "no valid mixture", ""  # never leave stale numbers
            raise  # safe_callback shows the message
        readout.value = state["readout"]
        warnings_html.value = "".join(f"<div style='color:#b35c00'>⚠ {text}</div>"
                                      for text in state["plan"].warnings)
        display(draw_state(state, reference))

    for slider in [*sliders.values(), budget_slider]:
        slider.observe(redraw, "value")
    half = (len(domains) + 1) // 2
    columns = widgets.HBox([widgets.VBox([sliders[d] for d in domains[:half]]),
                            widgets.VBox([sliders[d] for d in domains[half:]] + [budget_slider])])
    panel = widgets.VBox([widgets.HTML("<b>Mixture explorer</b>: weights per domain (relative)"), columns,
                          readout, warnings_html, output])
    panel.add_class("cs229llm-panel-mixture-explorer")
    panel.redraw, panel.sliders, panel.budget_slider, panel.output = redraw, sliders, budget_slider, output
    return panel
