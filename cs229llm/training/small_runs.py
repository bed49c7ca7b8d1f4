"""Small controlled training runs: one call from texts to a trained model, for experiments that compare.

Stage "pretraining" used as a measuring instrument: the evaluation and capstone experiments train
the same small GPT several times, changing one thing (the tokenizer, the data, planted test
items, the architecture) and keeping the compute equal (same steps, batch and sequence length).
Each run writes token shards and a trainer run directory under ``out_dir``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError


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
    import shutil

    from ..config import seed_everything
    from ..evaluation.perplexity import make_eval_fn
    from ..model import GPT
    from ..tokenization.shards import MixtureSampler, write_shards
    from .trainer import TrainConfig, train

    if tokenizer.vocab_size > model_config.vocab_size:
        raise InputError(f"the tokenizer has {tokenizer.vocab_size} ids but the model only {model_config.vocab_size}")
    out = Path(out_dir)
    for sub in ("shards", "run"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    manifest = write_shards({d: list(t) for d, t in texts_by_domain.items()}, tokenizer, out / "shards")
    tokens = {d: info["tokens"] for d, info in manifest["domains"].items()}
    weights = dict(weights) if weights else {d: n for d, n in tokens.items() if n > model_config.block_size}
    seed_everything(seed)
    model = GPT(model_config)
    sampler = MixtureSampler(out / "shards", weights, batch_size, model_config.block_size, seed=seed)
    config = TrainConfig(max_steps=steps, lr=lr, warmup_steps=min(warmup_steps, steps), schedule=schedule,
                         min_lr_ratio=0.0, eval_every=eval_every, log_every=max(1, steps // 30),
                         run_dir=str(out / "run"), resume=False, seed=seed, device=device)
    eval_fn = make_eval_fn(tokenizer, eval_texts) if eval_texts else None
    result = train(model, sampler, config, eval_fn=eval_fn)
    model.eval()
    return SmallRun(model, result, out / "shards", tokens)
