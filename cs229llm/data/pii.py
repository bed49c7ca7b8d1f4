"""Personal data: mask e-mail addresses, phone numbers and IPv4 addresses before training.

Regular expressions find each kind; matches become placeholders (``<EMAIL>``, ``<PHONE>``,
``<IP_ADDRESS>``) and are counted per document and in total. IP addresses are replaced before
phone numbers so that ``192.168.0.12`` is never read as a phone number. Regexes miss some
formats and catch a few look-alikes (a version string ``1.2.3.4`` is an IP to them).
"""

from __future__ import annotations

import re

import pandas as pd

from .documents import is_kept, require_columns
from .stage import stage

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)")
# A phone number: optional +country code, then 3 or 4 groups of digits separated by a space,
# dot or dash, or an area code in parentheses; or a local number 555-0123. Requiring
# separators keeps years, prices and long ids (1234567890) out.
PHONE = re.compile(
    r"(?<![\w+.-])"
    r"(?:(?:\+\d{1,3}[ .-]?)?"
    r"(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])"
    r"\d{3,4}[ .-]\d{3,4}"
    r"|\d{3}-\d{4})"
    r"(?![\w-]|\.\d)"
)
PLACEHOLDERS = {"email": "<EMAIL>", "ip": "<IP_ADDRESS>", "phone": "<PHONE>"}
PATTERNS = {"email": EMAIL, "ip": IPV4, "phone": PHONE}  # order matters: IP before phone


def mask_text(text: str) -> tuple[str, dict[str, int]]:
    """Replace every e-mail, IPv4 address and phone number in ``text`` by its placeholder.

    Returns:
        ``(masked text, {"email": n, "ip": n, "phone": n})``.
    """
    counts = {}
    for kind, pattern in PATTERNS.items():
        text, counts[kind] = pattern.subn(PLACEHOLDERS[kind], text)
    return text, counts


@stage("pii")
def mask_pii(docs: pd.DataFrame) -> pd.DataFrame:
    """Stage ``pii``: mask personal data in ``text`` of kept rows; drops nothing.

    Adds ``pii_email``, ``pii_ip`` and ``pii_phone`` (matches per document, 0 for rows
    not processed).

    Args:
        docs: documents table with ``text``.

    Returns:
        A new table with masked text and the count columns.
    """
    require_columns(docs, ["text"])
    out = docs.copy()
    counts = {kind: pd.Series(0, index=out.index, dtype="int64") for kind in PATTERNS}
    texts = out["text"].astype(object).copy()
    for index in out.index[is_kept(out)]:
        text = texts[index]
        if not isinstance(text, str) or not text:
            continue
        texts[index], found = mask_text(text)
        for kind, number in found.items():
            counts[kind][index] = number
    out["text"] = texts
    for kind, series in counts.items():
        out[f"pii_{kind}"] = series
    return out


def pii_summary(docs: pd.DataFrame) -> pd.DataFrame:
    """Totals per kind: matches masked and documents with at least one.

    Returns:
        DataFrame with columns ``kind``, ``matches``, ``documents``.
    """
    rows = []
    for kind in PATTERNS:
        column = f"pii_{kind}"
        require_columns(docs, [column], "table (run mask_pii first)")
        rows.append({"kind": kind, "matches": int(docs[column].sum()), "documents": int((docs[column] > 0).sum())})
    return pd.DataFrame(rows, columns=["kind", "matches", "documents"])
