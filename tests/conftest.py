"""Shared pytest set-up: the ci profile, one quiet thread budget, GPU tests skipped without CUDA."""

import os

import pytest

os.environ.setdefault("CS229LLM_PROFILE", "ci")
os.environ.setdefault("TQDM_DISABLE", "1")


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except Exception:
        has_cuda = False
    if has_cuda:
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU (none visible to PyTorch)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)
