"""Data-parallel training under ``torchrun``: one process per device, gradients averaged by all-reduce.

Stage "systems" of the lecture. ``torchrun --nproc_per_node=N`` sets ``RANK``, ``WORLD_SIZE``
and ``LOCAL_RANK``; :func:`distributed_info` reads them and joins the process group (gloo on
CPU, NCCL on GPUs), and :func:`wrap_ddp` wraps the model in ``DistributedDataParallel`` so
every rank ends each step with the same averaged gradients and hence the same weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as torch_dist
from torch.nn.parallel import DistributedDataParallel


@dataclass(frozen=True)
class DistributedInfo:
    """Where this process sits in a data-parallel job.

    Attributes:
        enabled: launched by torchrun with more than zero peers (``WORLD_SIZE`` set).
        rank, world_size, local_rank: the usual torchrun numbers (0, 1, 0 without torchrun).
        device: ``cuda:<local_rank>`` with NCCL, else ``cpu``.
        backend: ``nccl``, ``gloo`` or ``""``.
    """
    enabled: bool
    rank: int
    world_size: int
    local_rank: int
    device: str
    backend: str


def distributed_info(init: bool = True) -> DistributedInfo:
    """This process's place in a torchrun job; joins the process group on first call.

    Without torchrun's environment variables it returns a single-process description.
    """
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:
        return DistributedInfo(False, 0, 1, 0, "cpu", "")
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    use_cuda = torch.cuda.is_available() and os.environ.get("CS229LLM_DEVICE", "") != "cpu"
    backend = "nccl" if use_cuda else "gloo"
    device = f"cuda:{local_rank}" if use_cuda else "cpu"
    if use_cuda:
        torch.cuda.set_device(local_rank)
    if init and not torch_dist.is_initialized():
        torch_dist.init_process_group(backend=backend)
    return DistributedInfo(True, rank, world_size, local_rank, device, backend)


def wrap_ddp(model: torch.nn.Module, info: DistributedInfo) -> torch.nn.Module:
    """``DistributedDataParallel(model)`` on this rank's device (the model must already be there)."""
    device_ids = [info.local_rank] if info.device.startswith("cuda") else None
    return DistributedDataParallel(model, device_ids=device_ids)


def all_reduce_mean(value: float) -> float:
    """The mean of a float over all ranks (the value itself without a process group)."""
    if not torch_dist.is_available() or not torch_dist.is_initialized():
        return value
    device = "cuda" if torch_dist.get_backend() == "nccl" else "cpu"
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    torch_dist.all_reduce(tensor)
    return float(tensor) / torch_dist.get_world_size()


def shutdown() -> None:
    """Leave the process group (call at the end of a torchrun script)."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.destroy_process_group()
