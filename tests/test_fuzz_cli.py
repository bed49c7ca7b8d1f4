"""Bad rows, bad files and bad options thrown at every command (seeded, bounded).

Each case asserts what the course promises a learner: the command exits 0 or 2, never prints a
traceback, never hangs (each case has a time limit), and a table it writes keeps every input row
(in = kept + dropped). The option cases are drawn from the parser itself, so an option added later
is fuzzed too.
"""
from __future__ import annotations

import argparse
import random
import signal
from pathlib import Path

import pytest

from cs229llm import cli
from cs229llm.data import documents
from cs229llm.data.samples import crawl_paths, domain_corpus
from cs229llm.experiments.course_data import default_token_dir

SEED = 20261203
CASE_SECONDS = 60
TABLE_COMMANDS = ("filter", "dedup", "classify")


class CaseTimeout(BaseException):
    """Raised by the alarm: not an Exception, so the CLI's own handler cannot swallow it."""


def _alarm(signum, frame):
    raise CaseTimeout()


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_SECONDS)
    try:
        code = cli.main(argv)
    except CaseTimeout:
        pytest.fail(f"hang: `cs229llm {' '.join(argv)}` ran past {CASE_SECONDS} s")
    except SystemExit as error:  # argparse's own usage errors
        code = error.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean(argv, code, err):
    command = " ".join(argv)
    assert code in (0, 2), f"`cs229llm {command}` exited {code}: {err[-400:]}"
    assert "Traceback" not in err, f"`cs229llm {command}` printed a traceback:\n{err[-1500:]}"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    corpus = domain_corpus("train").groupby("domain").head(6).reset_index(drop=True)
    good = folder / "docs.jsonl"
    documents.write_table(corpus[["id", "text", "domain"]], good)
    run_dir = folder / "trained"
    assert cli.main(["train", "--run-dir", str(run_dir), "--steps", "2", "--no-compile", "--eval-every", "0",
                     "--profile", "ci"]) == 0
    tokenizer = default_token_dir(512) / "tokenizer.json"
    return {"docs": good, "warc": crawl_paths()[0], "folder": folder, "run": run_dir, "tokenizer": tokenizer}


# ---------------------------------------------------------------- bad rows


BAD_LINES = [
    b"not json",
    b'{"id": "t1", "text": "cut off',
    b'["an", "array"]',
    b'{"id": "n1", "text": "nul \x00 inside"}',
    b'{"id": "u1", "text": "bad utf-8 \xff\xfe"}',
    b'{"id": null, "text": "null id"}',
    b'{"id": 7, "text": "numeric id"}',
    b'{"id": "s1", "text": 1000}',
    b'{"id": "s2", "text": null}',
    b'{"id": "s3"}',
    b'{"id": "dup", "text": "first"}',
    b'{"id": "dup", "text": "second"}',
    b'{"id": "e1", "text": "lone \\ud800 surrogate"}',
    b'{"id": "d1", "text": "2020-01-01", "domain": "news"}',
    b'{"id": "00001", "text": "00001", "domain": "news"}',
    b"",
    b"   ",
    b'{"id": "w1", "text": "' + b"word " * 4000 + b'"}',
    b'{"id": "x1", "text": "extra", "domain": ["not", "a", "string"]}',
]


def _mixed_file(folder: Path, good: Path, rng: random.Random, name: str) -> tuple[Path, int]:
    lines = good.read_bytes().splitlines()
    bad = rng.sample(BAD_LINES, k=8)
    for line in bad:
        lines.insert(rng.randrange(len(lines) + 1), line)
    path = folder / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, sum(1 for line in lines if line.strip())


@pytest.mark.parametrize("command", TABLE_COMMANDS)
@pytest.mark.parametrize("draw", range(3))
def test_bad_rows_are_kept_as_dropped_rows(inputs, capsys, command, draw):
    rng = random.Random(f"{SEED}-{command}-{draw}")
    source, rows = _mixed_file(inputs["folder"], inputs["docs"], rng, f"mixed-{command}-{draw}.jsonl")
    output = inputs["folder"] / f"out-{command}-{draw}.jsonl"
    argv = [command, str(source), str(output)]
    code, _, err = run_cli(argv, capsys)
    assert_clean(argv, code, err)
    assert code == 0, err
    table = documents.read_table(output)
    assert len(table) == rows, "in = kept + dropped: every non-blank input line has a row"
    funnel = documents.funnel(table)
    assert (funnel["in"] == funnel["kept"] + funnel["dropped"]).all()


@pytest.mark.parametrize("command", [*TABLE_COMMANDS, "tokenize train", "tokenize shards"])
def test_bad_files(inputs, capsys, command, tmp_path):
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(bytes(random.Random(SEED).randrange(256) for _ in range(3000)))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    wrong_suffix = tmp_path / "table.csv"
    wrong_suffix.write_text("id,text\na,b\n")
    parquet_lie = tmp_path / "lie.parquet"
    parquet_lie.write_text('{"id": "a", "text": "b"}\n')
    taken = tmp_path / "taken.jsonl"
    taken.mkdir()
    cases = [[str(tmp_path), str(tmp_path / "o.jsonl")], [str(garbage), str(tmp_path / "o1.jsonl")],
             [str(empty), str(tmp_path / "o2.jsonl")], [str(wrong_suffix), str(tmp_path / "o3.jsonl")],
             [str(parquet_lie), str(tmp_path / "o4.jsonl")], [str(tmp_path / "missing.jsonl"), str(tmp_path / "o5")],
             [str(inputs["docs"]), str(taken)], [str(inputs["docs"]), str(inputs["docs"]) + "/below.jsonl"]]
    for arguments in cases:
        argv = [*command.split(), *arguments]
        code, _, err = run_cli(argv, capsys)
        assert_clean(argv, code, err)


def test_commands_on_their_own_output(inputs, capsys):
    """Re-running a stage on what it wrote keeps every row and drops nothing new by accident."""
    for command in ("filter", "dedup"):
        first = inputs["folder"] / f"again-{command}-1.jsonl"
        second = inputs["folder"] / f"again-{command}-2.jsonl"
        for argv in ([command, str(inputs["docs"]), str(first)], [command, str(first), str(second)]):
            code, _, err = run_cli(argv, capsys)
            assert_clean(argv, code, err)
            assert code == 0, err
        once, twice = documents.read_table(first), documents.read_table(second)
        assert len(once) == len(twice)
        assert documents.is_kept(twice).sum() == documents.is_kept(once).sum()


# ---------------------------------------------------------------- bad options, drawn from the parser


def _leaf_parsers(parser: argparse.ArgumentParser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if hasattr(sub, "load"):
                    sub.load()
                yield from _leaf_parsers(sub, (*prefix, name))
            return
    yield " ".join(prefix), parser


def _bad_values(action) -> list[str]:
    kind = getattr(action.type, "kind", None) or {int: "int", float: "float"}.get(action.type)
    if kind == "int" and action.dest in ("steps", "max_docs", "limit"):
        return ["-1", "0", "1.5"]  # a huge number of steps is a long run, not a bad input
    if kind == "int":
        return ["-1", "0", "10000000000000", "1.5"]
    if kind == "float":
        return ["nan", "-1", "inf", "1e400"]
    if action.type is None and action.nargs is None and not action.choices and action.default is None:
        return [""]
    return []


def _option_cases():
    cases = []
    for command, parser in _leaf_parsers(cli.build_parser(None)):
        if not command:
            continue
        for action in parser._actions:
            if not action.option_strings or action.dest in ("help", "profile", "seed"):
                continue
            if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction,
                                   argparse.BooleanOptionalAction, argparse._HelpAction)):
                continue
            for value in _bad_values(action):
                cases.append((command, action.option_strings[-1], value))
    return cases


OPTION_CASES = _option_cases()
PER_COMMAND_INPUTS = {
    "extract": lambda i: [str(i["warc"]), str(i["folder"] / "extract-out.jsonl")],
    "filter": lambda i: [str(i["docs"]), str(i["folder"] / "filter-out.jsonl")],
    "dedup": lambda i: [str(i["docs"]), str(i["folder"] / "dedup-out.jsonl")],
    "classify": lambda i: [str(i["docs"]), str(i["folder"] / "classify-out.jsonl")],
    "tokenize train": lambda i: [str(i["docs"]), str(i["folder"] / "tok")],
    "tokenize shards": lambda i: [str(i["docs"]), str(i["folder"] / "shards")],
    "train": lambda i: ["--run-dir", str(i["folder"] / "fuzz-run"), "--steps", "2", "--no-compile", "--eval-every",
                        "0"],
    "data download": lambda i: ["parquet", str(i["folder"] / "missing.parquet")],
    "evaluate": lambda i: [str(i["run"]), "--tokenizer", str(i["tokenizer"])],
}


def test_the_option_cases_cover_every_command():
    commands = {command for command, _, _ in OPTION_CASES}
    assert {"dedup", "filter", "train", "tokenize train", "run", "evaluate", "mix"} <= commands
    assert len(OPTION_CASES) > 100


@pytest.mark.parametrize("command, option, value", random.Random(SEED).sample(OPTION_CASES, k=len(OPTION_CASES)),
                         ids=lambda item: str(item))
def test_bad_option_values(inputs, capsys, command, option, value, tmp_path, monkeypatch):
    monkeypatch.setenv("CS229LLM_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("CS229LLM_CACHE", str(inputs["folder"] / "cache"))
    working = tmp_path / "cwd"
    working.mkdir()
    monkeypatch.chdir(working)  # an empty path that slipped through would write here, not into the repository
    argv = [*command.split(), *PER_COMMAND_INPUTS.get(command, lambda i: [])(inputs), f"{option}={value}",
            "--profile", "ci"]
    code, _, err = run_cli(argv, capsys)
    assert_clean(argv, code, err)
    assert not any(working.iterdir()), f"`cs229llm {' '.join(argv)}` wrote into the working folder"
