"""Checkpoints that resume exactly and never unpickle: safetensors for tensors, JSON for the rest.

Stage "pretraining" of the lecture (systems). A checkpoint is a folder ``step_000123/`` with
``model.safetensors`` (weights; tied matrices stored once), ``optimizer.safetensors`` (AdamW
moments), and ``state.json`` (step, configs, optimizer hyper-parameters, GradScaler, every RNG
state as plain lists, the sampler's position, and the SHA-256 of each tensor file). It is written
to a temporary folder, ``state.json`` last, and renamed, so a process killed mid-write leaves the
previous checkpoint intact; a folder missing a file is not listed, and a file that no longer
matches its checksum is refused on load with the folder to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
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
    state["sha256"] = {name: file_sha256(temporary / name) for name in (MODEL_FILE, OPTIMIZER_FILE)
                       if (temporary / name).exists()}
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


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_complete(path: str | Path) -> bool:
    """Whether a checkpoint folder holds its state and weights (and the optimizer state it names)."""
    path = Path(path)
    if not ((path / STATE_FILE).is_file() and (path / MODEL_FILE).is_file()):
        return False
    try:
        recorded = read_state(path).get("sha256", {})
    except InputError:
        return False
    return all((path / name).is_file() for name in recorded)


def list_checkpoints(directory: str | Path) -> list[Path]:
    """Complete checkpoints in ``directory`` (see :func:`is_complete`), oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [path for path in directory.iterdir()
             if path.is_dir() and path.name.startswith(CHECKPOINT_PREFIX) and is_complete(path)]
    return sorted(found, key=lambda path: path.name)


def verify_checkpoint(checkpoint: str | Path, state: dict | None = None) -> None:
    """Refuse a checkpoint whose tensor files do not match the checksums in its state.

    Checkpoints written before checksums were recorded are accepted as they are.
    """
    checkpoint = Path(checkpoint)
    state = read_state(checkpoint) if state is None else state
    for name, expected in (state.get("sha256") or {}).items():
        path = checkpoint / name
        if not path.is_file() or file_sha256(path) != expected:
            raise InputError(f"checkpoint {checkpoint} is damaged ({name} is missing or does not match its "
                             "checksum): delete that folder to resume from the one before it")


def latest_checkpoint(directory: str | Path) -> Path | None:
    """The newest complete checkpoint in ``directory``, or None."""
    found = list_checkpoints(directory)
    return found[-1] if found else None


def read_state(checkpoint: str | Path) -> dict:
    """The JSON state of a checkpoint folder."""
    path = Path(checkpoint) / STATE_FILE
    if not path.is_file():
        raise InputError(f"{checkpoint} is not a checkpoint folder (no {STATE_FILE})")
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{path} cannot be read ({type(error).__name__}): the checkpoint is damaged; "
                         "delete its folder to resume from the one before it") from None
    if not isinstance(state, dict) or "step" not in state:
        raise InputError(f"{path} is not a checkpoint state (no 'step'): delete its folder")
    return state


def _load_weights(model: torch.nn.Module, checkpoint: Path, device: str) -> None:
    try:
        load_model(model, str(checkpoint / MODEL_FILE), strict=True, device=device)
    except (SafetensorError, OSError) as error:
        raise InputError(f"{checkpoint / MODEL_FILE} cannot be read ({error}): delete {checkpoint} to resume "
                         "from the checkpoint before it") from None
    except RuntimeError as error:  # names or shapes that do not fit this model
        raise InputError(f"{checkpoint} holds weights of another model ({str(error).splitlines()[0][:160]})") \
            from None


def load_checkpoint(checkpoint: str | Path, model: torch.nn.Module, optimizer=None,
                    restore_rng: bool = True) -> dict:
    """Load weights (and optimizer state and RNG states) from a checkpoint folder; return its state.

    Only safetensors and JSON are read: nothing is unpickled.
    """
    checkpoint = Path(checkpoint)
    state = read_state(checkpoint)
    verify_checkpoint(checkpoint, state)
    device = next(model.parameters()).device
    _load_weights(model, checkpoint, str(device))
    if optimizer is not None:
        if not (checkpoint / OPTIMIZER_FILE).exists() or "optimizer" not in state:
            raise InputError(f"{checkpoint} has no optimizer state")
        try:
            tensors = load_file(str(checkpoint / OPTIMIZER_FILE))
        except (SafetensorError, OSError) as error:
            raise InputError(f"{checkpoint / OPTIMIZER_FILE} cannot be read ({error}): delete {checkpoint}") from None
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
    verify_checkpoint(path, state)
    model = GPT(GPTConfig.from_dict(state["model_config"])).to(device)
    _load_weights(model, path, device)
    model.eval()
    return model, state
