"""Tests for the GPT: shapes, causality, architecture options, weight tying, parameter counts."""

import pytest
import torch

from cs229llm.errors import InputError
from cs229llm.model import GPT, GPTConfig

OPTIONS = [
    dict(),
    dict(norm="rmsnorm"),
    dict(activation="swiglu"),
    dict(activation="relu"),
    dict(position="rope"),
    dict(norm="rmsnorm", activation="swiglu", position="rope"),
]


def tiny(**overrides):
    values = dict(vocab_size=61, block_size=16, n_layer=2, n_head=2, n_embd=32)
    values.update(overrides)
    return GPTConfig(**values)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o.values()) or "default")
def test_shapes_and_loss(options):
    torch.manual_seed(0)
    model = GPT(tiny(**options))
    idx, targets = torch.randint(0, 61, (2, 3, 16))
    logits, loss = model(idx, targets)
    assert logits.shape == (3, 16, 61)
    assert loss.ndim == 0
    # a freshly initialised model predicts close to uniform: loss near ln(V)
    assert abs(float(loss.detach()) - torch.log(torch.tensor(61.0)).item()) < 0.3
    logits_only, no_loss = model(idx)
    assert no_loss is None and torch.allclose(logits_only, logits)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o.values()) or "default")
def test_causal_future_tokens_do_not_change_past_logits(options):
    torch.manual_seed(0)
    model = GPT(tiny(**options)).eval()
    idx = torch.randint(0, 61, (1, 16))
    changed = idx.clone()
    changed[0, 10:] = (changed[0, 10:] + 7) % 61
    before, _ = model(idx)
    after, _ = model(changed)
    assert torch.allclose(before[:, :10], after[:, :10], atol=1e-6)
    assert not torch.allclose(before[:, 10:], after[:, 10:])


def test_weight_tying_shares_one_matrix_and_counts_it_once():
    tied = GPT(tiny(tie_weights=True))
    untied = GPT(tiny(tie_weights=False))
    assert tied.head.weight.data_ptr() == tied.token_embedding.weight.data_ptr()
    assert untied.num_parameters() - tied.num_parameters() == 61 * 32


def test_parameter_count_by_hand():
    config = tiny()
    d, v, t, layers = config.n_embd, config.vocab_size, config.block_size, config.n_layer
    per_block = 2 * d + (3 * d * d + d * d) + (4 * d * d + 4 * d * d)  # 2 LayerNorms, attention, MLP
    expected = v * d + t * d + layers * per_block + d
    assert GPT(config).num_parameters() == expected
    assert GPT(config).num_parameters(include_embeddings=False) == expected - t * d


def test_flops_per_token_follows_palm_formula():
    model = GPT(tiny())
    config = model.config
    n = model.num_parameters(include_embeddings=False)
    assert model.flops_per_token() == 6 * n + 12 * config.n_layer * config.n_head * config.head_size * 16


def test_sdpa_matches_explicit_attention():
    torch.manual_seed(0)
    model = GPT(tiny()).eval()
    attention = model.blocks[0].attention
    x = torch.randn(2, 16, 32)
    q, k, v = attention.qkv(x).split(32, dim=2)
    q, k, v = (t.view(2, 16, 2, 16).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-2, -1) / 16 ** 0.5
    scores = scores.masked_fill(torch.triu(torch.ones(16, 16, dtype=torch.bool), 1), float("-inf"))
    manual = (scores.softmax(-1) @ v).transpose(1, 2).reshape(2, 16, 32)
    assert torch.allclose(attention(x), attention.proj(manual), atol=1e-5)


def test_rmsnorm_matches_torch():
    from cs229llm.model import RMSNorm

    norm = RMSNorm(32)
    x = torch.randn(4, 32)
    assert torch.allclose(norm(x), torch.nn.functional.rms_norm(x, (32,), norm.weight, eps=1e-6), atol=1e-6)


def test_bad_configs_are_input_errors():
    with pytest.raises(InputError, match="divisible"):
        tiny(n_embd=30, n_head=4)
    with pytest.raises(InputError, match="norm"):
        tiny(norm="batchnorm")
    with pytest.raises(InputError, match="unknown GPTConfig"):
        GPTConfig.from_dict({"n_layers": 3})
    with pytest.raises(InputError, match="block_size"):
        GPT(tiny())(torch.zeros(1, 17, dtype=torch.long))


def test_config_round_trips_through_dict():
    config = tiny(norm="rmsnorm", position="rope")
    assert GPTConfig.from_dict(config.to_dict()) == config
