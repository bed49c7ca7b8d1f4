"""``cs229llm train`` as a learner runs it: same seed same bytes, kill and resume, run-directory guards.

Every run here is the ``ci`` profile's tiny model on the course shards (a few seconds each).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cs229llm import cli
from cs229llm.training.checkpoint import MODEL_FILE, STATE_FILE, latest_checkpoint, list_checkpoints

FAST = ["--no-compile", "--eval-every", "0", "--precision", "fp32", "--profile", "ci"]


@pytest.fixture(autouse=True)
def _ci_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("CS229LLM_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("CS229LLM_PROFILE", "ci")


def train(run_dir, *flags, steps=8):
    return cli.main(["train", "--run-dir", str(run_dir), "--steps", str(steps), *FAST, *flags])


def final_weights(run_dir) -> bytes:
    return (latest_checkpoint(Path(run_dir) / "checkpoints") / MODEL_FILE).read_bytes()


def one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_two_runs_with_one_seed_give_the_same_bytes_and_another_seed_does_not(tmp_path):
    assert train(tmp_path / "a", "--seed", "3") == 0
    assert train(tmp_path / "b", "--seed", "3") == 0
    assert train(tmp_path / "c", "--seed", "4") == 0
    assert final_weights(tmp_path / "a") == final_weights(tmp_path / "b")
    assert final_weights(tmp_path / "a") != final_weights(tmp_path / "c")


def test_a_sigkilled_run_resumed_equals_the_uninterrupted_one(tmp_path):
    steps = "400"
    command = [sys.executable, "-m", "cs229llm", "train", "--steps", steps, "--checkpoint-every", "5", *FAST]
    env = {**os.environ, "CS229LLM_THREADS": "1"}
    straight = tmp_path / "straight"
    subprocess.run([*command, "--run-dir", str(straight)], check=True, env=env, capture_output=True)

    killed = tmp_path / "killed"
    process = subprocess.Popen([*command, "--run-dir", str(killed)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (killed / "checkpoints" / "step_000020").exists():
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the run finished before it could be killed"
    before = latest_checkpoint(killed / "checkpoints")
    assert before is not None and before.name != f"step_000{steps}"
    assert (killed / ".lock").exists()  # left behind by the killed process: stale, so taken over

    resumed = subprocess.run([*command, "--run-dir", str(killed)], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert summary["resumed_from"] == int(before.name.split("_")[1])
    assert final_weights(killed) == final_weights(straight)
    assert not (killed / ".lock").exists()


def test_a_second_writer_is_refused_while_the_first_runs(tmp_path, capsys):
    run_dir = tmp_path / "busy"
    run_dir.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run_dir / ".lock").write_text(f"{socket.gethostname()} {holder.pid}\n")
        assert train(run_dir) == 2
        one_line_error(capsys, "being written by another training", str(holder.pid))
    finally:
        holder.kill()
        holder.wait()
    assert train(run_dir) == 0  # the holder is gone: its lock is stale


def test_resuming_with_changed_settings_needs_override_which_is_recorded(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train(run_dir, "--checkpoint-every", "4") == 0
    capsys.readouterr()
    assert train(run_dir, "--lr", "0.01", steps=12) == 2
    one_line_error(capsys, "changed settings", "lr", "--override")
    assert train(run_dir, "--lr", "0.01", "--override", steps=12) == 0
    recorded = json.loads((run_dir / "config.json").read_text())["overrides"]
    assert recorded == [{"step": 8, "changed": {"lr": [0.003, 0.01], "max_steps": [8, 12]}}]
    capsys.readouterr()
    assert train(run_dir, "--width", "32", steps=16) == 2
    one_line_error(capsys, "another model", "n_embd")


def test_resuming_past_max_steps_is_refused(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train(run_dir, steps=8) == 0
    capsys.readouterr()
    assert train(run_dir, steps=4) == 2
    one_line_error(capsys, "past max_steps=4", "step 8")
    assert [path.name for path in list_checkpoints(run_dir / "checkpoints")] == ["step_000008"]


def test_damaged_and_incomplete_checkpoints(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train(run_dir, "--checkpoint-every", "4") == 0
    checkpoints = run_dir / "checkpoints"
    # a newer folder holding only state.json must not shadow the good one
    (checkpoints / "step_000009").mkdir()
    (checkpoints / "step_000009" / STATE_FILE).write_text((checkpoints / "step_000008" / STATE_FILE).read_text())
    assert latest_checkpoint(checkpoints).name == "step_000008"
    # a truncated weights file is refused by its checksum, naming the folder to delete
    weights = checkpoints / "step_000008" / MODEL_FILE
    weights.write_bytes(weights.read_bytes()[:-100])
    capsys.readouterr()
    assert train(run_dir, steps=8) == 2
    one_line_error(capsys, "is damaged", "step_000008", "delete that folder")
    # unreadable JSON state: also one line
    (checkpoints / "step_000008" / STATE_FILE).write_text("{not json")
    assert latest_checkpoint(checkpoints).name == "step_000004"


@pytest.mark.parametrize("flags, env, needle", [
    (["--lr", "nan"], {}, "lr"),
    (["--lr", "-1"], {}, "lr"),
    (["--device", "tpu"], {}, "unknown device"),
    (["--seed", "-1"], {}, "--seed"),
    (["--seed", str(2**64)], {}, "--seed"),
    (["--eval-every", "-1"], {}, "--eval-every"),
    (["--checkpoint-every", "-5"], {}, "--checkpoint-every"),
    (["--warmup-steps", "-2"], {}, "--warmup-steps"),
    (["--batch-size", "0"], {}, "--batch-size"),
    ([], {"CS229LLM_THREADS": "abc"}, "CS229LLM_THREADS"),
])
def test_bad_options_are_one_line_errors_before_any_work(tmp_path, capsys, monkeypatch, flags, env, needle):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert train(tmp_path / "run", *flags) == 2
    one_line_error(capsys, needle)
    assert not (tmp_path / "run" / "checkpoints").exists()


@pytest.mark.parametrize("table, needle", [
    ({"train": {"max_steps": "10"}}, "max_steps must be int"),
    ({"model": {"n_layer": 2.5}}, "n_layer must be int"),
    ({"data": {"batch_size": "8"}}, "data.batch_size"),
    ({"train": {"precision": "fp8"}}, "precision"),
])
def test_config_values_of_the_wrong_type_are_named(tmp_path, capsys, table, needle):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(table))
    assert cli.main(["train", "--config", str(path), "--run-dir", str(tmp_path / "run"), "--no-compile"]) == 2
    one_line_error(capsys, needle)
