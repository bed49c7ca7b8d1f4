"""The planted-contamination experiment: copy test items into the training text and measure the gain.

Uses the library's n-gram index and planting helpers (:mod:`cs229llm.evaluation.contamination`)
and trains through the one small-run trainer (:mod:`cs229llm.experiments.small_runs`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..evaluation.contamination import DEFAULT_N, NgramIndex, contamination_report, inflation, plant_items
from ..evaluation.multiple_choice import score_items
from .small_runs import train_small_model


def planted_contamination_experiment(train_texts: Sequence[str], items: Sequence, tokenizer, model_config,
                                     out_dir, steps: int, fraction: float = 0.5, copies: int = 8,
                                     batch_size: int = 16, lr: float = 3e-3, n: int = DEFAULT_N,
                                     seed: int = 0) -> dict:
    """Train twice at equal compute, on clean texts and on texts with planted items; compare scores.

    Args:
        train_texts: the clean training documents.
        items: multiple-choice items; a seeded ``fraction`` of them is planted ``copies`` times.
        tokenizer, model_config: as for :func:`cs229llm.experiments.small_runs.train_small_model`.
        out_dir: gets ``clean/`` and ``contaminated/`` runs.
        steps, batch_size, lr: the compute of each run (identical for both).
        n: n-gram length of the detector.

    Returns:
        dict with ``planted_ids``, ``detection`` (the :func:`contamination_report` of the items
        against the contaminated training texts), ``scores`` (model -> per-item scores) and
        ``table`` (one row per model: accuracy on planted vs clean items and the inflation).
    """
    contaminated_texts, planted_ids = plant_items(train_texts, items, fraction, copies, seed)
    detection = contamination_report(NgramIndex(n=n).add_texts(contaminated_texts), items)
    models = {}
    for name, texts in (("clean", list(train_texts)), ("contaminated", contaminated_texts)):
        run = train_small_model({"web": texts}, tokenizer, model_config, f"{out_dir}/{name}", steps=steps,
                                batch_size=batch_size, lr=lr, seed=seed)
        models[name] = run.model
    scores, rows = {}, []
    for name, model in models.items():
        scores[name] = score_items(model, tokenizer, items)
        rows.append({"model": name, **inflation(scores[name], planted_ids)})
    return {"planted_ids": planted_ids, "detection": detection, "scores": scores, "table": pd.DataFrame(rows),
            "models": models}
