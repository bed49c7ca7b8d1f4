"""Tests for the training loop: learning, exact resume, accumulation, mixture switch, NaN stop, eval hook."""

import json
import math
import shutil

import numpy as np
import pytest
import torch

from cs229llm.errors import InputError
from cs229llm.evaluation.perplexity import bits_per_byte, bits_per_byte_by_domain, make_eval_fn
from cs229llm.model import GPT, GPTConfig
from cs229llm.training.byte_data import ByteTokenizer, StreamSampler, encode_domains
from cs229llm.training.trainer import TrainConfig, TrainingDiverged, train

TEXTS = {
    "prose": ["the cat sat on the mat and the dog sat on the log. " * 20] * 4,
    "code": ["def add(a, b):\n    return a + b\n\n" * 30] * 4,
}


def make_model(seed=0):
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=257, block_size=32, n_layer=2, n_head=2, n_embd=32))


def make_sampler(seed=0, weights=None):
    streams = encode_domains(ByteTokenizer(), TEXTS)
    return StreamSampler(streams, weights or {"prose": 1, "code": 1}, batch_size=8, seq_len=32, seed=seed)


def config(tmp_path, **overrides):
    values = dict(max_steps=30, lr=3e-3, warmup_steps=3, eval_every=0, log_every=5, run_dir=str(tmp_path))
    values.update(overrides)
    return TrainConfig(**values)


def weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_training_lowers_loss_and_writes_a_run_directory(tmp_path):
    result = train(make_model(), make_sampler(), config(tmp_path))
    losses = [event["loss"] for event in result.events("train")]
    assert losses[-1] < losses[0] - 1.0
    assert (tmp_path / "config.json").exists()
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines].count("train") == 6
    assert (tmp_path / "checkpoints" / "step_000030" / "model.safetensors").exists()
    assert result.tokens_per_second > 0


def test_resume_is_exact(tmp_path):
    straight = make_model()
    train(straight, make_sampler(), config(tmp_path / "straight"))

    first = make_model()
    train(first, make_sampler(), config(tmp_path / "split", max_steps=30, checkpoint_every=12))
    # pretend the run died after step 12: drop the final checkpoint, resume in a fresh model/sampler

    shutil.rmtree(tmp_path / "split" / "checkpoints" / "step_000030")
    resumed = make_model(seed=123)  # different init: everything must come from the checkpoint
    result = train(resumed, make_sampler(seed=99), config(tmp_path / "split", max_steps=30, checkpoint_every=12))
    assert result.resumed_from == 24
    for name, tensor in weights(straight).items():
        assert torch.equal(tensor, weights(resumed)[name]), name


def test_gradient_accumulation_matches_a_bigger_batch(tmp_path):
    class Fixed:
        """Returns slices of one big batch: 2 micro-batches of 4 == 1 batch of 8."""

        def __init__(self, micro):
            generator = torch.Generator().manual_seed(0)
            self.block = torch.randint(0, 257, (8, 33), generator=generator)
            self.micro, self.position = micro, 0

        def next_batch(self):
            rows = self.block[self.position:self.position + self.micro]
            self.position = (self.position + self.micro) % 8
            return rows[:, :-1], rows[:, 1:]

        def state_dict(self):
            return {"position": self.position}

        def load_state_dict(self, state):
            self.position = state["position"]

        def set_mixture(self, weights):
            pass

    big, small = make_model(), make_model()
    train(big, Fixed(8), config(tmp_path / "big", max_steps=3))
    train(small, Fixed(4), config(tmp_path / "small", max_steps=3, grad_accum_steps=2))
    for name, tensor in weights(big).items():
        assert torch.allclose(tensor, weights(small)[name], atol=1e-5), name


def test_mixture_switch_happens_at_the_step(tmp_path):
    sampler = make_sampler(weights={"prose": 1.0})
    result = train(make_model(), sampler, config(tmp_path, max_steps=10, mixture_switch_step=6,
                                                 mixture_switch_weights={"code": 1.0}))
    switches = result.events("mixture")
    assert [event["step"] for event in switches] == [6]
    assert sampler.weights == {"code": 1.0, "prose": 0.0}


def test_nan_loss_stops_with_a_clear_message(tmp_path):
    model = make_model()
    with torch.no_grad():
        model.token_embedding.weight[0, 0] = float("nan")
    with pytest.raises(TrainingDiverged, match="loss became nan at step 0"):
        train(model, make_sampler(), config(tmp_path, max_steps=3))


def test_eval_fn_logs_per_domain_bits_per_byte(tmp_path):
    eval_fn = make_eval_fn(ByteTokenizer(), TEXTS)
    seen = []
    result = train(make_model(), make_sampler(), config(tmp_path, max_steps=20, eval_every=10),
                   callbacks=[seen.append], eval_fn=eval_fn)
    evals = result.events("eval")
    assert [event["step"] for event in evals] == [0, 10, 20]
    assert set(evals[-1]) >= {"bpb/prose", "bpb/code", "bpb/all"}
    assert evals[-1]["bpb/all"] < evals[0]["bpb/all"]
    assert seen == result.history


def test_bits_per_byte_equals_loss_over_ln2_for_bytes():
    model = make_model()
    text = "hello there, general kenobi. " * 5
    tokenizer = ByteTokenizer()
    # end-of-text + 32 bytes = one window of exactly 32 predictions: compare with the model's own loss
    short = text[:32]
    ids = [tokenizer.eot_id] + tokenizer.encode(short)
    x, y = torch.tensor(ids[:-1])[None], torch.tensor(ids[1:])[None]
    _, loss = model(x, y)
    assert bits_per_byte(model, tokenizer, [short]) == pytest.approx(float(loss.detach()) / math.log(2), rel=1e-5)
    by_domain = bits_per_byte_by_domain(model, tokenizer, {"a": [short], "b": [text]})
    assert set(by_domain) == {"a", "b"}
    with pytest.raises(InputError):
        bits_per_byte(model, tokenizer, [""])


def test_bad_train_config_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="max_steps"):
        TrainConfig(max_steps=0)
    with pytest.raises(InputError, match="unknown TrainConfig"):
        TrainConfig.from_dict({"steps": 3})
    with pytest.raises(InputError, match="precision"):
        train(make_model(), make_sampler(), config(tmp_path, precision="fp8"))


def test_bf16_autocast_trains(tmp_path):
    result = train(make_model(), make_sampler(), config(tmp_path, max_steps=10, precision="bf16"))
    assert all(np.isfinite(event["loss"]) for event in result.events("train"))


def test_cli_settings_merge_defaults_file_and_flags(tmp_path):
    from cs229llm.cli import build_parser
    from cs229llm.commands.train import resolve_settings

    config_file = tmp_path / "run.toml"
    config_file.write_text('[model]\nnorm = "rmsnorm"\nn_layer = 3\n[train]\nlr = 0.002\n[data]\nmixture = "code=2,news=1"\n')
    args = build_parser().parse_args(["train", "--config", str(config_file), "--layers", "5", "--steps", "7"])
    settings = resolve_settings(args)
    assert settings["model"]["n_layer"] == 5 and settings["model"]["norm"] == "rmsnorm"
    assert settings["train"]["lr"] == 0.002 and settings["train"]["max_steps"] == 7
    bad = tmp_path / "bad.json"
    bad.write_text('{"optimizer": {}}')
    with pytest.raises(InputError, match="unknown tables"):
        resolve_settings(build_parser().parse_args(["train", "--config", str(bad)]))


def test_train_reads_its_mixture_with_the_one_mixture_parser():
    from cs229llm.commands.train import read_mixture

    assert read_mixture("code=2, news=1") == {"code": 2.0, "news": 1.0}
    assert read_mixture({"code": 1}) == {"code": 1.0}
    with pytest.raises(InputError, match="domain=number"):
        read_mixture("code:2")
    with pytest.raises(InputError, match="unknown domain"):
        read_mixture("poetry=1")


@pytest.mark.slow
def test_cli_train_writes_a_run_directory(tmp_path, capsys):
    from cs229llm.cli import main

    code = main(["train", "--data", "bytes", "--steps", "4", "--eval-every", "0", "--layers", "1", "--width", "32",
                 "--batch-size", "2", "--seq-len", "32", "--eval-bytes", "2000", "--run-dir", str(tmp_path / "run")])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 4 and "bpb/all" in summary
    assert (tmp_path / "run" / "checkpoints" / "step_000004" / "model.safetensors").exists()


def test_live_plot_redraws_one_figure_on_evals_and_throttles_train_events():
    from cs229llm.viz.training_plot import LiveTrainingPlot

    plot = LiveTrainingPlot(min_interval_s=60.0)
    for step in range(1, 6):
        plot({"kind": "train", "step": step, "loss": 5.0 - step / 10, "tokens_per_s": 1000.0})
    assert plot.live.updates == 1  # the first train event draws, the rest fall inside the interval
    plot({"kind": "eval", "step": 5, "bpb/all": 3.0, "bpb/code": 3.5})
    plot({"kind": "end", "step": 5})
    assert plot.live.updates == 3
    assert plot.train_steps == [1, 2, 3, 4, 5] and plot.eval_metrics == {"all": [3.0], "code": [3.5]}


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_path_uses_bf16_fused_adamw_and_reports_mfu(tmp_path):
    from cs229llm.training.trainer import make_optimizer

    model = make_model().cuda()
    optimizer = make_optimizer(model, TrainConfig(), "cuda")
    assert optimizer.defaults["fused"]
    result = train(make_model(), make_sampler(), config(tmp_path, max_steps=10, precision="auto", device="cuda",
                                                        compile=True, peak_flops=1e14))
    assert all(np.isfinite(event["loss"]) and "mfu" in event for event in result.events("train"))


class _FailingCompiled(torch.nn.Module):
    """What torch.compile returns in these tests: runs the model, but raises at call number ``fail_at``."""

    def __init__(self, model, fail_at):
        super().__init__()
        self._orig_mod = model
        self.calls = 0
        self.fail_at = fail_at

    def forward(self, x, y):
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("backend compiler failed: no C++ compiler")
        return self._orig_mod(x, y)


def _fake_compile(monkeypatch, fail_at):
    from cs229llm.training import trainer

    monkeypatch.setattr(trainer, "compile_status", lambda: (True, "compile works"))
    monkeypatch.setattr(trainer, "enable_compile_cache", lambda: None)
    monkeypatch.setattr(torch, "compile", lambda model: _FailingCompiled(model, fail_at))


def test_a_compile_failure_at_the_first_step_falls_back_to_eager_with_the_reason(tmp_path, monkeypatch, capsys):
    _fake_compile(monkeypatch, fail_at=1)
    result = train(make_model(), make_sampler(), config(tmp_path, max_steps=4, compile=True))
    assert result.step == 4 and not result.compiled
    assert any("first step" in note and "no C++ compiler" in note for note in result.notes)
    assert "eager mode" in capsys.readouterr().out


def test_a_compiled_model_that_fails_later_stops_the_run(tmp_path, monkeypatch):
    _fake_compile(monkeypatch, fail_at=3)
    with pytest.raises(RuntimeError, match="failed at step 2 after running compiled"):
        train(make_model(), make_sampler(), config(tmp_path, max_steps=6, compile=True))


@pytest.mark.parametrize("name, peak", [
    ("NVIDIA H200", 989e12), ("NVIDIA H100 80GB HBM3", 989e12), ("NVIDIA H100 PCIe", 756e12),
    ("NVIDIA H100 NVL", 835e12), ("NVIDIA A100-SXM4-80GB", 312e12), ("NVIDIA A100 80GB PCIe", 312e12),
    ("NVIDIA L4", 121e12), ("NVIDIA L40S", 362e12), ("NVIDIA GeForce RTX 4090", 165e12),
])
def test_peak_flops_table_knows_current_gpus(name, peak):
    from cs229llm.training.trainer import peak_flops_lookup

    assert peak_flops_lookup(name)[0] == peak


def test_an_unknown_gpu_gets_no_mfu_and_says_why():
    from cs229llm.training.trainer import peak_flops_lookup

    peak, reason = peak_flops_lookup("Some Future GPU 9000")
    assert peak is None and "not in the course's table" in reason and "peak_flops" in reason


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_resume_is_exact_for_every_precision_and_compile_setting(tmp_path, precision, compiled):
    """Compiled CPU kernels add gradients from several threads in any order unless deterministic
    algorithms are on (the trainer's default): measured ~1e-7 apart without it, bit for bit with it."""
    settings = dict(max_steps=8, precision=precision, compile=compiled)
    straight = make_model()
    train(straight, make_sampler(), config(tmp_path / "straight", **settings))
    first = make_model()
    train(first, make_sampler(), config(tmp_path / "split", checkpoint_every=4, **settings))

    shutil.rmtree(tmp_path / "split" / "checkpoints" / "step_000008")
    resumed = make_model(seed=123)
    result = train(resumed, make_sampler(seed=99), config(tmp_path / "split", checkpoint_every=4, **settings))
    assert result.resumed_from == 4
    for name, tensor in weights(straight).items():
        assert torch.equal(tensor, weights(resumed)[name]), name
    assert not torch.are_deterministic_algorithms_enabled()  # restored after each run
