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
# held-out texts (eight domains, never in the crawl), and the same compute for all four models.

# %%
from dataclasses import replace

from cs229llm.data.samples import domain_corpus
from cs229llm.model import GPT, GPTConfig
from cs229llm.tokenization.train import train_tokenizer
from cs229llm.experiments.small_runs import train_small_model

tokenizer = train_tokenizer(domain_corpus("train")["text"].tolist(), vocab_size=by_profile(ci=512, laptop=2048))
heldout = {d: g["text"].tolist()[:by_profile(ci=4, laptop=15)] for d, g in domain_corpus("heldout").groupby("domain")}
base = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=64, n_layer=2, n_head=2, n_embd=by_profile(ci=48, laptop=128))
ARCHITECTURES = {"gpt2-style": replace(base, norm="layernorm", activation="gelu", position="learned"),
                 "llama-style": replace(base, norm="rmsnorm", activation="swiglu", position="rope")}
DATASETS = {"raw": raw_texts, "curated": curated_texts}
STEPS, BATCH = by_profile(ci=150, laptop=1200, gpu=3000), 16
for name, config in ARCHITECTURES.items():
    print(f"{name}: {GPT(config).num_parameters():,} parameters")

# %%
from cs229llm.evaluation.perplexity import bits_per_byte_by_domain

work = cache_dir() / f"notebook10-{profile.name}"
results, runs = [], {}
for data_name, texts in DATASETS.items():
    for arch_name, config in ARCHITECTURES.items():
        run = train_small_model({"web": texts}, tokenizer, config, work / f"{data_name}-{arch_name}", steps=STEPS,
                                batch_size=BATCH, seed=0)
        runs[(data_name, arch_name)] = run
        bpb = bits_per_byte_by_domain(run.model, tokenizer, heldout)
        all_texts = {"all": [t for ts in heldout.values() for t in ts]}
        bpb.update(bits_per_byte_by_domain(run.model, tokenizer, all_texts))
        results += [{"data": data_name, "architecture": arch_name, "domain": d, "bpb": v} for d, v in bpb.items()]
        print(f"{data_name:>8} x {arch_name:<12} held-out bpb {bpb['all']:.3f} "
              f"({run.result.tokens_per_second:,.0f} tokens/s)")
results = pd.DataFrame(results)
grid = results[results["domain"] == "all"].pivot(index="data", columns="architecture", values="bpb")
grid

# %% [markdown]
# ## Which change mattered more?
#
# The *data effect* is raw minus curated (averaged over the two architectures); the *architecture effect* is
# GPT-2 style minus Llama style (averaged over the two datasets). Positive means the second one is better (lower
# bits per byte). Pick a domain to see the grid for it alone.

# %%
import ipywidgets as widgets
from IPython.display import display

from cs229llm.viz.panel import safe_callback


def effects(domain: str) -> tuple[float, float, pd.DataFrame]:
    """(data effect, architecture effect, 2x2 grid) of held-out bits per byte on ``domain``."""
    table = results[results["domain"] == domain].pivot(index="data", columns="architecture", values="bpb")
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
# ## Self-check: was it fair?

# %%
steps = {key: run.result.step for key, run in runs.items()}
assert len(set(steps.values())) == 1, steps
parameters = {name: GPT(config).num_parameters() for name, config in ARCHITECTURES.items()}
assert max(parameters.values()) / min(parameters.values()) < 1.1, parameters  # SwiGLU's 2/3 width keeps counts close
tokens_per_run = STEPS * BATCH * base.block_size
assert all(run.tokens[d] > 0 for run in runs.values() for d in run.tokens)
print(f"every cell: {STEPS} steps x {BATCH} x {base.block_size} = {tokens_per_run:,} training tokens")

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
print(f"- Raw data: {len(raw_texts)} documents; curated: {len(curated_texts)}; each model saw {tokens_per_run:,} tokens.")

# %% [markdown]
# **Reading the result.** Our held-out texts are clean English documents, so a model that spent its compute on
# boilerplate, other languages and duplicated pages has less left for the text we measure: that is the data effect.
# The architecture tweaks (RMSNorm, SwiGLU, rotary positions) were designed for stability and efficiency at a scale
# of billions of parameters and trillions of tokens; with a few hundred steps of a model this small there is little
# for them to fix, so their effect can go either way. Neither number is a law: rerun with
# `CS229LLM_PROFILE=laptop` (8x more steps, a wider model) and see which effect grows.
