"""Extraction panel (notebook 01): one page, three extractors, the boilerplate each one keeps.

Pick a record and a method; the panel shows the extracted text and how many characters
main-content extraction removed compared with the naive all-text baseline.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from ..data.extract import METHODS, boilerplate_share, html_to_text
from .panel import safe_callback


def extraction_panel(pages: pd.DataFrame, max_chars: int = 3000):
    """Dropdown of pages (by URL) x method toggle -> extracted text and a readout.

    Args:
        pages: a table with ``url`` and ``html``.
        max_chars: characters of text shown.

    Returns:
        The panel (class ``cs229llm-panel-extraction``).
    """
    options = [(url[:90], index) for index, url in zip(pages.index, pages["url"])]
    page = widgets.Dropdown(options=options, description="page", layout=widgets.Layout(width="620px"))
    method = widgets.ToggleButtons(options=list(METHODS), value="resiliparse", description="method")
    readout = widgets.HTML()
    readout.add_class("cs229llm-readout")
    output = widgets.Output()

    @safe_callback(output)
    def redraw(_change=None):
        raw = pages.at[page.value, "html"]
        naive, _ = html_to_text(raw, "naive")
        text, truncated = html_to_text(raw, method.value)
        share = boilerplate_share(naive, text)
        readout.value = (f"method={method.value} chars={len(text)} naive_chars={len(naive)} "
                         f"boilerplate_removed={share:.3f}" + (" truncated" if truncated else ""))
        shown = html.escape(text[:max_chars]) + ("…" if len(text) > max_chars else "")
        display(HTML(f'<pre style="white-space:pre-wrap;max-height:320px;overflow:auto">{shown}</pre>'))

    page.observe(redraw, names="value")
    method.observe(redraw, names="value")
    panel = widgets.VBox([page, method, readout, output])
    panel.add_class("cs229llm-panel-extraction")
    redraw()
    return panel
