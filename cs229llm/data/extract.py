"""Stage 1 of the data pipeline: from raw HTML to the text a model will read.

A web page is mostly navigation, menus, footers and ads. Four extractors sit side by side:
a naive one that keeps every visible text node (the boilerplate shows), resiliparse's
main-content heuristics (fast, C++), trafilatura (slower, more careful), and ``span``, which
widens resiliparse's main content to the whole stretch of the page it covers. Bytes are decoded
with resiliparse's encoding detection; NUL bytes, broken UTF-8, pages without a body and very
deep nesting never crash the stage, and oversized pages are truncated (and counted).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.encoding import bytes_to_str, detect_encoding

from ..errors import InputError
from .documents import is_kept, mark_dropped, require_columns
from .stage import stage

METHODS = ("resiliparse", "trafilatura", "naive", "span")
# Pages above this many characters are cut before extraction: trafilatura needs ~8 s per MB,
# and a real page's main text is almost never beyond the first megabyte.
DEFAULT_MAX_HTML_CHARS = 1_000_000
STAGE = "extract"
# PNG, JPEG, GIF, PDF, ZIP, gzip: bodies no HTML parser should see
BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b")

# ---------------------------------------------------------------- decoding and cleaning


def _check_cap(max_html_chars) -> None:
    """Refuse a page-size cap that is not a whole number >= 1 (0 or -5 would cut every page)."""
    if isinstance(max_html_chars, bool) or not isinstance(max_html_chars, int) or max_html_chars < 1:
        raise InputError(f"max_html_chars must be a whole number >= 1, got {max_html_chars!r}")


def decode_html(data: bytes | str | None) -> str:
    """Turn raw bytes (or a string) into clean Unicode text ready for an HTML parser.

    Bytes are decoded with the encoding resiliparse detects (from the bytes and any meta
    charset), falling back to UTF-8 / Windows-1252 and replacing what still fails. Strings with
    lone surrogates (invalid UTF-8 smuggled in) are repaired; NUL characters are removed.

    Args:
        data: the page as bytes, str or None.

    Returns:
        A str that can always be re-encoded as UTF-8 (empty for None).
    """
    if data is None or data is pd.NA or (isinstance(data, float) and pd.isna(data)):
        return ""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        text = bytes_to_str(raw, detect_encoding(raw), errors="replace")
    elif isinstance(data, str):
        text = data
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates, e.g. from surrogateescape decoding
            text = text.encode("utf-8", errors="replace").decode("utf-8")
    else:
        raise InputError(f"html must be bytes or str, got {type(data).__name__}")
    return text.replace("\x00", "") if "\x00" in text else text


# ---------------------------------------------------------------- the three extractors


class _VisibleTextCollector(HTMLParser):
    """Streams through HTML and keeps every text node outside script/style/head (no tree, no recursion)."""
    HIDDEN = {"script", "style", "noscript", "head", "title", "template", "svg"}
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
              "article", "header", "footer", "nav", "aside", "ul", "ol", "table", "pre", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        elif tag in self.BLOCKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self.BLOCKS:
            self.pieces.append("\n")

    def handle_data(self, data):
        if not self.hidden_depth:
            self.pieces.append(data)


def naive_text(html: str) -> str:
    """Every visible text node of the page, block elements on their own lines (the baseline).

    This is what "just strip the tags" gives: menus, cookie banners, footers and all.

    Args:
        html: the page as a string.

    Returns:
        The text, one line per block element, blank lines collapsed.
    """
    collector = _VisibleTextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def resiliparse_text(html: str) -> str:
    """Main-content text by resiliparse's heuristics (``main_content=True``): fast, C++."""
    return extract_plain_text(html, main_content=True, preserve_formatting=True,
                              list_bullets=True, alt_texts=False)


def trafilatura_text(html: str) -> str:
    """Main-content text by trafilatura (no comments, no tables): slower, often cleaner."""
    import trafilatura  # optional and slow to import (about a second): only for method='trafilatura'

    return trafilatura.extract(html, include_comments=False, include_tables=False,
                               favor_precision=False, deduplicate=False) or ""


def _text_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def span_text(html: str) -> str:
    """resiliparse's main content widened to the span it covers: every block of the page's full text from the
    first main-content line to the last.

    Main-content heuristics find *where* the article is but drop lists and tables inside it; the full text keeps
    them but also keeps the menus and footers around it. Taking the full text between the first and the last line
    the heuristics kept restores what they cut inside the article and leaves out what lies outside it
    (benchmarks/RESULTS.md#extraction-on-real-pages measures all four extractors against main-content truth).
    """
    main = _text_lines(resiliparse_text(html))
    full = _text_lines(extract_plain_text(html, main_content=False, preserve_formatting=True,
                                          list_bullets=True, alt_texts=False))
    kept = set(main)
    inside = [number for number, line in enumerate(full) if line in kept]
    if not inside:
        return "\n".join(main)
    return "\n".join(full[inside[0]:inside[-1] + 1])


EXTRACTORS = {"resiliparse": resiliparse_text, "trafilatura": trafilatura_text, "naive": naive_text,
              "span": span_text}


def html_to_text(html: bytes | str | None, method: str = "resiliparse",
                 max_html_chars: int = DEFAULT_MAX_HTML_CHARS) -> tuple[str, bool]:
    """Decode, cap and extract one page.

    Args:
        html: the page (bytes or str).
        method: ``"resiliparse"``, ``"trafilatura"``, ``"naive"`` or ``"span"`` (:func:`span_text`).
        max_html_chars: pages longer than this are cut to this length first.

    Returns:
        ``(text, truncated)``: the extracted text (stripped) and whether the page was cut.
    """
    _check_cap(max_html_chars)
    if method not in EXTRACTORS:
        raise InputError(f"unknown extraction method {method!r}: choose one of {', '.join(METHODS)}")
    page = decode_html(html)
    truncated = len(page) > max_html_chars
    if truncated:
        page = page[:max_html_chars]
    return EXTRACTORS[method](page).strip(), truncated


# ---------------------------------------------------------------- the stage


@stage(STAGE)
def extract_text(docs: pd.DataFrame, method: str = "resiliparse",
                 max_html_chars: int = DEFAULT_MAX_HTML_CHARS) -> pd.DataFrame:
    """Stage ``extract``: fill ``text`` from ``html`` for every kept row.

    A page that fails to parse or yields no text is marked dropped (stage ``extract``, reason
    ``"extraction error: ..."`` or ``"no text extracted"``), and so is a raw (bytes) body that
    starts like an image, PDF or archive (reason ``"binary body"``); nothing is deleted. Adds the
    columns ``html_chars`` (size of the decoded page), ``html_truncated`` (page cut at
    ``max_html_chars``) and ``extract_method``.

    Args:
        docs: documents table with ``id`` and ``html``.
        method: ``"resiliparse"`` (default), ``"trafilatura"`` or ``"naive"``.
        max_html_chars: cap on the page size before extraction.

    Returns:
        A new table with ``text`` filled.
    """
    _check_cap(max_html_chars)
    require_columns(docs, ["id", "html"])
    if method not in EXTRACTORS:
        raise InputError(f"unknown extraction method {method!r}: choose one of {', '.join(METHODS)}")
    out = docs.copy()
    texts = out["text"].astype(object).copy() if "text" in out.columns else pd.Series("", index=out.index, dtype=object)
    sizes = pd.Series(0, index=out.index, dtype="int64")
    truncated = pd.Series(False, index=out.index, dtype=bool)
    reasons = pd.Series(None, index=out.index, dtype=object)
    for index in out.index[is_kept(out)]:
        raw = out.at[index, "html"]
        if isinstance(raw, (bytes, bytearray)) and bytes(raw[:8]).startswith(BINARY_MAGIC):
            texts[index], reasons[index] = "", "binary body"
            continue
        try:
            page = decode_html(raw)
            sizes[index], truncated[index] = len(page), len(page) > max_html_chars
            text = EXTRACTORS[method](page[:max_html_chars]).strip()
        except Exception as error:  # a parser crash drops this page, not the run
            texts[index], reasons[index] = "", f"extraction error: {type(error).__name__}"
            continue
        texts[index] = text
        if not text:
            reasons[index] = "no text extracted"
    out["text"] = texts.fillna("").astype(str)
    out["html_chars"] = sizes
    out["html_truncated"] = truncated
    out["extract_method"] = method
    return mark_dropped(out, reasons.notna(), STAGE, reasons)


def boilerplate_share(naive: str, main: str) -> float:
    """Fraction of the naive text's characters that main-content extraction removed (0..1)."""
    if not naive:
        return 0.0
    return max(0.0, 1.0 - len(main) / len(naive))
