"""Tests for the fusion benchmarks and the roofline: correctness of fused results, bytes, JSON, fallback."""

import json

import pytest
import torch

from cs229llm.experiments import step_bench
from cs229llm.systems import fusion, roofline


def small_cases():
    return fusion.default_cases(n_elements=4096, rows=16, width=64, batch_heads=2, length=16, head_size=8)


def test_min_bytes_counts_inputs_once_and_output_once():
    x = torch.zeros(1000)
    assert fusion.min_bytes_moved((x,), fusion.elementwise_chain(x)) == 8000


def test_attention_block_matches_sdpa():
    q, k, v = small_cases()[3].make_inputs("cpu")
    expected = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.allclose(fusion.attention_block(q, k, v), expected, atol=1e-5)


def test_layer_norm_gelu_matches_modules():
    x, weight, bias = small_cases()[1].make_inputs("cpu")
    modules = torch.nn.Sequential(torch.nn.LayerNorm(64), torch.nn.GELU(approximate="tanh"))
    assert torch.allclose(fusion.layer_norm_gelu(x, weight, bias), modules(x), atol=1e-6)


def test_eager_only_run_yields_machine_then_each_case():
    items = list(fusion.iter_fusion_benchmarks(small_cases(), use_compile=False, repeats=2))
    assert items[0]["name"] == "machine" and items[0]["copy_GBps"] > 0
    assert [item["name"] for item in items[1:]] == ["elementwise_chain", "layernorm_gelu", "softmax", "attention"]
    assert all(item["speedup"] is None and item["eager_GBps"] > 0 for item in items[1:])


def test_summary_json_and_live_callback():
    seen = []
    summary = fusion.run_fusion_benchmarks(small_cases()[:2], use_compile=False, repeats=2,
                                           on_result=lambda s: seen.append(len(s["results"])))
    assert seen == [0, 1, 2]
    flat = json.loads(json.dumps(fusion.summary_json(summary)))
    assert flat["copy_GBps"] > 0 and "elementwise_chain_eager_GBps" in flat


@pytest.mark.slow
def test_compiled_elementwise_chain_agrees_with_eager():
    from cs229llm.config import compile_status

    if not compile_status()[0]:
        pytest.skip(compile_status()[1])
    result = fusion.benchmark_case(small_cases()[0], repeats=2)
    assert result["max_abs_diff"] < 1e-5 and result["speedup"] > 0


def test_compile_fallback_reports_the_reason(monkeypatch):
    monkeypatch.setattr("cs229llm.systems.fusion.compile_status", lambda: (False, "no compiler here"))
    result = fusion.benchmark_case(small_cases()[0], repeats=2)
    assert result["speedup"] is None and result["note"] == "no compiler here"


def test_roofline_is_min_of_two_ceilings():
    assert roofline.attainable_flops(1.0, peak_flops=100.0, bandwidth_bytes_per_s=10.0) == 10.0
    assert roofline.attainable_flops(50.0, peak_flops=100.0, bandwidth_bytes_per_s=10.0) == 100.0
    assert roofline.ridge_point(100.0, 10.0) == 10.0
    assert roofline.measure_copy_bandwidth(1 << 16, repeats=2) > 0
    assert roofline.measure_matmul_flops(64, repeats=2) > 0


def test_training_step_benchmark_reports_tokens_per_second():
    from cs229llm.model import GPTConfig

    config = GPTConfig(vocab_size=64, block_size=16, n_layer=1, n_head=2, n_embd=16)
    results = step_bench.training_step_benchmark(config, batch_size=2, steps=2, warmup=1,
                                             variants=(("eager", "fp32"), ("eager", "bf16")))
    assert results["eager_fp32_tok_s"] > 0 and results["eager_bf16_tok_s"] > 0


def test_time_interleaved_calls_round_robin_and_returns_each_name():
    calls = []
    seconds = roofline.time_interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                                        warmup=1, repeats=3)
    assert calls == ["a", "b"] * 4
    assert set(seconds) == {"a", "b"} and all(value >= 0 for value in seconds.values())


def test_case_fraction_uses_its_own_same_bytes_copy():
    result = fusion.benchmark_case(small_cases()[0], use_compile=False, repeats=2)
    assert result["copy_GBps"] > 0
    assert result["eager_frac_copy"] == pytest.approx(result["eager_GBps"] / result["copy_GBps"])


def test_matmul_share_is_a_fraction_and_bounds_compile():
    from cs229llm.model import GPTConfig

    config = GPTConfig(vocab_size=64, block_size=16, n_layer=1, n_head=2, n_embd=16)
    share = step_bench.matmul_time_share(config, batch_size=2, steps=1)
    assert 0.0 < share["matmul_share"] < 1.0
    assert share["compile_only_bound"] == pytest.approx(1.0 / share["matmul_share"])
    assert 0.0 < share["matmul_s"] < share["step_s"]
