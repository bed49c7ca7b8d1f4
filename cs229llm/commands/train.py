"""``cs229llm train``: pretrain a GPT on the course's domain mixture; writes a run directory.

Settings come from a config file (JSON or TOML with ``[model]``, ``[train]`` and ``[data]``
tables) and are overridden by flags. Under ``torchrun --nproc_per_node=N -m cs229llm train``
the same command trains data-parallel (gloo on CPU, NCCL on GPUs).
"""

import json
from collections.abc import Mapping
from pathlib import Path

from ..config import by_profile, choose_device, seed_everything, set_threads
from ..errors import InputError
from ..experiments.course_data import course_data, default_vocab_size, prepare_token_data
from ..mixing import DOMAINS, check_weights, parse_weights
from ..model import GPT, GPTConfig
from ..training.distributed import distributed_info, shutdown
from ..training.trainer import TrainConfig, train
from ._options import add_compile_option, check_model_fits, describe, finish, progress_wanted, real, whole


def configure(parser) -> None:
    describe(parser, ("Pretrain a GPT on the course's domain mixture. Settings: profile-sized defaults, "
                          "then --config, then flags. Under `torchrun --nproc_per_node=N -m cs229llm train` "
                          "the same command trains data-parallel."))
    parser.add_argument("--config", help="JSON or TOML file with [model], [train] and [data] tables")
    parser.add_argument("--steps", type=whole(1, 10**9), help="optimizer steps (train.max_steps)")
    parser.add_argument("--lr", type=real(0, 10, low_open=True))
    parser.add_argument("--schedule", choices=["constant", "cosine", "wsd", "linear"])
    parser.add_argument("--warmup-steps", type=whole(0, 10**9))
    parser.add_argument("--grad-accum-steps", type=whole(1, 10**6))
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"])
    add_compile_option(parser, help="torch.compile the model (default: the profile's choice; eager fallback "
                                    "where no compiler works)")
    parser.add_argument("--device", help="auto, cpu or cuda")
    parser.add_argument("--eval-every", type=whole(0, 10**9))
    parser.add_argument("--checkpoint-every", type=whole(0, 10**9))
    parser.add_argument("--run-name", help="folder under the runs directory")
    parser.add_argument("--run-dir", help="explicit run directory (resumes from its latest checkpoint)")
    parser.add_argument("--layers", type=whole(1, 512), help="model.n_layer")
    parser.add_argument("--width", type=whole(1, 2**16), help="model.n_embd")
    parser.add_argument("--heads", type=whole(1, 4096), help="model.n_head")
    parser.add_argument("--norm", choices=["layernorm", "rmsnorm"])
    parser.add_argument("--activation", choices=["gelu", "relu", "swiglu"])
    parser.add_argument("--position", choices=["learned", "rope"])
    parser.add_argument("--batch-size", type=whole(1, 2**16), help="data.batch_size")
    parser.add_argument("--seq-len", type=whole(2, 2**17), help="data.seq_len (= model.block_size)")
    parser.add_argument("--data", choices=["bpe", "bytes"], help="course BPE shards or raw bytes")
    parser.add_argument("--mixture", help="domain weights, e.g. code=2,books=1,news=1 (the syntax of `cs229llm mix`)")
    parser.add_argument("--eval-bytes", type=whole(1, 10**12), help="held-out bytes per domain for bits per byte")
    parser.add_argument("--override", action="store_true",
                        help="resume even though settings differ from the checkpoint's (recorded in config.json)")
    finish(parser, run, seed_default=None,
           seed_help="train.seed (default 0, unless the --config file sets one: a flag default would override it)")


def read_config_file(path: str) -> dict:
    """The ``{"model": ..., "train": ..., "data": ...}`` tables of a JSON or TOML file."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"config file {path} does not exist")
    try:
        if file.suffix.lower() == ".toml":
            import tomllib  # standard library from Python 3.11 only (optional on 3.10)

            values = tomllib.loads(file.read_text(encoding="utf-8"))
        else:
            values = json.loads(file.read_text(encoding="utf-8"))
    except Exception as error:
        raise InputError(f"cannot parse {path}: {error}") from None
    unknown = sorted(set(values) - {"model", "train", "data"})
    if unknown:
        raise InputError(f"{path}: unknown tables {', '.join(unknown)} (use model, train, data)")
    return values


def default_settings() -> dict:
    """Profile-sized defaults: tiny on ci, a few minutes on a laptop, bigger on a GPU."""
    return {
        "model": by_profile(ci=dict(n_layer=2, n_head=2, n_embd=64), laptop=dict(n_layer=4, n_head=4, n_embd=128),
                            gpu=dict(n_layer=12, n_head=12, n_embd=768)),
        "train": by_profile(ci=dict(max_steps=40, eval_every=20, lr=3e-3, warmup_steps=4),
                            laptop=dict(max_steps=600, eval_every=100, lr=2e-3, warmup_steps=30),
                            gpu=dict(max_steps=5000, eval_every=500, lr=6e-4, warmup_steps=200,
                                     precision="bf16", compile=True)),
        "data": by_profile(ci=dict(batch_size=8, seq_len=64, eval_bytes=20000),
                           laptop=dict(batch_size=16, seq_len=128, eval_bytes=100000),
                           gpu=dict(batch_size=32, seq_len=1024, eval_bytes=None)),
    }


def resolve_settings(args) -> dict:
    """Defaults, then the config file, then flags."""
    settings = default_settings()
    if args.config:
        for table, values in read_config_file(args.config).items():
            settings[table].update(values)
    flag_map = {
        "train": {"steps": "max_steps", "lr": "lr", "schedule": "schedule", "warmup_steps": "warmup_steps",
                  "grad_accum_steps": "grad_accum_steps", "precision": "precision", "compile": "compile",
                  "device": "device", "eval_every": "eval_every", "checkpoint_every": "checkpoint_every",
                  "run_name": "run_name", "run_dir": "run_dir", "seed": "seed"},
        "model": {"layers": "n_layer", "width": "n_embd", "heads": "n_head", "norm": "norm",
                  "activation": "activation", "position": "position"},
        "data": {"batch_size": "batch_size", "seq_len": "seq_len", "data": "source", "mixture": "mixture",
                 "eval_bytes": "eval_bytes"},
    }
    for table, mapping in flag_map.items():
        for flag, key in mapping.items():
            value = getattr(args, flag, None)
            if value is not None:
                settings[table][key] = value
    return settings


def check_data_settings(data: dict) -> None:
    """The ``[data]`` table's values: whole numbers in range and a known source, before any work."""
    for key, minimum in (("batch_size", 1), ("seq_len", 2), ("eval_bytes", 1)):
        value = data.get(key)
        if value is None and key == "eval_bytes":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InputError(f"data.{key} must be a whole number >= {minimum}, got {value!r}")
    if data.get("source", "bpe") not in ("bpe", "bytes"):
        raise InputError(f"data.source must be bpe or bytes, got {data.get('source')!r}")


def read_mixture(mixture) -> dict[str, float] | None:
    """The ``data.mixture`` setting (``"code=2,books=1"`` text or a table of weights), checked against the domains."""
    if mixture is None:
        return None
    if isinstance(mixture, str):
        return parse_weights(mixture, DOMAINS)
    if isinstance(mixture, Mapping):
        return check_weights(mixture, DOMAINS)
    raise InputError(f"data.mixture must be text like code=2,books=1 or a table of weights, got {mixture!r}")


def run(args) -> int:
    settings = resolve_settings(args)
    data = dict(settings["data"])
    mixture = read_mixture(data.pop("mixture", None))
    unknown = sorted(set(data) - {"batch_size", "seq_len", "source", "eval_bytes"})
    if unknown:
        raise InputError(f"unknown data settings: {', '.join(unknown)}")
    check_data_settings(data)
    model_settings = {**GPTConfig().to_dict(), **settings["model"]}
    check_model_fits(int(model_settings["n_layer"]), int(model_settings["n_embd"]),
                     default_vocab_size() if data.get("source", "bpe") == "bpe" else 257,
                     int(data["batch_size"]), int(data["seq_len"]))
    set_threads()
    info = distributed_info()
    rank = info.rank
    train_config = TrainConfig.from_dict({"progress": progress_wanted(), **settings["train"]})
    if train_config.device != "auto":
        choose_device(train_config.device)  # an unknown or absent device is refused before any work
    if info.enabled and data.get("source", "bpe") == "bpe":
        # rank 0 builds the tokenizer and shards (once, cached); the others wait, then read them
        import torch.distributed as torch_dist  # only under torchrun (heavy, optional)

        if rank == 0:
            prepare_token_data()
        torch_dist.barrier()
    prepared = course_data(int(data["batch_size"]), int(data["seq_len"]), mixture, seed=train_config.seed + rank,
                           source=data.get("source", "bpe"), eval_bytes_per_domain=data.get("eval_bytes"))
    model_config = GPTConfig.from_dict({"vocab_size": prepared.vocab_size, "block_size": int(data["seq_len"]),
                                        **settings["model"]})
    # the initial weights come from the seed too: seeded here, two runs with one seed are the same run
    seed_everything(train_config.seed + rank)
    model = GPT(model_config)
    if rank == 0:
        print(f"model: {model.num_parameters():,} parameters; data: {prepared.source}, "
              f"batch {data['batch_size']} x {data['seq_len']} tokens; domains: {', '.join(prepared.domains)}")

    def report(event: dict) -> None:
        if event["kind"] == "train":
            mfu = f"  MFU {100 * event['mfu']:.1f}%" if "mfu" in event else ""
            print(f"step {event['step']:>6}  loss {event['loss']:.4f}  lr {event['lr']:.2e}  "
                  f"{event['tokens_per_s']:,.0f} tok/s{mfu}", flush=True)
        elif event["kind"] == "eval":
            print(f"step {event['step']:>6}  held-out bpb {event['bpb/all']:.4f}  " + " ".join(
                f"{k[4:]}={v:.3f}" for k, v in event.items() if k.startswith("bpb/") and k != "bpb/all"), flush=True)

    try:
        result = train(model, prepared.sampler, train_config, callbacks=[report], eval_fn=prepared.eval_fn,
                       override=args.override)
    finally:
        shutdown()
    if rank == 0:
        for note in result.notes:
            print(note)
        summary = {"run_dir": str(result.run_dir), "steps": result.step, "tokens_per_s": round(result.tokens_per_second, 1),
                   "resumed_from": result.resumed_from, "compiled": result.compiled,
                   **{k: round(v, 4) for k, v in result.final_eval.items()}}
        print(json.dumps(summary))
    return 0
