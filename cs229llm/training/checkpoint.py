"""Checkpoints that resume exactly and never unpickle: safetensors for tensors, JSON for the rest.

Stage "pretraining" of the lecture (systems). A checkpoint is a folder ``step_000123/`` with
``model.safetensors`` (weights; tied matrices stored once), ``optimizer.safetensors`` (AdamW
moments), and ``state.json`` (step, configs, optimizer hyper-parameters, GradScaler, every RNG
state as plain lists, the sampler's position). It is written to a temporary folder and renamed,
so a process killed mid-write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, load_model, save_file, save_model

from ..errors import InputError
from ..model import GPT, GPTConfig

STATE_FILE = "state.json"
MODEL_FILE = "model.safetensors"
OPTIMIZER_FILE = "optimizer.safetensors"
CHECKPOINT_PREFIX = "step_"


# ---------------------------------------------------------------- RNG states as JSON


def rng_state() -> dict:
    """Every random-number generator's state as JSON-able lists (Python, NumPy, torch CPU and CUDA)."""
    version, internal, gauss = random.getstate()
    name, keys, position, has_gauss, cached = np.random.get_state()
    state = {
        "python": [version, list(internal), gauss],
        "numpy": [name, keys.tolist(), int(position), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state().tolist(),
    }
    if torch.cuda.is_available():
        state["cuda"] = [s.tolist() for s in torch.cuda.get_rng_state_all()]
    return state


def set_rng_state(state: dict) -> None:
    """Restore generators from :func:`rng_state`'s output."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), position, has_gauss, cached))
    torch.set_rng_state(torch.tensor(state["torch"], dtype=torch.uint8))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.tensor(s, dtype=torch.uint8) for s in state["cuda"]])


# ---------------------------------------------------------------- optimizer state


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer's state dict into tensors (for safetensors) and the JSON-able rest."""
    full = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, per_param in full["state"].items():
        for key, value in per_param.items():
            if torch.is_tensor(value):
                tensors[f"{index}.{key}"] = value.detach().contiguous().cpu()
            else:
                scalars[f"{index}.{key}"] = value
    # JSON has no tuples: record which hyper-parameters were tuples (AdamW's ``betas``) to restore them
    tuple_keys = [sorted(key for key, value in group.items() if isinstance(value, tuple))
                  for group in full["param_groups"]]
    return tensors, {"param_groups": full["param_groups"], "tuple_keys": tuple_keys, "scalars": scalars}


def _restore_param_groups(optimizer: torch.optim.Optimizer, meta: dict) -> list[dict]:
    """The saved param groups with the tuples JSON turned into lists made tuples again.

    Checkpoints written before ``tuple_keys`` was recorded take the types of the optimizer being loaded into.
    """
    groups = [dict(group) for group in meta["param_groups"]]
    recorded = meta.get("tuple_keys")
    for index, group in enumerate(groups):
        if recorded is not None and index < len(recorded):
            keys = recorded[index]
        else:
            live = optimizer.param_groups[index] if index < len(optimizer.param_groups) else {}
            keys = [key for key, value in live.items() if isinstance(value, tuple)]
        for key in keys:
            if isinstance(group.get(key), list):
                group[key] = tuple(group[key])
    return groups


def _restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        index, key = name.split(".", 1)
        state.setdefault(int(index), {})[key] = value
    for name, value in meta.get("scalars", {}).items():
        index, key = name.split(".", 1)
        state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": _restore_param_groups(optimizer, meta)})


# ---------------------------------------------------------------- save / load


def checkpoint_name(step: int) -> str:
    """Folder name of the checkpoint after ``step`` optimizer steps: ``step_000123``."""
    return f"{CHECKPOINT_PREFIX}{step:06d}"


def save_checkpoint(directory: str | Path, model: torch.nn.Module, optimizer=None, state: dict | None = None,
                    keep: int | None = None) -> Path:
    """Write a checkpoint atomically into ``directory/step_NNNNNN`` and return its path.

    Args:
        directory: the run's checkpoint folder.
        model: the (unwrapped, uncompiled) model; tied weights are stored once.
        optimizer: an optimizer whose state is saved (tensors in safetensors), or None.
        state: JSON-able dict; must hold ``step``. RNG states are added here.
        keep: keep only the newest ``keep`` checkpoints (None keeps all).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = dict(state or {})
    if "step" not in state:
        raise ValueError("checkpoint state needs a 'step'")
    state["rng"] = rng_state()
    final = directory / checkpoint_name(int(state["step"]))
    temporary = directory / f".tmp_{final.name}_{os.getpid()}"
    if temporary.exists():
        shutil.rmtree(temporary)
    temporary.mkdir()
    save_model(model, str(temporary / MODEL_FILE))
    if optimizer is not None:
        tensors, meta = _optimizer_tensors(optimizer)
        save_file(tensors, str(temporary / OPTIMIZER_FILE))
        state["optimizer"] = meta
    with open(temporary / STATE_FILE, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    if final.exists():
        shutil.rmtree(final)
    os.replace(temporary, final)
    if keep:
        for old in list_checkpoints(directory)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(directory: str | Path) -> list[Path]:
    """Complete checkpoints in ``directory``, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [path for path in directory.iterdir()
             if path.is_dir() and path.name.startswith(CHECKPOINT_PREFIX) and (path / STATE_FILE).exists()]
    return sorted(found, key=lambda path: path.name)


def latest_checkpoint(directory: str | Path) -> Path | None:
    """The newest complete checkpoint in ``directory``, or None."""
    found = list_checkpoints(directory)
    return found[-1] if found else None


def read_state(checkpoint: str | Path) -> dict:
    """The JSON state of a checkpoint folder."""
    path = Path(checkpoint) / STATE_FILE
    if not path.exists():
        raise InputError(f"{checkpoint} is not a checkpoint folder (no {STATE_FILE})")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_checkpoint(checkpoint: str | Path, model: torch.nn.Module, optimizer=None,
                    restore_rng: bool = True) -> dict:
    """Load weights (and optimizer state and RNG states) from a checkpoint folder; return its state.

    Only safetensors and JSON are read: nothing is unpickled.
    """
    checkpoint = Path(checkpoint)
    state = read_state(checkpoint)
    device = next(model.parameters()).device
    missing, unexpected = load_model(model, str(checkpoint / MODEL_FILE), strict=True, device=str(device))
    if optimizer is not None:
        if not (checkpoint / OPTIMIZER_FILE).exists():
            raise InputError(f"{checkpoint} has no optimizer state")
        tensors = load_file(str(checkpoint / OPTIMIZER_FILE))
        _restore_optimizer(optimizer, tensors, state["optimizer"])
    if restore_rng and "rng" in state:
        set_rng_state(state["rng"])
    return state


def load_pretrained(path: str | Path, device: str = "cpu"):
    """A GPT rebuilt from a checkpoint folder or a run directory (its latest checkpoint).

    Returns:
        ``(model, state)``: the model in eval mode and the checkpoint's JSON state.
    """
    path = Path(path)
    if not (path / STATE_FILE).exists():
        found = latest_checkpoint(path / "checkpoints") or latest_checkpoint(path)
        if found is None:
            raise InputError(f"no checkpoint found in {path}")
        path = found
    state = read_state(path)
    if "model_config" not in state:
        raise InputError(f"{path} does not record its model_config")
    model = GPT(GPTConfig.from_dict(state["model_config"])).to(device)
    load_model(model, str(path / MODEL_FILE), strict=True, device=device)
    model.eval()
    return model, state
