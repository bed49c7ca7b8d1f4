"""Tests for precision policies, number formats, memory accounting and the master-weights experiment."""

import pytest
import torch

from cs229llm.errors import InputError
from cs229llm.experiments import precision as experiments_precision
from cs229llm.training import precision


def test_bf16_swallows_an_update_fp32_keeps():
    weights = torch.ones(1000)
    update = torch.full((1000,), 1e-3)
    assert precision.swallowed_fraction(weights, update, torch.bfloat16) == 1.0
    assert precision.swallowed_fraction(weights, update, torch.float32) == 0.0
    # an update above half a bf16 step (2**-8 at 1.0) survives
    assert precision.swallowed_fraction(weights, torch.full((1000,), 5e-3), torch.bfloat16) == 0.0


def test_format_table_matches_finfo():
    table = precision.format_table().set_index("format")
    assert table.loc["bf16", "mantissa_bits"] == 7 and table.loc["fp16", "mantissa_bits"] == 10
    assert table.loc["bf16", "max"] > 1e38 > table.loc["fp16", "max"] == 65504.0


def test_memory_per_parameter_totals():
    table = precision.memory_per_parameter().set_index("policy")
    assert table.loc["fp32", "total"] == 16
    assert table.loc["bf16 weights + fp32 master", "total"] == 16
    assert table.loc["pure bf16 (no master copy)", "total"] == 8


def test_resolve_precision():
    assert precision.resolve_precision("fp32", "cpu").compute_dtype is None
    bf16 = precision.resolve_precision("bf16", "cpu")
    assert bf16.compute_dtype == torch.bfloat16 and not bf16.uses_grad_scaler
    assert precision.resolve_precision("fp16", "cpu").uses_grad_scaler
    with pytest.raises(InputError, match="unknown precision"):
        precision.resolve_precision("fp8", "cpu")
    with precision.resolve_precision("bf16", "cpu").autocast():
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16


@pytest.mark.slow
def test_master_weights_experiment_shows_swallowed_updates():
    history = experiments_precision.master_weights_experiment(steps=20, lr=3e-5)
    assert len(history["loss_bf16_weights"]) == len(history["loss_fp32_master"]) == 20
    # with fp32 master weights essentially every element moves; with bf16 storage many do not
    assert max(history["swallowed_fp32_master"]) < 0.01
    assert sum(history["swallowed_bf16_weights"]) / 20 > 0.3
    assert history["loss_fp32_master"][-1] < history["loss_bf16_weights"][-1]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fp16_with_grad_scaler_on_cuda():
    policy = precision.resolve_precision("fp16", "cuda")
    model = torch.nn.Linear(8, 8).cuda()
    optimizer = torch.optim.AdamW(model.parameters())
    scaler = policy.grad_scaler()
    with policy.autocast():
        loss = model(torch.randn(4, 8, device="cuda")).float().pow(2).mean()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    assert scaler.get_scale() > 0
