"""Tests for the byte-level tokenizer and the in-memory StreamSampler: window bounds, refusals, resumes."""

import numpy as np
import pytest
import torch

from cs229llm.errors import InputError
from cs229llm.training.byte_data import ByteTokenizer, StreamSampler, encode_domains


def test_stream_of_exactly_seq_len_plus_one_tokens_has_one_window():
    stream = np.arange(9)
    sampler = StreamSampler({"only": stream}, {"only": 1}, batch_size=3, seq_len=8, seed=0)
    x, y = sampler.next_batch()
    assert torch.equal(x, torch.arange(8).repeat(3, 1)) and torch.equal(y, torch.arange(1, 9).repeat(3, 1))


def test_every_valid_window_start_is_drawn_including_the_last():
    seq_len, size = 4, 7  # windows of 5 tokens: starts 0, 1, 2
    sampler = StreamSampler({"d": np.arange(size)}, {"d": 1}, batch_size=64, seq_len=seq_len, seed=3)
    starts = set()
    for _ in range(5):
        x, y = sampler.next_batch()
        starts.update(x[:, 0].tolist())
        assert torch.equal(y, x + 1)  # every window is a contiguous slice
    assert starts == {0, 1, 2}
    assert int(x.max()) <= size - 2 and int(y.max()) <= size - 1


@pytest.mark.parametrize("size", [0, 3, 8])
def test_streams_shorter_than_seq_len_plus_one_are_refused(size):
    with pytest.raises(InputError, match="seq_len \\+ 1 = 9"):
        StreamSampler({"short": np.arange(size)}, {"short": 1}, batch_size=2, seq_len=8)


@pytest.mark.parametrize("batch_size, seq_len", [(0, 4), (2, 0), (-1, 4)])
def test_bad_batch_shape_is_refused(batch_size, seq_len):
    with pytest.raises(InputError, match="batch_size and seq_len"):
        StreamSampler({"d": np.arange(100)}, {"d": 1}, batch_size=batch_size, seq_len=seq_len)


def test_state_dict_resumes_the_same_batches():
    streams = {"a": np.arange(50), "b": np.arange(100, 160)}
    first = StreamSampler(streams, {"a": 1, "b": 2}, batch_size=4, seq_len=6, seed=5)
    first.next_batch()
    state = first.state_dict()
    expected = first.next_batch()
    second = StreamSampler(streams, {"a": 1, "b": 2}, batch_size=4, seq_len=6, seed=99)
    second.load_state_dict(state)
    got = second.next_batch()
    assert torch.equal(expected[0], got[0]) and torch.equal(expected[1], got[1])


def test_byte_tokenizer_and_encode_domains():
    tokenizer = ByteTokenizer()
    assert tokenizer.decode(tokenizer.encode("café")) == "café"
    streams = encode_domains(tokenizer, {"x": ["ab", "", "c"]})
    assert streams["x"].tolist() == [256, 97, 98, 256, 99] and streams["x"].dtype == np.uint16
