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
# # 10 · Capstone: data versus architecture
#
# **Learning goals**
# - Put the lecture's central claim to a measured test: at our scale, does **curating the data** matter more than an
#   **architecture tweak**?
# - Design a fair comparison: the same tokenizer, the same evaluation texts, and **equal compute** (same steps,
#   batch and sequence length) for every cell of a 2 × 2 grid.
# - Report the measured differences honestly, whichever way they fall, and say what would change at a larger scale.
#
# Data: the same sample crawl, either **raw** (text extracted from every HTML page, nothing else) or **curated**
# (language ID, quality filters, exact and near dedup: notebooks 01-03). Architecture: GPT-2 style
# (LayerNorm, GELU, learned positions) or Llama style (RMSNorm, SwiGLU, rotary positions).

# %%
import matplotlib.pyplot as plt
import pandas as pd

from cs229llm.config import by_profile, get_profile, set_threads
from cs229llm.paths import cache_dir

profile = get_profile()
threads = set_threads()
print(f"profile: {profile.name} ({profile.description}); torch threads: {threads}")

# %% [markdown]
# ## Two datasets from one crawl

# %%
from cs229llm.data.dedup import exact_dedup, near_dedup
from cs229llm.data.documents import is_kept
from cs229llm.data.extract import extract_text
from cs229llm.data.langid import identify_language
from cs229llm.data.pipeline import funnel, run_pipeline
from cs229llm.data.quality import quality_filter
from cs229llm.data.samples import crawl_paths
from cs229llm.data.warc import read_warc

crawl, _ = read_warc(crawl_paths())
extracted = run_pipeline(crawl, [extract_text])
curated = run_pipeline(extracted, [identify_language, quality_filter, exact_dedup, near_dedup])
raw_texts = extracted.loc[is_kept(extracted), "text"].tolist()
curated_texts = curated.loc[is_kept(curated), "text"].tolist()
funnel(curated)

# %% NBVAL_CHECK_OUTPUT
print(f"raw: {len(raw_texts)} documents; curated: {len(curated_texts)} documents")

# %% [markdown]
# ## A fair grid
#
# One tokenizer for every cell (trained on the clean domain corpus, so it favours neither dataset), one set of
# held-out texts (eight domains, never in the crawl), and the same compute for all four models. Each cell is trained
# with three seeds (the seed sets the initial weights and the order the batches are drawn in): one run is an
# anecdote, and the spread between seeds is what a difference has to beat.

# %%
from dataclasses import replace

from cs229llm.data.samples import domain_corpus
from cs229llm.experiments.small_runs import train_small_model
from cs229llm.model import GPT, GPTConfig
from cs229llm.tokenization.train import train_tokenizer

tokenizer = train_tokenizer(domain_corpus("train")["text"].tolist(), vocab_size=by_profile(ci=512, laptop=2048))
heldout = {d: g["text"].tolist()[:by_profile(ci=4, laptop=15)] for d, g in domain_corpus("heldout").groupby("domain")}
base = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=64, n_layer=2, n_head=2, n_embd=by_profile(ci=48, laptop=128))
ARCHITECTURES = {"gpt2-style": replace(base, norm="layernorm", activation="gelu", position="learned"),
                 "llama-style": replace(base, norm="rmsnorm", activation="swiglu", position="rope")}
DATASETS = {"raw": raw_texts, "curated": curated_texts}
STEPS, BATCH = by_profile(ci=150, laptop=1200, gpu=3000), 16
SEEDS = (0, 1, 2)
for name, config in ARCHITECTURES.items():
    print(f"{name}: {GPT(config).num_parameters():,} parameters")

# %%
from cs229llm.evaluation.perplexity import bits_per_byte_by_domain

work = cache_dir() / f"notebook10-{profile.name}"
results, runs = [], {}
all_texts = {"all": [t for ts in heldout.values() for t in ts]}
for seed in SEEDS:  # seed by seed, every cell each time: a machine whose speed drifts favours no cell
    for data_name, texts in DATASETS.items():
        for arch_name, config in ARCHITECTURES.items():
            run = train_small_model({"web": texts}, tokenizer, config, work / f"{data_name}-{arch_name}-seed{seed}",
                                    steps=STEPS, batch_size=BATCH, seed=seed)
            runs[(data_name, arch_name, seed)] = run
            bpb = bits_per_byte_by_domain(run.model, tokenizer, heldout)
            bpb.update(bits_per_byte_by_domain(run.model, tokenizer, all_texts))
            results += [{"data": data_name, "architecture": arch_name, "seed": seed, "domain": d, "bpb": v}
                        for d, v in bpb.items()]
            print(f"seed {seed}: {data_name:>8} x {arch_name:<12} held-out bpb {bpb['all']:.3f} "
                  f"({run.result.tokens_per_second:,.0f} tokens/s)")
results = pd.DataFrame(results)
grid = results[results["domain"] == "all"].pivot_table(index="data", columns="architecture", values="bpb",
                                                       aggfunc="mean")
grid  # the mean over the seeds

# %% [markdown]
# ## Which change mattered more?
#
# The *data effect* is raw minus curated (averaged over the two architectures and the seeds); the *architecture
# effect* is GPT-2 style minus Llama style (averaged over the two datasets and the seeds). Positive means the second
# one is better (lower bits per byte). Pick a domain to see the grid for it alone.

# %%
import ipywidgets as widgets
from IPython.display import display

from cs229llm.viz.panel import safe_callback


def effects(domain: str) -> tuple[float, float, pd.DataFrame]:
    """(data effect, architecture effect, 2x2 grid) of held-out bits per byte on ``domain``."""
    table = results[results["domain"] == domain].pivot_table(index="data", columns="architecture", values="bpb",
                                                             aggfunc="mean")
    data_effect = float((table.loc["raw"] - table.loc["curated"]).mean())
    arch_effect = float((table["gpt2-style"] - table["llama-style"]).mean())
    return data_effect, arch_effect, table


domain_picker = widgets.Dropdown(options=["all"] + sorted(heldout), value="all", description="domain")
domain_picker.add_class("cs229llm-dropdown-domain")
capstone_readout = widgets.HTML()
capstone_readout.add_class("cs229llm-readout")
capstone_output = widgets.Output()


@safe_callback(capstone_output)
def show_domain(change=None):
    data_effect, arch_effect, table = effects(domain_picker.value)
    capstone_readout.value = f"domain={domain_picker.value} data_effect={data_effect:+.3f} architecture_effect={arch_effect:+.3f}"
    fig, ax = plt.subplots(figsize=(6, 2.6))
    for offset, column in ((-0.2, "gpt2-style"), (0.2, "llama-style")):
        ax.bar([x + offset for x in range(2)], table.loc[["raw", "curated"], column], width=0.4, label=column)
    ax.set_xticks([0, 1], ["raw data", "curated data"])
    ax.set_ylim(table.min().min() - 0.2, table.max().max() + 0.1)
    ax.set_ylabel(f"held-out bpb ({domain_picker.value})"); ax.legend(fontsize=8)
    plt.show()


domain_picker.observe(show_domain, names="value")
capstone_panel = widgets.VBox([domain_picker, capstone_readout, capstone_output])
capstone_panel.add_class("cs229llm-panel-capstone")
display(capstone_panel)
show_domain()

# %% [markdown]
# ## Was it fair? Equal compute, unequal repetition
#
# Every run takes the same number of optimizer steps on batches of the same shape, and the two architectures have
# nearly the same number of parameters. The assertions below check the package's runs for that (they test the
# experiment, not your code).

# %%
steps = {key: run.result.step for key, run in runs.items()}
assert len(set(steps.values())) == 1, steps
parameters = {name: GPT(config).num_parameters() for name, config in ARCHITECTURES.items()}
assert max(parameters.values()) / min(parameters.values()) < 1.1, parameters  # SwiGLU's 2/3 width keeps counts close
assert all(run.tokens[d] > 0 for run in runs.values() for d in run.tokens)
print(f"{len(runs)} runs of {STEPS} steps each; parameters: "
      + ", ".join(f"{name} {count:,}" for name, count in parameters.items()))

# %% [markdown]
# Equal compute is not equal data, though: curation threw documents away, so the curated set is smaller and a run
# of the same length covers a larger part of it (or repeats it more often, once the run is longer than one epoch).
#
# **Exercise 10.1: epochs at equal compute.** Write `epochs_at_equal_compute(steps, batch_size, block_size,
# dataset_tokens)`: how many times a run goes through its dataset. Each optimizer step reads `batch_size` windows of
# `block_size` tokens, each window predicting `block_size` next tokens, so a run trains on
# `steps × batch_size × block_size` tokens, and
#
# `epochs = steps × batch_size × block_size / dataset_tokens`.
#
# Run the cell: the check tries your function on 7 cases, edge cases included. Until it passes, the notebook
# carries on with the package's implementation.

# %%
from cs229llm.exercises import check


def epochs_at_equal_compute(steps, batch_size, block_size, dataset_tokens):
    """Passes over a dataset of ``dataset_tokens`` tokens made by ``steps`` steps of ``batch_size x block_size``."""
    ### BEGIN SOLUTION
    return steps * batch_size * block_size / dataset_tokens
    ### END SOLUTION


check("epochs_at_equal_compute", epochs_at_equal_compute)

# %% [markdown]
# Your function on the two datasets: their sizes in tokens (from the shards each run wrote) and the runs' compute.

# %%
from cs229llm.exercises import use

epochs_at_equal_compute = use("epochs_at_equal_compute", epochs_at_equal_compute)
tokens_per_run = STEPS * BATCH * base.block_size
dataset_tokens = {data_name: runs[(data_name, "gpt2-style", SEEDS[0])].tokens["web"] for data_name in DATASETS}
repetition = pd.DataFrame([{"data": data_name, "documents": len(DATASETS[data_name]), "dataset tokens": n,
                            "training tokens": tokens_per_run,
                            "epochs": epochs_at_equal_compute(STEPS, BATCH, base.block_size, n)}
                           for data_name, n in dataset_tokens.items()]).set_index("data")
print(f"every run: {STEPS} steps x {BATCH} x {base.block_size} = {tokens_per_run:,} training tokens")
repetition

# %% [markdown]
# ## Is the difference larger than the noise?
#
# A difference between two means is only evidence when it is larger than the spread between seeds. With few seeds
# the standard tool is Student's t interval of a mean.
#
# **Exercise 10.2: a t interval.** Write `t_interval(values, confidence)` returning `(mean, low, high)`: the mean of
# `values` and the bounds of its `confidence` interval,
#
# `mean ± t × s / √n`, with `n = len(values)`, `s` the sample standard deviation (dividing by `n − 1`) and `t`
# Student's t quantile at `0.5 + confidence / 2` with `n − 1` degrees of freedom (`scipy.stats.t.ppf(q, df)`).
#
# Run the cell: the check tries your function on 7 cases, edge cases included (two values, no spread, other
# confidence levels). Until it passes, the notebook carries on with the package's implementation.

# %%
import math

from scipy import stats

from cs229llm.exercises import check


def t_interval(values, confidence):
    """``(mean, low, high)``: the mean of ``values`` and its Student-t ``confidence`` interval."""
    ### BEGIN SOLUTION
    n = len(values)
    mean = sum(values) / n
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.5 + confidence / 2, df=n - 1) * s / math.sqrt(n)
    return mean, mean - half, mean + half
    ### END SOLUTION


check("t_interval", t_interval)

# %% [markdown]
# Your interval on each cell of the grid: its held-out bits per byte (all domains) over the seeds.

# %%
from cs229llm.exercises import use

t_interval = use("t_interval", t_interval)
overall = results[results["domain"] == "all"]
cells = pd.DataFrame([{"data": data_name, "architecture": arch_name,
                       **dict(zip(("mean", "low", "high"), t_interval(group.sort_values("seed")["bpb"].tolist(), 0.95)))}
                      for (data_name, arch_name), group in overall.groupby(["data", "architecture"])])
fig, ax = plt.subplots(figsize=(6, 2.6))
labels = [f"{row.data}\n{row.architecture}" for row in cells.itertuples()]
ax.errorbar(range(len(cells)), cells["mean"], yerr=[cells["mean"] - cells["low"], cells["high"] - cells["mean"]],
            fmt="o", capsize=4)
ax.set_xticks(range(len(cells)), labels, fontsize=8)
ax.set_ylabel("held-out bpb (95% interval)")
plt.show()
cells

# %% [markdown]
# The intervals of two cells can overlap even when one is better on every seed: the seeds move both arms together
# (the same seed gives the same batch order and similar initial weights). Comparing the two arms *seed by seed*
# removes that shared noise.
#
# **Exercise 10.3: the verdict.** Write `claim_verdict(baseline, treatment, lower_is_better)`. `baseline[i]` and
# `treatment[i]` are the metric of the two arms with seed `i`; the claim is "the treatment is better".
#
# - the improvement with seed `i` is `baseline[i] − treatment[i]` when lower is better (bits per byte),
#   `treatment[i] − baseline[i]` otherwise (accuracy): positive means "as claimed";
# - take the 95% t interval `(low, high)` of the mean improvement (you may use the package's
#   `interval(values)` from `cs229llm.experiments.claims`, the function you wrote in 10.2);
# - return `"supported"` when `low > 0`, `"contradicted"` when `high < 0`, and
#   `"not distinguishable at this scale"` otherwise.
#
# Run the cell: the check tries your function on 9 cases, edge cases included (higher is better, arms that the seeds
# shift alike, no difference at all). Until it passes, the notebook carries on with the package's implementation.

# %%
from cs229llm.exercises import check
from cs229llm.experiments.claims import interval


def claim_verdict(baseline, treatment, lower_is_better):
    """``"supported"``, ``"contradicted"`` or ``"not distinguishable at this scale"``, from the paired interval."""
    ### BEGIN SOLUTION
    sign = 1 if lower_is_better else -1
    improvement = [sign * (b - t) for b, t in zip(baseline, treatment)]
    _, low, high = interval(improvement)
    if low > 0:
        return "supported"
    if high < 0:
        return "contradicted"
    return "not distinguishable at this scale"
    ### END SOLUTION


check("claim_verdict", claim_verdict)

# %% [markdown]
# Your verdict on the two claims of this notebook, at equal compute and paired by seed: curated data beats raw data,
# and the Llama-style architecture beats the GPT-2 style one (held-out bits per byte on all domains; each seed's
# value is the mean over the other factor). The package's `judge` gives each claim its card: the arms' means, the
# improvement and their intervals.

# %%
from cs229llm.exercises import use
from cs229llm.experiments.claims import Claim, judge

claim_verdict = use("claim_verdict", claim_verdict)
per_seed_data = overall.groupby(["data", "seed"])["bpb"].mean()
per_seed_arch = overall.groupby(["architecture", "seed"])["bpb"].mean()
compute = {"tokens": tokens_per_run, "steps": STEPS}
claims = {
    "data": (Claim("D", "Curated data gives lower held-out bits per byte than raw data.", "held-out bpb",
                   baseline="raw", treatment="curated", compute=compute), per_seed_data),
    "architecture": (Claim("A", "The Llama-style architecture gives lower held-out bits per byte than GPT-2 style.",
                           "held-out bpb", baseline="gpt2-style", treatment="llama-style", compute=compute),
                     per_seed_arch),
}
verdicts = {}
for key, (claim, per_seed) in claims.items():
    arms = {arm: {seed: float(per_seed.loc[(arm, seed)]) for seed in SEEDS} for arm in (claim.baseline, claim.treatment)}
    judged = judge(claim, arms)
    yours = claim_verdict([arms[claim.baseline][s] for s in SEEDS], [arms[claim.treatment][s] for s in SEEDS], True)
    verdicts[key] = judged
    print(f"{claim.id}: your verdict: {yours}. {judged.sentence()}")
    display(judged.card())

# %% [markdown]
# ## What we measured

# %%
data_effect, arch_effect, _ = effects("all")
per_domain = pd.DataFrame([{"domain": d, "data effect": effects(d)[0], "architecture effect": effects(d)[1]}
                           for d in sorted(heldout)])
data_wins = int((per_domain["data effect"].abs() > per_domain["architecture effect"].abs()).sum())
larger = "curating the data" if abs(data_effect) > abs(arch_effect) else "the architecture tweak"
print(f"- Held-out bits per byte, all domains: raw/gpt2 {grid.loc['raw', 'gpt2-style']:.3f}, raw/llama "
      f"{grid.loc['raw', 'llama-style']:.3f}, curated/gpt2 {grid.loc['curated', 'gpt2-style']:.3f}, "
      f"curated/llama {grid.loc['curated', 'llama-style']:.3f}.")
print(f"- Data effect (raw - curated): {data_effect:+.3f} bits/byte; architecture effect (gpt2 - llama): "
      f"{arch_effect:+.3f} bits/byte. The larger change here: {larger}.")
print(f"- Per domain, the data effect was the larger one on {data_wins} of {len(per_domain)} domains.")
print(f"- Raw data: {len(raw_texts)} documents; curated: {len(curated_texts)}; each model saw {tokens_per_run:,} tokens "
      f"({repetition.loc['raw', 'epochs']:.2f} epochs of the raw data, {repetition.loc['curated', 'epochs']:.2f} of the "
      f"curated data).")
for key, judged in verdicts.items():
    low, high = judged.effect_ci
    print(f"- {key.capitalize()} claim over {len(SEEDS)} seeds, paired: improvement {judged.effect:+.3f} bits/byte "
          f"(95% interval {low:+.3f} to {high:+.3f}): {judged.verdict}.")

# %% [markdown]
# **Reading the result.** Our held-out texts are clean English documents, so a model that spent its compute on
# boilerplate, other languages and duplicated pages has less left for the text we measure: that is the data effect.
# The architecture tweaks (RMSNorm, SwiGLU, rotary positions) were designed for stability and efficiency at a scale
# of billions of parameters and trillions of tokens; with a few hundred steps of a model this small there is little
# for them to fix, so their effect can go either way. The verdicts say which of the two effects is larger than the
# noise between seeds; three seeds make a wide interval, so "not distinguishable" is a statement about this
# experiment's resolution, not a proof that an effect is zero. Curation also changed how often the data repeats
# (the epochs above): at a larger budget the smaller curated set would be repeated past the point where repetition
# stops helping, which is where quality and quantity trade off. Neither number is a law: rerun with
# `CS229LLM_PROFILE=laptop` (8x more steps, a wider model) and see which effect grows.
