"""Stage 2: language identification with an offline model and a score threshold.

py3langid (a character n-gram naive Bayes model shipped inside the package, no download)
gives a language and a probability normalised over its 97 languages. FineWeb keeps a
document when the English score is >= 0.65 (with fastText lid.176; see docs/references.md#fineweb-langid); we use
the same rule with this model. Short or empty texts get low scores and are dropped.
"""

from __future__ import annotations

import functools

import pandas as pd
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from ..errors import InputError
from .documents import is_kept, mark_dropped, require_columns
from .stage import stage

STAGE = "langid"
FINEWEB_THRESHOLD = 0.65  # FineWeb (Penedo et al. 2024): English score >= 0.65
# Only the first characters are scored: a language is clear after a few thousand characters
# and the model is linear in the input length.
DEFAULT_MAX_CHARS = 2_000


@functools.lru_cache(maxsize=1)
def _identifier():
    """The py3langid model with normalised probabilities (loaded once per process)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> tuple[str, float]:
    """The most likely language of ``text`` and its probability.

    Args:
        text: any string (empty and whitespace-only texts return ``("", 0.0)``).
        max_chars: only the first ``max_chars`` characters are scored.

    Returns:
        ``(language code, probability in [0, 1])``, e.g. ``("en", 0.99)``.
    """
    if not isinstance(text, str) or not text.strip():
        return "", 0.0
    language, score = _identifier().classify(text[:max_chars])
    return str(language), float(score)


@stage(STAGE)
def identify_language(docs: pd.DataFrame, keep=("en",), threshold: float = FINEWEB_THRESHOLD,
                      max_chars: int = DEFAULT_MAX_CHARS) -> pd.DataFrame:
    """Stage ``langid``: add ``lang`` and ``lang_score``; drop rows not in ``keep`` with a score >= ``threshold``.

    Args:
        docs: documents table with ``text``.
        keep: language codes to keep (a string or a sequence); empty keeps every language
            that passes the threshold.
        threshold: minimum probability of the predicted language (FineWeb: 0.65).
        max_chars: characters scored per document.

    Returns:
        A new table; dropped rows have reason ``"empty text"``, ``"language xx"`` or
        ``"low language score"``. Rows dropped by earlier stages are not scored (lang empty).
    """
    require_columns(docs, ["text"])
    if not 0.0 <= float(threshold) <= 1.0:
        raise InputError(f"language score threshold must be in [0, 1], got {threshold}")
    keep = (keep,) if isinstance(keep, str) else tuple(keep or ())
    out = docs.copy()
    languages = pd.Series("", index=out.index, dtype=object)
    scores = pd.Series(float("nan"), index=out.index, dtype="float64")
    reasons = pd.Series(None, index=out.index, dtype=object)
    for index in out.index[is_kept(out)]:
        text = out.at[index, "text"]
        language, score = detect_language(text, max_chars)
        languages[index], scores[index] = language, score
        if not language:
            reasons[index] = "empty text"
        elif keep and language not in keep:
            reasons[index] = f"language {language}"
        elif score < threshold:
            reasons[index] = "low language score"
    out["lang"] = languages.astype(str)
    out["lang_score"] = scores
    return mark_dropped(out, reasons.notna(), STAGE, reasons)
