"""Text of HTML, block by block, with the regions a page is made of told apart.

One streaming pass (``html.parser``, no tree) collects:

* ``visible``: every text node outside ``head``/``script``/``style`` (what a naive extractor keeps);
* ``main_element``: the text inside ``<main>`` elements, when the page has one;
* ``docbook``: the text of the content ``div`` that DocBook's XSL puts between its navigation header
  and footer (``div.navheader`` / ``div.navfooter``, direct children of ``body``), without the table of
  contents and the lists of tables and figures inside it (navigation too);
* ``title`` and whether a ``body`` was there.

Text is laid out one block (paragraph, heading, list item, table row, ``pre`` line) a line, spaces
inside a block collapsed; ``pre`` keeps its lines and indentation. Bag-of-words comparisons against
another extractor do not depend on this layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

HIDDEN = {"head", "script", "style", "noscript", "template", "svg"}
BLOCKS = {"address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl",
          "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
          "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
          "thead", "title", "tr", "ul"}
CELLS = {"td", "th"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
DOCBOOK_NAVIGATION = {"navheader", "navfooter"}
DOCBOOK_LISTS = {"toc", "list-of-tables", "list-of-figures", "list-of-examples", "list-of-equations"}
_SPACES = re.compile(r"\s+")


class _Blocks:
    """Text pieces gathered into blocks: one output line per non-empty block."""

    def __init__(self):
        self.lines: list[str] = []
        self.current: list[str] = []
        self.preformatted = False

    def add(self, text: str) -> None:
        self.current.append(text)

    def cell(self) -> None:
        self.current.append(" ")

    def end_block(self) -> None:
        if not self.current:
            return
        text = "".join(self.current)
        self.current = []
        if self.preformatted:
            lines = [line.rstrip() for line in text.strip("\n").split("\n")]
            self.lines.extend(line for line in lines if line.strip())
        else:
            line = _SPACES.sub(" ", text).strip()
            if line:
                self.lines.append(line)

    def text(self) -> str:
        self.end_block()
        return "\n".join(self.lines)


@dataclass
class PageText:
    """What :func:`page_text` finds in one page."""
    title: str = ""
    has_body: bool = False
    has_main_element: bool = False
    docbook_regions: int = 0  # content divs between the DocBook navigation header and footer
    visible: str = ""
    main_element: str = ""
    docbook: str = ""
    classes: list[str] = field(default_factory=list)  # classes of the body's direct children, in order


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str]]] = []  # open elements: (tag, roles)
        self.visible, self.main, self.docbook, self.title_text = _Blocks(), _Blocks(), _Blocks(), []
        self.result = PageText()
        self.body_depth: int | None = None

    def _roles(self) -> set[str]:
        return self.stack[-1][1] if self.stack else set()

    def _sinks(self, roles: set[str]) -> list[_Blocks]:
        if "hidden" in roles:
            return []
        sinks = [self.visible]
        if "main" in roles:
            sinks.append(self.main)
        if "docbook" in roles and "docbook-skip" not in roles:
            sinks.append(self.docbook)
        return sinks

    def _boundary(self, tag: str, roles: set[str], preformatted: bool | None = None) -> None:
        for sink in (self.visible, self.main, self.docbook):
            if tag in CELLS:
                sink.cell()
            else:
                sink.end_block()
            if preformatted is not None:
                sink.preformatted = preformatted

    def handle_starttag(self, tag, attrs):
        roles = set(self._roles())
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "body" and self.body_depth is None:
            heads = [depth for depth, (name, _) in enumerate(self.stack) if name == "head"]
            if heads:  # <body> closes an unclosed <head> (as browsers do)
                del self.stack[heads[0]:]
                roles = set(self._roles())
            self.result.has_body = True
            self.body_depth = len(self.stack) + 1
        if tag in HIDDEN and not (tag == "head" and self.body_depth is not None):  # a <head> inside body shows
            roles.add("hidden")
        if tag == "title":
            roles.add("title")
        if tag == "main":
            self.result.has_main_element = True
            roles.add("main")
        if self.body_depth is not None and len(self.stack) == self.body_depth:  # a direct child of body
            self.result.classes.append(" ".join(sorted(classes)) or tag)
            if tag == "div" and not classes & DOCBOOK_NAVIGATION:
                roles.add("docbook")
                self.result.docbook_regions += 1
        if "docbook" in roles and tag == "div" and classes & DOCBOOK_LISTS:
            roles.add("docbook-skip")
        if tag in BLOCKS:
            self._boundary(tag, roles, preformatted=True if tag == "pre" else None)
        if tag not in VOID:
            self.stack.append((tag, roles))

    def handle_startendtag(self, tag, attrs):
        if tag in VOID or tag in BLOCKS:
            if tag in BLOCKS:
                self._boundary(tag, self._roles())
            return
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for depth in range(len(self.stack) - 1, -1, -1):  # close up to the matching element, if open
            if self.stack[depth][0] == tag:
                closed = self.stack[depth:]
                del self.stack[depth:]
                for name, _ in reversed(closed):
                    if name in BLOCKS:
                        leaving_pre = name == "pre" and not any(t == "pre" for t, _ in self.stack)
                        self._boundary(name, set(), preformatted=False if leaving_pre else None)
                if tag == "body":
                    self.body_depth = -1  # no element after the body is a child of it
                return

    def handle_data(self, data):
        roles = self._roles()
        if "title" in roles:
            self.title_text.append(data)
        for sink in self._sinks(roles):
            sink.add(data)

    def close(self) -> PageText:
        super().close()
        self.result.title = _SPACES.sub(" ", "".join(self.title_text)).strip()
        self.result.visible = self.visible.text()
        self.result.main_element = self.main.text()
        self.result.docbook = self.docbook.text()
        return self.result


def page_text(html: str) -> PageText:
    """The regions of one page as text (see the module docstring)."""
    parser = _PageParser()
    parser.feed(html)
    return parser.close()


def visible_text(html: str) -> str:
    """Every visible text node of ``html``, one block a line (the HTML body of an email, for one)."""
    return page_text(html).visible
