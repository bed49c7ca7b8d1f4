"""Small controlled training runs: one call from texts to a trained model, for experiments that compare.

Stage "pretraining" used as a measuring instrument: the evaluation and capstone experiments train
the same small GPT several times, changing one thing (the tokenizer, the data, planted test
items, the architecture) and keeping the compute equal (same steps, batch and sequence length).
Each run writes token shards and a trainer run directory under ``out_dir``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config import seed_everything
from ..errors import InputError
from ..evaluation.perplexity import make_eval_fn
from ..model import GPT
from ..tokenization.shards import MixtureSampler, write_shards
from ..training.trainer import TrainConfig, train


@dataclass
class SmallRun:
    """A trained model and where it came from.

    Attributes:
        model: the trained GPT (eval mode, on CPU unless trained elsewhere).
        result: the trainer's ``TrainResult`` (history, run_dir, tokens/s).
        shards_dir: the shards it was trained on.
        tokens: tokens per domain in those shards.
    """
    model: object
    result: object
    shards_dir: Path
    tokens: dict


def train_small_model(texts_by_domain: Mapping[str, list[str]], tokenizer, model_config, out_dir: str | Path,
                      steps: int, batch_size: int = 16, lr: float = 3e-3, warmup_steps: int = 10,
                      weights: Mapping[str, float] | None = None, eval_texts: Mapping[str, list[str]] | None = None,
                      eval_every: int = 0, schedule: str = "linear", seed: int = 0, device: str = "auto") -> SmallRun:
    """Write shards for ``texts_by_domain`` and train a fresh GPT on them for ``steps`` steps.

    Args:
        texts_by_domain: domain -> training texts (one domain such as ``{"web": texts}`` is fine).
        tokenizer: the trained tokenizer (its vocabulary size must match ``model_config``).
        model_config: a ``GPTConfig``; sequences are ``model_config.block_size`` tokens.
        out_dir: gets ``shards/`` and ``run/`` (replaced if present).
        steps, batch_size, lr, warmup_steps, schedule: the compute and its learning-rate schedule
            (default: linear decay to zero).
        weights: sampling mixture (default: each domain by its token count).
        eval_texts: domain -> held-out texts for per-domain bits per byte during training.
        eval_every: evaluate every this many steps (0: only at the end).

    Returns:
        a :class:`SmallRun`.
    """
    if tokenizer.vocab_size > model_config.vocab_size:
        raise InputError(f"the tokenizer has {tokenizer.vocab_size} ids but the model only {model_config.vocab_size}")
    out = Path(out_dir)
    if (out / "shards").exists():
        shutil.rmtree(out / "shards")
    manifest = write_shards({d: list(t) for d, t in texts_by_domain.items()}, tokenizer, out / "shards")
    tokens = {d: info["tokens"] for d, info in manifest["domains"].items()}
    weights = dict(weights) if weights else {d: n for d, n in tokens.items() if n > model_config.block_size}
    eval_fn = make_eval_fn(tokenizer, eval_texts) if eval_texts else None
    model, result = train_on_shards(out / "shards", weights, model_config, out / "run", steps,
                                    batch_size=batch_size, lr=lr, warmup_steps=warmup_steps, schedule=schedule,
                                    min_lr_ratio=0.0, eval_fn=eval_fn, eval_every=eval_every, seed=seed, device=device)
    return SmallRun(model, result, out / "shards", tokens)


def train_on_shards(shards_dir: str | Path, weights: Mapping[str, float], model_config, run_dir: str | Path,
                    steps: int, batch_size: int = 16, lr: float = 3e-3, warmup_steps: int = 10,
                    schedule: str = "linear", min_lr_ratio: float = 0.0, eval_fn=None, eval_every: int = 0,
                    log_every: int | None = None, seed: int = 0, device: str = "auto",
                    precision: str = "fp32") -> tuple[GPT, object]:
    """Train a fresh, seeded GPT on existing shards: the one small-run trainer every controlled comparison uses.

    The model is built after seeding, so two calls with the same arguments give the same weights.
    ``run_dir`` is replaced if present. Returns the trained model (eval mode) and the trainer's result.
    """
    run_dir = Path(run_dir)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    seed_everything(seed)
    model = GPT(model_config)
    sampler = MixtureSampler(shards_dir, dict(weights), batch_size, model_config.block_size, seed=seed)
    config = TrainConfig(max_steps=steps, lr=lr, warmup_steps=min(warmup_steps, steps), schedule=schedule,
                         min_lr_ratio=min_lr_ratio, eval_every=eval_every,
                         log_every=log_every or max(1, steps // 30), run_dir=str(run_dir), resume=False,
                         seed=seed, device=device, precision=precision, compile=False)
    result = train(model, sampler, config, eval_fn=eval_fn)
    model.eval()
    return model, result
