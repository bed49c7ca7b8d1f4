"""nlp-corpus (npm ``nlp-corpus``): 100,000 English sentences, informal to formal, shuffled.

What the package holds (4.4.0): ``builds/doc-0.json`` ... ``doc-99.json``, each a JSON array of 1,000
sentences. Its README lists where the sentences come from (rock lyrics, *Friends* transcripts, drug-trip
reports, Singaporean SMS, State of the Union speeches, rap, NAFTA, romantic fiction, reddit, Jeopardy,
...), but the sentences are shuffled and carry no label: the package has **no sub-collections** to take
a domain from. So ``domain`` is ``informal`` for all and ``quality`` is ``informal``, both labels of
the package as a whole and so *heuristic* per document (some sentences are UN resolutions or
encyclopedic prose).

A document is :data:`SENTENCES_PER_DOCUMENT` consecutive sentences of one build file (a block of
shuffled sentences: a mixed bag, not a text anyone wrote). A value that is not a string, or an empty
one, is dropped with the reason, and so is a build file that is not a JSON array (a dropped row is one
value or one file, a kept row one block).

Not redistributable as far as we can tell: package.json says MIT, but the README says the texts were
"found just clicking around on the internet" and asks not to republish them; many are copyrighted
(lyrics, transcripts). The builder leaves this source out unless asked for (``--sources``), and it is
not in the committed ``data_samples/real/``.
"""

from __future__ import annotations

import json
import re

from ...errors import InputError
from .packages import PackageSpec, npm_package_json, tgz_members
from .records import Malformed, SourceResult, package_locator

SOURCE = "nlp-corpus"
PACKAGES = (PackageSpec("npm", "nlp-corpus", "4.4.0"),)
REDISTRIBUTABLE = False
SENTENCES_PER_DOCUMENT = 25
TEXTS_LICENCE = "unclear (third-party texts)"  # the package is MIT; the texts in it are not its authors'
BUILD_FILE = re.compile(r"^package/builds/doc-(\d+)\.json$")


def check_sentence(value) -> str:
    """The sentence, or :class:`Malformed` with the reason it is not one."""
    if not isinstance(value, str):
        raise Malformed(f"not a string but {type(value).__name__}")
    if not value.strip():
        raise Malformed("empty sentence")
    return value.strip()


def parse(archives: dict[str, object]) -> SourceResult:
    """Documents (blocks of sentences) and dropped values from the nlp-corpus archive."""
    spec = PACKAGES[0]
    path = archives[spec.name]
    members = dict(tgz_members(path))
    meta = npm_package_json(members)
    version = meta.get("version", "")
    package_licence = meta.get("license") or "unknown"
    licence = TEXTS_LICENCE
    result = SourceResult(SOURCE, licence=licence,
                          licence_note=f"package.json license {package_licence!r} (the package); the README says the "
                                       "texts were found on the internet and asks not to republish them, so each "
                                       f"document's licence is {licence!r}: not redistributed here")
    result.add_package(spec, path, version, package_licence)
    builds = sorted((int(BUILD_FILE.match(name).group(1)), name) for name in members if BUILD_FILE.match(name))
    if not builds:
        raise InputError(f"{path}: no package/builds/doc-N.json files")
    for number, name in builds:
        locator = package_locator(spec, version, name)
        base = {"source": SOURCE, "url": locator, "path": name, "licence": licence, "domain": "informal",
                "group": f"{SOURCE}:doc-{number}"}
        try:
            values = json.loads(members[name].decode("utf-8"))
            if not isinstance(values, list):
                raise Malformed(f"expected a JSON array of sentences, got {type(values).__name__}")
        except (UnicodeDecodeError, ValueError, Malformed) as error:
            result.drop({**base, "id": f"{SOURCE}:doc-{number}"}, f"unreadable build file: {error}",
                        members[name].decode("utf-8", "replace"))
            continue
        sentences = []
        for index, value in enumerate(values):
            try:
                sentences.append(check_sentence(value))
            except Malformed as error:
                result.drop({**base, "id": f"{SOURCE}:doc-{number}:s{index:04d}"}, str(error),
                            json.dumps(value, ensure_ascii=False))
        for start in range(0, len(sentences), SENTENCES_PER_DOCUMENT):
            block = sentences[start:start + SENTENCES_PER_DOCUMENT]
            result.keep({**base, "id": f"{SOURCE}:doc-{number}:{start // SENTENCES_PER_DOCUMENT:03d}",
                         "text": "\n".join(block), "quality": "informal",
                         "quality_basis": "heuristic: the package's description, not per sentence",
                         "language": "en", "language_basis": "source"})
    return result
