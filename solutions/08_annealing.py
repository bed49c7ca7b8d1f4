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
# # 08 · Annealing on high-quality data
#
# **Learning goals**
# - Read a *warmup-stable-decay* (WSD) schedule, and see why it lets one run branch into several endings.
# - Run the lecture's claim as an experiment: at **equal compute**, compare (a) decaying the learning rate to zero
#   on the **high-quality** set, (b) decaying on the **web mixture**, (c) **not decaying** at all.
# - Measure bits per byte **per domain** before and after, and notice what annealing on one kind of text costs the others.
#
# The lecture: "the final phase of training intentionally overfits on the highest-quality data".
# Llama 3 did it by decaying the learning rate linearly to zero over its last 40M tokens while upsampling
# high-quality sources; MiniCPM found that a decay phase of about 10% of training is enough (docs/references.md#wsd-schedule).

# %%
import matplotlib.pyplot as plt
import pandas as pd

from cs229llm.config import by_profile, get_profile, set_threads
from cs229llm.paths import cache_dir

profile = get_profile()
threads = set_threads()
print(f"profile: {profile.name} ({profile.description}); torch threads: {threads}")

# %% [markdown]
# ## Three endings of one run
#
# A WSD schedule warms up, holds the peak learning rate (the *stable* phase), then decays over the final fraction.
# Because the stable phase does not know when training ends, we train it **once**, save a checkpoint, and finish
# it three ways. Every arm runs the same number of steps on the same batch size: equal compute.

# %%
from cs229llm.experiments.anneal import ARMS, arm_schedules, branch_step
from cs229llm.training.trainer import TrainConfig

STEPS = by_profile(ci=150, laptop=1200, gpu=3000)
DECAY_FRACTION = 0.2
config = TrainConfig(max_steps=STEPS, lr=by_profile(ci=3e-3, laptop=2e-3), warmup_steps=by_profile(ci=10, laptop=50),
                     eval_every=by_profile(ci=30, laptop=100), log_every=10, device="cpu" if profile.name != "gpu" else "auto")
curves = arm_schedules(config, DECAY_FRACTION)
fig, ax = plt.subplots(figsize=(7, 3))
for arm in ARMS:
    ax.plot(curves[arm.name], label=f"{arm.name}: {arm.label}")
ax.axvline(branch_step(STEPS, DECAY_FRACTION), color="grey", linestyle=":")
ax.set_xlabel("step"); ax.set_ylabel("learning rate"); ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Exercise 08.1: the warmup-stable-decay learning rate.** Write `wsd_learning_rate(step, total_steps, peak_lr,
# warmup_steps, decay_fraction, min_lr_ratio)`: the rate at optimizer step `step` (counted from 0) of a WSD run.
#
# - **Warmup**: for `step < warmup_steps` the rate is `peak_lr × (step + 1) / warmup_steps` (step 0 already
#   trains, at `peak_lr / warmup_steps`; the last warmup step reaches the peak).
# - Steps past the end keep the final rate: from here on use `step = min(step, total_steps − 1)`.
# - **Stable**: the decay phase is the last `decay_steps = max(1, round(decay_fraction × total_steps))` steps; it
#   starts at `decay_start = max(warmup_steps, total_steps − decay_steps)`. Before `decay_start` the rate is `peak_lr`.
# - **Decay**: from `decay_start` the rate falls in a straight line from `peak_lr` (at `decay_start`) to
#   `floor = min_lr_ratio × peak_lr` (at the final step `total_steps − 1`):
#   `peak_lr + (floor − peak_lr) × (step − decay_start) / max(1, total_steps − 1 − decay_start)`.
#
# Run the cell: the check tries your function on 14 cases, edge cases included (the first warmup step, the step
# where decay starts, the last step, a step past the end, a run without warmup). Until it passes, the notebook
# carries on with the package's implementation.

# %%
from cs229llm.exercises import check


def wsd_learning_rate(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio):
    """The warmup-stable-decay learning rate at 0-based optimizer step ``step``."""
    ### BEGIN SOLUTION
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    step = min(step, total_steps - 1)
    decay_steps = max(1, round(decay_fraction * total_steps))
    decay_start = max(warmup_steps, total_steps - decay_steps)
    if step < decay_start:
        return peak_lr
    floor = min_lr_ratio * peak_lr
    return peak_lr + (floor - peak_lr) * (step - decay_start) / max(1, total_steps - 1 - decay_start)
    ### END SOLUTION


check("wsd_learning_rate", wsd_learning_rate)

# %% [markdown]
# Your schedule, step by step over this run, drawn over the one the decaying arms train with (the package's
# `Schedule`). The two curves should lie on top of each other; the readout gives the largest gap between them.

# %%
from cs229llm.exercises import use

wsd_learning_rate = use("wsd_learning_rate", wsd_learning_rate)
warmup = min(config.warmup_steps, STEPS)
yours = [wsd_learning_rate(step, STEPS, config.lr, warmup, DECAY_FRACTION, 0.0) for step in range(STEPS)]
largest_gap = max(abs(a - b) for a, b in zip(yours, curves["decay_web"]))
fig, ax = plt.subplots(figsize=(7, 2.6))
ax.plot(curves["decay_web"], linewidth=4, alpha=0.4, label="the run's schedule (decay arms)")
ax.plot(yours, linestyle="--", color="black", label="wsd_learning_rate")
ax.set_xlabel("step"); ax.set_ylabel("learning rate"); ax.legend(fontsize=8)
plt.show()
print(f"{STEPS} steps, warmup {warmup}, decay over the last {STEPS - branch_step(STEPS, DECAY_FRACTION)}: "
      f"largest gap between the two schedules {largest_gap:.1e}")

# %% [markdown]
# **Explore the schedule.** The slider sets the fraction of training spent decaying; the readout says where the arms
# branch and how many steps the decay phase gets. (Only the plot changes: nothing is retrained.)

# %%
import ipywidgets as widgets
from IPython.display import display

from cs229llm.viz.panel import safe_callback

decay_slider = widgets.FloatSlider(value=0.2, min=0.025, max=0.6, step=0.025, description="decay fraction",
                                   continuous_update=False, style={"description_width": "initial"})
decay_slider.add_class("cs229llm-slider-decay-fraction")
schedule_readout = widgets.HTML()
schedule_readout.add_class("cs229llm-readout")
schedule_output = widgets.Output()


@safe_callback(schedule_output)
def show_schedule(change=None):
    fraction = decay_slider.value
    start = branch_step(STEPS, fraction)
    arm_curves = arm_schedules(config, fraction)
    schedule_readout.value = f"branch_step={start} decay_steps={STEPS - start} total_steps={STEPS}"
    fig, ax = plt.subplots(figsize=(7, 2.6))
    for arm in ARMS:
        ax.plot(arm_curves[arm.name], label=arm.name)
    ax.axvline(start, color="grey", linestyle=":")
    ax.set_xlabel("step"); ax.set_ylabel("learning rate"); ax.legend(fontsize=8)
    plt.show()


decay_slider.observe(show_schedule, names="value")
schedule_panel = widgets.VBox([decay_slider, schedule_readout, schedule_output])
schedule_panel.add_class("cs229llm-panel-schedule")
display(schedule_panel)
show_schedule()

# %% [markdown]
# ## Data: the web domains and a high-quality set
#
# The web mixture is the course corpus (eight domains, each weighted by its size). The high-quality set is the
# reference of well-edited encyclopedic articles (the quality classifier's positives in notebook 02). We split it:
# most of it becomes one more shard, `hq`, that only the annealing arm reads; the rest is held out, so "after
# annealing" is measured on high-quality text the model never saw.

# %%
from cs229llm.experiments.anneal import prepare_anneal_data
from cs229llm.tokenization.shards import MixtureSampler, read_manifest

work = cache_dir() / f"notebook08-{profile.name}"
data = prepare_anneal_data(work, vocab_size=by_profile(ci=512, laptop=2048),
                           max_eval_bytes_per_domain=by_profile(ci=8000, laptop=40000))
manifest = read_manifest(data.shards_dir)
shards = pd.DataFrame([{"domain": d, "documents": v["documents"], "tokens": v["tokens"],
                        "web weight": data.web_weights.get(d, 0.0)} for d, v in manifest["domains"].items()])
shards

# %% NBVAL_CHECK_OUTPUT
print("shards:", sorted(manifest["domains"]))
print("hq in the web mixture:", "hq" in data.web_weights)

# %% [markdown]
# **Exercise 08.2: the annealing mixture.** When the annealing arm reaches the branch step it switches its sampling
# mixture: the high-quality domain gets a share `hq_share` of the batches, and the web domains share the rest in
# the proportions they had before. Write `annealing_mixture(web_weights, hq_share, hq_domain)` returning a dict
# domain → sampling probability:
#
# - `mixture[hq_domain] = hq_share`;
# - for every other domain `d` of `web_weights` (the HQ domain left out, if it is there):
#   `mixture[d] = (1 − hq_share) × web_weights[d] / Σ web_weights` (the sum over those domains: the weights may
#   be token counts that do not add up to 1). A web domain keeps its key even when its share is 0.
#
# `hq_share = 1` is "overfit on the best data"; Llama 3 instead upsampled its high-quality sources and kept the
# web in view (an `hq_share` below 1). Run the cell: the check tries your function on 7 cases, edge cases included.
# Until it passes, the notebook carries on with the package's implementation.

# %%
from cs229llm.exercises import check


def annealing_mixture(web_weights, hq_share, hq_domain):
    """Sampling probabilities for the annealing phase: ``hq_share`` on ``hq_domain``, the rest as the web mixture."""
    ### BEGIN SOLUTION
    web = {domain: weight for domain, weight in web_weights.items() if domain != hq_domain}
    total = sum(web.values())
    mixture = {domain: (1 - hq_share) * weight / total for domain, weight in web.items()}
    mixture[hq_domain] = hq_share
    return mixture
    ### END SOLUTION


check("annealing_mixture", annealing_mixture)

# %% [markdown]
# Your function on this notebook's mixture: the web weights of the stable phase, and the annealing mixtures for the
# run below (`hq_share=1`) and for an upsampled ending that keeps half of every batch on the web.

# %%
from cs229llm.exercises import use

annealing_mixture = use("annealing_mixture", annealing_mixture)
mixtures = pd.DataFrame({"stable phase (web)": pd.Series(data.web_weights),
                         "annealing, hq_share=1": pd.Series(annealing_mixture(data.web_weights, 1.0, "hq")),
                         "annealing, hq_share=0.5": pd.Series(annealing_mixture(data.web_weights, 0.5, "hq"))})
mixtures.fillna(0.0).style.format("{:.3f}")

# %% [markdown]
# ## Train the stable phase once, then the three arms
#
# The same small GPT for every arm. The stable phase ends at the branch step; each arm resumes from that checkpoint
# (weights, optimizer moments, sampler position) and runs to the same final step.

# %%
from cs229llm.config import seed_everything
from cs229llm.evaluation.perplexity import make_eval_fn
from cs229llm.experiments.anneal import comparison_table, run_annealing_arms
from cs229llm.model import GPT, GPTConfig

model_config = GPTConfig(vocab_size=data.tokenizer.vocab_size, block_size=by_profile(ci=64, laptop=128),
                         n_layer=by_profile(ci=2, laptop=4), n_head=by_profile(ci=2, laptop=4),
                         n_embd=by_profile(ci=48, laptop=128))
BATCH = by_profile(ci=16, laptop=32)


def new_model():
    seed_everything(0)
    return GPT(model_config)


def new_sampler(weights):
    return MixtureSampler(data.shards_dir, weights, batch_size=BATCH, seq_len=model_config.block_size, seed=0)


print(f"model: {new_model().num_parameters():,} parameters; {STEPS} steps of {BATCH}x{model_config.block_size} tokens")
result = run_annealing_arms(new_model, new_sampler, config, data.web_weights, work / "runs",
                            make_eval_fn(data.tokenizer, data.eval_texts), decay_fraction=DECAY_FRACTION, hq_share=1.0)
table = comparison_table(result)
table.style.format("{:.3f}")

# %% [markdown]
# ## Before and after, per domain
#
# `before` is the stable checkpoint at the branch step; each other column is one arm at the end.
# Lower is better. Look at the `hq` row first, then at the web domains.

# %%
bpb = table.loc[[m for m in table.index if m.startswith("bpb/")]]
fig, ax = plt.subplots(figsize=(7, 3))
width = 0.2
for k, column in enumerate(bpb.columns):
    ax.bar([x + (k - 1.5) * width for x in range(len(bpb))], bpb[column], width=width, label=column)
ax.set_xticks(range(len(bpb)), [m[4:] for m in bpb.index], rotation=30, fontsize=8)
ax.set_ylim(bpb.min().min() - 0.3, bpb.max().max() + 0.1)
ax.set_ylabel("held-out bits per byte"); ax.legend(fontsize=7, ncol=4)
plt.show()

# %% [markdown]
# Evaluation over training (from each arm's `metrics.jsonl`): the dotted line is where the annealing arm switched
# its mixture to the high-quality set.

# %%
from cs229llm.evaluation.curves import plot_eval_curves

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
arm_runs = {arm.name: result.results[arm.name].run_dir for arm in ARMS}
plot_eval_curves(arm_runs, "bpb/hq", ax=left)
plot_eval_curves(arm_runs, "bpb/all", ax=right)
left.set_title("high-quality held-out", fontsize=9); right.set_title("all web domains", fontsize=9)
plt.show()

# %% [markdown]
# ## Was the comparison fair? (a check of the run, not of your code)
#
# Equal compute means every arm took the same number of optimizer steps, each of the same batch size, all resumed
# from the same stable checkpoint; the annealing arms end at a learning rate of zero and the no-decay arm at the
# peak. The assertions below check the package's run for exactly that, and that annealing on HQ text did lower
# bits per byte on held-out HQ text.

# %%
steps_per_arm = {arm.name: result.results[arm.name].step for arm in ARMS}
assert len(set(steps_per_arm.values())) == 1 and steps_per_arm["anneal_hq"] == STEPS, steps_per_arm
assert all(result.results[arm.name].resumed_from == result.branch_step for arm in ARMS)
assert result.schedules["anneal_hq"][-1] == 0.0 and result.schedules["no_decay"][-1] == config.lr
hq_gain = result.before["bpb/hq"] - result.after["anneal_hq"]["bpb/hq"]
assert hq_gain > 0, "annealing on the HQ set should lower bits per byte on held-out HQ text"

# %% [markdown]
# ## What we measured

# %%
web_domains = [m for m in bpb.index if m not in ("bpb/hq", "bpb/all")]
worse_than_web_decay = [m[4:] for m in web_domains if bpb.loc[m, "anneal_hq"] > bpb.loc[m, "decay_web"]]
decay_gain = result.after["no_decay"]["bpb/all"] - result.after["decay_web"]["bpb/all"]
print(f"- Held-out HQ text: {result.before['bpb/hq']:.3f} bits/byte at the branch; "
      f"{result.after['anneal_hq']['bpb/hq']:.3f} after annealing on HQ, "
      f"{result.after['decay_web']['bpb/hq']:.3f} after decaying on web data, "
      f"{result.after['no_decay']['bpb/hq']:.3f} without decay.")
print(f"- All web domains: anneal-on-HQ {result.after['anneal_hq']['bpb/all']:.3f}, decay-on-web "
      f"{result.after['decay_web']['bpb/all']:.3f}, no decay {result.after['no_decay']['bpb/all']:.3f}: decaying on "
      f"the web mixture {'lowered' if decay_gain > 0 else 'raised'} web bits per byte by {abs(decay_gain):.3f} "
      f"compared with not decaying.")
print(f"- Annealing only on HQ text was worse than decaying on the web mixture for {len(worse_than_web_decay)} of "
      f"{len(web_domains)} web domains ({', '.join(worse_than_web_decay) or 'none'}).")

# %% [markdown]
# **Reading the result.** Annealing on the high-quality set buys the most on text like it and, when it is the
# *only* data of the last phase, costs on the domains the model no longer sees: this is why Llama 3 *upsampled*
# high-quality sources instead of training on them alone (try `hq_share=0.5` in `run_annealing_arms`).
# Whether decaying the learning rate helps by itself depends on how far training has come: a model trained to
# convergence gains from letting the rate go to zero (Bergsma et al. 2025 measure it at scale), while a model as
# short-trained as the `ci` profile's can still learn faster at the peak rate, so there decaying early can cost
# more than the noise it removes. Run the notebook with `CS229LLM_PROFILE=laptop` (8x more steps) and compare.
# Whether the HQ trade is worth it depends on what the evaluation measures: notebook 09's subject.
