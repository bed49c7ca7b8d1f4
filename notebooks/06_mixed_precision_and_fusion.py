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
# # 06 · Mixed precision and operator fusion: measured on this machine
#
# **Learning goals**
# - Read fp32, bf16 and fp16 as *range* and *precision*, measured with `torch.finfo`.
# - See why training computes in 16 bits but keeps **fp32 master weights**: a bf16 weight swallows small updates.
# - Count the memory per parameter of each precision policy (weights, gradients, Adam moments, master copy).
# - Measure operator fusion (`torch.compile`) on memory-bound chains: time, bytes moved, achieved GB/s against
#   this machine's copy bandwidth (the roofline), and on a whole training step.
#
# The lecture says: compute in 16-bit, store weights in 32-bit, and fuse operators to stop shuttling data between
# memory and compute, for about 2× training speed. Here each claim becomes a number from your own machine.

# %%
import time

import matplotlib.pyplot as plt
import pandas as pd
import torch

from cs229llm import config

NOTEBOOK_STARTED = time.perf_counter()
profile = config.get_profile()
threads = config.set_threads()
print(f"profile: {profile.name} ({profile.description})")
print(f"torch {torch.__version__}, {threads} thread(s), device {config.choose_device()}, "
      f"CPU bf16: {config.cpu_bf16_support()}")

# %% [markdown]
# ## 1. Number formats: range and precision
#
# A float is sign × mantissa × 2^exponent. The exponent bits set the **range** (largest and smallest numbers), the
# mantissa bits set the **precision** (the gap between neighbouring numbers, `epsilon` at 1.0).
# bf16 keeps fp32's 8 exponent bits (same range) and only 7 mantissa bits; fp16 has 5 exponent bits and 10 mantissa
# bits: more precise, but its largest number is 65,504 and small gradients underflow (hence loss scaling).

# %%
from cs229llm.training.precision import format_table

formats = format_table()
formats

# %% NBVAL_CHECK_OUTPUT
print(formats[["format", "bits", "mantissa_bits"]].to_string(index=False))

# %% [markdown]
# **Read off the table, checked with torch.** 1 + 2⁻⁸ is exactly representable in fp32 and fp16, but not in bf16,
# whose gap above 1.0 is 2⁻⁷; and fp16 overflows where bf16, with fp32's exponent, does not.

# %%
one_plus = 1.0 + 2.0**-8
assert torch.tensor(one_plus, dtype=torch.bfloat16).item() == 1.0, "bf16 rounds 1 + 2^-8 back to 1"
assert torch.tensor(one_plus, dtype=torch.float16).item() == one_plus
assert torch.tensor(70000.0, dtype=torch.float16).isinf(), "fp16 overflows above 65504"
assert torch.tensor(70000.0, dtype=torch.bfloat16).isfinite()

# %% [markdown]
# **Exercise 06.1: which updates a 16-bit weight swallows.** An optimizer step computes `weight + update`; when the
# weight is *stored* in a 16-bit format, the sum is rounded to that format, and an update smaller than about half the
# gap between neighbouring numbers rounds away: the stored weight does not move. Write
# `swallowed_fraction(weights, update, dtype)`, for two float tensors of the same shape and a torch dtype:
#
# 1. `stored` = the weights rounded to `dtype` (`weights.to(dtype)`: the weight as the format holds it);
# 2. `after` = `stored` and `update`, both in fp32, added, and the sum rounded to `dtype` again;
# 3. an update is lost where `after == stored`; return, as a Python float, the fraction of the **nonzero** updates
#    that are lost (0.0 when every update is zero: nothing was there to lose).
#
# Run the cell: the check tries your function on 11 cases, edge cases included (an update of exactly half the gap,
# zero updates, a weight the format cannot hold exactly). Until it passes, the notebook carries on with the package's
# implementation.

# %%
import torch

from cs229llm.exercises import check


def swallowed_fraction(weights, update, dtype):
    """Fraction of the nonzero updates lost when ``weights + update`` is stored in ``dtype``."""
    raise NotImplementedError("your turn: write this part")


check("swallowed_fraction", swallowed_fraction)

# %% [markdown]
# Your function on a real model: the weights of the tiny GPT that section 2 trains (same size, same seed), freshly
# initialised, each moved by the learning rate section 2 uses. That is about what AdamW's first step does: it moves
# every weight by close to ± the learning rate. How many of those updates would weights stored in each format keep,
# and which weights lose them?

# %%
from cs229llm.exercises import use
from cs229llm.model import GPT, GPTConfig
from cs229llm.training.precision import DTYPES

swallowed_fraction = use("swallowed_fraction", swallowed_fraction)
FIRST_UPDATE = 1e-3  # the learning rate section 2 trains with (MASTER_LR)
torch.manual_seed(0)
tiny_gpt = GPT(GPTConfig(vocab_size=256, block_size=32, n_layer=1, n_head=2, n_embd=32))
fresh_weights = torch.cat([p.detach().flatten() for p in tiny_gpt.parameters()])
first_update = torch.full_like(fresh_weights, FIRST_UPDATE)
lost_per_format = {name: swallowed_fraction(fresh_weights, first_update, dtype) for name, dtype in DTYPES.items()}
print(f"{fresh_weights.numel():,} weights, each moved by {FIRST_UPDATE:g}; share of the updates lost: "
      + ", ".join(f"{name} {100 * lost:.1f}%" for name, lost in lost_per_format.items()))
large = fresh_weights.abs() >= 0.5  # at initialisation: the normalisation gains, which start at 1
print(f"among the {int(large.sum()):,} weights of size >= 0.5, bf16 loses "
      f"{100 * swallowed_fraction(fresh_weights[large], first_update[large], torch.bfloat16):.0f}% of the updates")

# %% [markdown]
# **Explore: does an update survive?** Pick a weight and an update; the readout says in which formats
# `weight + update` differs from `weight` (with your `swallowed_fraction` once it passes).

# %%
import ipywidgets as widgets
from IPython.display import display

from cs229llm.viz.panel import safe_callback

weight_slider = widgets.FloatLogSlider(value=1.0, base=10, min=-3, max=2, step=0.25, description="weight",
                                       continuous_update=False)
weight_slider.add_class("cs229llm-slider-weight")
update_slider = widgets.FloatLogSlider(value=1e-3, base=10, min=-7, max=-1, step=0.25, description="update",
                                       continuous_update=False)
update_slider.add_class("cs229llm-slider-update")
rounding_readout = widgets.HTML()
rounding_readout.add_class("cs229llm-readout")
rounding_output = widgets.Output()


@safe_callback(rounding_output)
def show_rounding(change=None):
    weight = torch.tensor([weight_slider.value])
    update = torch.tensor([update_slider.value])
    kept = {name: swallowed_fraction(weight, update, dtype) == 0.0 for name, dtype in DTYPES.items()}
    rounding_readout.value = " ".join(f"{name}={'kept' if ok else 'lost'}" for name, ok in kept.items())
    gaps = {name: float(torch.finfo(dtype).eps) * weight_slider.value for name, dtype in DTYPES.items()}
    print("gap between neighbours near the weight: " + ", ".join(f"{n} {g:.1e}" for n, g in gaps.items()))


weight_slider.observe(show_rounding, names="value")
update_slider.observe(show_rounding, names="value")
rounding_panel = widgets.VBox([weight_slider, update_slider, rounding_readout, rounding_output])
rounding_panel.add_class("cs229llm-panel-rounding")
display(rounding_panel)
show_rounding()

# %% [markdown]
# ## 2. Why fp32 master weights: the same tiny GPT trained twice
#
# Both runs see the same batches from the same initial weights, and both compute the forward and backward pass in
# bf16 (autocast). The only difference is where AdamW adds its update: into **weights stored in bf16**, or into an
# **fp32 master copy**. The right panel counts, at every step, the fraction of weights the step left exactly unchanged.

# %%
from cs229llm.experiments.precision import master_weights_experiment
from cs229llm.viz.live import LiveFigure

MASTER_STEPS = config.by_profile(ci=40, laptop=150)
MASTER_LR = 1e-3


def draw_master(fig, axes, history):
    loss_axis, swallowed_axis = axes
    for key, label in (("bf16_weights", "weights in bf16"), ("fp32_master", "fp32 master + bf16 compute")):
        loss_axis.plot(history[f"loss_{key}"], label=label)
        swallowed_axis.plot([100 * v for v in history[f"swallowed_{key}"]], label=label)
    loss_axis.set_xlabel("step"); loss_axis.set_ylabel("train loss"); loss_axis.legend(fontsize=7)
    swallowed_axis.set_xlabel("step"); swallowed_axis.set_ylabel("% of weights unchanged by the step")


master_live = LiveFigure(draw_master, nrows=1, ncols=2, figsize=(7, 2.8))
updates_seen = []


def on_master_step(history):
    updates_seen.append(1)
    if len(updates_seen) % 10 == 0:  # redraw every 10 steps: one figure, updated in place
        master_live.update(history)


master = master_weights_experiment(steps=MASTER_STEPS, lr=MASTER_LR, on_step=on_master_step)
master_live.update(master)
bf16_final, master_final = master["loss_bf16_weights"][-1], master["loss_fp32_master"][-1]
swallowed_bf16 = sum(master["swallowed_bf16_weights"]) / MASTER_STEPS
print(f"after {MASTER_STEPS} steps at lr {MASTER_LR}: loss {bf16_final:.3f} with bf16 weights, "
      f"{master_final:.3f} with fp32 master weights; bf16 storage left {100 * swallowed_bf16:.1f}% "
      "of weights unchanged per step on average")

# %% [markdown]
# Weights of size about 1 (the LayerNorm gains) change by less than half their bf16 gap (2⁻⁸ ≈ 0.004) at this
# learning rate, so every update to them is lost; small matrix entries keep theirs. And as a learning-rate schedule
# decays towards zero (annealing, notebook 08), more and more updates fall under the gap: with bf16 storage the model
# would simply stop learning at the end. The fp32 master copy accumulates them.

# %%
assert max(master["swallowed_fp32_master"]) < 0.01, "an fp32 master copy keeps (almost) every update"
assert swallowed_bf16 > 0.02, "bf16 storage should lose a visible share of the updates"

# %% [markdown]
# ## 3. Memory per parameter
#
# Training memory that scales with the parameter count (activations come on top and scale with batch × sequence).
# Mixed precision with a master copy does **not** save parameter memory compared with fp32: its gains are speed and
# activation memory. Only dropping the master copy (pure bf16) halves it, at the cost shown above.

# %% [markdown]
# **Exercise 06.2: bytes per parameter.** Write `bytes_per_parameter(weights, gradients, moments, master)`: the
# bytes one parameter costs in training when the weights, the gradients and AdamW's moments are kept in the formats
# named (`"fp32"`, `"bf16"` or `"fp16"`), and `master` names the format of a master copy of the weights (or is
# `None`: no master copy). A format's bytes are its bits / 8; AdamW keeps **two** moments per parameter (the running
# mean m and the running mean square v). Return a dict
# `{"weights": ..., "gradients": ..., "adam_moments": ..., "master_copy": ..., "total": ...}` of whole bytes, where
# `total` is the sum of the other four. Run the cell: the check tries your function on 7 cases, edge cases included.
# Until it passes, the notebook carries on with the package's implementation.

# %%
from cs229llm.exercises import check


def bytes_per_parameter(weights, gradients, moments, master):
    """Training bytes per parameter: weights, gradients, Adam's two moments, a master copy, and their total."""
    raise NotImplementedError("your turn: write this part")


check("bytes_per_parameter", bytes_per_parameter)

# %% [markdown]
# Your function on the course's precision policies (their formats are `MEMORY_POLICIES`), scaled to a 124M-parameter
# model (GPT-2 small) and an 8B one.

# %%
from cs229llm.exercises import use
from cs229llm.training.precision import MEMORY_POLICIES, memory_per_parameter

bytes_per_parameter = use("bytes_per_parameter", bytes_per_parameter)
memory = pd.DataFrame([{"policy": policy, **bytes_per_parameter(*formats)}
                       for policy, formats in MEMORY_POLICIES.items()])
for billions in (0.124, 8):
    memory[f"GB for {billions}B params"] = memory["total"] * billions
same_as_package = memory["total"].tolist() == memory_per_parameter()["total"].tolist()
print(f"totals the same as the package's table: {same_as_package}")
memory

# %%
by_policy = memory.set_index("policy")["total"]
print(f"fp32: {by_policy['fp32']} bytes; bf16 weights + fp32 master: {by_policy['bf16 weights + fp32 master']}; "
      f"pure bf16: {by_policy['pure bf16 (no master copy)']}")

# %% [markdown]
# ## 4. Operator fusion: eager vs `torch.compile`
#
# In eager mode every PyTorch operation is a separate kernel: it reads its inputs from memory and writes its output
# back. A chain of eight elementwise operations moves the data eight times; fused into one kernel it reads the input
# once and writes the output once. For such **memory-bound** operations time ≈ bytes moved / bandwidth, so we report
# the *minimum* bytes (inputs once + output once) divided by the time: the achieved GB/s. The ceiling is this
# machine's measured copy bandwidth (`out.copy_(x)`: read + write). Each operation is timed round-robin with a copy
# that moves the same number of bytes (eager, compiled, copy, eager, compiled, copy, ...; best of each), so a burst
# of load from another program slows all three alike and the "% of copy" column compares like with like.
#
# A first `torch.compile` of each shape costs seconds (15–30 s cold on 2 cores; kernels are then cached on disk).
# So the quick `ci` profile compiles only the elementwise chain and softmax; the `laptop` profile compiles all four.

# %%
from cs229llm.config import compile_status
from cs229llm.systems.fusion import draw_fusion, profile_cases, run_fusion_benchmarks

compile_ok, compile_message = compile_status()
print(compile_message)
COMPILED_CASES = config.by_profile(ci={"elementwise_chain", "softmax"},
                                   laptop={"elementwise_chain", "layernorm_gelu", "softmax", "attention"})
fusion_live = LiveFigure(draw_fusion, nrows=1, ncols=2, figsize=(7, 3))
fusion = run_fusion_benchmarks(profile_cases(), use_compile=COMPILED_CASES if compile_ok else False,
                               repeats=config.by_profile(ci=5, laptop=10), on_result=fusion_live.update)
fusion_table = pd.DataFrame(fusion["results"])[["name", "bytes", "eager_s", "compiled_s", "speedup", "eager_GBps",
                                                "compiled_GBps", "copy_GBps", "compiled_frac_copy", "note"]]
copy_gbps = fusion["machine"]["copy_GBps"]
print(f"copy bandwidth: {copy_gbps:.1f} GB/s")
fusion_table

# %% NBVAL_CHECK_OUTPUT
print("benchmarked:", [r["name"] for r in fusion["results"]])

# %% [markdown]
# **Reading the chart.** The elementwise chain gains most: eager mode moves its vector through memory once per
# operation. Softmax is already a single fused kernel in eager PyTorch, so compiling it has nothing to fuse (on a CPU
# the generated kernel can even be slower than the hand-written one). LayerNorm + GELU is two kernels in eager mode.
# The attention block writes out the T × T score matrix several times in eager mode; PyTorch's
# `scaled_dot_product_attention` (used by our GPT) is the hand-fused version.
#
# **Which bandwidth?** The arrays of the `ci` profile (4 MB) fit in the CPU's cache. The copy measured alone at the
# start repeats on the same 4 MB, which stays in cache, so it reports *cache* bandwidth (the dashed line). The copy
# timed round-robin beside each operation finds its data partly evicted by that operation, so it is slower and
# closer to what memory delivers: that one is the `copy_GBps` column and the denominator of "% of copy". The
# `laptop` profile's arrays (16 MB) and `cs229llm bench fusion` (figures in `benchmarks/RESULTS.md`) come closer to
# main memory, the ceiling that matters for large models. On arrays much larger than the cache, freshly allocated
# outputs also pay for page faults.

# %%
chain = next(r for r in fusion["results"] if r["name"] == "elementwise_chain")
assert chain["bytes"] == 2 * 4 * chain["flops"] / 11, "minimum traffic: the fp32 vector read once, written once"
if chain["speedup"] is not None:
    assert chain["speedup"] > 1.2, "one fused kernel should beat eight eager passes over memory"

# %% [markdown]
# ### The roofline
#
# Attainable FLOP/s = min(peak FLOP/s, arithmetic intensity × bandwidth), both ceilings measured here (a large matmul
# and the copy). Operations left of the ridge point are memory-bound: fusion moves them *up* by cutting the bytes
# actually moved, while the minimum bytes (and so their x position) stay the same.

# %% [markdown]
# **Exercise 06.3: where an operation sits on the roofline.** Write `roofline_point(flops, bytes_moved, peak_flops,
# bandwidth)`, for an operation doing `flops` floating-point operations while moving `bytes_moved` bytes, on a machine
# with `peak_flops` FLOP/s and `bandwidth` bytes/s. Return the tuple `(intensity, attainable, memory_bound)`:
#
# - arithmetic intensity = flops / bytes_moved (FLOP per byte);
# - attainable FLOP/s = min(peak_flops, intensity × bandwidth);
# - `memory_bound` is `True` when the intensity is below the ridge point peak_flops / bandwidth (exactly at the ridge
#   it is not).
#
# Run the cell: the check tries your function on 7 cases, edge cases included (exactly at the ridge, no FLOPs at
# all). Until it passes, the notebook carries on with the package's implementation
# (`cs229llm.systems.roofline.attainable_flops` and `ridge_point`).

# %%
from cs229llm.exercises import check


def roofline_point(flops, bytes_moved, peak_flops, bandwidth):
    """(FLOPs per byte, the roof's FLOP/s at that intensity, whether the operation is memory-bound)."""
    raise NotImplementedError("your turn: write this part")


check("roofline_point", roofline_point)

# %% [markdown]
# Your roofline for the operations measured above, on this machine's measured ceilings: how far below its roof each
# one ran in eager mode, and compiled.

# %%
from cs229llm.exercises import use

roofline_point = use("roofline_point", roofline_point)
peak = fusion["machine"]["matmul_flops"]
placed = []
for result in fusion["results"]:
    intensity, roof, memory_bound = roofline_point(result["flops"], result["bytes"], peak, copy_gbps * 1e9)
    placed.append({"name": result["name"], "FLOP/byte": intensity, "roof GFLOP/s": roof / 1e9,
                   "memory-bound": memory_bound,
                   "eager % of roof": 100 * result["flops"] / result["eager_s"] / roof,
                   "compiled % of roof": (100 * result["flops"] / result["compiled_s"] / roof
                                          if result["compiled_s"] else None)})
pd.DataFrame(placed).round(2)

# %%
from cs229llm.systems.roofline import draw_roofline, ridge_point

points = []
for index, result in enumerate(fusion["results"]):
    color = f"C{index}"
    points.append({"name": result["name"], "intensity": result["intensity"], "color": color, "marker": "o",
                   "flops_per_s": result["flops"] / result["eager_s"], "label": f"{result['name']} eager",
                   "annotate": True})
    if result["compiled_s"]:
        points.append({"name": result["name"], "intensity": result["intensity"], "color": color, "marker": "*",
                       "flops_per_s": result["flops"] / result["compiled_s"], "label": "compiled (star)" if index == 0 else None})
fig, ax = plt.subplots(figsize=(7, 3.2))
draw_roofline(ax, peak, copy_gbps, points)
ax.set_title(f"roofline: {peak / 1e9:.0f} GFLOP/s matmul, {copy_gbps:.1f} GB/s copy "
             f"(ridge {ridge_point(peak, copy_gbps * 1e9):.0f} FLOP/byte)", fontsize=9)
ax.legend(fontsize=6, loc="lower right")
plt.show()

# %% [markdown]
# ## 5. A whole training step
#
# The same tiny GPT, one AdamW step at a time: eager fp32, eager bf16 autocast, and (laptop profile) compiled bf16.
# On a CPU **without** native bf16 instructions (no AVX512-BF16 or AMX; `config.cpu_bf16_support()` above), bf16 is
# emulated: it halves memory traffic but the arithmetic is converted back to fp32, so it may be *slower* than fp32.
# On a GPU with tensor cores, bf16 matmuls run many times faster, and `cs229llm bench train` reports the gain.
# Compiling the whole model costs the longest cold compile, so the `ci` profile skips it.

# %%
from cs229llm.experiments.step_bench import training_step_benchmark
from cs229llm.model import GPTConfig

step_config = GPTConfig(vocab_size=512, block_size=config.by_profile(ci=64, laptop=128), n_layer=2, n_head=2,
                        n_embd=config.by_profile(ci=64, laptop=128))
variants = [("eager", "fp32"), ("eager", "bf16")] + config.by_profile(ci=[], laptop=[("compiled", "bf16")])
step_rates = {}


def draw_steps(fig, ax, rates):
    ax.barh(list(rates), list(rates.values()), color="tab:blue")
    ax.set_xlabel("training tokens / s")


step_live = LiveFigure(draw_steps, figsize=(7, 2))


def on_variant(key, tokens_per_second):
    step_rates[key.replace("_tok_s", "").replace("_", " ")] = tokens_per_second
    step_live.update(step_rates)


step_results = training_step_benchmark(step_config, batch_size=8, steps=config.by_profile(ci=3, laptop=10),
                                       variants=variants, on_result=on_variant)
for note in step_results["notes"]:
    print(note)
print({key: f"{value:,.0f} tok/s" for key, value in step_rates.items()})

# %% [markdown]
# ### Where does the step's time go?
#
# Fusion removes the memory traffic *between* kernels; it does not make a matrix multiply faster. So the most
# `torch.compile` alone can gain is bounded by the share of time spent outside the matmuls (Amdahl's law): if matmuls
# take a share *s* of the step, the step can get at most 1 / *s* times faster however well the rest is fused. The
# profiler tells us *s* for this model on this machine. Small models with short sequences spend relatively more time
# outside the matmuls; large models are dominated by them, which is why the lecture's 2× needs *both* fusion and
# faster 16-bit matmuls (tensor cores on a GPU, AMX on recent server CPUs).

# %%
from cs229llm.experiments.step_bench import matmul_time_share

share = matmul_time_share(step_config, batch_size=8)
fig, ax = plt.subplots(figsize=(7, 1.6))
ax.barh(["eager fp32 step"], [share["matmul_s"] * 1e3], color="tab:orange", label="matmuls")
ax.barh(["eager fp32 step"], [(share["step_s"] - share["matmul_s"]) * 1e3], left=[share["matmul_s"] * 1e3],
        color="tab:gray", label="everything else (what fusion can shrink)")
ax.set_xlabel("milliseconds per step (profiled)")
ax.legend(fontsize=7, loc="lower right")
plt.show()
print(f"matmuls take {100 * share['matmul_share']:.0f}% of the step: compile alone can give at most "
      f"{share['compile_only_bound']:.2f}x here")

# %% [markdown]
# **The bound in tokens per second.** If compile made everything except the matmuls free, a step would take only its
# matmul time. A step processes `8 × block_size` tokens, so the ceiling is those tokens divided by the matmul seconds
# per step, and its ratio to the profiled rate is the bound above.

# %%
tokens_per_step = 8 * step_config.block_size
ceiling_tok_s = tokens_per_step / share["matmul_s"]  # only the matmul time is left
profiled_tok_s = tokens_per_step / share["step_s"]
print(f"{tokens_per_step} tokens per step: profiled {profiled_tok_s:,.0f} tok/s, ceiling {ceiling_tok_s:,.0f} tok/s "
      f"({ceiling_tok_s / profiled_tok_s:.2f}x)")
assert abs(ceiling_tok_s / profiled_tok_s - share["compile_only_bound"]) < 1e-6
assert share["compile_only_bound"] >= 1.0, "a bound below 1 would mean the matmuls took more than the whole step"

# %% [markdown]
# ## What we measured

# %%
chain_text = (f"{chain['speedup']:.1f}× faster fused, reaching {100 * chain['compiled_frac_copy']:.0f}% of the copy "
              "bandwidth" if chain["speedup"] else "not compiled here")
print(f"- bf16 has {int(formats.set_index('format').loc['bf16', 'mantissa_bits'])} mantissa bits: "
      f"an update below ~{2.0**-8:.4f} × |weight| is lost.")
print(f"- Weights stored in bf16 left {100 * swallowed_bf16:.1f}% of weights unchanged per step; after "
      f"{MASTER_STEPS} steps the loss was {bf16_final:.3f} vs {master_final:.3f} with fp32 master weights.")
print(f"- Copy bandwidth {copy_gbps:.1f} GB/s ({chain['copy_GBps']:.1f} GB/s for the copy timed beside the chain); "
      f"elementwise chain: {chain_text}.")
for result in fusion["results"]:
    if result["speedup"]:
        print(f"  {result['name']}: {result['speedup']:.2f}× ({result['compiled_GBps']:.1f} GB/s compiled, "
              f"{result['eager_GBps']:.1f} GB/s eager)")
print("- Training step: " + ", ".join(f"{k} {v:,.0f} tok/s" for k, v in step_rates.items()))
print(f"- Matmuls took {100 * share['matmul_share']:.0f}% of an eager fp32 step: compile alone can give at most "
      f"{share['compile_only_bound']:.2f}x.")
print(f"- This notebook ran in {time.perf_counter() - NOTEBOOK_STARTED:.0f} s (profile {profile.name}).")
