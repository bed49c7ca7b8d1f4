"""The master-weights experiment: the same small GPT trained with fp32 master weights and with pure bf16 weights."""

from __future__ import annotations

import torch

from ..errors import InputError
from ..model import GPT, GPTConfig


def master_weights_experiment(steps: int = 60, lr: float = 1e-4, seed: int = 0, model_config=None,
                              batch_size: int = 8, on_step=None):
    """Train one tiny GPT twice on the same bytes: weights stored in bf16, or fp32 master + bf16 compute.

    Both runs see identical batches and initial weights; both compute in bf16. The only
    difference is where AdamW adds its update: into a bf16 tensor (small updates round away)
    or into an fp32 master copy.

    Args:
        steps: optimizer steps per run; lr: AdamW learning rate (small rates make the effect
            larger, as at the end of a decaying schedule).
        model_config: a ``GPTConfig`` (default: 1 layer, width 32, byte vocabulary, T=32).
        on_step: optional ``on_step(history)`` called after each step of each run (live plots).

    Returns:
        dict of lists: ``step``, ``loss_bf16_weights``, ``loss_fp32_master``,
        ``swallowed_bf16_weights`` (fraction of weight elements unchanged by the step) and
        ``swallowed_fp32_master``.
    """
    if steps < 1:
        raise InputError("steps must be >= 1")
    config = model_config or GPTConfig(vocab_size=256, block_size=32, n_layer=1, n_head=2, n_embd=32)
    generator = torch.Generator().manual_seed(seed)
    # a learnable byte stream: repeated English-like text with a little noise
    text = ("the quick brown fox jumps over the lazy dog. " * 200).encode("utf-8")
    stream = torch.tensor(list(text), dtype=torch.long)
    starts = torch.randint(0, stream.numel() - config.block_size - 1, (steps, batch_size), generator=generator)

    torch.manual_seed(seed)
    reference = GPT(config)
    history = {"step": [], "loss_bf16_weights": [], "loss_fp32_master": [],
               "swallowed_bf16_weights": [], "swallowed_fp32_master": []}

    def run(stored_dtype: torch.dtype, loss_key: str, swallowed_key: str) -> None:
        model = GPT(config)
        model.load_state_dict(reference.state_dict())
        model.to(stored_dtype)
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
        for step in range(steps):
            rows = starts[step]
            x = torch.stack([stream[s:s + config.block_size] for s in rows])
            y = torch.stack([stream[s + 1:s + config.block_size + 1] for s in rows])
            with torch.autocast("cpu", dtype=torch.bfloat16):
                _, loss = model(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            before = [p.detach().clone() for p in model.parameters()]
            optimizer.step()
            unchanged = sum(int((p.detach() == b).sum()) for p, b in zip(model.parameters(), before))
            total = sum(b.numel() for b in before)
            if stored_dtype == torch.bfloat16:
                history["step"].append(step)
            history[loss_key].append(float(loss.detach()))
            history[swallowed_key].append(unchanged / total)
            if on_step is not None:
                on_step(history)

    run(torch.bfloat16, "loss_bf16_weights", "swallowed_bf16_weights")
    run(torch.float32, "loss_fp32_master", "swallowed_fp32_master")
    return history
