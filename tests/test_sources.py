"""The local corpus: the installed Python read as documents (code, documentation, legal)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from cs229llm.data.sources import docstrings_exact, docstrings_fast, local_corpus, logical_path
from cs229llm.errors import InputError

MIT = ("Permission is hereby granted, free of charge, to any person obtaining a copy of this software and "
       "associated documentation files, to deal in the Software without restriction. Copyright (c) {who}.\n") * 3


def _fake_install(root: Path) -> list[tuple[str, Path]]:
    lib, site = root / "lib", root / "site"
    module = '"""A module about {what}, with a docstring long enough to keep."""\n\n' \
             'def helper(x):\n    """Return x doubled, a docstring of a function."""\n    return 2 * x\n' + "# pad\n" * 40
    packaging = '"""Version parsing."""\n' + "VERSION_PATTERN = r'v?(?:[0-9]+)'\n" * 20
    files = {
        lib / "textstuff.py": module.format(what="text"),
        lib / "numbers.py": module.format(what="numbers"),
        site / "pip" / "_vendor" / "packaging" / "version.py": packaging,
        site / "setuptools" / "_vendor" / "packaging" / "version.py": packaging,
        site / "alpha-1.0.dist-info" / "LICENSE": MIT.format(who="2019 Alpha Authors"),
        site / "beta-2.0.dist-info" / "licenses" / "LICENSE.txt": MIT.format(who="2021 Beta Team"),
        site / "alpha-1.0.dist-info" / "METADATA": "Metadata-Version: 2.1\nName: alpha\n\n" + "Alpha does things. " * 20,
        site / "alpha" / "README.md": "# Alpha\n\n" + "How to use alpha in practice. " * 10,
        site / "alpha" / "__pycache__" / "junk.py": "x = 1\n" * 100,
        site / "alpha" / "tiny.py": "x = 1\n",
        site / "alpha" / "binary.py": b"\xff\xfe not utf-8 " * 30,
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return [("stdlib", lib), ("site-packages", site)]


def test_fake_install_is_read_into_domains_with_reasons(tmp_path):
    roots = _fake_install(tmp_path)
    documents = local_corpus(100, roots=roots, min_chars=50)
    by_id = documents.set_index("id")
    assert set(documents["domain"]) == {"code", "documentation", "legal"}
    assert by_id.loc["license:site-packages/alpha-1.0.dist-info/LICENSE", "domain"] == "legal"
    assert by_id.loc["license:site-packages/beta-2.0.dist-info/licenses/LICENSE.txt", "domain"] == "legal"
    assert by_id.loc["long_description:site-packages/alpha-1.0.dist-info/METADATA", "text"].startswith("Alpha does")
    assert by_id.loc["docs:site-packages/alpha/README.md", "domain"] == "documentation"
    docstrings = by_id.loc["docstrings:stdlib/textstuff.py", "text"]
    assert "A module about text" in docstrings and "helper: Return x doubled" in docstrings
    assert not documents["path"].str.contains("__pycache__").any()
    skipped = documents.attrs["skipped"]
    assert skipped["source: not UTF-8"] == 1 and skipped["source: shorter than 50 characters"] == 1
    # the vendored copies are exact duplicates and sit next to each other in the order
    vendored = documents[documents["path"].str.endswith("_vendor/packaging/version.py") & (documents["kind"] == "source")]
    assert len(vendored) == 2 and vendored["text"].nunique() == 1
    assert abs(vendored.index[0] - vendored.index[1]) <= 3
    assert local_corpus(100, roots=roots, min_chars=50)["id"].tolist() == documents["id"].tolist()


def test_cap_mixes_domains_by_share(tmp_path):
    roots = _fake_install(tmp_path)
    documents = local_corpus(4, roots=roots, min_chars=50)
    assert len(documents) == 4 and documents["domain"].nunique() == 3


def test_logical_path_strips_vendoring():
    assert logical_path("site-packages/pip/_vendor/packaging/version.py") == "packaging/version.py"
    assert logical_path("site-packages/setuptools/_vendor/packaging/version.py") == "packaging/version.py"
    assert logical_path("stdlib/json/decoder.py") == "stdlib/json/decoder.py"


def test_fast_docstrings_agree_with_the_parser_on_the_stdlib():
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    agreed = total = 0
    for name in ["json/decoder.py", "textwrap.py", "csv.py", "argparse.py", "dataclasses.py", "shlex.py"]:
        source = (stdlib / name).read_text(encoding="utf-8")
        exact = set(docstrings_exact(source).split("\n\n"))
        fast = set(docstrings_fast(source).split("\n\n"))
        agreed += len(exact & fast)
        total += len(exact)
    assert agreed / total > 0.85


def test_bad_arguments(tmp_path):
    with pytest.raises(InputError):
        local_corpus(0)
    with pytest.raises(InputError, match="not a folder"):
        local_corpus(10, roots=[("x", tmp_path / "missing")])


@pytest.mark.slow
def test_installed_python_gives_thousands_of_documents_with_real_duplicates():
    documents = local_corpus(2000)
    assert len(documents) == 2000 and documents["id"].is_unique
    shares = documents["domain"].value_counts(normalize=True)
    assert set(shares.index) == {"code", "documentation", "legal"} and shares["code"] >= 0.4
    assert {"stdlib", "site-packages"} <= set(documents["source"])
    assert documents["text"].duplicated().sum() >= 10  # vendored copies and identical license texts
