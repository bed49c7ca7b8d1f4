"""Sites and their HTML templates: the boilerplate a text extractor has to see through.

Every site has a layout (blog, news, wiki, forum, shop, docs), a language, navigation,
a footer, maybe a cookie banner, ads, related links and comments. The same document
rendered on two sites differs only in that boilerplate: this is how syndicated
near-duplicates look on the real web.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from html import escape

from .lexicon_en import SHOPPING
from .text import Block, Document


@dataclass(frozen=True)
class Site:
    """A web site of the crawl: host name, display name, domain label, language and layout."""
    host: str
    name: str
    domain: str
    lang: str
    layout: str
    sections: tuple[str, ...]


_SITE_TABLE = {
    "code": ("docs", [("devharbor", "DevHarbor"), ("bytesmith", "Bytesmith"), ("stackpond", "Stack Pond")],
             {"de": ("programmierecke", "Programmierecke"), "fr": ("lecodeur", "Le Codeur"),
              "es": ("rincondelcodigo", "Rincón del Código")},
             ("Tutorials", "Python", "JavaScript", "DevOps", "Snippets")),
    "books": ("blog", [("inkwellstories", "Inkwell Stories"), ("quietchapters", "Quiet Chapters"),
                       ("pageturnerpress", "Pageturner Press")],
              {"de": ("erzaehlstube", "Erzählstube"), "fr": ("lapagetournee", "La Page Tournée"),
               "es": ("cuentosdelalba", "Cuentos del Alba")},
              ("Serials", "Short stories", "Authors", "Archive")),
    "encyclopedic": ("wiki", [("openatlaspedia", "OpenAtlas"), ("wikiverse", "Wikiverse"),
                              ("knowledgecommons", "Knowledge Commons")],
                     {"de": ("wissensarchiv", "Wissensarchiv"), "fr": ("encyclopedie-libre", "Encyclopédie libre"),
                      "es": ("saberabierto", "Saber Abierto")},
                     ("Main page", "Random article", "Categories", "Recent changes")),
    "news": ("news", [("dailyledger", "The Daily Ledger"), ("metrowire", "MetroWire"),
                      ("coastalherald", "Coastal Herald")],
             {"de": ("tagesblick", "Tagesblick"), "fr": ("lequotidien-info", "Le Quotidien Info"),
              "es": ("diariodelsur", "Diario del Sur")},
             ("Politics", "Business", "Local", "World", "Opinion", "Weather")),
    "entertainment": ("news", [("starbuzz", "StarBuzz"), ("glitterfeed", "GlitterFeed"),
                               ("popculturenow", "Pop Culture Now")],
                      {"de": ("promiklatsch", "Promiklatsch"), "fr": ("starsetpotins", "Stars & Potins"),
                       "es": ("farandula-hoy", "Farándula Hoy")},
                      ("Celebrities", "Movies", "Music", "TV", "Style")),
    "forums": ("forum", [("fixitforum", "FixIt Forum"), ("askthecrowd", "Ask the Crowd"),
                         ("tinkerboard", "Tinkerboard")],
               {"de": ("bastlerforum", "Bastlerforum"), "fr": ("forum-entraide", "Forum Entraide"),
                "es": ("foroayuda", "Foro Ayuda")},
               ("Boards", "Latest", "Unanswered", "Members")),
    "science": ("blog", [("learnscienceclass", "Learn Science Class"), ("labnotebook", "Lab Notebook"),
                         ("curiouslearners", "Curious Learners")],
                {"de": ("naturwissen-schule", "Naturwissen Schule"), "fr": ("sciences-au-college", "Sciences au collège"),
                 "es": ("cienciaparatodos", "Ciencia para Todos")},
                ("Biology", "Chemistry", "Physics", "Earth science", "Worksheets")),
    "shopping": ("shop", [("shopmartdeals", "ShopMart Deals"), ("gadgetbazaar", "Gadget Bazaar"),
                          ("homegoodsdirect", "HomeGoods Direct")],
                 {"de": ("kaufhaus24", "Kaufhaus 24"), "fr": ("bonnesaffaires", "Bonnes Affaires"),
                  "es": ("tiendaganga", "Tienda Ganga")},
                 ("Electronics", "Home", "Kitchen", "Sports", "Deals", "Gift cards")),
}

_ALT_LAYOUT = {"docs": "blog", "blog": "docs", "news": "blog", "wiki": "docs", "forum": "forum", "shop": "shop"}


def all_sites() -> list[Site]:
    """Every site of the crawl, in a fixed order: per domain three English sites, then de, fr, es."""
    sites = []
    for domain, (layout, english, international, sections) in _SITE_TABLE.items():
        for index, (slug, name) in enumerate(english):
            chosen = layout if index != 2 else _ALT_LAYOUT[layout]
            sites.append(Site(f"www.{slug}.example", name, domain, "en", chosen, sections))
        for lang, (slug, name) in international.items():
            sites.append(Site(f"www.{slug}.example", name, domain, lang, layout, sections))
    return sites


BOILERPLATE = {
    "en": {"home": "Home", "about": "About us", "contact": "Contact", "privacy": "Privacy policy",
           "terms": "Terms of use", "rights": "All rights reserved.", "related": "Related articles",
           "comments": "Comments", "ad": "Advertisement", "newsletter": "Subscribe to our newsletter",
           "share": "Share this page", "search": "Search",
           "cookie": "We use cookies to improve your experience and to show you personalised ads. "
                     "By continuing to browse you agree to our use of cookies.",
           "accept": "Accept all", "settings": "Cookie settings", "reply": "Reply", "posted": "Posted by",
           "cart": "Add to cart", "login": "Log in", "signup": "Sign up",
           "comment_lines": ["Great article, thanks for sharing!", "This helped me a lot.",
                             "I disagree with the second part.", "First!", "Bookmarked for later.",
                             "Can you write more about this?", "Interesting read.", "Who else is here in 2024?"]},
    "de": {"home": "Startseite", "about": "Über uns", "contact": "Kontakt", "privacy": "Datenschutz",
           "terms": "Nutzungsbedingungen", "rights": "Alle Rechte vorbehalten.", "related": "Das könnte Sie auch interessieren",
           "comments": "Kommentare", "ad": "Anzeige", "newsletter": "Newsletter abonnieren",
           "share": "Seite teilen", "search": "Suche",
           "cookie": "Wir verwenden Cookies, um Ihnen ein besseres Nutzungserlebnis zu bieten. "
                     "Mit der weiteren Nutzung stimmen Sie der Verwendung von Cookies zu.",
           "accept": "Alle akzeptieren", "settings": "Einstellungen", "reply": "Antworten", "posted": "Geschrieben von",
           "cart": "In den Warenkorb", "login": "Anmelden", "signup": "Registrieren",
           "comment_lines": ["Toller Artikel, danke!", "Das hat mir sehr geholfen.", "Sehe ich anders.",
                             "Interessant zu lesen."]},
    "fr": {"home": "Accueil", "about": "À propos", "contact": "Contact", "privacy": "Confidentialité",
           "terms": "Conditions d'utilisation", "rights": "Tous droits réservés.", "related": "À lire aussi",
           "comments": "Commentaires", "ad": "Publicité", "newsletter": "Abonnez-vous à la newsletter",
           "share": "Partager", "search": "Rechercher",
           "cookie": "Nous utilisons des cookies pour améliorer votre expérience. "
                     "En poursuivant votre navigation, vous acceptez leur utilisation.",
           "accept": "Tout accepter", "settings": "Paramètres", "reply": "Répondre", "posted": "Publié par",
           "cart": "Ajouter au panier", "login": "Connexion", "signup": "Inscription",
           "comment_lines": ["Super article, merci !", "Très utile.", "Je ne suis pas d'accord.", "Intéressant."]},
    "es": {"home": "Inicio", "about": "Quiénes somos", "contact": "Contacto", "privacy": "Privacidad",
           "terms": "Condiciones de uso", "rights": "Todos los derechos reservados.", "related": "También te puede interesar",
           "comments": "Comentarios", "ad": "Publicidad", "newsletter": "Suscríbete al boletín",
           "share": "Compartir", "search": "Buscar",
           "cookie": "Utilizamos cookies para mejorar tu experiencia. "
                     "Si sigues navegando, aceptas su uso.",
           "accept": "Aceptar todo", "settings": "Configuración", "reply": "Responder", "posted": "Publicado por",
           "cart": "Añadir al carrito", "login": "Entrar", "signup": "Registrarse",
           "comment_lines": ["¡Gran artículo, gracias!", "Muy útil.", "No estoy de acuerdo.", "Interesante."]},
}


def _slug(text: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in keep.split("-") if part)[:60] or "page"


def page_url(site: Site, document_title: str, number: int) -> str:
    """A URL in the site's own style for a page about ``document_title``."""
    slug = _slug(document_title)
    if site.layout == "wiki":
        return f"https://{site.host}/wiki/{slug.replace('-', '_').capitalize()}"
    if site.layout == "forum":
        return f"https://{site.host}/t/{slug}/{number}"
    if site.layout == "shop":
        return f"https://{site.host}/p/{slug}-{number}"
    if site.layout == "news":
        return f"https://{site.host}/{2020 + number % 5}/{1 + number % 12:02d}/{slug}"
    return f"https://{site.host}/posts/{slug}-{number}"


def _head(site: Site, title: str, charset: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"{site.lang}\">\n<head>\n<meta charset=\"{charset}\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)} | {escape(site.name)}</title>\n"
            f"<link rel=\"stylesheet\" href=\"/static/{site.layout}.css\">\n"
            f"<script>window.dataLayer=window.dataLayer||[];function track(e){{dataLayer.push(e)}}</script>\n"
            f"</head>\n")


def _nav(site: Site, words: dict) -> str:
    items = [words["home"]] + list(site.sections) + [words["about"], words["contact"]]
    links = "".join(f"<li><a href=\"/{_slug(item)}\">{escape(item)}</a></li>" for item in items)
    account = f"<a class=\"login\" href=\"/login\">{words['login']}</a> <a href=\"/signup\">{words['signup']}</a>"
    return (f"<header class=\"site-header\"><a class=\"logo\" href=\"/\">{escape(site.name)}</a>\n"
            f"<nav class=\"main-nav\"><ul>{links}</ul></nav>\n"
            f"<form class=\"search\" action=\"/search\"><input name=\"q\" placeholder=\"{words['search']}\"></form>"
            f"{account}</header>\n")


def _cookie_banner(words: dict) -> str:
    return (f"<div id=\"cookie-consent\" class=\"cookie-banner\"><p>{escape(words['cookie'])}</p>"
            f"<button>{words['accept']}</button> <button>{words['settings']}</button></div>\n")


def _ad(rng: random.Random, words: dict) -> str:
    product = rng.choice(SHOPPING["noun"])
    return (f"<div class=\"ad-slot\" data-ad=\"{rng.randint(1000, 9999)}\"><span>{words['ad']}</span> "
            f"<a href=\"https://ads.example/click?id={rng.randint(10000, 99999)}\">{escape(product.capitalize())} "
            f"from ${rng.randint(9, 99)}.99</a></div>\n")


def _footer(site: Site, words: dict, year: int) -> str:
    links = " | ".join(f"<a href=\"/{_slug(w)}\">{escape(w)}</a>"
                       for w in (words["about"], words["contact"], words["privacy"], words["terms"]))
    return (f"<footer class=\"site-footer\"><p>{links}</p>\n<p>{escape(words['newsletter'])}: "
            f"<input type=\"email\" placeholder=\"you@example.org\"></p>\n"
            f"<p>&copy; {year} {escape(site.name)}. {escape(words['rights'])}</p></footer>\n")


def _block_html(block: Block, words: dict) -> str:
    text = escape(block.text, quote=False)
    if block.kind == "h2":
        return f"<h2>{text}</h2>"
    if block.kind == "code":
        return f"<pre><code class=\"language-{block.meta.get('language', 'text')}\">{text}</code></pre>"
    if block.kind == "ul":
        items = "".join(f"<li>{escape(item, quote=False)}</li>" for item in block.text.split("\n"))
        heading = f"<h3>{escape(block.meta['heading'])}</h3>" if block.meta.get("heading") else ""
        return f"{heading}<ul>{items}</ul>"
    if block.kind == "post":
        return (f"<div class=\"post\"><div class=\"post-author\">{words['posted']} "
                f"<a href=\"/u/{block.meta['user']}\">{block.meta['user']}</a></div>"
                f"<div class=\"post-body\"><p>{text}</p></div>"
                f"<div class=\"post-actions\"><a href=\"#\">{words['reply']}</a></div></div>")
    if block.kind == "review":
        stars = "&#9733;" * block.meta.get("stars", 5)
        return (f"<div class=\"review\"><span class=\"stars\">{stars}</span> <b>{escape(block.meta['user'])}</b>"
                f"<p>{text}</p></div>")
    return f"<p>{text}</p>"


def render_page(site: Site, document: Document, rng: random.Random, related: list[tuple[str, str]],
                charset: str = "utf-8", extra_note: str = "") -> str:
    """The full HTML page of ``document`` on ``site``: head, nav, banner, content, aside, comments, footer.

    ``related`` is a list of (title, url) for the related-links box; ``extra_note`` is a
    line such as "This article first appeared on ..." that syndicated copies carry.
    """
    words = BOILERPLATE[site.lang]
    parts = [_head(site, document.title, charset), "<body>\n", _nav(site, words)]
    if rng.random() < 0.7:
        parts.append(_cookie_banner(words))
    if site.layout in ("news", "blog") and rng.random() < 0.6:
        parts.append(_ad(rng, words))
    article_tag = {"wiki": "div id=\"content\" class=\"mw-body\"", "forum": "div class=\"thread\"",
                   "shop": "div class=\"product\""}.get(site.layout, "article")
    close_tag = article_tag.split(" ")[0]
    parts.append(f"<main>\n<{article_tag}>\n<h1>{escape(document.title)}</h1>\n")
    if site.layout in ("news", "blog"):
        parts.append(f"<p class=\"byline\">{words['posted']} <span class=\"author\">staff</span></p>\n")
    if extra_note:
        parts.append(f"<p class=\"syndication\">{escape(extra_note)}</p>\n")
    if site.layout == "shop":
        parts.append(f"<div class=\"buy-box\"><span class=\"price\">${rng.randint(9, 299)}.99</span> "
                     f"<button class=\"add-to-cart\">{words['cart']}</button></div>\n")
    for index, block in enumerate(document.blocks):
        parts.append(_block_html(block, words) + "\n")
        if site.layout == "news" and index == 3 and rng.random() < 0.5:
            parts.append(_ad(rng, words))
    parts.append(f"</{close_tag}>\n")
    if related:
        links = "".join(f"<li><a href=\"{escape(url)}\">{escape(title)}</a></li>" for title, url in related)
        parts.append(f"<aside class=\"related\"><h3>{words['related']}</h3><ul>{links}</ul></aside>\n")
    parts.append(f"<div class=\"share\">{words['share']}: <a href=\"#\">Facebook</a> <a href=\"#\">X</a> "
                 f"<a href=\"#\">Mail</a></div>\n")
    if site.layout in ("news", "blog", "docs") and rng.random() < 0.5:
        comments = "".join(f"<li class=\"comment\"><b>{rng.choice(['anna', 'bob_k', 'guest', 'reader42', 'm.'])}</b> "
                           f"{escape(rng.choice(words['comment_lines']))}</li>"
                           for _ in range(rng.randint(1, 5)))
        parts.append(f"<section class=\"comments\"><h3>{words['comments']}</h3><ul>{comments}</ul></section>\n")
    parts.append("</main>\n")
    parts.append(_footer(site, words, 2024))
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def render_simple(site: Site, title: str, body_html: str, rng: random.Random, with_nav: bool = True,
                  charset: str = "utf-8") -> str:
    """A page with the site's chrome around arbitrary ``body_html`` (junk, listings, short notices)."""
    words = BOILERPLATE[site.lang]
    parts = [_head(site, title, charset), "<body>\n"]
    if with_nav:
        parts.append(_nav(site, words))
    if rng.random() < 0.5:
        parts.append(_cookie_banner(words))
    parts.append(f"<main>\n{body_html}\n</main>\n")
    parts.append(_footer(site, words, 2024))
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def render_menu_only(site: Site, rng: random.Random) -> str:
    """A page that is nothing but navigation: header, a sitemap of links, footer."""
    words = BOILERPLATE[site.lang]
    columns = []
    for section in site.sections:
        links = "".join(f"<li><a href=\"/{_slug(section)}/{n}\">{escape(section)} {n}</a></li>"
                        for n in range(1, rng.randint(4, 9)))
        columns.append(f"<div class=\"col\"><h4>{escape(section)}</h4><ul>{links}</ul></div>")
    body = "<div class=\"sitemap\">" + "".join(columns) + "</div>"
    return render_simple(site, words["home"], body, rng)


def render_listing(site: Site, heading: str, teasers: list[tuple[str, str, str]], rng: random.Random) -> str:
    """A category or tag page: a list of (title, url, first sentence) teasers with pagination."""
    items = "".join(f"<li class=\"teaser\"><a href=\"{escape(url)}\">{escape(title)}</a>"
                    f"<p>{escape(snippet)}</p><a class=\"more\" href=\"{escape(url)}\">&raquo;</a></li>"
                    for title, url, snippet in teasers)
    pages = "".join(f"<a href=\"?page={n}\">{n}</a> " for n in range(1, rng.randint(4, 12)))
    body = f"<h1>{escape(heading)}</h1><ul class=\"listing\">{items}</ul><div class=\"pagination\">{pages}</div>"
    return render_simple(site, heading, body, rng)
