"""Near-dedup panel (notebook 03): threshold, permutations and banding sliders, a live S-curve,
live pair precision/recall against the crawl's ground truth.

Signatures are computed once with the most permutations offered; a smaller ``num_perm`` uses
their first columns (each column is an independent permutation), so a slider move only
re-runs banding, verification and union-find.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from ..data.dedup import cluster_signatures, near_duplicate_truth, resolve_banding
from ..data.lsh import candidate_pairs, candidate_probability, pair_precision_recall, union_find_roots
from ..data.minhash import has_words, minhash_signatures
from ..errors import InputError
from .panel import safe_callback

PERMUTATION_CHOICES = (16, 32, 64, 128, 192, 256)


class DedupExplorer:
    """Cached signatures of a labelled set of documents and the evaluation a panel redraws.

    Args:
        docs: rows with ``text`` and the label columns ``dup_group``, ``kind``, ``similarity``.
        max_perm: permutations computed once (the largest ``num_perm`` a slider may ask for).
        ngram: words per shingle.
    """

    def __init__(self, docs, max_perm: int = max(PERMUTATION_CHOICES), ngram: int = 5):
        self.docs = docs.reset_index(drop=True)
        self.texts = self.docs["text"].fillna("").astype(str).tolist()
        self.ngram = ngram
        self.signatures = minhash_signatures(self.texts, max_perm, ngram)
        self.usable = has_words(self.texts)

    def evaluate(self, threshold: float, num_perm: int, bands: int | None = None, rows: int | None = None,
                 verify: bool = True) -> dict:
        """Cluster at these settings; return banding, counts, precision and recall (vs ground truth).

        ``verify=False`` merges every candidate pair unchecked (a plain LSH index).
        """
        if num_perm > self.signatures.shape[1]:
            raise InputError(f"at most {self.signatures.shape[1]} permutations were precomputed")
        bands, rows = resolve_banding(threshold, num_perm, bands, rows)
        signatures = self.signatures[:, :num_perm]
        if verify:
            roots, candidates, _, verified = cluster_signatures(signatures, self.usable, threshold, bands, rows,
                                                                texts=self.texts, ngram=self.ngram)
        else:
            candidates = candidate_pairs(signatures, bands, rows, usable=self.usable)
            verified = candidates
            roots = union_find_roots(len(self.texts), candidates)
        scores = pair_precision_recall(roots, near_duplicate_truth(self.docs, threshold))
        return {"bands": bands, "rows": rows, "threshold": threshold, "num_perm": num_perm,
                "candidates": len(candidates), "verified": len(verified),
                "duplicates": int((roots != np.arange(len(roots))).sum()), "roots": roots, **scores}


def draw_s_curve(ax, bands: int, rows: int, threshold: float, reference=None) -> None:
    """P(candidate) against Jaccard for ``bands`` x ``rows``, with the threshold marked.

    Args:
        reference: optional ``(bands, rows, label)`` drawn dashed for comparison.
    """
    similarity = np.linspace(0, 1, 201)
    ax.plot(similarity, candidate_probability(similarity, bands, rows), color="#3b7dd8",
            label=f"{bands} bands x {rows} rows")
    if reference is not None:
        ref_bands, ref_rows, label = reference
        ax.plot(similarity, candidate_probability(similarity, ref_bands, ref_rows), "--", color="#999999",
                label=label)
    ax.axvline(threshold, color="#e07b39", lw=1, label=f"threshold {threshold:.2f}")
    ax.set_xlabel("Jaccard similarity of a pair")
    ax.set_ylabel("P(candidate)")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="upper left")


def dedup_panel(explorer: DedupExplorer):
    """Sliders (threshold, permutations, bands, rows) -> live S-curve and precision/recall readout.

    Returns:
        The panel (class ``cs229llm-panel-dedup``); the readout (class ``cs229llm-readout``)
        reads like ``precision=0.973 recall=0.951 bands=14 rows=9 ...``.
    """
    style, layout = {"description_width": "initial"}, widgets.Layout(width="420px")
    threshold = widgets.FloatSlider(value=0.8, min=0.5, max=0.95, step=0.05, description="threshold",
                                    continuous_update=False, style=style, layout=layout)
    threshold.add_class("cs229llm-slider-threshold")
    num_perm = widgets.SelectionSlider(options=list(PERMUTATION_CHOICES), value=128, description="num_perm",
                                       continuous_update=False, style=style, layout=layout)
    num_perm.add_class("cs229llm-slider-num-perm")
    derive = widgets.Checkbox(value=True, description="derive bands x rows from the threshold")
    bands = widgets.IntSlider(value=14, min=1, max=64, description="bands", continuous_update=False,
                              style=style, layout=layout)
    bands.add_class("cs229llm-slider-bands")
    rows = widgets.IntSlider(value=9, min=1, max=32, description="rows", continuous_update=False,
                             style=style, layout=layout)
    rows.add_class("cs229llm-slider-rows")
    readout = widgets.HTML()
    readout.add_class("cs229llm-readout")
    output = widgets.Output()

    @safe_callback(output)
    def redraw(_change=None):
        bands.disabled = rows.disabled = derive.value
        chosen = (None, None) if derive.value else (bands.value, rows.value)
        result = explorer.evaluate(threshold.value, num_perm.value, *chosen)
        if derive.value:  # show the derived banding on the (disabled) sliders
            bands.unobserve(redraw, names="value")
            rows.unobserve(redraw, names="value")
            bands.value, rows.value = result["bands"], result["rows"]
            bands.observe(redraw, names="value")
            rows.observe(redraw, names="value")
        readout.value = (f"precision={result['precision']:.3f} recall={result['recall']:.3f} "
                         f"bands={result['bands']} rows={result['rows']} candidates={result['candidates']} "
                         f"verified={result['verified']} duplicates={result['duplicates']}")
        reference = resolve_banding(threshold.value, num_perm.value, None, None, 0.5, 0.5)
        fig, ax = plt.subplots(figsize=(7, 3))
        draw_s_curve(ax, result["bands"], result["rows"], threshold.value,
                     reference=(*reference, f"datasketch 1:1 weights ({reference[0]} x {reference[1]})"))
        ax.set_title(f"S-curve (live): precision {result['precision']:.3f}, recall {result['recall']:.3f}",
                     fontsize=10)
        fig.tight_layout()
        display(fig)
        plt.close(fig)

    for control in (threshold, num_perm, derive, bands, rows):
        control.observe(redraw, names="value")
    panel = widgets.VBox([threshold, num_perm, derive, widgets.HBox([bands, rows]), readout, output])
    panel.add_class("cs229llm-panel-dedup")
    redraw()
    return panel
