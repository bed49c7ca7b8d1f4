"""Sampling with temperature and top-k, against a bigram stand-in model."""

import pytest
import torch
from stand_ins import BigramModel, ByteTokenizer

from cs229llm.errors import InputError
from cs229llm.evaluation.generate import generate, generate_ids, next_token_distribution, samples_table


def test_distribution_temperature_and_top_k():
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0])
    assert torch.equal(next_token_distribution(logits, 0.0), torch.tensor([1.0, 0, 0, 0]))
    cold, hot = next_token_distribution(logits, 0.5), next_token_distribution(logits, 2.0)
    assert cold[0] > next_token_distribution(logits, 1.0)[0] > hot[0]
    top2 = next_token_distribution(logits, 1.0, top_k=2)
    assert top2[2:].sum() == 0 and top2.sum() == pytest.approx(1.0)
    assert top2[0] / top2[1] == pytest.approx(torch.e, rel=1e-5)
    with pytest.raises(InputError):
        next_token_distribution(logits, -1.0)
    with pytest.raises(InputError):
        next_token_distribution(logits, 1.0, top_k=0)


def test_greedy_follows_argmax_chain_and_crops_context():
    model, tok = BigramModel(block_size=8), ByteTokenizer()
    with torch.no_grad():
        for a, b in zip("abcdefgh", "bcdefgha"):
            model.table[ord(a), ord(b)] = 50.0
    text = generate(model, tok, "a", max_new_tokens=12, temperature=0.0)
    assert text == "bcdefghabcde"
    assert model.longest_input <= model.config.block_size


def test_seeded_sampling_is_reproducible_and_top_k_one_is_greedy():
    model, tok = BigramModel(block_size=8), ByteTokenizer()
    first = generate(model, tok, "hi", 20, temperature=1.0, top_k=None, seed=5, stop_at_end_of_text=False)
    second = generate(model, tok, "hi", 20, temperature=1.0, top_k=None, seed=5, stop_at_end_of_text=False)
    assert first == second
    idx = torch.tensor([[104, 105]])
    assert torch.equal(generate_ids(model, idx, 10, temperature=1.0, top_k=1, seed=1),
                       generate_ids(model, idx, 10, temperature=0.0, seed=2))


def test_stops_at_end_of_text():
    model, tok = BigramModel(block_size=8), ByteTokenizer()
    with torch.no_grad():
        model.table[ord("x"), 256] = 100.0
    assert generate(model, tok, "x", 10, temperature=0.0) == ""
    rows = samples_table(model, tok, ["x", "y"], [(0.0, None), (1.0, 5)], max_new_tokens=4)
    assert len(rows) == 4 and rows[0]["text"] == ""
