"""Tests for checkpoints: safetensors + JSON round trip, no pickles, and a SIGKILLed run resuming exactly."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from cs229llm.errors import InputError
from cs229llm.model import GPT, GPTConfig
from cs229llm.training import checkpoint


def tiny_model(seed=0):
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=64, block_size=16, n_layer=1, n_head=2, n_embd=16))


def test_round_trip_restores_weights_optimizer_and_rng(tmp_path):
    model = tiny_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    x = torch.randint(0, 64, (2, 16))
    _, loss = model(x, x)
    loss.backward()
    optimizer.step()
    path = checkpoint.save_checkpoint(tmp_path, model, optimizer, {"step": 7, "model_config": model.config.to_dict()})
    expected_random = torch.rand(3)

    other = tiny_model(seed=1)
    other_optimizer = torch.optim.AdamW(other.parameters(), lr=1e-2)
    state = checkpoint.load_checkpoint(path, other, other_optimizer)
    assert state["step"] == 7
    assert torch.equal(torch.rand(3), expected_random)  # RNG restored to the save point
    for (name, a), b in zip(model.state_dict().items(), other.state_dict().values()):
        assert torch.equal(a, b), name
    for a, b in zip(optimizer.state.values(), other_optimizer.state.values()):
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and torch.equal(a["exp_avg_sq"], b["exp_avg_sq"])
    rebuilt, _ = checkpoint.load_pretrained(tmp_path)
    assert torch.equal(rebuilt.head.weight, model.head.weight)


def test_files_are_safetensors_and_json_only(tmp_path):
    model = tiny_model()
    path = checkpoint.save_checkpoint(tmp_path, model, None, {"step": 1})
    assert sorted(p.name for p in path.iterdir()) == ["model.safetensors", "state.json"]
    json.loads((path / "state.json").read_text())
    assert "head.weight" in load_file(str(path / "model.safetensors")) or \
        "token_embedding.weight" in load_file(str(path / "model.safetensors"))


def test_keep_prunes_old_checkpoints_and_latest_ignores_partial_ones(tmp_path):
    model = tiny_model()
    for step in (1, 2, 3):
        checkpoint.save_checkpoint(tmp_path, model, None, {"step": step}, keep=2)
    (tmp_path / "step_000009").mkdir()  # a half-written folder without state.json
    assert [p.name for p in checkpoint.list_checkpoints(tmp_path)] == ["step_000002", "step_000003"]
    assert checkpoint.latest_checkpoint(tmp_path).name == "step_000003"


def test_missing_checkpoint_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no checkpoint"):
        checkpoint.load_pretrained(tmp_path)


SCRIPT = """
import os, sys, time
import numpy as np, torch
torch.set_num_threads(1)
from cs229llm.model import GPT, GPTConfig
from cs229llm.training.byte_data import StreamSampler
from cs229llm.training.trainer import TrainConfig, train

torch.manual_seed(0)
model = GPT(GPTConfig(vocab_size=64, block_size=16, n_layer=1, n_head=2, n_embd=32))
rng = np.random.default_rng(0)
streams = {"a": rng.integers(0, 64, 5000), "b": (np.arange(5000) * 7) % 64}
sampler = StreamSampler(streams, {"a": 1, "b": 1}, batch_size=4, seq_len=16, seed=1)
delay = float(os.environ.get("STEP_DELAY", "0"))
config = TrainConfig(max_steps=40, lr=1e-2, warmup_steps=4, checkpoint_every=4, log_every=1, eval_every=0,
                     run_dir=sys.argv[1])
train(model, sampler, config, callbacks=[lambda event: time.sleep(delay) if event["kind"] == "train" else None])
print("finished")
"""


@pytest.mark.slow
def test_sigkilled_run_resumes_to_identical_weights(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    subprocess.run([sys.executable, str(script), str(straight)], check=True, env=environment, timeout=120)

    slow = subprocess.Popen([sys.executable, str(script), str(interrupted)],
                            env={**environment, "STEP_DELAY": "0.05"})
    deadline = time.time() + 120
    while time.time() < deadline:
        found = checkpoint.latest_checkpoint(interrupted / "checkpoints")
        if found is not None and checkpoint.read_state(found)["step"] >= 12:
            break
        time.sleep(0.05)
    slow.send_signal(signal.SIGKILL)
    slow.wait()
    killed_at = checkpoint.read_state(checkpoint.latest_checkpoint(interrupted / "checkpoints"))["step"]
    assert 12 <= killed_at < 40, "the run should be killed part-way"

    resumed = subprocess.run([sys.executable, str(script), str(interrupted)], env=environment, timeout=120,
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    final_straight = load_file(str(straight / "checkpoints" / "step_000040" / "model.safetensors"))
    final_resumed = load_file(str(interrupted / "checkpoints" / "step_000040" / "model.safetensors"))
    assert final_straight.keys() == final_resumed.keys()
    for name in final_straight:
        assert torch.equal(final_straight[name], final_resumed[name]), name
    # the metrics log has each step once, as if never interrupted
    steps = [json.loads(line)["step"] for line in (interrupted / "metrics.jsonl").read_text().splitlines()
             if json.loads(line)["kind"] == "train"]
    assert steps == list(range(1, 41))
    assert Path(interrupted / "config.json").exists()


@pytest.mark.parametrize("make_optimizer", [
    lambda params: torch.optim.AdamW(params, lr=1e-2, betas=(0.9, 0.95), weight_decay=0.1),
    lambda params: torch.optim.Adam(params, lr=3e-3),
    lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
])
def test_optimizer_param_groups_round_trip_with_their_types(tmp_path, make_optimizer):
    model = tiny_model()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = make_optimizer([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}])
    x = torch.randint(0, 64, (2, 16))
    model(x, x)[1].backward()
    optimizer.step()
    before = optimizer.state_dict()["param_groups"]
    path = checkpoint.save_checkpoint(tmp_path, model, optimizer, {"step": 1})

    other = tiny_model(seed=1)
    other_decay = [p for p in other.parameters() if p.dim() >= 2]
    other_no_decay = [p for p in other.parameters() if p.dim() < 2]
    fresh = make_optimizer([{"params": other_decay}, {"params": other_no_decay, "weight_decay": 0.0}])
    checkpoint.load_checkpoint(path, other, fresh, restore_rng=False)
    after = fresh.state_dict()["param_groups"]
    assert after == before
    for group_before, group_after in zip(before, after):
        assert {k: type(v) for k, v in group_after.items()} == {k: type(v) for k, v in group_before.items()}
    # the optimizer keeps stepping exactly like the one that was saved
    for model_, optimizer_ in ((model, optimizer), (other, fresh)):
        optimizer_.zero_grad()
        model_(x, x)[1].backward()
        optimizer_.step()
    for a, b in zip(model.parameters(), other.parameters()):
        assert torch.equal(a, b)


def test_checkpoints_without_recorded_tuple_keys_take_the_live_optimizers_types(tmp_path):
    model = tiny_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.8, 0.9))
    path = checkpoint.save_checkpoint(tmp_path, model, optimizer, {"step": 1})
    state = json.loads((path / "state.json").read_text())
    del state["optimizer"]["tuple_keys"]  # as written before the types were recorded
    (path / "state.json").write_text(json.dumps(state))
    other = tiny_model(seed=1)
    fresh = torch.optim.AdamW(other.parameters(), lr=1e-2)
    checkpoint.load_checkpoint(path, other, fresh, restore_rng=False)
    assert fresh.param_groups[0]["betas"] == (0.8, 0.9)
