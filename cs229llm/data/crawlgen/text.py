"""Compose documents from the lexicons: sentences, paragraphs and per-domain page structure.

A sentence is either a domain template with its slots filled or a phrase-grammar sentence
(opener, noun phrase, verb, object, prepositional phrase, connector). Documents follow the
shape of their domain: tutorials with code blocks, chapters with dialogue, wiki articles
with sections, news with quotes, threads of forum posts, lessons, product pages.
Also here: the near-duplicate edits (typos, word swaps, sentence rewrites) and junk text.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace

from .codegen import code_snippet
from .lexicon_en import COMMON, CONNECTORS, DETERMINERS, DOMAIN_LEXICONS, HQ, PREPOSITIONS
from .lexicon_intl import DAYS, GENERIC, INTL_LEXICONS, MONTHS, TAILS

_SLOT = re.compile(r"\{([a-z_]+?)(\d?)\}")
_VOWEL_A = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])")


@dataclass
class Block:
    """One piece of a page's main content: ``kind`` is p, h2, code, ul, post or review."""

    kind: str
    text: str
    meta: dict = field(default_factory=dict)


@dataclass
class Document:
    """A generated document: the clean content that HTML templates wrap."""

    doc_id: str
    domain: str
    lang: str
    title: str
    blocks: list[Block]

    @property
    def text(self) -> str:
        """The clean text a perfect extractor would return: title, then blocks, blank-line separated."""
        return "\n\n".join([self.title] + [block.text for block in self.blocks])

    @property
    def word_count(self) -> int:
        """Whitespace-separated words of :attr:`text`."""
        return len(self.text.split())


def _numeric(slot: str, rng: random.Random, lang: str) -> str | None:
    if slot == "num":
        return str(rng.choice([rng.randint(2, 12), rng.randint(2, 60), rng.randint(10, 500)]))
    if slot == "bignum":
        return f"{rng.randint(1, 90) * 1000 + rng.randint(0, 999):,}" if lang == "en" else str(rng.randint(800, 90000))
    if slot == "year":
        return str(rng.randint(1150, 2023))
    if slot == "pct":
        return str(rng.randint(2, 70))
    if slot == "price":
        return f"{rng.randint(9, 299)}.{rng.choice(['99', '49', '00', '95'])}"
    if slot == "rating":
        return f"{rng.randint(30, 49) / 10:.1f}"
    if slot == "day_de":
        return rng.choice(DAYS["de"])
    if slot == "month_de":
        return rng.choice(MONTHS["de"])
    return None


def fill(template: str, lexicon: dict, rng: random.Random, lang: str = "en") -> str:
    """Fill every ``{slot}`` of ``template`` from ``lexicon`` (then the common lists, then numbers).

    Slots may repeat with a digit suffix (``{noun2}``) to draw a second word from the same list;
    fillers may contain slots themselves (an entity like ``Mayor {first} {last}``).
    """

    def choose(match: re.Match) -> str:
        full_name, slot = match.group(1) + match.group(2), match.group(1)
        if full_name in lexicon and isinstance(lexicon[full_name], list):
            return rng.choice(lexicon[full_name])
        if slot in lexicon and isinstance(lexicon[slot], list):
            return rng.choice(lexicon[slot])
        if slot in COMMON:
            return rng.choice(COMMON[slot])
        number = _numeric(slot, rng, lang)
        if number is not None:
            return number
        if slot == "subject" and "subject" in HQ:
            return rng.choice(HQ["subject"])
        return slot

    text = template
    for _ in range(3):
        if "{" not in text:
            break
        text = _SLOT.sub(choose, text)
    if lang == "en":
        text = _VOWEL_A.sub(lambda m: m.group(1) + "n ", text)
    return text[:1].upper() + text[1:]


def _noun_phrase(lexicon: dict, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(lexicon["entity"])
    words = [rng.choice(DETERMINERS)]
    if roll < 0.7:
        words.append(rng.choice(lexicon["adj"]))
    words.append(rng.choice(lexicon["noun"]))
    return " ".join(words)


def _clause(lexicon: dict, rng: random.Random) -> str:
    parts = [_noun_phrase(lexicon, rng), rng.choice(lexicon["verb"]), _noun_phrase(lexicon, rng)]
    if rng.random() < 0.4:
        parts += [rng.choice(PREPOSITIONS), _noun_phrase(lexicon, rng)]
    return " ".join(parts)


def grammar_sentence(lexicon: dict, rng: random.Random) -> str:
    """An English sentence from the phrase grammar over one domain's word lists."""
    parts = []
    if rng.random() < 0.3:
        parts.append(rng.choice(lexicon["opener"]))
    parts.append(_clause(lexicon, rng))
    if rng.random() < 0.3:
        parts += [",", rng.choice(CONNECTORS), _clause(lexicon, rng)]
    sentence = " ".join(parts).replace(" ,", ",") + "."
    return fill(sentence, lexicon, rng, "en")


class _Deck:
    """Draw without replacement, reshuffling when empty: a document repeats a template only after using all."""

    def __init__(self, items: list[str], rng: random.Random):
        self.items, self.rng, self.cards = list(items), rng, []

    def draw(self) -> str:
        if not self.cards:
            self.cards = list(self.items)
            self.rng.shuffle(self.cards)
        return self.cards.pop()


def _intl_sentence(lexicon: dict, rng: random.Random, lang: str, decks: dict) -> str:
    if not decks:
        decks["main"] = _Deck(lexicon["templates"] + GENERIC[lang], rng)
        decks["tail"] = _Deck(TAILS[lang], rng)
    sentence = fill(decks["main"].draw(), lexicon, rng, lang)
    if rng.random() < 0.35:
        sentence += " " + fill(decks["tail"].draw(), lexicon, rng, lang)
    return sentence


def sentence(domain: str, lang: str, rng: random.Random, decks: dict | None = None) -> str:
    """One sentence of ``domain`` in ``lang``; ``decks`` (one dict per document) spreads template use."""
    if lang == "en":
        lexicon = DOMAIN_LEXICONS[domain]
        if rng.random() < 0.55:
            if decks is None:
                return fill(rng.choice(lexicon["templates"]), lexicon, rng)
            deck = decks.setdefault("en", _Deck(lexicon["templates"], rng))
            return fill(deck.draw(), lexicon, rng)
        return grammar_sentence(lexicon, rng)
    return _intl_sentence(INTL_LEXICONS[lang][domain], rng, lang, decks if decks is not None else {})


def paragraph(domain: str, lang: str, rng: random.Random, low: int = 2, high: int = 6,
              decks: dict | None = None) -> str:
    """A paragraph of ``low``..``high`` sentences."""
    decks = decks if decks is not None else {}
    return " ".join(sentence(domain, lang, rng, decks) for _ in range(rng.randint(low, high)))


def _lexicon(domain: str, lang: str) -> dict:
    return DOMAIN_LEXICONS[domain] if lang == "en" else INTL_LEXICONS[lang][domain]


def _title(domain: str, lang: str, rng: random.Random) -> str:
    lexicon = _lexicon(domain, lang)
    return fill(rng.choice(lexicon["titles"]), lexicon, rng, lang).rstrip(".")


def _body_blocks(domain: str, lang: str, rng: random.Random, target_words: int) -> list[Block]:
    """Blocks in the shape of the domain until about ``target_words`` words."""
    lexicon = _lexicon(domain, lang)
    headings = list(lexicon.get("headings", [])) if lang == "en" else []
    if domain == "books":
        headings.reverse()  # chapter parts in order: I, II, III ...
    else:
        rng.shuffle(headings)
    blocks: list[Block] = []
    words = 0
    decks: dict = {}

    def add(block: Block) -> None:
        nonlocal words
        blocks.append(block)
        words += len(block.text.split())

    if domain == "science" and lang == "en":
        add(Block("ul", "\n".join(sentence(domain, lang, rng) for _ in range(rng.randint(2, 4))),
                  {"heading": "Learning objectives"}))
    while words < target_words:
        if domain == "forums":
            author = rng.choice(DOMAIN_LEXICONS["forums"]["user"])
            add(Block("post", paragraph(domain, lang, rng, 1, 4, decks), {"user": author}))
            continue
        if headings and len(blocks) > 1 and rng.random() < 0.3:
            add(Block("h2", headings.pop()))
        if domain == "code" and lang == "en" and rng.random() < 0.45:
            language, code = code_snippet(rng)
            add(Block("p", sentence(domain, lang, rng)))
            add(Block("code", code, {"language": language}))
            continue
        if domain == "shopping" and lang == "en" and rng.random() < 0.3:
            if rng.random() < 0.5:
                add(Block("ul", "\n".join(fill(t, lexicon, rng).rstrip(".") for t in rng.sample(lexicon["templates"], 4)),
                          {"heading": "Features"}))
            else:
                add(Block("review", fill(rng.choice(lexicon["review"]), lexicon, rng),
                          {"user": rng.choice(lexicon["reviewer"]), "stars": rng.randint(1, 5)}))
            continue
        if domain in ("news", "entertainment"):
            add(Block("p", paragraph(domain, lang, rng, 1, 3, decks)))
        elif domain == "books" and lang == "en" and rng.random() < 0.3:
            lexicon_books = DOMAIN_LEXICONS["books"]
            line = fill(rng.choice([t for t in lexicon_books["templates"] if t.startswith('"')]), lexicon_books, rng)
            add(Block("p", line))
        else:
            add(Block("p", paragraph(domain, lang, rng, 2, 6, decks)))
    return blocks


def make_document(doc_id: str, domain: str, lang: str, rng: random.Random, target_words: int) -> Document:
    """A base document of ``domain`` in ``lang`` of about ``target_words`` words (at least 100)."""
    title = _title(domain, lang, rng)
    blocks = _body_blocks(domain, lang, rng, max(100, target_words) - len(title.split()))
    return Document(doc_id, domain, lang, title, blocks)


def make_hq_article(doc_id: str, rng: random.Random, target_words: int) -> Document:
    """A well-edited encyclopedic reference article (the high-quality set held out from the crawl)."""
    subject = rng.choice(HQ["subject"])
    lexicon = dict(HQ, subject=[subject], subject2=[s for s in HQ["subject"] if s != subject])
    blocks = [Block("p", " ".join(fill(t, lexicon, rng) for t in rng.sample(HQ["templates"], 4)))]
    headings = list(HQ["headings"])
    rng.shuffle(headings)
    words = len(blocks[0].text.split())
    while words < target_words and headings:
        blocks.append(Block("h2", headings.pop()))
        text = " ".join(fill(t, lexicon, rng) for t in rng.sample(HQ["templates"], rng.randint(3, 5)))
        blocks.append(Block("p", text))
        words += len(text.split()) + 2
    return Document(doc_id, "encyclopedic", "en", subject[:1].upper() + subject[1:], blocks)


# ---------------------------------------------------------------- near-duplicate edits


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def edit_document(document: Document, rng: random.Random, rate: float, new_id: str) -> Document:
    """A lightly edited copy: about ``rate`` of the prose words get a typo, a swap, a deletion or an insertion.

    Code blocks and headings stay as they are (copies keep their structure); with a rate
    of 0.01 to 0.08 the word-5-gram Jaccard to the original lands between about 0.9 and 0.5.
    """
    lexicon = _lexicon(document.domain, document.lang)
    blocks = []
    for block in document.blocks:
        if block.kind not in ("p", "post", "review"):
            blocks.append(block)
            continue
        words = block.text.split(" ")
        out = []
        for word in words:
            if rng.random() >= rate:
                out.append(word)
                continue
            action = rng.random()
            if action < 0.4:
                out.append(_typo(word, rng))
            elif action < 0.7:
                out.append(rng.choice(lexicon["noun"]).split(" ")[-1])
            elif action < 0.85:
                continue
            else:
                out += [word, rng.choice(["really", "also", "just", "very", "still"])]
        blocks.append(replace(block, text=" ".join(out)))
    return Document(new_id, document.domain, document.lang, document.title, blocks)


# ---------------------------------------------------------------- junk text

LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
         "et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip "
         "ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla "
         "pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim "
         "id est laborum").split()


def lorem_text(rng: random.Random, words: int) -> str:
    """Placeholder text: sentences of the classic filler words."""
    sentences, count = [], 0
    while count < words:
        length = rng.randint(6, 16)
        chosen = [rng.choice(LOREM) for _ in range(length)]
        sentences.append(" ".join(chosen).capitalize() + ".")
        count += length
    return " ".join(sentences)


def keyword_stuffing(rng: random.Random, words: int) -> str:
    """Spam: a few product keywords repeated with buying words, as search-engine bait."""
    shopping = DOMAIN_LEXICONS["shopping"]
    keywords = rng.sample(shopping["noun"], 3)
    bait = ["cheap", "best", "buy", "discount", "online", "free shipping", "deal", "sale", "top",
            "wholesale", "price", "2024", "official", "outlet", "lowest price", "order now", "click here"]
    out, count = [], 0
    while count < words:
        phrase = f"{rng.choice(bait)} {rng.choice(keywords)} {rng.choice(bait)}"
        out.append(phrase)
        count += len(phrase.split())
    return " ".join(out)


def word_salad(rng: random.Random, words: int) -> str:
    """Machine-like text: words of every domain glued together without grammar."""
    pool = [w for lexicon in DOMAIN_LEXICONS.values() for w in lexicon["noun"] + lexicon["adj"]]
    out = []
    while len(out) < words:
        out.append(rng.choice(pool))
        if rng.random() < 0.08:
            out[-1] += "."
    return " ".join(out).capitalize() + "."


def seo_city_page(rng: random.Random, keyword: str) -> str:
    """Machine-generated SEO lines: one sentence pattern repeated for every city."""
    cities = rng.sample(COMMON["city"], 10)
    return "\n".join(f"Best {keyword} in {city}. Cheap {keyword} {city}. {keyword.capitalize()} near me {city} "
                     f"open now." for city in cities)
