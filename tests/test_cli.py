import subprocess
import sys

from cs229llm import cli, envcheck


def test_help_lists_env_subcommand(capsys):
    assert cli.main([]) == 0
    assert "env" in capsys.readouterr().out


def test_console_script_help_runs():
    result = subprocess.run([sys.executable, "-m", "cs229llm", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "usage: cs229llm" in result.stdout


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


def test_input_error_becomes_message_and_exit_2(capsys, monkeypatch):
    from cs229llm.errors import InputError

    def broken(args):
        raise InputError("the file is empty")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["env"].set_defaults(func=broken)
    assert cli.main(["env"]) == 2
    assert "error: the file is empty" in capsys.readouterr().err
