"""DDP under torchrun on CPU (gloo): two ranks with half batches end with the weights of one full batch."""

import os
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from cs229llm.training.distributed import all_reduce_mean, distributed_info

SCRIPT = """
import os, sys
import torch
torch.set_num_threads(1)
from cs229llm.model import GPT, GPTConfig
from cs229llm.training.trainer import TrainConfig, train
from cs229llm.training.distributed import distributed_info, shutdown
from safetensors.torch import save_model


class Slice:
    '''Rows [rank*half, (rank+1)*half) of one fixed batch of 8 windows.'''

    def __init__(self, rank, world):
        block = torch.randint(0, 64, (8, 17), generator=torch.Generator().manual_seed(0))
        half = 8 // world
        self.rows = block[rank * half:(rank + 1) * half]

    def next_batch(self):
        return self.rows[:, :-1], self.rows[:, 1:]

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass

    def set_mixture(self, weights):
        pass


info = distributed_info()
torch.manual_seed(0)
model = GPT(GPTConfig(vocab_size=64, block_size=16, n_layer=1, n_head=2, n_embd=16))
config = TrainConfig(max_steps=4, lr=1e-2, warmup_steps=0, eval_every=0, log_every=1, run_dir=sys.argv[1], seed=0)
train(model, Slice(info.rank, info.world_size), config)
save_model(model, os.path.join(sys.argv[1], f"rank{info.rank}.safetensors"))
shutdown()
"""


def test_without_torchrun_is_single_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    info = distributed_info()
    assert not info.enabled and info.world_size == 1 and info.rank == 0
    assert all_reduce_mean(3.0) == 3.0


@pytest.mark.slow
def test_two_ranks_match_one_big_batch(tmp_path):
    torchrun = shutil.which("torchrun") or os.path.join(os.path.dirname(sys.executable), "torchrun")
    if not os.path.exists(torchrun):
        pytest.skip("torchrun not found")
    script = tmp_path / "ddp.py"
    script.write_text(SCRIPT)
    environment = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    environment.update(OMP_NUM_THREADS="1", CS229LLM_DEVICE="cpu")
    for name, nproc in (("ddp", 2), ("single", 1)):
        completed = subprocess.run([torchrun, "--standalone", f"--nproc_per_node={nproc}", str(script),
                                    str(tmp_path / name)], env=environment, capture_output=True, text=True,
                                   timeout=180)
        assert completed.returncode == 0, completed.stderr[-2000:]
    rank0, rank1 = load_file(str(tmp_path / "ddp" / "rank0.safetensors")), load_file(str(tmp_path / "ddp" / "rank1.safetensors"))
    single = load_file(str(tmp_path / "single" / "rank0.safetensors"))
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), name  # every rank holds the same weights
        assert torch.allclose(rank0[name], single[name], atol=1e-5), name  # averaged halves == the whole batch
