"""Tests for token shards (format, headers, end-of-text) and the MixtureSampler (mixture, determinism, resume)."""

import json

import numpy as np
import pytest
import torch

from cs229llm.errors import InputError
from cs229llm.tokenization.shards import (
    MixtureSampler,
    open_shard,
    read_manifest,
    token_dtype,
    tokens_per_domain,
    write_shards,
)
from cs229llm.tokenization.train import load_tokenizer, train_tokenizer

CORPUS = {
    "code": [f"def f{i}(x):\n    return x * {i}\n" for i in range(60)],
    "books": [f"Chapter {i}. It was a dark and stormy night, and the wind howled." for i in range(60)],
    "news": [f"Breaking: the council voted {i} to 3 on the new budget today." for i in range(60)],
}


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer([t for texts in CORPUS.values() for t in texts], vocab_size=320)


@pytest.fixture(scope="module")
def shards_dir(tokenizer, tmp_path_factory):
    out = tmp_path_factory.mktemp("shards")
    write_shards(CORPUS, tokenizer, out)
    return out


def test_shards_hold_documents_separated_by_end_of_text(tokenizer, shards_dir):
    tokens, header = open_shard(shards_dir / "code.tokens")
    assert header["dtype"] == "uint16" and tokens.dtype == np.uint16
    assert header["tokens"] == tokens.size
    assert int((tokens == tokenizer.eot_id).sum()) == len(CORPUS["code"])
    assert tokens[-1] == tokenizer.eot_id
    first_document = tokenizer.decode(tokens[: int(np.argmax(tokens == tokenizer.eot_id))].tolist())
    assert first_document == CORPUS["code"][0]


def test_manifest_records_tokenizer_and_counts(tokenizer, shards_dir):
    manifest = read_manifest(shards_dir)
    assert manifest["tokenizer_fingerprint"] == tokenizer.fingerprint
    assert manifest["vocab_size"] == tokenizer.vocab_size
    assert set(manifest["domains"]) == set(CORPUS)
    assert manifest["domains"]["books"]["bytes"] == sum(len(t.encode()) for t in CORPUS["books"])
    assert load_tokenizer(shards_dir).fingerprint == tokenizer.fingerprint
    assert tokens_per_domain(shards_dir)["news"] == open_shard(shards_dir / "news.tokens")[1]["tokens"]


def test_dataframe_input_gives_the_same_shards(tokenizer, shards_dir, tmp_path):
    import pandas as pd

    frame = pd.DataFrame([{"domain": d, "text": t} for d, texts in CORPUS.items() for t in texts])
    write_shards(frame, tokenizer, tmp_path)
    assert (open_shard(tmp_path / "books.tokens")[0] == open_shard(shards_dir / "books.tokens")[0]).all()


def test_large_vocabularies_use_uint32():
    assert token_dtype(65536) == np.uint16
    assert token_dtype(65537) == np.uint32


def test_batches_have_shape_and_shifted_targets(shards_dir):
    sampler = MixtureSampler(shards_dir, {"code": 1, "books": 1, "news": 1}, batch_size=4, seq_len=16, seed=0)
    x, y = sampler.next_batch()
    assert x.shape == y.shape == (4, 16)
    assert x.dtype == y.dtype == torch.long
    assert torch.equal(x[:, 1:], y[:, :-1])


def test_windows_come_from_the_weighted_domains(shards_dir):
    sampler = MixtureSampler(shards_dir, {"code": 1.0}, batch_size=8, seq_len=8, seed=1)
    code = open_shard(shards_dir / "code.tokens")[0]
    x, _ = sampler.next_batch()
    text = bytes(code).hex()
    for row in x.numpy().astype(np.uint16):
        assert bytes(row).hex() in text


def test_sampled_proportions_follow_the_mixture(shards_dir):
    sampler = MixtureSampler(shards_dir, {"code": 3, "books": 1, "news": 0}, batch_size=64, seq_len=4, seed=2)
    for _ in range(50):
        sampler.next_batch()
    served = sampler.tokens_served
    total = sum(served.values())
    assert served["news"] == 0
    assert served["code"] / total == pytest.approx(0.75, abs=0.03)


def test_same_seed_same_batches_and_other_seed_differs(shards_dir):
    weights = {"code": 1, "books": 2, "news": 1}
    first = MixtureSampler(shards_dir, weights, 4, 16, seed=7)
    second = MixtureSampler(shards_dir, weights, 4, 16, seed=7)
    other = MixtureSampler(shards_dir, weights, 4, 16, seed=8)
    a, b, c = first.next_batch()[0], second.next_batch()[0], other.next_batch()[0]
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_state_dict_resumes_exactly_after_a_mixture_switch(shards_dir):
    sampler = MixtureSampler(shards_dir, {"code": 1, "books": 1, "news": 1}, 4, 16, seed=3)
    for _ in range(3):
        sampler.next_batch()
    sampler.set_mixture({"books": 1})  # annealing: switch data mid-run
    sampler.next_batch()
    state = json.loads(json.dumps(sampler.state_dict()))  # must survive JSON
    expected = [sampler.next_batch() for _ in range(3)]
    resumed = MixtureSampler(shards_dir, {"code": 1}, 4, 16, seed=0)
    resumed.load_state_dict(state)
    assert resumed.probabilities["books"] == 1.0
    for x, y in expected:
        rx, ry = resumed.next_batch()
        assert torch.equal(x, rx) and torch.equal(y, ry)
    assert resumed.state_dict() == sampler.state_dict()


@pytest.mark.parametrize("weights, message", [
    ({"code": -1, "books": 1}, "negative"),
    ({"code": 0, "books": 0}, "all weights are zero"),
    ({"poetry": 1}, "unknown domain"),
    ({}, "no weights given"),
    ({"code": "lots"}, "not a number"),
])
def test_bad_weights_are_clear_errors(shards_dir, weights, message):
    with pytest.raises(InputError, match=message):
        MixtureSampler(shards_dir, weights, 2, 8, seed=0)


def test_too_short_domain_and_missing_shards_are_clear_errors(shards_dir, tmp_path):
    with pytest.raises(InputError, match="fewer than seq_len"):
        MixtureSampler(shards_dir, {"code": 1}, 2, 10**6, seed=0)
    with pytest.raises(InputError, match="no token shards"):
        MixtureSampler(tmp_path, {"code": 1}, 2, 8, seed=0)


def test_empty_corpus_and_bad_domain_names_are_refused(tokenizer, tmp_path):
    with pytest.raises(InputError, match="no documents"):
        write_shards({"code": ["", ""]}, tokenizer, tmp_path)
    with pytest.raises(InputError, match="file name"):
        write_shards({"../evil": ["text"]}, tokenizer, tmp_path)


def test_truncated_shard_is_detected(shards_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(shards_dir, copy)
    with open(copy / "news.tokens", "r+b") as handle:
        handle.truncate((copy / "news.tokens").stat().st_size - 2)
    with pytest.raises(InputError, match="truncated"):
        MixtureSampler(copy, {"news": 1}, 2, 8, seed=0)


def test_prepare_token_data_builds_once_and_rebuilds_when_the_corpus_changes(tmp_path, monkeypatch):
    import pandas as pd

    from cs229llm.experiments import course_data
    from cs229llm.experiments.course_data import prepare_token_data

    corpus = {"train": pd.DataFrame([{"id": f"{d}-{i}", "domain": d, "text": t}
                                     for d, texts in CORPUS.items() for i, t in enumerate(texts)]),
              "heldout": pd.DataFrame([{"id": "h-0", "domain": "code", "text": CORPUS["code"][0]}])}
    monkeypatch.setattr(course_data, "domain_corpus", lambda split="train": corpus[split])
    out = prepare_token_data(vocab_size=300, out_dir=tmp_path / "tokens")
    first = (out / "train" / "manifest.json").stat().st_mtime_ns
    assert read_manifest(out / "heldout")["domains"]["code"]["documents"] == 1
    assert prepare_token_data(vocab_size=300, out_dir=tmp_path / "tokens") == out
    assert (out / "train" / "manifest.json").stat().st_mtime_ns == first  # reused
    corpus["train"].loc[0, "text"] = "def changed():\n    pass\n"
    prepare_token_data(vocab_size=300, out_dir=tmp_path / "tokens")
    assert (out / "train" / "manifest.json").stat().st_mtime_ns != first  # rebuilt
    assert not list(tmp_path.glob("*.building-*"))
