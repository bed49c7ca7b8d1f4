"""Stage 3: heuristic quality filters (Gopher, C4, FineWeb) with their published thresholds.

Signals are computed once per document (word counts, repetition fractions, line statistics)
and kept as ``q_*`` columns; each rule is a small named function that compares signals to a
threshold. Moving a threshold (a slider) therefore costs a vectorised comparison, not a pass
over the text. A dropped row's reason is the first failing rule, and per-rule counts show
which rule does the work. Sources: Gopher (Rae et al. 2021, Table A1), C4 (Raffel et al. 2020,
Section 2.2), FineWeb (Penedo et al. 2024; datatrove defaults); see docs/references.md#gopher-rules.
"""

from __future__ import annotations

import inspect
import re
import string

import numpy as np
import pandas as pd

from ..errors import InputError
from .documents import is_kept, mark_dropped, require_columns
from .stage import stage
from .words import count_whitespace_words_with_a_letter, whitespace_words

STAGE = "quality"
GOPHER_STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})
TERMINAL_PUNCTUATION = (".", "!", "?", '"', "'", "\u201d", "\u2019", "\u2026")
BULLETS = ("\u2022", "-", "*", "\u2023", "\u25e6", "\u2043", "\u00b7")
MAX_SIGNAL_CHARS = 1_000_000
SHORT_LINE_CHARS = 30  # FineWeb: a line under 30 characters is "short"
TOP_NGRAM_SIZES = (2, 3, 4)
DUPLICATE_NGRAM_SIZES = (5, 6, 7, 8, 9, 10)
_SENTENCE_END = re.compile(r"[.!?\u2026]+(?:[\"'\u201d\u2019)\]]*)(?=\s|$)")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

# ---------------------------------------------------------------- signals (one pass per document)


def _duplicate_items(items: list[str]) -> tuple[int, int]:
    """How many items repeat an earlier one, and how many characters those repeats hold."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


def _ngram_repetition(words: list[str]) -> dict[str, float]:
    """Gopher's n-gram repetition signals, vectorised with 64-bit n-gram hashes.

    ``top_{n}gram``: characters in all occurrences of the most frequent word n-gram over all
    word characters (n = 2, 3, 4). ``duplicate_{n}gram``: characters of words covered by an
    n-gram occurrence that repeats an earlier one (overlaps counted once), n = 5..10.
    """
    signals = {f"q_top_{n}gram": 0.0 for n in TOP_NGRAM_SIZES}
    signals.update({f"q_duplicate_{n}gram": 0.0 for n in DUPLICATE_NGRAM_SIZES})
    word_count = len(words)
    if word_count < 2:
        return signals
    lengths = np.array(list(map(len, words)), dtype=np.int64)
    total_chars = float(lengths.sum()) or 1.0
    prefix = np.concatenate([[0], np.cumsum(lengths)])
    word_hash = np.array(list(map(hash, words)), dtype=np.int64).view(np.uint64)
    ngram_hash = word_hash.copy()
    for n in range(2, max(DUPLICATE_NGRAM_SIZES) + 1):
        if word_count < n:
            break
        with np.errstate(over="ignore"):
            ngram_hash = ngram_hash[:-1] * _HASH_MULTIPLIER + word_hash[n - 1:]
        # factorize numbers n-grams in order of first appearance (hash table, no sort)
        codes = pd.factorize(ngram_hash)[0]
        seen_before = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
        is_repeat = codes <= seen_before
        if n in TOP_NGRAM_SIZES:
            counts = np.bincount(codes)
            if counts.max() > 1:
                starts = np.flatnonzero(~is_repeat)  # first occurrence of code 0, 1, 2, ...
                chars = (prefix[starts + n] - prefix[starts]) * counts
                best = np.flatnonzero(counts == counts.max())  # ties: the one covering most characters
                signals[f"q_top_{n}gram"] = min(1.0, float(chars[best].max()) / total_chars)
        if n in DUPLICATE_NGRAM_SIZES:
            repeats = np.flatnonzero(is_repeat)
            if len(repeats):
                cover = np.zeros(word_count + 1, dtype=np.int64)
                cover[repeats] += 1  # repeats are distinct, so plain fancy indexing is exact
                cover[repeats + n] -= 1
                covered = np.cumsum(cover[:-1]) > 0
                signals[f"q_duplicate_{n}gram"] = float(lengths[covered].sum()) / total_chars
    return signals


def c4_retained_lines(text: str) -> list[str]:
    """The lines C4's line filter keeps: ending in terminal punctuation, >= 3 words, no "javascript".

    (C4, Raffel et al. 2020, Section 2.2; the bad-words list and citation markers are left out.)
    """
    kept_lines = []
    for line in text.split("\n"):
        line = line.strip()
        if (line.endswith(TERMINAL_PUNCTUATION) and len(whitespace_words(line)) >= 3
                and "javascript" not in line.lower()):
            kept_lines.append(line)
    return kept_lines


def text_signals(text: str) -> dict[str, float]:
    """Every signal the rules read, for one document.

    Words are whitespace-separated tokens; lines are non-empty stripped lines; paragraphs are
    separated by blank lines. Ratios with an empty denominator are 0. Texts longer than
    ``MAX_SIGNAL_CHARS`` get an exact word count and the other signals from their first part
    (Gopher's 100,000-word limit drops them anyway).

    Args:
        text: the document text.

    Returns:
        A dict of ``q_*`` signal name -> value.
    """
    text = text if isinstance(text, str) else ""
    if len(text) > MAX_SIGNAL_CHARS:  # a giant page: exact word count, other signals from its start
        signals = text_signals(text[:MAX_SIGNAL_CHARS])
        signals["q_words"] = len(whitespace_words(text))
        return signals
    tokens = whitespace_words(text)
    words = [w for w in (t.strip(string.punctuation) for t in tokens) if w]
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    n_tokens, n_lines, n_paragraphs = len(tokens), len(lines), len(paragraphs)
    text_chars = len(text.replace("\n", "")) or 1
    duplicate_lines, duplicate_line_chars = _duplicate_items(lines)
    duplicate_paragraphs, duplicate_paragraph_chars = _duplicate_items(paragraphs)
    retained = c4_retained_lines(text)
    lowered = text.lower()
    signals = {
        "q_words": n_tokens,
        "q_mean_word_length": sum(map(len, words)) / len(words) if words else 0.0,
        # Gopher checks hashes and ellipses each against the limit, not their sum
        "q_hash_ratio": text.count("#") / n_tokens if n_tokens else 0.0,
        "q_ellipsis_ratio": (text.count("...") + text.count("\u2026")) / n_tokens if n_tokens else 0.0,
        "q_bullet_lines": sum(line.startswith(BULLETS) for line in lines) / n_lines if n_lines else 0.0,
        "q_ellipsis_lines": sum(line.endswith(("...", "\u2026")) for line in lines) / n_lines if n_lines else 0.0,
        "q_alphabetic_words": count_whitespace_words_with_a_letter(text) / n_tokens if n_tokens else 0.0,
        # distinct stop words: "the the the" has one, and one is not enough
        "q_stop_words": len(GOPHER_STOP_WORDS.intersection(whitespace_words(lowered))),
        "q_duplicate_lines": duplicate_lines / n_lines if n_lines else 0.0,
        "q_duplicate_line_chars": duplicate_line_chars / text_chars,
        "q_duplicate_paragraphs": duplicate_paragraphs / n_paragraphs if n_paragraphs else 0.0,
        "q_duplicate_paragraph_chars": duplicate_paragraph_chars / text_chars,
        "q_lorem_ipsum": float("lorem ipsum" in lowered),
        "q_curly_bracket": float("{" in text),
        "q_c4_sentences": sum(len(_SENTENCE_END.findall(line)) for line in retained),
        "q_line_punctuation": sum(line.endswith(TERMINAL_PUNCTUATION) for line in lines) / n_lines if n_lines else 0.0,
        "q_short_lines": sum(len(line) < SHORT_LINE_CHARS for line in lines) / n_lines if n_lines else 0.0,
        "q_newline_ratio": text.count("\n") / n_tokens if n_tokens else 0.0,
    }
    signals.update(_ngram_repetition(tokens))
    return signals


SIGNAL_COLUMNS = tuple(text_signals("a b").keys())


def compute_signals(docs: pd.DataFrame) -> pd.DataFrame:
    """Add every ``q_*`` signal column (NaN for rows dropped by earlier stages).

    Args:
        docs: documents table with ``text``.

    Returns:
        A new table with the signal columns.
    """
    require_columns(docs, ["text"])
    out = docs.copy()
    kept_index = out.index[is_kept(out)]
    rows = [text_signals(out.at[index, "text"]) for index in kept_index]
    signals = pd.DataFrame(rows, index=kept_index, columns=list(SIGNAL_COLUMNS), dtype="float64")
    signals = signals.reindex(out.index)
    for column in SIGNAL_COLUMNS:
        out[column] = signals[column]
    return out


# ---------------------------------------------------------------- rules: signals -> pass (True) / fail


def gopher_word_count(signals: pd.DataFrame, min_words=50, max_words=100_000) -> pd.Series:
    """Gopher quality: keep 50 to 100,000 words (Rae et al. 2021, Table A1)."""
    return signals["q_words"].between(min_words, max_words)


def gopher_mean_word_length(signals, min_mean_word_length=3.0, max_mean_word_length=10.0):
    """Gopher quality: mean word length between 3 and 10 characters."""
    return signals["q_mean_word_length"].between(min_mean_word_length, max_mean_word_length)


def gopher_symbol_ratio(signals, max_symbol_ratio=0.1):
    """Gopher quality: '#' per word at most 0.1, and ellipses per word at most 0.1 (each on its own)."""
    return (signals["q_hash_ratio"] <= max_symbol_ratio) & (signals["q_ellipsis_ratio"] <= max_symbol_ratio)


def gopher_bullet_lines(signals, max_bullet_lines=0.9):
    """Gopher quality: at most 90% of lines start with a bullet."""
    return signals["q_bullet_lines"] <= max_bullet_lines


def gopher_ellipsis_lines(signals, max_ellipsis_lines=0.3):
    """Gopher quality: at most 30% of lines end in an ellipsis."""
    return signals["q_ellipsis_lines"] <= max_ellipsis_lines


def gopher_alphabetic_words(signals, min_alphabetic_words=0.8):
    """Gopher quality: at least 80% of words contain a letter."""
    return signals["q_alphabetic_words"] >= min_alphabetic_words


def gopher_stop_words(signals, min_stop_words=2):
    """Gopher quality: at least 2 distinct stop words of: the, be, to, of, and, that, have, with."""
    return signals["q_stop_words"] >= min_stop_words


def gopher_duplicate_lines(signals, max_duplicate_lines=0.3):
    """Gopher repetition: at most 30% of lines repeat an earlier line."""
    return signals["q_duplicate_lines"] <= max_duplicate_lines


def gopher_duplicate_paragraphs(signals, max_duplicate_paragraphs=0.3):
    """Gopher repetition: at most 30% of paragraphs repeat an earlier paragraph."""
    return signals["q_duplicate_paragraphs"] <= max_duplicate_paragraphs


def gopher_duplicate_line_chars(signals, max_duplicate_line_chars=0.2):
    """Gopher repetition: at most 20% of characters are in repeated lines."""
    return signals["q_duplicate_line_chars"] <= max_duplicate_line_chars


def gopher_duplicate_paragraph_chars(signals, max_duplicate_paragraph_chars=0.2):
    """Gopher repetition: at most 20% of characters are in repeated paragraphs."""
    return signals["q_duplicate_paragraph_chars"] <= max_duplicate_paragraph_chars


def gopher_top_ngrams(signals, max_top_2gram=0.20, max_top_3gram=0.18, max_top_4gram=0.16):
    """Gopher repetition: the most frequent 2/3/4-gram covers at most 20/18/16% of characters."""
    return ((signals["q_top_2gram"] <= max_top_2gram) & (signals["q_top_3gram"] <= max_top_3gram)
            & (signals["q_top_4gram"] <= max_top_4gram))


def gopher_duplicate_ngrams(signals, max_duplicate_5gram=0.15, max_duplicate_6gram=0.14,
                            max_duplicate_7gram=0.13, max_duplicate_8gram=0.12,
                            max_duplicate_9gram=0.11, max_duplicate_10gram=0.10):
    """Gopher repetition: repeated 5..10-grams cover at most 15, 14, ..., 10% of characters."""
    limits = {5: max_duplicate_5gram, 6: max_duplicate_6gram, 7: max_duplicate_7gram,
              8: max_duplicate_8gram, 9: max_duplicate_9gram, 10: max_duplicate_10gram}
    passes = pd.Series(True, index=signals.index)
    for n, limit in limits.items():
        passes &= signals[f"q_duplicate_{n}gram"] <= limit
    return passes


def c4_lorem_ipsum(signals):
    """C4: drop pages containing "lorem ipsum" (placeholder text)."""
    return signals["q_lorem_ipsum"] == 0


def c4_curly_bracket(signals):
    """C4: drop pages containing "{" (meant to remove code; it removes every code page)."""
    return signals["q_curly_bracket"] == 0


def c4_min_sentences(signals, min_sentences=5):
    """C4: at least 5 sentences in the lines the C4 line filter keeps (Raffel et al. 2020)."""
    return signals["q_c4_sentences"] >= min_sentences


def fineweb_line_punctuation(signals, min_line_punctuation=0.12):
    """FineWeb: at least 12% of lines end in terminal punctuation (Penedo et al. 2024)."""
    return signals["q_line_punctuation"] >= min_line_punctuation


def fineweb_short_lines(signals, max_short_lines=0.67):
    """FineWeb: at most 67% of lines are shorter than 30 characters."""
    return signals["q_short_lines"] <= max_short_lines


def fineweb_duplicate_line_chars(signals, fineweb_max_duplicate_line_chars=0.01):
    """FineWeb: at most 1% of characters are in repeated lines."""
    return signals["q_duplicate_line_chars"] <= fineweb_max_duplicate_line_chars


def fineweb_newline_ratio(signals, max_newline_ratio=0.3):
    """FineWeb (datatrove's FineWebQualityFilter): at most 0.3 line breaks per word (drops lists)."""
    return signals["q_newline_ratio"] <= max_newline_ratio


RULE_GROUPS = {
    "gopher_quality": (gopher_word_count, gopher_mean_word_length, gopher_symbol_ratio,
                       gopher_bullet_lines, gopher_ellipsis_lines, gopher_alphabetic_words,
                       gopher_stop_words),
    "gopher_repetition": (gopher_duplicate_lines, gopher_duplicate_paragraphs,
                          gopher_duplicate_line_chars, gopher_duplicate_paragraph_chars,
                          gopher_top_ngrams, gopher_duplicate_ngrams),
    "c4": (c4_lorem_ipsum, c4_curly_bracket, c4_min_sentences),
    "fineweb": (fineweb_line_punctuation, fineweb_short_lines, fineweb_duplicate_line_chars,
                fineweb_newline_ratio),
}
RULE_GROUPS["gopher"] = RULE_GROUPS["gopher_quality"] + RULE_GROUPS["gopher_repetition"]
RULES = {rule.__name__: rule for group in RULE_GROUPS.values() for rule in group}
DEFAULT_RULES = ("gopher", "c4", "fineweb")


def default_thresholds(rules=DEFAULT_RULES) -> dict[str, float]:
    """Threshold name -> published default for the chosen rules (the keyword defaults)."""
    thresholds = {}
    for rule in resolve_rules(rules):
        for name, parameter in inspect.signature(rule).parameters.items():
            if parameter.default is not inspect.Parameter.empty:
                thresholds[name] = parameter.default
    return thresholds


def resolve_rules(rules=DEFAULT_RULES) -> list:
    """Rule functions for names of groups (``gopher``, ``c4``, ...) or single rules, in order, once each.

    ``rules`` may be a comma-separated string or a sequence of names / functions.
    """
    if isinstance(rules, str):
        rules = [name.strip() for name in rules.split(",") if name.strip()]
    chosen = []
    for rule in rules:
        if callable(rule):
            found = (rule,)
        elif rule in RULE_GROUPS:
            found = RULE_GROUPS[rule]
        elif rule in RULES:
            found = (RULES[rule],)
        else:
            raise InputError(f"unknown quality rule {rule!r}: choose groups "
                             f"{', '.join(RULE_GROUPS)} or rules {', '.join(RULES)}")
        chosen += [f for f in found if f not in chosen]
    if not chosen:
        raise InputError("no quality rules chosen")
    return chosen


def evaluate_rules(signals: pd.DataFrame, rules=DEFAULT_RULES, **thresholds) -> pd.DataFrame:
    """Pass/fail of every rule on every row, from the signal columns only (cheap: no text).

    Args:
        signals: a table with the ``q_*`` columns (from :func:`compute_signals`).
        rules: groups or rule names.
        **thresholds: overrides of the defaults (see :func:`default_thresholds`).

    Returns:
        Boolean DataFrame, one column per rule (True = passes), same index as ``signals``.
    """
    chosen = resolve_rules(rules)
    known = default_thresholds(chosen)
    unknown = sorted(set(thresholds) - set(known))
    if unknown:
        raise InputError(f"unknown threshold(s) {', '.join(unknown)} for these rules; "
                         f"known: {', '.join(known)}")
    require_columns(signals, SIGNAL_COLUMNS, "table (run compute_signals first)")
    results = {}
    for rule in chosen:
        names = [n for n in inspect.signature(rule).parameters if n in known]
        results[rule.__name__] = rule(signals, **{n: thresholds.get(n, known[n]) for n in names}).astype(bool)
    return pd.DataFrame(results, index=signals.index)


def first_failing_rule(passes: pd.DataFrame) -> pd.Series:
    """Name of the first rule (in column order) each row fails, or None when it passes all."""
    failing = ~passes
    first = failing.idxmax(axis=1).astype(object) if len(passes.columns) else pd.Series(None, index=passes.index)
    return first.where(failing.any(axis=1), None)


@stage(STAGE)
def quality_filter(docs: pd.DataFrame, rules=DEFAULT_RULES, **thresholds) -> pd.DataFrame:
    """Stage ``quality``: compute signals (when missing) and drop rows failing a rule.

    The drop reason is the first failing rule's name; the ``q_*`` signals stay as columns so
    other thresholds can be tried with :func:`evaluate_rules` without recomputing.

    Args:
        docs: documents table with ``text``.
        rules: groups (``gopher``, ``gopher_quality``, ``gopher_repetition``, ``c4``,
            ``fineweb``) or rule names, as a list or comma-separated string.
        **thresholds: overrides of the published defaults, e.g. ``min_words=100``.

    Returns:
        A new table with signals and drops marked.
    """
    out = docs if set(SIGNAL_COLUMNS) <= set(docs.columns) else compute_signals(docs)
    kept_rows = is_kept(out)
    passes = evaluate_rules(out[kept_rows], rules, **thresholds)
    reasons = first_failing_rule(passes).reindex(out.index)
    return mark_dropped(out, reasons.notna(), STAGE, reasons)


def rule_counts(signals: pd.DataFrame, rules=DEFAULT_RULES, **thresholds) -> pd.DataFrame:
    """Per rule: documents failing it (on its own) and documents it drops (as first failing rule).

    Only rows still kept are counted. The ``in``/``dropped``/``kept`` columns form a funnel
    through the rules in order, so ``in == kept + dropped`` on every row.

    Returns:
        DataFrame with ``rule``, ``group``, ``fails``, ``in``, ``dropped``, ``kept``.
    """
    kept_signals = signals[is_kept(signals)]
    passes = evaluate_rules(kept_signals, rules, **thresholds)
    first = first_failing_rule(passes)
    group_of = {rule.__name__: group for group, members in RULE_GROUPS.items() if group != "gopher"
                for rule in members}
    rows, remaining = [], len(kept_signals)
    for rule in passes.columns:
        dropped = int((first == rule).sum())
        rows.append({"rule": rule, "group": group_of.get(rule, "custom"), "fails": int((~passes[rule]).sum()),
                     "in": remaining, "dropped": dropped, "kept": remaining - dropped})
        remaining -= dropped
    return pd.DataFrame(rows, columns=["rule", "group", "fails", "in", "dropped", "kept"])


def agreement_with_labels(kept_mask: pd.Series, is_good: pd.Series) -> dict[str, float]:
    """How a keep/drop decision agrees with ground-truth labels (good = worth training on).

    Args:
        kept_mask: True where the filter keeps the document.
        is_good: True where the ground truth says the document is good (aligned index).

    Returns:
        ``kept``, ``dropped`` (counts), ``kept_precision`` (share of kept that are good),
        ``good_recall`` (share of good documents kept) and ``dropped_precision`` (share of
        dropped that are not good); NaN where a denominator is 0.
    """
    kept_mask, is_good = kept_mask.astype(bool), is_good.reindex(kept_mask.index).astype(bool)
    kept, dropped = int(kept_mask.sum()), int((~kept_mask).sum())
    good = int(is_good.sum())
    nan = float("nan")
    return {"kept": kept, "dropped": dropped,
            "kept_precision": (kept_mask & is_good).sum() / kept if kept else nan,
            "good_recall": (kept_mask & is_good).sum() / good if good else nan,
            "dropped_precision": (~kept_mask & ~is_good).sum() / dropped if dropped else nan}
