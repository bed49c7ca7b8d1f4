"""Annealing arms: one stable phase, three endings at equal compute, per-domain bpb before/after."""

import json
import random

import pytest
from stand_ins import ByteTokenizer

from cs229llm.errors import InputError
from cs229llm.evaluation.perplexity import make_eval_fn
from cs229llm.experiments.anneal import (
    ARMS,
    anneal_weights,
    arm_schedules,
    branch_step,
    comparison_table,
    run_annealing_arms,
)
from cs229llm.model import GPT, GPTConfig
from cs229llm.tokenization.shards import MixtureSampler, write_shards
from cs229llm.training.trainer import TrainConfig


def corpus(seed=0):
    rng = random.Random(seed)
    web = ["".join(rng.choice("qwxzjkv ") for _ in range(400)) for _ in range(6)]
    hq = ["the cat sat on the mat. " * 16 for _ in range(6)]
    return web, hq


def test_anneal_weights_and_branch_step():
    assert anneal_weights({"web": 1.0}) == {"web": 0.0, "hq": 1.0}
    assert anneal_weights({"a": 3, "b": 1}, hq_share=0.5) == {"a": 0.375, "b": 0.125, "hq": 0.5}
    assert branch_step(100, 0.2) == 80
    with pytest.raises(InputError):
        anneal_weights({"a": 1}, hq_share=0)
    with pytest.raises(InputError):
        branch_step(10, 1.0)


def test_schedules_share_the_stable_phase():
    curves = arm_schedules(TrainConfig(max_steps=50, lr=1e-2, warmup_steps=5), decay_fraction=0.2)
    assert curves["anneal_hq"] == curves["decay_web"]
    assert curves["anneal_hq"][:40] == curves["no_decay"][:40]
    assert curves["anneal_hq"][-1] == 0.0 and curves["no_decay"][-1] == pytest.approx(1e-2)


@pytest.mark.slow
def test_three_arms_at_equal_compute(tmp_path):
    web, hq = corpus()
    tok = ByteTokenizer()
    write_shards({"web": web, "hq": hq}, tok, tmp_path / "shards")
    held_web, held_hq = corpus(seed=1)
    eval_fn = make_eval_fn(tok, {"web": held_web[:2], "hq": held_hq[:2]})

    def model_factory():
        return GPT(GPTConfig(vocab_size=257, block_size=16, n_layer=1, n_head=2, n_embd=16))

    def sampler_factory(weights):
        return MixtureSampler(tmp_path / "shards", weights, batch_size=8, seq_len=16, seed=0)

    config = TrainConfig(max_steps=40, lr=1e-2, warmup_steps=2, eval_every=0, log_every=5, device="cpu")
    result = run_annealing_arms(model_factory, sampler_factory, config, {"web": 1.0}, tmp_path / "runs",
                                eval_fn, decay_fraction=0.25)
    assert result.branch_step == 30
    assert set(result.after) == {arm.name for arm in ARMS}
    for arm in ARMS:
        assert result.results[arm.name].resumed_from == 30 and result.results[arm.name].step == 40
    events = [json.loads(line) for line in (tmp_path / "runs" / "anneal_hq" / "metrics.jsonl").open()]
    assert any(e["kind"] == "mixture" and e["step"] == 30 and e["weights"]["hq"] == 1.0 for e in events)
    # annealing on the HQ set lowers its bits per byte more than decaying on web data
    assert result.after["anneal_hq"]["bpb/hq"] < result.after["decay_web"]["bpb/hq"]
    assert result.after["anneal_hq"]["bpb/hq"] < result.before["bpb/hq"]
    wide = comparison_table(result)
    assert list(wide.columns) == ["before", "anneal_hq", "decay_web", "no_decay"]
    assert json.loads((tmp_path / "runs" / "anneal.json").read_text())["branch_step"] == 30
    with pytest.raises(InputError):
        run_annealing_arms(model_factory, sampler_factory, config, {"web": 1.0, "hq": 1.0}, tmp_path / "x", eval_fn)
