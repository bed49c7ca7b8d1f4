import pytest

from cs229llm import config
from cs229llm.errors import InputError


def test_profile_from_environment_and_argument(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV, "laptop")
    assert config.get_profile().name == "laptop"
    assert config.get_profile("gpu").name == "gpu"
    monkeypatch.delenv(config.PROFILE_ENV)
    assert config.get_profile().name == config.DEFAULT_PROFILE


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV, "huge")
    with pytest.raises(InputError, match="unknown profile 'huge'"):
        config.get_profile()


def test_by_profile_picks_and_gpu_falls_back_to_laptop():
    assert config.by_profile(ci=1, laptop=2, gpu=3, profile="ci") == 1
    assert config.by_profile(ci=1, laptop=2, gpu=3, profile="gpu") == 3
    assert config.by_profile(ci=1, laptop=2, profile="gpu") == 2


def test_seeding_makes_torch_and_numpy_repeat():
    import numpy as np
    import torch

    config.seed_everything(7)
    first = (torch.rand(3), np.random.rand(3))
    config.seed_everything(7)
    second = (torch.rand(3), np.random.rand(3))
    assert torch.equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_cpu_autocast_follows_bf16_support(monkeypatch):
    import torch

    monkeypatch.setattr(config, "cpu_bf16_support", lambda: "native")
    assert config.autocast_dtype("cpu") is torch.bfloat16
    monkeypatch.setattr(config, "cpu_bf16_support", lambda: "emulated")
    assert config.autocast_dtype("cpu") is None


def test_set_threads_clamps_to_one(monkeypatch):
    import torch

    before = torch.get_num_threads()
    try:
        assert config.set_threads(0) == 1
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("CS229LLM_THREADS", "abc")
        with pytest.raises(InputError, match="CS229LLM_THREADS must be a whole number"):
            config.set_threads()
        with pytest.raises(InputError, match="whole number"):
            config.set_threads(1.5)
    finally:
        torch.set_num_threads(before)


def test_asking_for_cuda_without_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(InputError, match="no CUDA GPU"):
        config.choose_device("cuda")
