"""Stage 3b: a learned quality filter, "does this look like the high-quality reference set?".

As in GPT-3 and DCLM, a linear classifier separates reference text (positives) from crawl
text (negatives): hashed word 1-2-gram features (scikit-learn ``HashingVectorizer``, no
vocabulary to store) and logistic regression. Its score is the probability of "reference-like";
the stage keeps documents above a threshold. Accuracy is measured on a held-out split.
The weights save as a small ``.npz`` + JSON (no pickles).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from ..errors import InputError
from .documents import is_kept, mark_dropped, require_columns
from .stage import stage

STAGE = "quality_classifier"
FEATURE_SETTINGS = {"n_features": 2**18, "ngram_range": (1, 2), "alternate_sign": False,
                    "norm": "l2", "lowercase": True}
MAX_CHARS = 20_000  # characters per document the features look at


def _vectorizer():
    return HashingVectorizer(**FEATURE_SETTINGS)


def _clip(texts) -> list[str]:
    return [t[:MAX_CHARS] if isinstance(t, str) else "" for t in texts]


@dataclass
class QualityClassifier:
    """Logistic regression on hashed n-grams; ``score(texts)`` gives P(high quality).

    Attributes:
        model: the fitted ``sklearn.linear_model.LogisticRegression``.
        metrics: held-out accuracy and sizes from :func:`train_quality_classifier`.
    """
    model: object
    metrics: dict = field(default_factory=dict)

    def score(self, texts) -> np.ndarray:
        """Probability that each text is reference-like. Shape ``[len(texts)]``."""
        texts = list(texts)
        if not texts:
            return np.zeros(0)
        return self.model.predict_proba(_vectorizer().transform(_clip(texts)))[:, 1]

    def save(self, path: str | Path) -> Path:
        """Write weights to ``path`` (.npz) and metrics to ``path`` with ``.json``; returns the npz path."""
        path = Path(path).with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, coef=self.model.coef_, intercept=self.model.intercept_, classes=self.model.classes_)
        path.with_suffix(".json").write_text(json.dumps(self.metrics, indent=2))
        return path

    @classmethod
    def load(cls, path: str | Path) -> QualityClassifier:
        """Load weights written by :meth:`save` (no pickle is read)."""
        path = Path(path).with_suffix(".npz")
        if not path.exists():
            raise InputError(f"no quality classifier at {path}")
        with np.load(path, allow_pickle=False) as weights:
            model = LogisticRegression()
            model.coef_, model.intercept_, model.classes_ = weights["coef"], weights["intercept"], weights["classes"]
        metrics_path = path.with_suffix(".json")
        metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
        return cls(model, metrics)


def train_quality_classifier(positive_texts, negative_texts, heldout_fraction: float = 0.2,
                             seed: int = 0, regularization: float = 4.0) -> QualityClassifier:
    """Fit reference-vs-crawl logistic regression and measure it on a held-out split.

    Args:
        positive_texts: high-quality reference texts (label 1).
        negative_texts: crawl texts (label 0).
        heldout_fraction: share of each class held out for the accuracy.
        seed: split and solver seed.
        regularization: inverse L2 strength ``C`` of the logistic regression.

    Returns:
        A :class:`QualityClassifier` whose ``metrics`` hold ``heldout_accuracy``,
        ``train_accuracy``, ``train_size``, ``heldout_size`` and ``baseline_accuracy`` (always
        guessing the larger class).
    """
    positives = [t for t in _clip(positive_texts) if t.strip()]
    negatives = [t for t in _clip(negative_texts) if t.strip()]
    if len(positives) < 5 or len(negatives) < 5:
        raise InputError(f"need at least 5 non-empty texts per class, got {len(positives)} "
                         f"reference and {len(negatives)} crawl texts")
    texts = positives + negatives
    labels = np.array([1] * len(positives) + [0] * len(negatives))
    train_texts, heldout_texts, train_labels, heldout_labels = train_test_split(
        texts, labels, test_size=heldout_fraction, random_state=seed, stratify=labels)
    vectorizer = _vectorizer()
    model = LogisticRegression(C=regularization, max_iter=1000, random_state=seed, class_weight="balanced")
    model.fit(vectorizer.transform(train_texts), train_labels)
    heldout_predictions = model.predict(vectorizer.transform(heldout_texts))
    metrics = {
        "heldout_accuracy": float((heldout_predictions == heldout_labels).mean()),
        "train_accuracy": float((model.predict(vectorizer.transform(train_texts)) == train_labels).mean()),
        "train_size": len(train_texts),
        "heldout_size": len(heldout_texts),
        "baseline_accuracy": float(max(heldout_labels.mean(), 1 - heldout_labels.mean())),
        "seed": seed,
    }
    return QualityClassifier(model, metrics)


@stage(STAGE)
def classifier_filter(docs: pd.DataFrame, classifier: QualityClassifier, threshold: float = 0.5) -> pd.DataFrame:
    """Stage ``quality_classifier``: add ``hq_score``; drop kept rows scoring below ``threshold``.

    Args:
        docs: documents table with ``text``.
        classifier: a trained :class:`QualityClassifier`.
        threshold: minimum P(high quality) to keep.

    Returns:
        A new table (reason ``"hq score < threshold"``); rows dropped earlier get NaN.
    """
    require_columns(docs, ["text"])
    if not 0.0 <= float(threshold) <= 1.0:
        raise InputError(f"classifier threshold must be in [0, 1], got {threshold}")
    out = docs.copy()
    kept_rows = is_kept(out)
    scores = pd.Series(float("nan"), index=out.index, dtype="float64")
    scores[kept_rows] = classifier.score(out.loc[kept_rows, "text"])
    out["hq_score"] = scores
    return mark_dropped(out, kept_rows & (scores < threshold), STAGE, f"hq score < {threshold:g}")
