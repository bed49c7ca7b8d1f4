"""Debian Reference (apt ``debian-reference-<lang>``): one manual, real HTML pages, in many languages.

Each package installs the manual's HTML pages as ``/usr/share/debian-reference/<page>.<lang>.html``
(``index``, ``pr01``, ``ch01`` ... ``ch12``, ``apa``): DocBook XSL output, XHTML in UTF-8, with a
navigation header and footer (links, arrows), a table of contents and the chapter itself. The raw HTML
is kept as it is; ``language`` is the translation's language (from the package: ``pt-br``, ``zh-cn``,
...) and ``lang`` its ISO 639-1 code (``pt``, ``zh``).

Main-content truth (``main_text``): the text of the page's ``<main>`` element if it has one. These pages
have none (checked: DocBook XSL 1.x writes ``div.navheader``, one content ``div`` -- ``book``, ``preface``,
``chapter`` or ``appendix`` -- and ``div.navfooter`` as the children of ``body``), so the truth is the
text of that content ``div`` without its table of contents and lists of tables (``main_rule`` says which
rule gave it). That is a structural rule read from the markup, not a human's judgement: the ``index``
page, mostly a table of contents, has little main text by this rule.

``jaccard_to_en`` is the word-5-gram Jaccard of a page's main text to the English page's: parts of some
translations are still English (``ch07`` in fr, ja, pt, pt-br shares 0.55-0.75), so a language
identifier that says ``en`` there is not simply wrong. ``pt`` and ``pt-br`` are near copies of each other.

Dropped with the reason: a page that is not UTF-8, has no ``body``, no content region, or no main text.
"""

from __future__ import annotations

import re

from ..minhash import exact_jaccard
from .htmltext import page_text
from .packages import PackageSpec, deb_control, deb_members, dep5_licence
from .records import Malformed, SourceResult, package_locator

SOURCE = "debian-reference"
VERSION = "2.100"
LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "pt", "pt-br", "zh-cn", "zh-tw", "id")
PACKAGES = tuple(PackageSpec("apt", f"debian-reference-{language}", VERSION) for language in LANGUAGES)
REDISTRIBUTABLE = True
PAGE_PATH = re.compile(r"^\.?/?usr/share/debian-reference/([a-z0-9]+)\.([a-z-]+)\.html$")
MAIN_ELEMENT, DOCBOOK_RULE = "main element", "DocBook content div minus its table of contents"


def iso_code(language: str) -> str:
    """ISO 639-1 code of a translation's tag: ``pt-br`` -> ``pt``, ``zh-tw`` -> ``zh``."""
    return language.split("-")[0]


def _grants(copyright_text: str) -> list[str]:
    """The sentence of a copyright file that grants verbatim distribution, if any."""
    text = " ".join(copyright_text.split())
    return [match.group(0) + "." for match in re.finditer(r"Permission is granted to make and distribute [^.]*", text)]


def parse_page(raw: bytes) -> dict:
    """``html``, ``title``, ``main_text`` and ``main_rule`` of one page.

    Raises:
        Malformed: not UTF-8, no body, no content region, or no main text.
    """
    try:
        html = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed(f"not valid UTF-8 (byte 0x{raw[error.start]:02x} at byte {error.start + 1})") from None
    found = page_text(html)
    if not found.has_body:
        raise Malformed("no body element")
    if found.has_main_element:
        main, rule = found.main_element, MAIN_ELEMENT
    elif found.docbook_regions:
        main, rule = found.docbook, DOCBOOK_RULE
    else:
        raise Malformed("no main content: neither a main element nor a content div between the navigation "
                        f"header and footer (body's children: {', '.join(found.classes) or 'none'})")
    if not main.strip():
        raise Malformed(f"empty main content ({rule})")
    return {"html": html, "title": found.title, "main_text": main, "main_rule": rule}


def parse(archives: dict[str, object]) -> SourceResult:
    """Pages and dropped pages from the ``debian-reference-<lang>`` packages that were fetched."""
    result = SourceResult(SOURCE, table="pages")
    licences, grants = set(), set()
    for spec, language in zip(PACKAGES, LANGUAGES):
        path = archives.get(spec.name)
        if path is None:
            continue
        version = deb_control(path).get("Version", "")
        files = dict(deb_members(path))
        copyright_name = next((name for name in files if name.endswith(f"/doc/{spec.name}/copyright")), None)
        copyright_text = files[copyright_name].decode("utf-8", "replace") if copyright_name else ""
        licence = dep5_licence(copyright_text) if copyright_name else "unknown (no copyright file)"
        licences.add(licence)
        grants.update(_grants(copyright_text))
        if copyright_text and copyright_text not in result.licence_files.values():
            result.licence_files[f"{spec.name}-copyright.txt"] = copyright_text
        result.add_package(spec, path, version, licence)
        for name in sorted(files):
            match = PAGE_PATH.match(name)
            if not match or match.group(2) != language:
                continue
            page = match.group(1)
            base = {"id": f"{SOURCE}:{language}:{page}", "source": SOURCE, "url": package_locator(spec, version, name),
                    "path": name.lstrip("./"), "group": f"{SOURCE}:{page}", "page": page, "language": language,
                    "lang": iso_code(language), "language_basis": "source", "licence": licence,
                    "domain": "technical_manual"}
            try:
                fields = parse_page(files[name])
            except Malformed as error:
                result.drop(base, str(error), files[name].decode("utf-8", "replace"))
                continue
            result.keep({**base, **fields, "html_bytes": len(files[name]), "main_chars": len(fields["main_text"])})
    english = {row["page"]: row["main_text"] for row in result.rows if row["language"] == "en"}
    for row in result.rows:  # how much of a translation is still English (untranslated passages, commands)
        row["jaccard_to_en"] = (round(exact_jaccard(row["main_text"], english[row["page"]]), 4)
                                if row["page"] in english else None)
    result.licence = " / ".join(sorted(licences))
    result.licence_note = (f"License of `Files: *` in each package's copyright file: {result.licence}"
                           + "".join(f'; "{grant}"' for grant in sorted(grants)))
    return result
