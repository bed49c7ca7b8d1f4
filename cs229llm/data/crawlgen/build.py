"""Build ``data_samples/``: the labeled mini crawl, the domain corpora and the HQ reference set.

Deterministic from one seed: every random stream is seeded by a string naming what it
draws (``"229/base/17"``), WARC dates and record ids come from the seed too, and gzip
members carry no timestamps, so a rebuild is byte-identical. The crawl mixes originals,
exact mirrors, syndicated and edited near-duplicates, templated pages and junk a pipeline
should drop, and the labels file records the ground truth for each record.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import random
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ..domain_names import DOMAINS
from ..minhash import shingle_strings
from .html import BOILERPLATE, Site, all_sites, page_url, render_listing, render_menu_only, render_page, render_simple
from .lexicon_en import COMMON, DOMAIN_LEXICONS
from .text import (
    Document,
    edit_document,
    keyword_stuffing,
    lorem_text,
    make_document,
    make_hq_article,
    seo_city_page,
    word_salad,
)

SEED = 229
LANGUAGE_MIX = {"en": 44, "de": 4, "fr": 3, "es": 3}  # base documents per domain and language
HELDOUT_PER_DOMAIN = 15
HQ_ARTICLES = 120
SEGMENTS = 4
CRAWL_START = datetime(2024, 3, 4, 1, 0, 0, tzinfo=timezone.utc)
EDIT_RATES = [0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07, 0.09]
SYNDICATION_NOTE = {"en": "This article first appeared on {name}.", "de": "Dieser Artikel erschien zuerst bei {name}.",
                    "fr": "Cet article a d'abord été publié sur {name}.",
                    "es": "Este artículo se publicó originalmente en {name}."}


def stream(seed: int, *names) -> random.Random:
    """An independent random stream named by ``names`` (stable across Python runs and versions)."""
    return random.Random("/".join(str(part) for part in (seed, *names)))


def jaccard(a: str, b: str, n: int = 5) -> float:
    """Jaccard similarity of the two texts' word ``n``-gram sets, with exactly near dedup's shingles
    (:func:`cs229llm.data.minhash.shingle_strings`), so the ``similarity`` labels score what dedup sees."""
    first, second = set(shingle_strings(a, n)), set(shingle_strings(b, n))
    return len(first & second) / max(1, len(first | second))


def target_length(rng: random.Random) -> int:
    """A document length in words: log-normal around 290, clipped to 100..1,350 (the last block may add some)."""
    return int(min(1350, max(100, rng.lognormvariate(math.log(290), 0.65))))


@dataclass
class Record:
    """One planned HTTP response of the crawl and its ground-truth labels."""
    url: str
    site: Site
    domain: str
    lang: str
    quality: str
    kind: str
    dup_group: str
    base_doc: str
    body: bytes
    content_type: str | None = "text/html; charset=utf-8"
    http_status: int = 200
    defect: str = ""
    similarity: float | None = None
    words: int = 0
    extra_headers: list = field(default_factory=list)


# ---------------------------------------------------------------- documents


def base_documents(seed: int = SEED) -> list[Document]:
    """The base documents of the crawl, in a fixed order (domain, then language)."""
    documents = []
    for domain in DOMAINS:
        for lang, count in LANGUAGE_MIX.items():
            for index in range(count):
                rng = stream(seed, "base", domain, lang, index)
                words = target_length(rng) if lang == "en" else rng.randint(100, 170)
                documents.append(make_document(f"{domain}-{lang}-{index:03d}", domain, lang, rng, words))
    return documents


def heldout_documents(seed: int = SEED) -> list[Document]:
    """Per-domain English documents that never appear in the crawl (evaluation split)."""
    documents = []
    for domain in DOMAINS:
        for index in range(HELDOUT_PER_DOMAIN):
            rng = stream(seed, "heldout", domain, index)
            documents.append(make_document(f"heldout-{domain}-{index:03d}", domain, "en", rng, target_length(rng)))
    return documents


def hq_documents(seed: int = SEED) -> list[Document]:
    """The high-quality reference articles (held out from the crawl)."""
    documents = []
    for index in range(HQ_ARTICLES):
        rng = stream(seed, "hq", index)
        documents.append(make_hq_article(f"hq-{index:03d}", rng, rng.randint(300, 800)))
    return documents


# ---------------------------------------------------------------- record planning


class Planner:
    """Collects the crawl's records; hands out unique URLs per site."""

    def __init__(self, seed: int):
        self.seed = seed
        self.sites = all_sites()
        self.records: list[Record] = []
        self.url_counter = 0
        self.used_urls: set[str] = set()

    def sites_for(self, domain: str | None = None, lang: str | None = None) -> list[Site]:
        """Sites of ``domain`` in ``lang`` (either may be None for all), in the fixed site order."""
        return [s for s in self.sites if (domain is None or s.domain == domain) and (lang is None or s.lang == lang)]

    def url(self, site: Site, title: str) -> str:
        """A new URL on ``site`` for a page titled ``title``, never handed out before."""
        self.url_counter += 1
        url = page_url(site, title, self.url_counter)
        while url in self.used_urls:  # wiki titles repeat: disambiguate like a wiki does
            url += f"_({self.url_counter})"
        self.used_urls.add(url)
        return url

    def add(self, record: Record) -> Record:
        """Append ``record`` to the crawl plan and return it."""
        self.records.append(record)
        return record


def _html_record(site, url, html, domain, lang, quality, kind, group, base, words, charset="utf-8", **extra):
    return Record(url=url, site=site, domain=domain, lang=lang, quality=quality, kind=kind, dup_group=group,
                  base_doc=base, body=html.encode(charset), content_type=f"text/html; charset={charset}",
                  words=words, **extra)


def plan_documents(planner: Planner, documents: list[Document]) -> None:
    """Originals, mirrors, syndicated copies and edited copies of every base document."""
    seed = planner.seed
    homes = {}
    for document in documents:
        rng = stream(seed, "home", document.doc_id)
        site = rng.choice(planner.sites_for(document.domain, document.lang))
        homes[document.doc_id] = (site, planner.url(site, document.title))
    by_site: dict[str, list[tuple[str, str]]] = {}
    for document in documents:
        site, url = homes[document.doc_id]
        by_site.setdefault(site.host, []).append((document.title, url))

    def related(rng, site, exclude_url):
        pool = [item for item in by_site.get(site.host, []) if item[1] != exclude_url]
        return rng.sample(pool, min(len(pool), rng.randint(3, 5)))

    for document in documents:
        rng = stream(seed, "copies", document.doc_id)
        site, url = homes[document.doc_id]
        group = f"dup-{document.doc_id}"
        html = render_page(site, document, rng, related(rng, site, url))
        original = planner.add(_html_record(site, url, html, document.domain, document.lang, "good", "original",
                                            group, document.doc_id, document.word_count, similarity=1.0))
        if rng.random() < 0.22:
            for copy in range(rng.randint(1, 2)):
                mirror_host = rng.choice(["mirror", "archive", "cache", "m"]) + f"{copy}.{site.host.removeprefix('www.')}"
                mirror_url = url.replace(site.host, mirror_host)
                planner.used_urls.add(mirror_url)
                planner.add(Record(url=mirror_url, site=site, domain=document.domain, lang=document.lang,
                                   quality="good", kind="mirror", dup_group=group, base_doc=document.doc_id,
                                   body=original.body, content_type=original.content_type,
                                   similarity=1.0, words=document.word_count))
        if rng.random() < 0.35:
            others = [s for s in planner.sites_for(document.domain, document.lang) if s != site]
            others = others or [s for s in planner.sites_for(None, document.lang) if s != site]
            for target in rng.sample(others, min(len(others), rng.randint(1, 2))):
                note = SYNDICATION_NOTE[document.lang].format(name=site.name)
                copy_doc = document
                if rng.random() < 0.5:
                    copy_doc = edit_document(document, rng, rng.choice(EDIT_RATES[:3]), document.doc_id)
                copy_url = planner.url(target, document.title)
                html = render_page(target, copy_doc, rng, related(rng, target, copy_url), extra_note=note)
                planner.add(_html_record(target, copy_url, html, document.domain, document.lang, "good",
                                         "syndicated", group, document.doc_id, copy_doc.word_count,
                                         similarity=round(jaccard(document.text, copy_doc.text), 4)))
        if rng.random() < 0.35:
            for _ in range(rng.randint(1, 2)):
                target = rng.choice(planner.sites_for(document.domain, document.lang))
                copy_doc = edit_document(document, rng, rng.choice(EDIT_RATES), document.doc_id)
                copy_url = planner.url(target, document.title)
                html = render_page(target, copy_doc, rng, related(rng, target, copy_url))
                planner.add(_html_record(target, copy_url, html, document.domain, document.lang, "good", "edited",
                                         group, document.doc_id, copy_doc.word_count,
                                         similarity=round(jaccard(document.text, copy_doc.text), 4)))


TEMPLATE_FAMILIES = {
    "store-locator": ("shopping", "Store in {city}",
                      "Visit the {name} store in {city}. Our team in {city} is happy to help you choose the right "
                      "product, arrange delivery and answer questions about returns. Opening hours: Monday to Friday "
                      "9:00 to {close}:00, Saturday 10:00 to 16:00, closed on Sunday. Address: {num} Market Street, "
                      "{city}. Phone: 555-{phone}. Free parking is available behind the building. Click and collect "
                      "orders placed before noon are ready the same day in {city}. Gift cards can be used in every store."),
    "weather": ("news", "Weather forecast for {city}",
                "Weather forecast for {city} on {day}: {sky} with a high of {high} degrees and a low of {low} degrees. "
                "Winds from the {wind} at {speed} km/h. Chance of rain: {rain} percent. Sunrise at 6:{minute} and sunset "
                "at 19:{minute}. Air quality in {city} is expected to be good. Check back later for updates to the "
                "forecast for {city} and the surrounding area."),
    "horoscope": ("entertainment", "{sign} horoscope for {day}",
                  "{sign} horoscope for {day}: the stars are on your side today, {sign}. A conversation with a friend "
                  "brings good news, and a small risk at work pays off. Your lucky number is {num} and your lucky colour "
                  "is {colour}. Love: be honest about what you want. Money: avoid impulse purchases until {day2}. "
                  "Come back tomorrow for your next {sign} horoscope."),
    "profile": ("forums", "Profile: {user}",
                "{user} has been a member since {year} and has written {num} posts. Reputation: {rep} points. "
                "Most active in the boards Home Repair and Gadgets. Last seen {num2} days ago. {user} has received "
                "{likes} likes and has answered {answers} questions. Send {user} a private message or follow {user} "
                "to see new posts in your feed."),
    "product-variant": ("shopping", "Classic cotton t-shirt in {colour}, size {size}",
                        "Classic cotton t-shirt in {colour}, size {size}. Made from soft organic cotton with a relaxed "
                        "fit and reinforced seams that keep their shape wash after wash. Machine washable at 30 degrees. "
                        "Model is 180 cm tall and wears size M. This {colour} t-shirt is part of our everyday basics "
                        "range and pairs well with jeans or shorts. Free returns within 30 days. Price: ${price}."),
    "course-listing": ("science", "Course: {topic} for year {num}",
                       "Course overview: {topic} for year {num}. In this unit students explore the core ideas of "
                       "{topic} through short lessons, worksheets and one practical experiment per week. The unit "
                       "takes about {weeks} weeks and ends with a short quiz. Teachers can download the lesson plans, "
                       "the answer sheets and the safety notes for the experiments. Suitable for classes of up to {class_size} students."),
    "package-page": ("code", "Package {package} {num}.{num2}",
                     "Package {package} version {num}.{num2}. Install it with pip install {package}. Released on "
                     "{day} under the MIT license. Requires Python 3.{minor} or newer. This release fixes several bugs "
                     "and improves the documentation. See the changelog for the full list of changes and the "
                     "migration guide if you are upgrading from version {old}. Report issues on the project tracker."),
    "book-listing": ("books", "{title} - paperback edition",
                     "{title}, paperback edition, {pages} pages. A new edition of the much-loved novel, with a "
                     "foreword by the author and a reading group guide at the end. Published in {year}. Also "
                     "available as an e-book and audiobook. Readers who enjoyed {title} also liked other titles from "
                     "the same series. Ships within {num} working days."),
}


def _template_values(rng: random.Random) -> dict:
    return {
        "city": rng.choice(COMMON["city"]), "close": rng.randint(17, 20), "num": rng.randint(2, 400),
        "num2": rng.randint(0, 30), "phone": f"{rng.randint(1000, 9999)}", "day": rng.choice(COMMON["day"]),
        "day2": rng.choice(COMMON["day"]), "sky": rng.choice(["sunny", "cloudy", "light rain", "showers", "fog"]),
        "high": rng.randint(8, 33), "low": rng.randint(-3, 15), "wind": rng.choice(["north", "south", "west", "east"]),
        "speed": rng.randint(5, 60), "rain": rng.randint(0, 90), "minute": f"{rng.randint(0, 59):02d}",
        "sign": rng.choice(["Aries", "Taurus", "Gemini", "Cancer", "Leo", "Virgo", "Libra", "Scorpio",
                            "Sagittarius", "Capricorn", "Aquarius", "Pisces"]),
        "colour": rng.choice(["navy", "red", "olive", "white", "black", "sky blue", "mustard"]),
        "user": rng.choice(DOMAIN_LEXICONS["forums"]["user"]) + str(rng.randint(1, 99)),
        "year": rng.randint(2005, 2024), "rep": rng.randint(10, 9000), "likes": rng.randint(0, 800),
        "answers": rng.randint(0, 300), "size": rng.choice(["XS", "S", "M", "L", "XL", "XXL"]),
        "price": f"{rng.randint(12, 40)}.99", "topic": rng.choice(DOMAIN_LEXICONS["science"]["noun"]),
        "weeks": rng.randint(3, 8), "class_size": rng.randint(20, 35),
        "package": rng.choice(["fastcsv", "tinyhttp", "quickparse", "logwise", "datefmt", "retrylib"]),
        "minor": rng.randint(8, 12), "old": f"{rng.randint(0, 3)}.{rng.randint(0, 9)}",
        "title": rng.choice(["The Lantern Road", "A House by the River", "Winter in Carrow", "The Quiet Harbour"]),
        "pages": rng.randint(180, 520),
    }


def plan_templated(planner: Planner) -> None:
    """Templated pages: one text pattern filled with different values, many near-duplicates per family."""
    for family, (domain, title_pattern, text_pattern) in TEMPLATE_FAMILIES.items():
        sites = planner.sites_for(domain, "en")
        for index in range(26):
            rng = stream(planner.seed, "template", family, index)
            site = rng.choice(sites)
            values = dict(_template_values(rng), name=site.name)
            title, text = title_pattern.format(**values), text_pattern.format(**values)
            body = f"<h1>{title}</h1>\n<div class=\"templated\"><p>{text}</p></div>"
            html = render_simple(site, title, body, rng)
            planner.add(_html_record(site, planner.url(site, title), html, domain, "en", "machine", "templated",
                                     f"tpl-{family}", f"template-{family}", len((title + " " + text).split())))


def _junk_group(prefix: str, text: str) -> str:
    return f"{prefix}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


def plan_junk(planner: Planner) -> None:
    """Pages a pipeline should drop: spam, machine text, lorem ipsum, menus, tiny pages, listings."""
    seed = planner.seed
    english = planner.sites_for(None, "en")
    for index in range(120):
        rng = stream(seed, "spam", index)
        site = rng.choice(planner.sites_for("shopping") if rng.random() < 0.7 else english)
        text = keyword_stuffing(rng, rng.randint(80, 400))
        title = " ".join(text.split()[:6]).title()
        html = render_simple(site, title, f"<h1>{title}</h1><div class=\"seo\"><p>{text}</p></div>", rng)
        planner.add(_html_record(site, planner.url(site, title), html, "shopping", "en", "spam", "junk",
                                 _junk_group("spam", text), "", len(text.split())))
    for index in range(110):
        rng = stream(seed, "machine", index)
        site = rng.choice(english)
        if index % 2:
            text = word_salad(rng, rng.randint(120, 450))
        else:
            text = seo_city_page(rng, rng.choice(DOMAIN_LEXICONS["shopping"]["noun"] + ["plumber", "dentist"]))
        title = " ".join(text.split()[:5]).title().rstrip(".")
        paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n"))
        html = render_simple(site, title, f"<h1>{title}</h1>{paragraphs}", rng)
        planner.add(_html_record(site, planner.url(site, title), html, site.domain, "en", "machine", "junk",
                                 _junk_group("machine", text), "", len(text.split())))
    lorem_variants = [lorem_text(stream(seed, "lorem-variant", v), 60 + 90 * v) for v in range(4)]
    for index in range(64):
        rng = stream(seed, "lorem", index)
        site = rng.choice(planner.sites)
        text = lorem_variants[index % 4] if index % 3 else lorem_text(rng, rng.randint(50, 300))
        html = render_simple(site, "Lorem ipsum", f"<h1>Lorem ipsum</h1><p>{text}</p>", rng)
        planner.add(_html_record(site, planner.url(site, "lorem ipsum"), html, site.domain, "la", "lorem", "junk",
                                 _junk_group("lorem", text), "", len(text.split())))
    for site_index, site in enumerate(planner.sites):
        rng = stream(seed, "menu", site.host)
        html = render_menu_only(site, rng)
        for copy in range(1 + site_index % 2):
            planner.add(_html_record(site, planner.url(site, f"sitemap {copy}"), html, site.domain, site.lang,
                                     "menu_only", "junk", f"menu-{site.host}", "", 0))
    short_texts = {
        "en": ["Thank you for subscribing!", "This page is under construction.", "Please log in to continue.",
               "Out of stock.", "Your session has expired.", "Coming soon.", "Access denied.",
               "The item was added to your cart.", "Thanks for your comment. It will appear after moderation."],
        "de": ["Danke für Ihre Anmeldung!", "Diese Seite befindet sich im Aufbau.", "Bitte melden Sie sich an."],
        "fr": ["Merci pour votre inscription !", "Page en construction.", "Veuillez vous connecter."],
        "es": ["¡Gracias por suscribirte!", "Página en construcción.", "Inicia sesión para continuar."],
    }
    for index in range(180):
        rng = stream(seed, "short", index)
        site = rng.choice(planner.sites)
        text = rng.choice(short_texts[site.lang])
        html = render_simple(site, text, f"<p class=\"notice\">{text}</p>", rng, with_nav=rng.random() < 0.5)
        planner.add(_html_record(site, planner.url(site, text), html, site.domain, site.lang, "too_short", "junk",
                                 _junk_group("short", text), "", len(text.split())))
    by_site = {}
    for record in planner.records:
        if record.kind == "original":
            by_site.setdefault(record.site.host, []).append(record)
    for index in range(130):
        rng = stream(seed, "listing", index)
        site = rng.choice([s for s in planner.sites if len(by_site.get(s.host, [])) >= 3])
        chosen = rng.sample(by_site[site.host], min(len(by_site[site.host]), rng.randint(4, 10)))
        teasers = []
        for record in chosen:
            title = record.body.decode("utf-8").split("<title>", 1)[1].split(" | ", 1)[0]
            teasers.append((title, record.url, ""))
        heading = rng.choice(site.sections)
        html = render_listing(site, f"{heading} - page {index % 7 + 1}", teasers, rng)
        planner.add(_html_record(site, planner.url(site, heading), html, site.domain, site.lang, "boilerplate",
                                 "listing", f"listing-{index:03d}", "", sum(len(t[0].split()) for t in teasers)))


def _png(rng: random.Random, width: int, height: int) -> bytes:
    """A real (tiny) PNG image of random grey pixels."""
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(width)) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _pdf(title: str) -> bytes:
    """A minimal one-page PDF whose text is ``title``."""
    stream_text = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream_text)).encode() + b" >>\nstream\n" + stream_text + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def plan_non_text_and_errors(planner: Planner) -> None:
    """Images, PDFs, stylesheets and scripts; redirects, 404s and empty bodies."""
    seed = planner.seed
    for index in range(64):
        rng = stream(seed, "binary", index)
        site = rng.choice(planner.sites)
        kind = ["image/png", "application/pdf", "image/jpeg", "text/css", "application/javascript"][index % 5]
        if kind == "image/png":
            body, path = _png(rng, rng.randint(8, 24), rng.randint(8, 24)), f"/img/photo-{index}.png"
        elif kind == "application/pdf":
            body, path = _pdf(f"Annual report {rng.randint(2015, 2024)}"), f"/files/report-{index}.pdf"
        elif kind == "image/jpeg":
            body = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rng.randrange(256) for _ in range(300)) + b"\xff\xd9"
            path = f"/img/banner-{index}.jpg"
        elif kind == "text/css":
            body, path = (f"body{{margin:0;font-family:sans-serif}}.ad-slot{{width:{rng.randint(200, 400)}px}}"
                          f"nav ul li{{display:inline-block;padding:{rng.randint(2, 9)}px}}").encode(), f"/static/site-{index}.css"
        else:
            body, path = (f"function track(e){{window.dataLayer.push(e)}};var slot={rng.randint(1, 99)};"
                          f"document.addEventListener('DOMContentLoaded',function(){{track({{page:slot}})}});").encode(), \
                f"/static/app-{index}.js"
        url = f"https://{site.host}{path}"
        planner.used_urls.add(url)
        planner.add(Record(url=url, site=site, domain=site.domain, lang="", quality="non_text", kind="non_text",
                           dup_group=f"binary-{index:03d}", base_doc="", body=body, content_type=kind))
    for index in range(70):
        rng = stream(seed, "error", index)
        site = rng.choice(planner.sites)
        kind = ["redirect", "not_found", "empty"][index % 3 if index < 60 else 2]
        url = planner.url(site, f"old page {index}")
        if kind == "redirect":
            target = planner.url(site, f"new page {index}")
            planner.add(Record(url=url, site=site, domain=site.domain, lang="", quality="error", kind="error",
                               dup_group=f"error-{index:03d}", base_doc="", body=b"", http_status=301,
                               content_type="text/html; charset=utf-8", defect="redirect",
                               extra_headers=[("Location", target)]))
        elif kind == "not_found":
            words = BOILERPLATE[site.lang]
            html = render_simple(site, "404", f"<h1>404</h1><p>Not found. <a href=\"/\">{words['home']}</a></p>", rng)
            planner.add(_html_record(site, url, html, site.domain, site.lang, "error", "error",
                                     f"error-{index:03d}", "", 3, http_status=404, defect="not_found"))
        else:
            planner.add(Record(url=url, site=site, domain=site.domain, lang="", quality="error", kind="error",
                               dup_group=f"error-{index:03d}", base_doc="", body=b"", defect="empty_body"))


def apply_defects(planner: Planner) -> None:
    """Encoding and header defects on some readable pages: latin-1 bodies, missing or lying content types."""
    rng = stream(planner.seed, "defects")
    originals = [r for r in planner.records if r.kind == "original"]
    international = [r for r in originals if r.lang in ("de", "fr", "es")]
    english = [r for r in originals if r.lang == "en"]
    for record in rng.sample(international, 24):
        html = record.body.decode("utf-8")
        choice = rng.random()
        if choice < 0.45:  # declared latin-1 in header and meta: decodable as declared
            record.body = html.replace('charset="utf-8"', 'charset="iso-8859-1"').encode("latin-1", "replace")
            record.content_type, record.defect = "text/html; charset=iso-8859-1", "latin1_declared"
        elif choice < 0.75:  # cp1252 body with no declaration anywhere: needs detection
            record.body = html.replace('<meta charset="utf-8">\n', "").encode("cp1252", "replace")
            record.content_type, record.defect = "text/html", "undeclared_cp1252"
        else:  # header says utf-8, body is latin-1 (a lying charset)
            record.body = html.replace('<meta charset="utf-8">\n', "").encode("latin-1", "replace")
            record.defect = "lying_charset"
    for record in rng.sample(english, 30):
        if rng.random() < 0.6:
            record.content_type, record.defect = None, "missing_content_type"
        else:
            record.content_type, record.defect = "application/octet-stream", "html_declared_binary"
    sites = planner.sites
    for index in range(6):
        site = sites[(index * 7) % len(sites)]
        url = f"https://{site.host}/images/hero-{index}"
        planner.used_urls.add(url)
        planner.add(Record(url=url, site=site, domain=site.domain, lang="", quality="non_text", kind="non_text",
                           dup_group=f"lying-{index:03d}", base_doc="", body=_png(stream(planner.seed, "lying", index), 12, 12),
                           content_type="text/html; charset=utf-8", defect="binary_declared_html"))


# ---------------------------------------------------------------- writing


def _http_headers(record: Record, when: datetime) -> list[tuple[str, str]]:
    headers = [("Date", when.strftime("%a, %d %b %Y %H:%M:%S GMT")), ("Server", "nginx")]
    if record.content_type is not None:
        headers.append(("Content-Type", record.content_type))
    headers += record.extra_headers
    headers += [("Content-Length", str(len(record.body))), ("Connection", "close")]
    return headers


def _record_id(rng: random.Random) -> str:
    return f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}>"


_STATUS_TEXT = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}


def write_crawl(records: list[Record], out_dir: Path, seed: int) -> list[dict]:
    """Write the records into ``SEGMENTS`` gzip WARC files; returns one labels row per record."""
    crawl_dir = out_dir / "crawl"
    crawl_dir.mkdir(parents=True, exist_ok=True)
    order = list(range(len(records)))
    stream(seed, "crawl-order").shuffle(order)
    id_rng = stream(seed, "record-ids")
    labels = []
    per_segment = math.ceil(len(order) / SEGMENTS)
    for segment in range(SEGMENTS):
        name = f"crawl-{segment:05d}.warc.gz"
        with open(crawl_dir / name, "wb") as handle:
            writer = WARCWriter(handle, gzip=True, warc_version="1.0")
            info = (f"software: cs229llm data build-samples (seed {seed})\r\nformat: WARC file version 1.0\r\n"
                    f"description: labeled mini web crawl for the cs229llm course, segment {segment}\r\n").encode()
            when = CRAWL_START + timedelta(hours=segment)
            writer.write_record(writer.create_warc_record(
                "", "warcinfo", payload=io.BytesIO(info), length=len(info),
                warc_headers_dict={"WARC-Record-ID": _record_id(id_rng), "WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   "WARC-Filename": name, "Content-Type": "application/warc-fields"}))
            for position, index in enumerate(order[segment * per_segment:(segment + 1) * per_segment]):
                record = records[index]
                when = CRAWL_START + timedelta(hours=segment, seconds=7 * position + 1)
                record_id = _record_id(id_rng)
                status = f"{record.http_status} {_STATUS_TEXT[record.http_status]}"
                http_headers = StatusAndHeaders(status, _http_headers(record, when), protocol="HTTP/1.1")
                warc_record = writer.create_warc_record(
                    record.url, "response", payload=io.BytesIO(record.body), length=len(record.body),
                    http_headers=http_headers,
                    warc_headers_dict={"WARC-Record-ID": record_id, "WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                       "WARC-IP-Address": f"192.0.2.{1 + DOMAINS.index(record.site.domain) * 16}"})
                writer.write_record(warc_record)
                labels.append({
                    "record_id": record_id, "url": record.url, "site": record.site.host, "domain": record.domain,
                    "lang": record.lang, "quality": record.quality, "dup_group": record.dup_group,
                    "base_doc": record.base_doc, "kind": record.kind, "segment": name,
                    "http_status": record.http_status, "content_type": record.content_type or "",
                    "defect": record.defect, "similarity": record.similarity, "words": record.words,
                })
    return labels


def _write_jsonl(rows: list[dict], path: Path, compress: bool) -> None:
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    if compress:
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(data)
    else:
        path.write_bytes(data)


def _corpus_rows(documents: list[Document], split: str) -> list[dict]:
    return [{"id": d.doc_id, "domain": d.domain, "lang": d.lang, "split": split, "title": d.title, "text": d.text}
            for d in documents]


def build_samples(out_dir: str | Path, seed: int = SEED) -> dict:
    """Write the crawl, labels, corpora and HQ reference set under ``out_dir``; returns a summary.

    Files: ``crawl/crawl-0000N.warc.gz``, ``crawl/labels.jsonl``, ``corpus/train.jsonl.gz``,
    ``corpus/heldout.jsonl.gz``, ``hq_reference.jsonl``.
    """
    out_dir = Path(out_dir)
    documents = base_documents(seed)
    planner = Planner(seed)
    plan_documents(planner, documents)
    plan_templated(planner)
    plan_junk(planner)
    plan_non_text_and_errors(planner)
    apply_defects(planner)
    labels = write_crawl(planner.records, out_dir, seed)
    _write_jsonl(labels, out_dir / "crawl" / "labels.jsonl", compress=False)
    (out_dir / "corpus").mkdir(parents=True, exist_ok=True)
    _write_jsonl(_corpus_rows(documents, "train"), out_dir / "corpus" / "train.jsonl.gz", compress=True)
    _write_jsonl(_corpus_rows(heldout_documents(seed), "heldout"), out_dir / "corpus" / "heldout.jsonl.gz", compress=True)
    hq_rows = [{"id": d.doc_id, "title": d.title, "text": d.text} for d in hq_documents(seed)]
    _write_jsonl(hq_rows, out_dir / "hq_reference.jsonl", compress=False)
    return {"records": len(labels), "base_documents": len(documents), "segments": SEGMENTS,
            "files": [f"crawl/crawl-{segment:05d}.warc.gz" for segment in range(SEGMENTS)]
            + ["crawl/labels.jsonl", "corpus/train.jsonl.gz", "corpus/heldout.jsonl.gz", "hq_reference.jsonl"]}
