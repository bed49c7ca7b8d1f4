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
# # 00 · Course map: what really separates good language models
#
# **Learning goals**
# - Know the lecture's thesis: at today's scale, **data**, **systems** and **evaluation** matter more than the architecture.
# - See the one stream of data this course follows, and which notebook covers which stage.
# - Check that your machine is ready (packages, device, bf16, `torch.compile`).
# - Meet the smallest real language model (a count model), and write what *temperature* does to its next-token
#   distribution and how its entropy measures the model's uncertainty.
#
# A language model is a probability distribution over the next token given the tokens before it.
# Every model in this course, from the count model below to the GPT of notebook 07, is that.
# The architecture decides *how* the distribution is computed; the lecture's point is that *what it
# is trained on*, *how fast and stably it is trained*, and *how honestly it is measured* decide how good it gets.

# %%
import pandas as pd

from cs229llm import config
from cs229llm.paths import NOTEBOOKS

profile = config.get_profile()
print(f"profile: {profile.name} ({profile.description})")

# %% [markdown]
# ## The course map
#
# ```
# WARC crawl ─extract─> documents ─langid─> ─quality filters─> ─exact dedup─> ─near dedup─> ─domain classify─┐
#                                                                                                            v
# report <─evaluate─ annealed model <─anneal on HQ─ pretrained model <─train─ token shards <─tokenize─ mixture plan
# ```
#
# Each arrow is a function of the `cs229llm` package; each notebook runs one stretch of the stream on real data.
# The table below is built from the notebooks folder, so it shows what this copy of the course contains.

# %%
COURSE = [
    ("00_course_map", "the thesis, environment check, a first language model", "cs229llm.count_model"),
    ("01_from_web_to_text", "WARC records, HTML extraction, language ID, PII", "cs229llm.data.warc / extract / langid / pii"),
    ("02_quality_filters", "Gopher, C4 and FineWeb rules, a learned quality classifier", "cs229llm.data.quality"),
    ("03_deduplication", "exact and MinHash near-dedup, precision and recall", "cs229llm.data.dedup"),
    ("04_domains_and_mixing", "domain classification, published mixtures, the mixture explorer", "cs229llm.data.domains, cs229llm.mixing"),
    ("05_tokenization", "BPE from scratch and fast, compression per domain", "cs229llm.tokenization"),
    ("06_mixed_precision_and_fusion", "bf16, fp32 master weights, torch.compile and the roofline", "cs229llm.training.precision, cs229llm.systems"),
    ("07_pretraining", "training a small GPT on the mixture, live per-domain curves", "cs229llm.model, cs229llm.training"),
    ("08_annealing", "a final phase on the best data", "cs229llm.experiments.anneal"),
    ("09_evaluation", "bits per byte per domain, multiple choice, contamination", "cs229llm.evaluation"),
    ("10_capstone_data_vs_architecture", "curated data versus an architecture tweak at equal compute", "cs229llm.experiments.run"),
]
course_map = pd.DataFrame(COURSE, columns=["notebook", "what you do there", "package modules"])
course_map["in this copy"] = [(NOTEBOOKS / f"{name}.ipynb").exists() for name in course_map["notebook"]]
course_map

# %% [markdown]
# ## Is this machine ready?
#
# The same check runs from a terminal as `cs229llm env`; paste its output into bug reports.
# Trying `torch.compile` costs 15–30 s the first time (the compiled kernels are cached afterwards),
# so the quick `ci` profile skips that line.

# %%
from cs229llm.envcheck import all_required_ok, run_checks

rows = run_checks(try_compile=profile.name != "ci")
environment = pd.DataFrame(
    [{"status": "OK" if r.ok else ("FAIL" if r.required else "WARN"), "item": r.name, "detail": r.detail} for r in rows]
)
device = config.choose_device()
environment_ok = all_required_ok(rows)
environment

# %%
assert environment_ok, "some required packages are missing: run `make venv` in a terminal, then restart the kernel"

# %% [markdown]
# ## Profiles: one dial for size
#
# Every experiment reads its size from the profile: `ci` (seconds, used by the tests), `laptop`
# (the default, a few minutes per notebook on a laptop CPU) and `gpu`. Set it before starting
# JupyterLab (`CS229LLM_PROFILE=gpu make lab`) or pass `--profile` to the `cs229llm` command.
# Inside the package, a module asks for its size like this:

# %%
documents_per_experiment = config.by_profile(ci=200, laptop=2_000, gpu=20_000)
print(f"under the {profile.name!r} profile an experiment would use {documents_per_experiment:,} documents")

# %% [markdown]
# ## A first language model: counting
#
# We need text no one here wrote and that needs no download: the documentation of Python's own
# standard library, which ships with every Python. We keep only its prose paragraphs.
#
# The model splits text into tokens (here: words and punctuation), counts which token follows which,
# and turns the counts into probabilities. That is a **bigram** model: its context is one token long.

# %%
from cs229llm.count_model import CountLanguageModel, cross_entropy_bits, stdlib_documentation, tokenize_words

# NBVAL_CHECK_OUTPUT
print(tokenize_words("Models don't read text: they read tokens, 1 at a time!"))

# %%
documentation = stdlib_documentation()
paragraphs = documentation.split("\n\n")
# every 10th paragraph is held out: unseen text from the same modules as the training text
train_text = "\n\n".join(p for i, p in enumerate(paragraphs) if i % 10)
heldout_text = "\n\n".join(p for i, p in enumerate(paragraphs) if i % 10 == 0)

bigram = CountLanguageModel(order=2).fit(train_text)
print(f"{len(documentation):,} characters of prose, {bigram.num_tokens:,} training tokens, "
      f"{len(bigram.vocabulary):,} distinct tokens")
pd.DataFrame(bigram.top_next("the", k=8), columns=["next token after 'the'", "probability"])

# %% [markdown]
# ### Temperature
#
# Sampling divides the log-probabilities by a temperature $T$ and renormalises: $p_i \propto p_i^{1/T}$.
# $T<1$ sharpens the distribution (safe, repetitive text), $T>1$ flattens it (varied, then nonsense).
#
# **Exercise 00.1: temperature.** Write `apply_temperature(p, temperature)`: given a probability
# distribution `p` (a NumPy array summing to 1) and $T > 0$, return the distribution
#
# $$q_i = \frac{p_i^{1/T}}{\sum_j p_j^{1/T}}.$$
#
# Raise to the power $1/T$; multiplying by $1/T$ is a common slip (it changes nothing once you renormalise).
# Work in log space, $\log q_i = \log p_i / T + \text{const}$, and subtract the largest $\log p_i / T$
# before exponentiating: at a tiny temperature every $p_i^{1/T}$ underflows to 0 otherwise. A zero
# probability stays zero. Signature: `apply_temperature(p: np.ndarray, temperature: float) -> np.ndarray`.
#
# Run the cell: the check tries your function on 9 cases, edge cases included. Until it passes, the
# notebook carries on with the package's implementation.

# %%
import numpy as np

from cs229llm.exercises import check


def apply_temperature(p, temperature):
    """The distribution p reshaped by temperature: p_i^(1/T), renormalised to sum to 1."""
    ### BEGIN SOLUTION
    with np.errstate(divide="ignore"):
        log_p = np.log(np.asarray(p, dtype=float)) / temperature
    log_p = log_p - log_p.max()
    q = np.exp(log_p)
    return q / q.sum()
    ### END SOLUTION


check("apply_temperature", apply_temperature)

# %% [markdown]
# Your function on the bigram model's real distribution after "the": the top tokens at three temperatures,
# and how far your result is from the model's own `probabilities(..., temperature=...)`.

# %%
from cs229llm.exercises import use

apply_temperature = use("apply_temperature", apply_temperature)
p = bigram.probabilities("the", temperature=1.0)
top = np.argsort(-p, kind="stable")[:6]
reshaped = {T: apply_temperature(p, T) for T in (0.5, 1.0, 2.0)}
largest_gap = max(float(np.abs(q - bigram.probabilities("the", temperature=T)).max()) for T, q in reshaped.items())
print(f"largest difference from the model's own probabilities: {largest_gap:.1e}")
pd.DataFrame({f"T = {T}": q[top] for T, q in reshaped.items()}, index=[bigram.vocabulary[i] for i in top]).round(4)

# %% [markdown]
# **Exercise 00.2: entropy in bits.** How unsure is the model? The entropy of a distribution is
#
# $$H(p) = -\sum_i p_i \log_2 p_i \quad \text{bits},$$
#
# where a zero probability contributes nothing ($p \log p \to 0$ as $p \to 0$; computing $0 \cdot \log 0$
# directly gives NaN). A fair coin has 1 bit, a certain outcome 0 bits, a uniform choice among $n$
# tokens $\log_2 n$ bits. Write `entropy_bits(p: np.ndarray) -> float`.
#
# Run the cell: the check tries your function on 8 cases, edge cases included. Until it passes, the
# notebook carries on with the package's implementation.

# %%
import numpy as np

from cs229llm.exercises import check


def entropy_bits(p):
    """Entropy of the distribution p in bits (zero entries contribute 0)."""
    ### BEGIN SOLUTION
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())
    ### END SOLUTION


check("entropy_bits", entropy_bits)

# %% [markdown]
# Your entropy of your reshaped distributions: lower temperature, fewer bits of uncertainty. The last
# column is the model's own `entropy_bits(context, temperature)`, for comparison.

# %%
from cs229llm.exercises import use

entropy_bits = use("entropy_bits", entropy_bits)
temperatures = (0.25, 0.5, 1.0, 2.0, 4.0)
entropy_table = pd.DataFrame({"your entropy (bits)": [entropy_bits(apply_temperature(p, T)) for T in temperatures],
                              "model's entropy_bits": [bigram.entropy_bits("the", T) for T in temperatures]},
                             index=pd.Index(temperatures, name="temperature"))
entropy_table.round(3)

# %% [markdown]
# Move the slider. The bars are the top next tokens after the context; below them are three samples
# drawn at that temperature (the same seeds each time, so only the temperature changes them).

# %%
from cs229llm.viz.temperature_panel import temperature_panel

temperature_panel(bigram, context="the")

# %% [markdown]
# ### How good is it? A first evaluation
#
# A language model is judged by how few bits it needs per token of text it has **not** seen:
# the average of $-\log_2 p(\text{next token})$ over held-out paragraphs. A model that uses more
# context should need fewer bits, as long as it has seen enough data to fill its counts.
# (Notebook 09 turns this into *bits per byte*, which does not depend on the tokenizer.)

# %%
evaluation = []
for order in (1, 2, 3):
    model = CountLanguageModel(order=order).fit(train_text)
    bits, unknown_rate = cross_entropy_bits(model, heldout_text)
    contexts_seen = len(model.counts[order - 1])
    evaluation.append({"order": order, "bits/token (held out)": bits, "distinct contexts seen": contexts_seen,
                       "unseen tokens skipped": unknown_rate})
evaluation = pd.DataFrame(evaluation).set_index("order")
evaluation

# %% [markdown]
# Each extra token of context multiplies the number of distinct contexts, so each is seen fewer times:
# the gain from order 2 to 3 is smaller than from 1 to 2 because most two-token contexts were seen only once.
# A closed vocabulary also cannot score words it never saw: their share is reported, not hidden.
# Neural models (notebook 07) share statistics between similar contexts, which is why they need far
# fewer examples per context; but they too are only as good as the data they are fed.

# %% [markdown]
# ## What we measured

# %%
bits = evaluation["bits/token (held out)"]
print(
    f"Profile {profile.name}, device {device}. "
    f"The bigram model learned {len(bigram.vocabulary):,} distinct tokens from {bigram.num_tokens:,} tokens of standard-library prose. "
    f"On held-out paragraphs the unigram needs {bits.loc[1]:.2f} bits per token, the bigram {bits.loc[2]:.2f} "
    f"and the trigram {bits.loc[3]:.2f} ({bits.loc[1] - bits.loc[2]:.2f} then {bits.loc[2] - bits.loc[3]:.2f} bits saved). "
    f"Temperature 0.5 cuts the entropy after 'the' from {bigram.entropy_bits('the', 1.0):.2f} to "
    f"{bigram.entropy_bits('the', 0.5):.2f} bits."
)
