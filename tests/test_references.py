"""Citations resolve: every repository file a text cites exists, and every cited anchor of docs/references.md is there."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "docs" / "references.md"
# a cited Markdown file of the repository, optionally with an anchor: docs/references.md#gopher-rules, README.md
CITATION = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md)(?:#([a-z0-9-]+))?")
# files a run writes (``cs229llm run`` -> OUT/report.md), named in the text but not part of the repository
WRITTEN_BY_RUNS = {"report.md"}


def anchors(markdown: str) -> set[str]:
    """GitHub-style anchors of the Markdown headings: lowercased, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


def broken_citations(text: str, root: Path = ROOT) -> list[str]:
    """The citations in ``text`` whose file is not in the repository or whose anchor is not in that file."""
    problems = []
    for path, anchor in CITATION.findall(text):
        if Path(path).name in WRITTEN_BY_RUNS:
            continue
        target = root / path
        if not target.is_file():
            problems.append(f"{path}: no such file in the repository")
        elif anchor and anchor not in anchors(target.read_text(encoding="utf-8")):
            problems.append(f"{path}#{anchor}: no such heading")
    return problems


def cited_texts():
    paths = [*ROOT.glob("cs229llm/**/*.py"), *ROOT.glob("notebooks/*.py"), ROOT / "README.md",
             *ROOT.glob("docs/*.md"), *ROOT.glob("data_samples/*.md"), *ROOT.glob("benchmarks/*.py")]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths}


def test_every_citation_in_the_repository_resolves():
    problems = {name: bad for name, text in cited_texts().items() if (bad := broken_citations(text))}
    assert not problems, problems


def test_the_course_cites_its_own_reference_list():
    texts = cited_texts()
    assert sum("docs/references.md#" in text for text in texts.values()) >= 8
    assert not [name for name, text in texts.items() if "REFERENCES.md" in text]


def test_the_checker_reports_a_missing_file_and_a_missing_anchor():
    text = "as measured (see REFERENCES.md) and docs/references.md#no-such-fact, but docs/references.md#gopher-rules"
    assert broken_citations(text) == ["REFERENCES.md: no such file in the repository",
                                      "docs/references.md#no-such-fact: no such heading"]


def test_heading_anchors_follow_github():
    assert anchors("## Data: from the web to text\n### gopher-rules\n") == {"data-from-the-web-to-text", "gopher-rules"}
