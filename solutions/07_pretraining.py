# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Pretraining: a small GPT on the domain mixture
#
# **Learning goals**
# - Put the pieces together: token shards and a mixture sampler (notebooks 04–05), a GPT, the training loop.
# - Read a training run through **per-domain** held-out bits per byte, live, not one averaged loss.
# - Measure throughput (tokens/s) and model FLOPs utilisation (MFU).
# - Save a checkpoint (safetensors + JSON) and resume from it **exactly**, as a crashed run would.
#
# Everything here is `cs229llm.training.trainer.train`: the same function runs `cs229llm train` from a terminal and,
# under `torchrun`, data-parallel across processes or GPUs.

# %%
import shutil
import time

import pandas as pd
import torch

from cs229llm import config
from cs229llm.paths import runs_dir

NOTEBOOK_STARTED = time.perf_counter()
profile = config.get_profile()
config.set_threads()
DEVICE = config.choose_device()
print(f"profile: {profile.name} ({profile.description}); device {DEVICE}")

# %% [markdown]
# ## 1. Data: token shards and the mixture sampler
#
# `course_data` trains (once, then cached) the course's BPE tokenizer on the training split of the domain corpus and
# writes one token shard per domain. The sampler draws each training window from a domain chosen by mixture weight;
# here every domain gets the same weight. The held-out split is kept for evaluation: bits per byte per domain.

# %%
from cs229llm.experiments.course_data import course_data
from cs229llm.tokenization.shards import tokens_per_domain

BATCH_SIZE = config.by_profile(ci=8, laptop=16, gpu=32)
SEQ_LEN = config.by_profile(ci=64, laptop=128, gpu=512)
# the run trains from its own copy of the shards, so rebuilding the shared token data elsewhere cannot change it
run_dir = runs_dir() / f"notebook07-{profile.name}"
shutil.rmtree(run_dir, ignore_errors=True)
data = course_data(BATCH_SIZE, SEQ_LEN, seed=0, eval_bytes_per_domain=config.by_profile(ci=6000, laptop=60000),
                   private_copy=run_dir / "tokens")
shard_tokens = tokens_per_domain(data.token_dir / "train")
pd.DataFrame({"train tokens": shard_tokens, "sampling weight": data.sampler.probabilities})

# %% NBVAL_CHECK_OUTPUT
print("domains:", data.domains)
print("vocabulary:", data.vocab_size)

# %% [markdown]
# ## 2. The model
#
# A decoder-only transformer: token embeddings (shared with the output layer: weight tying), pre-norm blocks of causal
# self-attention (`scaled_dot_product_attention`) and an MLP. The capstone compares its options (RMSNorm, SwiGLU,
# rotary positions); here the defaults. Training costs about **6 FLOPs per parameter per token** (forward 2, backward 4)
# plus the attention term 12·L·H·Q·T (PaLM, appendix B).
#
# **Explore the size.** The sliders change depth and width; the readout gives parameters, FLOPs per token and the
# Chinchilla budget of about 20 tokens per parameter. Nothing is trained.

# %%
import ipywidgets as widgets
from IPython.display import display

from cs229llm.model import GPT, GPTConfig
from cs229llm.viz.panel import safe_callback

layers_slider = widgets.IntSlider(value=4, min=1, max=24, description="layers", continuous_update=False)
layers_slider.add_class("cs229llm-slider-layers")
width_slider = widgets.IntSlider(value=128, min=32, max=1024, step=32, description="width", continuous_update=False)
width_slider.add_class("cs229llm-slider-width")
size_readout = widgets.HTML()
size_readout.add_class("cs229llm-readout")
size_output = widgets.Output()


@safe_callback(size_output)
def show_size(change=None):
    heads = max(1, width_slider.value // 64)
    candidate = GPT(GPTConfig(vocab_size=data.vocab_size, block_size=SEQ_LEN, n_layer=layers_slider.value,
                              n_head=heads, n_embd=width_slider.value))
    params = candidate.num_parameters()
    size_readout.value = (f"params={params:,} flops_per_token={candidate.flops_per_token():,.0f} "
                          f"chinchilla_tokens={20 * params:,}")
    print(f"{heads} heads of width {width_slider.value // heads}; "
          f"{20 * params / (BATCH_SIZE * SEQ_LEN):,.0f} steps of {BATCH_SIZE}x{SEQ_LEN} tokens for 20 tokens/param")


layers_slider.observe(show_size, names="value")
width_slider.observe(show_size, names="value")
size_panel = widgets.VBox([layers_slider, width_slider, size_readout, size_output])
size_panel.add_class("cs229llm-panel-model-size")
display(size_panel)
show_size()

# %%
model_config = GPTConfig(vocab_size=data.vocab_size, block_size=SEQ_LEN,
                         n_layer=config.by_profile(ci=2, laptop=4, gpu=12),
                         n_head=config.by_profile(ci=2, laptop=4, gpu=12),
                         n_embd=config.by_profile(ci=64, laptop=128, gpu=768))
config.seed_everything(0)
model = GPT(model_config)
print(f"{model.num_parameters():,} parameters; {model.flops_per_token():,.0f} training FLOPs per token")

# %% NBVAL_CHECK_OUTPUT
print(model.num_parameters())

# %% [markdown]
# ### What one optimizer step does with its gradients
#
# A step may be larger than one batch fits in memory: **gradient accumulation** runs `grad_accum_steps` micro-batches
# forward and backward before the optimizer moves, and the trainer divides each micro-batch's loss by their number,
# so the gradient the step sees is the *mean* of the micro-batches' gradients, as if one big batch had been used. Then
# **gradient clipping** protects against a rare huge gradient (a loss spike): when the *global* norm of all gradients
# together exceeds `grad_clip`, every gradient is scaled down by the same factor, so the direction is kept and only
# the length is capped.
#
# **Exercise 07.1: the gradient of one step.** Write `step_gradients(micro_grads, max_norm)`. `micro_grads[i][j]` is
# the gradient of parameter j computed on micro-batch i alone (a torch tensor; every micro-batch has the same list of
# shapes). Return the list of gradients, one per parameter, that the optimizer step uses:
#
# 1. g_j = the mean over the micro-batches of micro_grads[i][j];
# 2. the global norm ‖g‖ = sqrt(Σ_j Σ (entries of g_j)²), one number over all the parameters;
# 3. when `max_norm > 0` and ‖g‖ > `max_norm`, multiply every g_j by max_norm / (‖g‖ + 1e-6) (PyTorch's
#    `clip_grad_norm_`); otherwise (`max_norm = 0` disables clipping) leave them as they are.
#
# Run the cell: the check tries your function on 9 cases, edge cases included (nothing to clip, clipping off,
# gradients that cancel out, several parameters). Until it passes, the notebook carries on with the package's way
# (backward of each loss / grad_accum_steps, then `cs229llm.training.trainer.clip_gradients`).

# %%
import torch  # noqa: F811 - the exercise cell runs on its own too

from cs229llm.exercises import check


def step_gradients(micro_grads, max_norm):
    """The optimizer step's gradients: the micro-batches' mean, clipped to a global L2 norm of max_norm (0: off)."""
    ### BEGIN SOLUTION
    steps = len(micro_grads)
    grads = [sum(micro[j] for micro in micro_grads) / steps for j in range(len(micro_grads[0]))]
    norm = torch.sqrt(sum((grad ** 2).sum() for grad in grads))
    if max_norm > 0 and norm > max_norm:
        grads = [grad * (max_norm / (norm + 1e-6)) for grad in grads]
    return grads
    ### END SOLUTION


check("step_gradients", step_gradients)

# %% [markdown]
# Your step on the real model: a few micro-batches from the training shards, each micro-batch's gradients computed
# on its own, combined by your function, and compared with what the trainer's own accumulation and clipping give
# on the same batches (on a copy of the model, so the run below is untouched). At the run's `grad_clip` a freshly
# initialised model may not be clipped at all; a quarter of the step's norm shows the clip at work.

# %%
import copy

from cs229llm.exercises import use
from cs229llm.tokenization.shards import MixtureSampler
from cs229llm.training.trainer import clip_gradients

step_gradients = use("step_gradients", step_gradients)
GRAD_CLIP = 1.0  # the run below clips at this global norm too
ACCUMULATE = 4
probe = copy.deepcopy(model)
probe_sampler = MixtureSampler(data.token_dir / "train", {d: 1.0 for d in data.domains}, BATCH_SIZE, SEQ_LEN, seed=7)
micro_batches = [probe_sampler.next_batch() for _ in range(ACCUMULATE)]
micro_grads = []
for x, y in micro_batches:
    probe.zero_grad(set_to_none=True)
    probe(x, y)[1].backward()
    micro_grads.append([p.grad.clone() for p in probe.parameters()])


def trainers_gradients(copy_of_model, max_norm):
    """The trainer's way: every loss / ACCUMULATE goes backward into the same gradients, then clip_gradients."""
    copy_of_model.zero_grad(set_to_none=True)
    for x, y in micro_batches:
        (copy_of_model(x, y)[1] / ACCUMULATE).backward()
    clip_gradients(copy_of_model.parameters(), max_norm)
    return [p.grad.clone() for p in copy_of_model.parameters()]


def global_norm(grads):
    return float(torch.sqrt(sum((g ** 2).sum() for g in grads)))


step_norm = global_norm(trainers_gradients(probe, 0.0))
print(f"{ACCUMULATE} micro-batches of {BATCH_SIZE}x{SEQ_LEN} tokens: the step's global gradient norm is {step_norm:.3f}")
for max_norm in (GRAD_CLIP, step_norm / 4):  # the run's setting, and one that makes the clip act
    yours = step_gradients(micro_grads, max_norm)
    largest_gap = max(float((a - b).abs().max()) for a, b in zip(yours, trainers_gradients(probe, max_norm)))
    print(f"  max_norm {max_norm:.3f}: your gradients' norm {global_norm(yours):.3f} (scaled by "
          f"{global_norm(yours) / step_norm:.3f}); largest difference from the trainer's {largest_gap:.1e}")
del probe

# %% [markdown]
# ## 3. Train, watching every domain
#
# One figure, redrawn in place: the training loss (left) and held-out bits per byte per domain (right; black is all
# domains together). MFU is measured against this machine's own matmul rate (on a known GPU: its datasheet peak).
# `torch.compile` is off in the quick `ci` profile: a cold compile of the model costs more than the whole run
# (notebook 06 measures what it gains).

# %%
from cs229llm.systems.roofline import measure_matmul_flops
from cs229llm.training.trainer import TrainConfig, peak_flops_for, train
from cs229llm.viz.training_plot import LiveTrainingPlot

STEPS = config.by_profile(ci=48, laptop=600, gpu=3000)
peak = peak_flops_for(DEVICE) or measure_matmul_flops(device=DEVICE)
train_config = TrainConfig(max_steps=STEPS, lr=config.by_profile(ci=3e-3, laptop=2e-3, gpu=6e-4),
                           warmup_steps=max(1, STEPS // 20), schedule="cosine", min_lr_ratio=0.1,
                           eval_every=STEPS // config.by_profile(ci=3, laptop=10), log_every=max(1, STEPS // 24),
                           checkpoint_every=STEPS // 2, run_dir=str(run_dir), precision="auto", grad_clip=GRAD_CLIP,
                           compile=config.by_profile(ci=False, laptop=config.compile_by_default(DEVICE)),
                           peak_flops=peak, seed=0)
live = LiveTrainingPlot()
result = train(model, data.sampler, train_config, callbacks=[live], eval_fn=data.eval_fn)
for note in result.notes:
    print(note)
print(f"{result.step} steps, {result.tokens_per_second:,.0f} tokens/s, compiled={result.compiled}")

# %%
evals = pd.DataFrame(result.events("eval")).drop(columns="kind").set_index("step")
evals.columns = [c.replace("bpb/", "") for c in evals.columns]
evals.round(3)

# %% [markdown]
# **Reading the curves.** Every domain improves, but not equally: the gap between the easiest and hardest domain is
# what a single averaged number hides (Paloma makes this point at scale). Code and shopping pages, with their
# own vocabularies, usually stay hardest for a small general model.

# %%
first, last = evals.iloc[0], evals.iloc[-1]
assert last["all"] < first["all"], "held-out bits per byte should fall during training"
improved = [domain for domain in data.domains if last[domain] < first[domain]]
assert len(improved) == len(data.domains), f"every domain should improve; only {improved} did"

# %% [markdown]
# ## 4. Throughput and MFU
#
# MFU = (FLOPs per token × tokens per second) / peak FLOP/s. Large GPU runs reach 40–50%; a tiny model on a CPU
# spends much of its time outside matmuls (the optimizer, normalisations, Python), so its MFU is low.

# %%
train_events = pd.DataFrame(result.events("train"))
throughput = train_events["tokens_per_s"].median()
mfu = train_events["mfu"].median() if "mfu" in train_events else float("nan")
print(f"median {throughput:,.0f} tokens/s; MFU {100 * mfu:.1f}% of {peak / 1e9:,.0f} GFLOP/s")

# %% [markdown]
# **Exercise 07.2: MFU from a step's time.** Write `model_flops_utilization(flops_per_token, batch_size, seq_len,
# grad_accum_steps, world_size, step_seconds, peak_flops)`: the MFU of a data-parallel run in which each of
# `world_size` devices runs `grad_accum_steps` micro-batches of `batch_size × seq_len` tokens per optimizer step, a
# step takes `step_seconds`, and one device's peak is `peak_flops` FLOP/s:
#
# - tokens per step = grad_accum_steps × batch_size × seq_len × world_size (all devices together);
# - tokens per second = tokens per step / step_seconds;
# - MFU = flops_per_token × tokens per second / (peak_flops × world_size).
#
# Run the cell: the check tries your function on 6 cases, edge cases included (accumulation, several devices).
# Until it passes, the notebook carries on with the package's implementation
# (`cs229llm.training.trainer.model_flops_utilization`).

# %%
from cs229llm.exercises import check


def model_flops_utilization(flops_per_token, batch_size, seq_len, grad_accum_steps, world_size, step_seconds,
                            peak_flops):
    """Share of the devices' peak FLOP/s used by the model's training FLOPs."""
    ### BEGIN SOLUTION
    tokens_per_step = grad_accum_steps * batch_size * seq_len * world_size
    tokens_per_second = tokens_per_step / step_seconds
    return flops_per_token * tokens_per_second / (peak_flops * world_size)
    ### END SOLUTION


check("model_flops_utilization", model_flops_utilization)

# %% [markdown]
# Your MFU for every logged window of the run, from its mean step time (tokens of a step / the window's tokens per
# second), beside the MFU the trainer logged.

# %%
from cs229llm.exercises import use

model_flops_utilization = use("model_flops_utilization", model_flops_utilization)
step_tokens = train_config.grad_accum_steps * BATCH_SIZE * SEQ_LEN
mfu_check = pd.DataFrame({"step": train_events["step"], "step seconds": step_tokens / train_events["tokens_per_s"]})
mfu_check["your MFU %"] = [100 * model_flops_utilization(model.flops_per_token(), BATCH_SIZE, SEQ_LEN,
                                                         train_config.grad_accum_steps, 1, seconds, peak)
                           for seconds in mfu_check["step seconds"]]
if "mfu" in train_events:
    mfu_check["trainer's MFU %"] = 100 * train_events["mfu"]
mfu_check.round(4)

# %% [markdown]
# ## 5. Checkpoints: saved, and resumed exactly
#
# A checkpoint is a folder of plain files: `model.safetensors` (weights), `optimizer.safetensors` (AdamW moments),
# and `state.json` (step, configs, every random generator's state, the sampler's position). Nothing is pickled, so
# loading one cannot run code. We pretend the run crashed after the middle checkpoint: delete the last one, resume
# in a fresh model with different initial weights, and compare with the run that never stopped.
#
# "Exactly" means bit for bit, and it holds for every precision and compile setting the course uses (fp32 or bf16,
# eager or compiled), because the trainer turns on PyTorch's deterministic algorithms for the run
# (`TrainConfig.deterministic`, on by default). Without them a compiled CPU step adds the embedding's gradient
# rows from several threads in whatever order the threads finish; floating-point addition is not associative, so
# two identical runs measured here drift apart by about 1e-7 in the weights. `tests/test_trainer.py` checks the
# four combinations; the state also stores a SHA-256 of each tensor file, so a damaged checkpoint is refused.

# %%
from cs229llm.tokenization.shards import MixtureSampler
from cs229llm.training.checkpoint import latest_checkpoint, list_checkpoints, read_state

checkpoints = list_checkpoints(run_dir / "checkpoints")
latest = latest_checkpoint(run_dir / "checkpoints")
print([path.name for path in checkpoints])
print(sorted(path.name for path in latest.iterdir()))
state = read_state(latest)
print({key: state[key] for key in ("step", "model_config")})

# %%
shutil.rmtree(latest)  # the "crash": the final checkpoint never got written
# a fresh sampler with another seed and a fresh model with other weights: the checkpoint replaces both
fresh_sampler = MixtureSampler(data.token_dir / "train", {d: 1.0 for d in data.domains}, BATCH_SIZE, SEQ_LEN, seed=123)
config.seed_everything(123)
resumed_model = GPT(model_config)
resumed = train(resumed_model, fresh_sampler, train_config)
identical = all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), resumed_model.state_dict().values()))
print(f"resumed from step {resumed.resumed_from}, trained to step {resumed.step}; weights identical: {identical}")

# %%
assert resumed.resumed_from == STEPS // 2
assert identical, "a resumed run must end with exactly the weights of the uninterrupted one"

# %% [markdown]
# From a terminal the same run is `cs229llm train --run-name my-run` (add `--steps`, `--precision bf16`,
# `--compile`, a `--config` file, ...); running it again continues from the run's latest checkpoint.
#
# ## What we measured

# %%
hardest, easiest = last.drop("all").idxmax(), last.drop("all").idxmin()
print(f"- A {model.num_parameters():,}-parameter GPT trained {STEPS} steps of {BATCH_SIZE}×{SEQ_LEN} tokens "
      f"({STEPS * BATCH_SIZE * SEQ_LEN:,} tokens) on {len(data.domains)} domains.")
print(f"- Held-out bits per byte went from {first['all']:.3f} to {last['all']:.3f}; hardest domain {hardest} "
      f"({last[hardest]:.3f}), easiest {easiest} ({last[easiest]:.3f}).")
print(f"- Throughput {throughput:,.0f} tokens/s on {DEVICE}, MFU {100 * mfu:.1f}% of the measured "
      f"{peak / 1e9:,.0f} GFLOP/s.")
print(f"- Resumed from the step-{resumed.resumed_from} checkpoint: weights identical to the uninterrupted run: {identical}.")
print(f"- This notebook ran in {time.perf_counter() - NOTEBOOK_STARTED:.0f} s (profile {profile.name}).")
