"""A trained checkpoint as a Hugging Face model folder: ``transformers`` and ``lm_eval --model hf`` open it.

Stage "evaluation" of the lecture, and the way out of the course: the GPT in its GPT-2 configuration
(LayerNorm, GELU or ReLU, learned positions) *is* a GPT-2, and in its Llama configuration (RMSNorm,
SwiGLU, rotary positions) a Llama. :func:`export_hf` writes ``config.json``, ``model.safetensors``
(fp32), ``generation_config.json`` and the tokenizer (``tokenizer.json`` with a
``PreTrainedTokenizerFast`` ``tokenizer_config.json`` and ``special_tokens_map.json``). Nothing here
imports ``transformers``: the files are written directly, and the tests load them with it.

Conventions that differ between the two code bases, each handled below:

* GPT-2's ``Conv1D`` stores its weight ``[in, out]`` (it computes ``x @ W + b``), ``nn.Linear``
  ``[out, in]``: every GPT-2 projection is transposed. Llama uses ``nn.Linear``: nothing is.
* The course fuses q, k, v in one ``qkv`` projection (q, k, v in that order, heads contiguous):
  GPT-2's ``c_attn`` is the same fused layout; Llama splits it into ``q_proj``, ``k_proj``, ``v_proj``.
* The course's GELU is the tanh approximation computed by ``F.gelu(approximate="tanh")``, which is
  ``transformers``' ``gelu_pytorch_tanh`` (``gelu`` there is the exact erf form, ``gelu_new`` the tanh
  formula written out, a few ulps away).
* The course's rotary embedding pairs channel ``i`` with ``i + Dh/2`` (not neighbouring channels), as
  Llama's ``rotate_half`` does, so q and k need no permutation.
* ``bias=False`` layers become zero biases in GPT-2 (whose ``Conv1D`` and ``LayerNorm`` always have one)
  and ``attention_bias``/``mlp_bias`` false in Llama; layer-norm epsilons are read from the model.
* A tied head is stored once (the embedding) with ``tie_word_embeddings``; an untied one as ``lm_head``.
* The course model reads every document after an end-of-text token and its own scoring and
  generation put one first: the exported tokenizer does the same (``<|endoftext|>`` is BOS, EOS and
  padding, and encoding with special tokens prepends it; ``add_special_tokens=False`` gives exactly
  the course tokenizer's ids).
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, processors

from .errors import InputError
from .model import GPT, GPTConfig, rotary_tables
from .paths import check_output_folder, runs_dir
from .tokenization.train import END_OF_TEXT, TOKENIZER_FILENAME, Tokenizer, load_tokenizer
from .training.byte_data import ByteTokenizer
from .training.checkpoint import STATE_FILE, latest_checkpoint, load_pretrained, read_state

# what each Hugging Face layout can hold (norm, activations, position), and the train flags that give it
LAYOUTS = {
    "gpt2": ({"layernorm"}, {"gelu", "relu"}, {"learned"}, "--norm layernorm --activation gelu --position learned"),
    "llama": ({"rmsnorm"}, {"swiglu"}, {"rope"}, "--norm rmsnorm --activation swiglu --position rope"),
}
LAYOUT_NAMES = {"gpt2": "GPT-2", "llama": "Llama"}
# transformers' name of the course's activations in the GPT-2 layout (see the module docstring)
GPT2_ACTIVATIONS = {"gelu": "gelu_pytorch_tanh", "relu": "relu"}
# the rotary base the course model is built with (rotary_tables' default)
ROPE_BASE = float(inspect.signature(rotary_tables).parameters["base"].default)
MODEL_FILE = "model.safetensors"


@dataclass
class ExportResult:
    """What :func:`export_hf` wrote.

    Attributes:
        out_dir: the model folder (``from_pretrained(out_dir)`` opens it).
        architecture: ``"GPT2LMHeadModel"`` or ``"LlamaForCausalLM"``.
        checkpoint: the checkpoint folder the weights came from; step: its step.
        tokenizer: where the tokenizer came from (a path, or ``"bytes"`` for a byte-level run).
        parameters: distinct parameters of the model.
    """
    out_dir: Path
    architecture: str
    checkpoint: Path
    step: int
    tokenizer: str
    parameters: int

    def to_dict(self) -> dict:
        """JSON-able summary."""
        return {"out_dir": str(self.out_dir), "architecture": self.architecture, "checkpoint": str(self.checkpoint),
                "step": self.step, "tokenizer": self.tokenizer, "parameters": self.parameters}


# ---------------------------------------------------------------- which layout


def hf_layout(config: GPTConfig) -> str:
    """``"gpt2"`` or ``"llama"``: the ``transformers`` layout that holds this architecture exactly.

    Raises:
        InputError: a mixture neither holds (e.g. LayerNorm with rotary positions), naming what is missing.
    """
    chosen = {"norm": config.norm, "activation": config.activation, "position": config.position}
    missing = {}
    for layout, (norms, activations, positions, _) in LAYOUTS.items():
        allowed = {"norm": norms, "activation": activations, "position": positions}
        missing[layout] = [f"{key}={value}" for key, value in chosen.items() if value not in allowed[key]]
        if not missing[layout]:
            return layout
    given = ", ".join(f"{key}={value}" for key, value in chosen.items())
    lacks = "; ".join(f"{LAYOUT_NAMES[layout]} has no {' or '.join(names)}" for layout, names in missing.items())
    flags = " or ".join(f"`{flags}`" for *_, flags in LAYOUTS.values())
    raise InputError(f"no transformers layout holds this model ({given}): {lacks}; "
                     f"train with {flags} to export it")


def _tensor(value: torch.Tensor) -> torch.Tensor:
    return value.detach().to("cpu", torch.float32).contiguous().clone()


def _bias(layer, size: int) -> torch.Tensor:
    """A layer's bias, or zeros where the course layer has none (GPT-2's layers always add one)."""
    return _tensor(layer.bias) if getattr(layer, "bias", None) is not None else torch.zeros(size)


def gpt2_state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """The course GPT's weights under ``GPT2LMHeadModel``'s names (Conv1D weights transposed)."""
    config = model.config
    width = config.n_embd
    tensors = {"transformer.wte.weight": _tensor(model.token_embedding.weight),
               "transformer.wpe.weight": _tensor(model.position_embedding.weight)}
    for index, block in enumerate(model.blocks):
        prefix = f"transformer.h.{index}"
        attention, mlp = block.attention, block.mlp
        # Conv1D: weight [in, out], so the transpose of nn.Linear's [out, in]; c_attn keeps q, k, v fused
        layers = {"attn.c_attn": attention.qkv, "attn.c_proj": attention.proj, "mlp.c_fc": mlp.up,
                  "mlp.c_proj": mlp.down}
        for name, linear in layers.items():
            tensors[f"{prefix}.{name}.weight"] = _tensor(linear.weight.t())
            tensors[f"{prefix}.{name}.bias"] = _bias(linear, linear.out_features)
        for name, norm in (("ln_1", block.norm_attention), ("ln_2", block.norm_mlp)):
            tensors[f"{prefix}.{name}.weight"] = _tensor(norm.weight)
            tensors[f"{prefix}.{name}.bias"] = _bias(norm, width)
    tensors["transformer.ln_f.weight"] = _tensor(model.final_norm.weight)
    tensors["transformer.ln_f.bias"] = _bias(model.final_norm, width)
    if not config.tie_weights:
        tensors["lm_head.weight"] = _tensor(model.head.weight)
    return tensors


def llama_state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """The course GPT's weights under ``LlamaForCausalLM``'s names (the fused qkv split in three)."""
    config = model.config
    width = config.n_embd
    tensors = {"model.embed_tokens.weight": _tensor(model.token_embedding.weight)}
    for index, block in enumerate(model.blocks):
        prefix = f"model.layers.{index}"
        attention, mlp = block.attention, block.mlp
        # rows [0, D) of qkv are q, [D, 2D) k, [2D, 3D) v; within each, head h is rows h*Dh .. (h+1)*Dh,
        # as Llama's q_proj(x).view(B, T, H, Dh) reads them; rotate_half pairs channels as the course does
        for part, name in enumerate(("q_proj", "k_proj", "v_proj")):
            rows = slice(part * width, (part + 1) * width)
            tensors[f"{prefix}.self_attn.{name}.weight"] = _tensor(attention.qkv.weight[rows])
            if attention.qkv.bias is not None:
                tensors[f"{prefix}.self_attn.{name}.bias"] = _tensor(attention.qkv.bias[rows])
        layers = {"self_attn.o_proj": attention.proj, "mlp.gate_proj": mlp.gate, "mlp.up_proj": mlp.up,
                  "mlp.down_proj": mlp.down}
        for name, linear in layers.items():
            tensors[f"{prefix}.{name}.weight"] = _tensor(linear.weight)
            if linear.bias is not None:
                tensors[f"{prefix}.{name}.bias"] = _tensor(linear.bias)
        tensors[f"{prefix}.input_layernorm.weight"] = _tensor(block.norm_attention.weight)
        tensors[f"{prefix}.post_attention_layernorm.weight"] = _tensor(block.norm_mlp.weight)
    tensors["model.norm.weight"] = _tensor(model.final_norm.weight)
    if not config.tie_weights:
        tensors["lm_head.weight"] = _tensor(model.head.weight)
    return tensors


def _special_ids(eot_id: int) -> dict:
    return {"bos_token_id": eot_id, "eos_token_id": eot_id, "pad_token_id": eot_id}


def hf_config(model: GPT, eot_id: int) -> dict:
    """``config.json`` for the model's layout (every field the forward pass depends on, spelled out)."""
    config = model.config
    layout = hf_layout(config)
    common = {"vocab_size": config.vocab_size, "tie_word_embeddings": bool(config.tie_weights),
              "initializer_range": 0.02, "use_cache": True, "dtype": "float32", **_special_ids(eot_id)}
    if layout == "gpt2":
        return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_positions": config.block_size,
                "n_embd": config.n_embd, "n_layer": config.n_layer, "n_head": config.n_head,
                "n_inner": model.blocks[0].mlp.up.out_features,
                "activation_function": GPT2_ACTIVATIONS[config.activation],
                "layer_norm_epsilon": float(model.final_norm.eps),
                "resid_pdrop": config.dropout, "embd_pdrop": config.dropout, "attn_pdrop": config.dropout,
                # softmax(q k^T / sqrt(Dh)), as F.scaled_dot_product_attention computes it
                "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False,
                "reorder_and_upcast_attn": False, **common}
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": config.n_embd,
            "intermediate_size": model.blocks[0].mlp.up.out_features, "num_hidden_layers": config.n_layer,
            "num_attention_heads": config.n_head, "num_key_value_heads": config.n_head,
            "head_dim": config.head_size, "hidden_act": "silu", "max_position_embeddings": config.block_size,
            "rms_norm_eps": float(model.final_norm.eps),
            "rope_parameters": {"rope_type": "default", "rope_theta": ROPE_BASE},
            "attention_bias": bool(config.bias), "mlp_bias": bool(config.bias),
            "attention_dropout": config.dropout, "pretraining_tp": 1, **common}


# ---------------------------------------------------------------- the tokenizer


def _byte_to_character() -> dict[int, str]:
    """GPT-2's byte-level alphabet: printable Latin-1 bytes stand for themselves, the others (in
    order) take the characters 256, 257, ...; checked against the ``tokenizers`` library's alphabet."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {byte: chr(byte) for byte in printable}
    others = (byte for byte in range(256) if byte not in table)
    table.update({byte: chr(256 + offset) for offset, byte in enumerate(others)})
    if set(table.values()) != set(pre_tokenizers.ByteLevel.alphabet()):
        raise RuntimeError("the tokenizers library's byte-level alphabet changed")  # never decode wrong bytes
    return table


def byte_tokenizer() -> HFTokenizer:
    """The course's :class:`ByteTokenizer` (id = UTF-8 byte value, end-of-text 256) as a ``tokenizers`` object."""
    characters = _byte_to_character()
    vocabulary = {characters[byte]: byte for byte in range(256)}
    tokenizer = HFTokenizer(models.BPE(vocab=vocabulary, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([END_OF_TEXT])
    if tokenizer.token_to_id(END_OF_TEXT) != ByteTokenizer.eot_id:
        raise RuntimeError("the byte tokenizer's end-of-text id is not 256")
    return tokenizer


def exported_tokenizer(hf_tokenizer: HFTokenizer, end_of_text: str = END_OF_TEXT) -> HFTokenizer:
    """A copy of ``hf_tokenizer`` that prepends ``end_of_text`` when asked for special tokens.

    ``transformers`` encodes with ``add_special_tokens=True`` by default (``lm_eval`` too): the model
    then sees the end-of-text token first, as it did in training and as the course's scorers give it.
    """
    copy = HFTokenizer.from_str(hf_tokenizer.to_str())
    eot_id = copy.token_to_id(end_of_text)
    if eot_id is None:
        raise InputError(f"the tokenizer has no {end_of_text!r} token")
    copy.post_processor = processors.TemplateProcessing(
        single=f"{end_of_text} $A", pair=f"{end_of_text} $A {end_of_text} $B:1",
        special_tokens=[(end_of_text, eot_id)])
    return copy


def tokenizer_configs(end_of_text: str, max_length: int) -> tuple[dict, dict]:
    """``tokenizer_config.json`` and ``special_tokens_map.json`` for a ``PreTrainedTokenizerFast``."""
    special = {"bos_token": end_of_text, "eos_token": end_of_text, "unk_token": end_of_text, "pad_token": end_of_text}
    config = {"tokenizer_class": "PreTrainedTokenizerFast", **special, "model_max_length": max_length,
              "add_bos_token": True, "add_prefix_space": False,
              # decode exactly what the course decodes (no " ." -> "." clean-up)
              "clean_up_tokenization_spaces": False}
    return config, special


def recorded_fingerprint(state: dict) -> str | None:
    """The tokenizer fingerprint a checkpoint's sampler state records (None when it records none)."""
    sampler = state.get("sampler")
    fingerprint = sampler.get("tokenizer_fingerprint") if isinstance(sampler, dict) else None
    return None if fingerprint in (None, "unknown") else str(fingerprint)  # "unknown": write_shards' fallback


def find_tokenizer(path: Path, state: dict, vocab_size: int) -> tuple[HFTokenizer, str]:
    """The tokenizer a run was trained with, found beside it; ``(tokenizer, where)``.

    A BPE run records its tokenizer's fingerprint in the checkpoint (the sampler's state); the first
    ``tokenizer.json`` with that fingerprint is taken from the run directory and the two folders above
    it, each itself or its ``tokens/`` (notebook 07's copy) or ``shards/`` (small runs; ``cs229llm run``'s
    ``OUT/runs/NAME`` finds ``OUT/tokenizer.json``), then the course token folders under the runs
    directory (``cs229llm train``). A byte-level run (vocabulary 257, no fingerprint) gets the byte
    tokenizer.

    Raises:
        InputError: none matches (pass ``--tokenizer``).
    """
    fingerprint = recorded_fingerprint(state)
    if fingerprint is None and vocab_size == ByteTokenizer.vocab_size:
        return byte_tokenizer(), "bytes"
    if fingerprint is None:
        raise InputError(f"the checkpoint in {path} records no tokenizer fingerprint: "
                         "pass --tokenizer PATH/tokenizer.json")
    path = path.resolve()
    root = path.parent.parent if path.parent.name == "checkpoints" else path
    near = [folder / sub for folder in (root, root.parent, root.parent.parent) for sub in ("", "tokens", "shards")]
    for folder in dict.fromkeys([*near, *sorted((runs_dir() / "tokens").glob("*"))]):  # in order, once each
        candidate = folder / TOKENIZER_FILENAME
        if not candidate.is_file():
            continue
        try:
            tokenizer = load_tokenizer(candidate)
        except InputError:
            continue
        if tokenizer.fingerprint == fingerprint:
            return tokenizer.hf, str(candidate)
    raise InputError(f"no tokenizer with this run's fingerprint ({fingerprint}) found beside {path}: "
                     "pass --tokenizer PATH/tokenizer.json")


def check_tokenizer(tokenizer: Tokenizer, state: dict, vocab_size: int, where: str) -> None:
    """Refuse a tokenizer the model was not trained with (more ids, or another recorded fingerprint)."""
    if tokenizer.vocab_size > vocab_size:
        raise InputError(f"the tokenizer {where} has {tokenizer.vocab_size} ids but the model only {vocab_size}: "
                         "pass the tokenizer the model was trained with")
    fingerprint = recorded_fingerprint(state)
    if fingerprint is not None and tokenizer.fingerprint != fingerprint:
        raise InputError(f"the tokenizer {where} (fingerprint {tokenizer.fingerprint}) is not the one the model "
                         f"was trained with ({fingerprint})")


# ---------------------------------------------------------------- the folder


def check_out_dir(out_dir: str | Path) -> Path:
    """Refuse an output path that is a file or a folder that already holds something."""
    if str(out_dir).strip() == "":
        raise InputError("the output folder is empty: give a folder name")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file: the output must be a new or empty folder")
    if out.is_dir() and any(out.iterdir()):
        raise InputError(f"{out} already holds files: export into a new or empty folder")
    return out


def _model_card(result: ExportResult, config: GPTConfig) -> str:
    """A short README.md: what the model is, where it came from, how to open it."""
    what = (f"A small GPT trained with the cs229llm course, exported as `{result.architecture}` "
            f"({result.parameters:,} parameters; {config.n_layer} layers, {config.n_head} heads, width "
            f"{config.n_embd}, context {config.block_size}; norm {config.norm}, activation {config.activation}, "
            f"position {config.position}).")
    kind = "one id per UTF-8 byte" if result.tokenizer == "bytes" else "the run's byte-level BPE"
    source = (f"Weights: checkpoint `{result.checkpoint.name}` (step {result.step}). Tokenizer: {kind}; "
              f"encoding with special tokens prepends `{END_OF_TEXT}`, as in training.")
    return "\n".join([
        f"# {result.out_dir.name}", "", what, "", source, "",
        "```python",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "model = AutoModelForCausalLM.from_pretrained(FOLDER)",
        "tokenizer = AutoTokenizer.from_pretrained(FOLDER)",
        "```", "",
    ])


def export_hf(run_dir: str | Path, out_dir: str | Path, tokenizer_path: str | Path | None = None) -> ExportResult:
    """Write the run's latest checkpoint (or the checkpoint folder given) as a ``transformers`` model folder.

    Args:
        run_dir: a run directory (its latest checkpoint) or one checkpoint folder.
        out_dir: a new or empty folder; written whole or not at all (built beside it, then renamed).
        tokenizer_path: the run's ``tokenizer.json`` (default: found beside the run, see :func:`find_tokenizer`).

    Raises:
        InputError: no run or checkpoint, an output that is a file or not empty, an architecture no
            ``transformers`` layout holds, or no tokenizer of the run.
    """
    out = check_out_dir(out_dir).resolve()
    source = Path(run_dir)
    if not source.exists():
        raise InputError(f"{source} does not exist (no such folder): give a run directory or a checkpoint folder")
    if not source.is_dir():
        raise InputError(f"{source} is a file: give a run directory or a checkpoint folder")
    checkpoint = source if (source / STATE_FILE).is_file() else \
        latest_checkpoint(source / "checkpoints") or latest_checkpoint(source)
    if checkpoint is None:
        raise InputError(f"no checkpoint found in {source}: train first (`cs229llm train`) or pass a step_NNNNNN folder")
    recorded = read_state(checkpoint).get("model_config")
    if isinstance(recorded, dict):
        hf_layout(GPTConfig.from_dict(recorded))  # refuse before the weights are read
    model, state = load_pretrained(checkpoint)
    vocab_size = model.config.vocab_size
    if tokenizer_path is not None:
        if str(tokenizer_path).strip() == "":
            raise InputError("--tokenizer is empty: give the path of the run's tokenizer.json")
        course_tokenizer = load_tokenizer(tokenizer_path)
        check_tokenizer(course_tokenizer, state, vocab_size, str(tokenizer_path))
        tokenizer, where = course_tokenizer.hf, str(tokenizer_path)
    else:
        tokenizer, where = find_tokenizer(source, state, vocab_size)
    eot_id = tokenizer.token_to_id(END_OF_TEXT)
    if eot_id is None:
        raise InputError(f"the tokenizer {where} has no {END_OF_TEXT!r} token")
    config = hf_config(model, int(eot_id))
    tensors = gpt2_state_dict(model) if hf_layout(model.config) == "gpt2" else llama_state_dict(model)
    result = ExportResult(out, config["architectures"][0], checkpoint.resolve(), int(state["step"]), where,
                          model.num_parameters())

    check_output_folder(out.parent, "folder above the output")
    building = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    try:
        save_file(tensors, str(building / MODEL_FILE), metadata={"format": "pt"})
        _write_json(building / "config.json", config)
        _write_json(building / "generation_config.json", _special_ids(int(eot_id)))
        exported_tokenizer(tokenizer).save(str(building / TOKENIZER_FILENAME))
        tokenizer_config, special = tokenizer_configs(END_OF_TEXT, model.config.block_size)
        _write_json(building / "tokenizer_config.json", tokenizer_config)
        _write_json(building / "special_tokens_map.json", special)
        (building / "README.md").write_text(_model_card(result, model.config), encoding="utf-8")
        if out.is_dir():
            out.rmdir()  # empty (checked above): make room for the rename
        os.replace(building, out)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return result


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
