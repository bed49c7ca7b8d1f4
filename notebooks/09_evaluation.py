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
# # 09 · Evaluation: a continuous, nuanced process
#
# **Learning goals**
# - See why we report **bits per byte** per domain: perplexity per token changes with the tokenizer, bits per byte does not.
# - Score **multiple-choice** questions by log-likelihood, and read `acc`, `acc_norm` and accuracy **centered** on chance.
# - Sample text with **temperature** and **top-k**, and see what each does to the next-token distribution.
# - Follow evaluation **over training**, not once at the end.
# - Detect **contamination** with 13-gram overlap, and measure how much planted test items inflate a score.
#
# The lecture: evaluation is treated as a continuous, nuanced process, not a one-off benchmark. Public benchmarks
# are far beyond our 100k-parameter models, so we build questions they can answer from held-out text.

# %%
import matplotlib.pyplot as plt
import pandas as pd

from cs229llm.config import by_profile, get_profile, set_threads
from cs229llm.paths import cache_dir

profile = get_profile()
threads = set_threads()
print(f"profile: {profile.name} ({profile.description}); torch threads: {threads}")

# %% [markdown]
# ## Two tokenizers, two models, one text
#
# We train two byte-level BPE tokenizers of different vocabulary sizes on the same corpus, and the same small GPT
# on each, at equal compute (same steps, batch and sequence length). Then we score the same held-out texts.

# %%
from cs229llm.data.samples import domain_corpus
from cs229llm.experiments.small_runs import train_small_model
from cs229llm.model import GPTConfig
from cs229llm.tokenization.train import train_tokenizer

train_docs, heldout_docs = domain_corpus("train"), domain_corpus("heldout")
train_by_domain = {d: g["text"].tolist() for d, g in train_docs.groupby("domain")}
heldout_by_domain = {d: g["text"].tolist()[:by_profile(ci=4, laptop=15)] for d, g in heldout_docs.groupby("domain")}
STEPS = by_profile(ci=150, laptop=1000, gpu=2000)
VOCABS = {"small vocab": by_profile(ci=300, laptop=512), "large vocab": by_profile(ci=1024, laptop=4096)}
work = cache_dir() / f"notebook09-{profile.name}"

runs, tokenizers = {}, {}
for label, vocab in VOCABS.items():
    tokenizers[label] = train_tokenizer(train_docs["text"].tolist(), vocab_size=vocab)
    config = GPTConfig(vocab_size=tokenizers[label].vocab_size, block_size=64, n_layer=2, n_head=2,
                       n_embd=by_profile(ci=48, laptop=128))
    runs[label] = train_small_model(train_by_domain, tokenizers[label], config, work / label.replace(" ", "_"),
                                    steps=STEPS, eval_texts=heldout_by_domain, eval_every=by_profile(ci=50, laptop=100))
    print(f"{label}: vocabulary {tokenizers[label].vocab_size}, {runs[label].model.num_parameters():,} parameters")

# %%
from cs229llm.evaluation.bpb_vs_perplexity import compare_tokenizers

all_heldout = [text for texts in heldout_by_domain.values() for text in texts]
comparison = compare_tokenizers({label: (runs[label].model, tokenizers[label]) for label in VOCABS}, all_heldout)
comparison[["model", "vocab_size", "tokens", "bytes_per_token", "nats_per_token", "perplexity", "bits_per_byte"]]

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(7, 2.8))
left.bar(comparison["model"], comparison["perplexity"], color="tab:orange")
left.set_ylabel("perplexity per token")
right.bar(comparison["model"], comparison["bits_per_byte"], color="tab:blue")
right.set_ylabel("bits per byte")
plt.tight_layout(); plt.show()

# %% [markdown]
# The larger vocabulary cuts the text into fewer, longer tokens. A longer token holds more text to predict, so
# at equal model quality its loss per token is higher: a per-token number (loss or perplexity) mixes the model
# with its tokenizer. Bits per byte divides the same total loss by the bytes instead of the tokens,
# `bpb = nats per token / (ln 2 × bytes per token)`, so it compares the two models on the same text. The cell
# below splits the per-token ratio into exactly these two factors, *the models* (bits per byte) and *the token
# length* (bytes per token), and says which model each metric prefers. Which model is better per byte depends
# on the profile (at small sizes the larger vocabulary's rarer tokens are seen too few times to learn); the split
# holds at every size. Note that "equal compute" here means equal *tokens*: the larger vocabulary packs more
# bytes into each token, so that model also saw more text.

# %% [markdown]
# **Exercise 09.1: bits per byte from the loss.** Write `bits_per_byte_from_loss(total_nats, texts)`: the bits per
# byte of `texts` when a model's next-token losses on them add up to `total_nats` (natural logarithms, as
# `cross_entropy` gives them):
#
# `bits per byte = total_nats / (ln 2 × B)`, where `B` is the texts' total size in **UTF-8 bytes**.
#
# Dividing by `ln 2` turns nats into bits; `B` counts bytes, not characters (`"é"` is 2 bytes, most CJK characters
# 3, an emoji 4). Run the cell: the check tries your function on 7 cases, edge cases included (non-ASCII text, an
# empty text in the list, a loss of 0). Until it passes, the notebook carries on with the package's implementation.

# %%
import math

from cs229llm.exercises import check


def bits_per_byte_from_loss(total_nats, texts):
    """Bits per UTF-8 byte of ``texts`` from the sum of the token losses (nats) on them."""
    raise NotImplementedError("your turn: write this part")


check("bits_per_byte_from_loss", bits_per_byte_from_loss)

# %% [markdown]
# Your function on the real evaluation: each model's summed loss over the held-out texts (`nats_per_token ×
# tokens`, from the table above) and the held-out texts themselves. Your column should equal the package's.

# %%
from cs229llm.exercises import use

bits_per_byte_from_loss = use("bits_per_byte_from_loss", bits_per_byte_from_loss)
yours = comparison[["model", "tokens", "nats_per_token", "bits_per_byte"]].copy()
yours["your bits_per_byte"] = [bits_per_byte_from_loss(row["nats_per_token"] * row["tokens"], all_heldout)
                               for _, row in yours.iterrows()]
yours

# %%
for _, row in comparison.iterrows():  # the identity holds for each model (a check of the package's numbers)
    assert math.isclose(row["bits_per_byte"], row["nats_per_token"] / (math.log(2) * row["bytes_per_token"]), rel_tol=1e-9)
small, large = (comparison.set_index("model").loc[label] for label in VOCABS)
loss_ratio = large["nats_per_token"] / small["nats_per_token"]
model_factor = large["bits_per_byte"] / small["bits_per_byte"]
length_factor = large["bytes_per_token"] / small["bytes_per_token"]
assert math.isclose(loss_ratio, model_factor * length_factor, rel_tol=1e-9)  # the split is exact
assert length_factor > 1, "the larger vocabulary should cut the text into longer tokens"
print(f"loss per token, large / small vocabulary: {loss_ratio:.2f}x = {model_factor:.2f}x (the models, per byte) "
      f"x {length_factor:.2f}x (bytes per token)")
by_perplexity = comparison.loc[comparison["perplexity"].idxmin(), "model"]
by_bpb = comparison.loc[comparison["bits_per_byte"].idxmin(), "model"]
verdict = "agree" if by_perplexity == by_bpb else "disagree"
print(f"lower perplexity per token: {by_perplexity}; lower bits per byte (the fair comparison): {by_bpb}; "
      f"the two metrics {verdict} here")

# %% [markdown]
# ## One number hides the domains
#
# Bits per byte of the large-vocabulary model per held-out domain (Paloma's point: a single validation set hides
# domain gaps), and the same numbers **over training**, read back from the run's `metrics.jsonl`.

# %%
from cs229llm.evaluation.bpb_vs_perplexity import per_domain_table
from cs229llm.evaluation.curves import plot_domain_curves

model, tokenizer = runs["large vocab"].model, tokenizers["large vocab"]
domains_table = per_domain_table(model, tokenizer, heldout_by_domain)
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.barh(domains_table["domain"], domains_table["bits_per_byte"])
left.set_xlabel("held-out bits per byte")
plot_domain_curves(runs["large vocab"].result.run_dir, ax=right)
plt.tight_layout(); plt.show()

# %% [markdown]
# ## Multiple choice by log-likelihood
#
# A cloze item: the context is 24 words of a held-out document, the choices are the next 6 words and three
# spans of 6 words from other documents. The model "answers" by the log-probability it gives each choice.
# `acc` takes the highest total log-probability; `acc_norm` divides by the answer's length in bytes (long answers
# pay for more tokens); centered accuracy `(acc − random) / (1 − random)` is 0 at chance and 1 when perfect.

# %%
from cs229llm.evaluation.multiple_choice import evaluate_multiple_choice, summarize_by_domain
from cs229llm.evaluation.tasks import cloze_items, split_items

items = cloze_items(heldout_docs, n_per_domain=by_profile(ci=6, laptop=15), n_choices=4, seed=0)
pool, questions = split_items(items, n_pool=4, seed=0)
example = questions[0]
print("context:", example.context)
for index, choice in enumerate(example.choices):
    print(f"  {'*' if index == example.answer else ' '} {choice!r}")

# %% [markdown]
# **Exercise 09.2: the model's answer.** Write `choose_answer(logprobs, choices, normalize)`: the index of the
# choice the model picks, given `logprobs[i]`, the summed log-probability (nats) the model gives choice `i`'s
# tokens after the context, and `choices[i]`, that choice's text.
#
# - `normalize=False` (`acc`): the index of the largest `logprobs[i]`.
# - `normalize=True` (`acc_norm`): the index of the largest `logprobs[i] / max(1, bytes_i)`, with `bytes_i` the
#   length of `choices[i]` in UTF-8 bytes.
# - A tie goes to the first of the tied choices.
#
# Run the cell: the check tries your function on 8 cases, edge cases included (ties, a non-ASCII choice, a single
# choice). Until it passes, the notebook carries on with the package's implementation.

# %%
from cs229llm.exercises import check


def choose_answer(logprobs, choices, normalize):
    """Index of the choice with the highest log-probability (per UTF-8 byte of the choice when ``normalize``)."""
    raise NotImplementedError("your turn: write this part")


check("choose_answer", choose_answer)

# %%
rows, per_item = [], {}
for style in ("cloze", "letters"):
    for shots in (0, 2):
        summary, scores = evaluate_multiple_choice(model, tokenizer, questions, pool, k_shot=shots, seed=0, style=style)
        rows.append({"format": style, "shots": shots, **summary})
        per_item[(style, shots)] = scores
mc_table = pd.DataFrame(rows)
mc_table

# %% NBVAL_CHECK_OUTPUT
print(f"{len(items)} items built, {len(pool)} in the few-shot pool, {len(questions)} scored, 4 choices each")

# %% [markdown]
# Your `choose_answer` on the real scores: for every question of the zero-shot cloze run, the model's log-probability
# of each choice (the `logprobs` column of the per-item scores) and the choices' texts. Your accuracies should be the
# table's `acc` and `acc_norm`; then the per-domain breakdown, with accuracy centered on chance
# (`(acc − random) / (1 − random)`, `random = 1/4` with four choices).

# %%
from cs229llm.exercises import use

choose_answer = use("choose_answer", choose_answer)
cloze_scores = per_item[("cloze", 0)]
by_id = {question.id: question for question in questions}
your_acc = sum(choose_answer(row["logprobs"], by_id[row["id"]].choices, False) == row["answer"]
               for _, row in cloze_scores.iterrows()) / len(cloze_scores)
your_acc_norm = sum(choose_answer(row["logprobs"], by_id[row["id"]].choices, True) == row["answer"]
                    for _, row in cloze_scores.iterrows()) / len(cloze_scores)
cloze = mc_table[(mc_table["format"] == "cloze") & (mc_table["shots"] == 0)].iloc[0]
print(f"zero-shot cloze, {len(cloze_scores)} questions: your acc {your_acc:.3f} (table {cloze['acc']:.3f}), "
      f"your acc_norm {your_acc_norm:.3f} (table {cloze['acc_norm']:.3f}); centered on chance "
      f"{(your_acc - cloze['random']) / (1 - cloze['random']):+.3f}")
summarize_by_domain(cloze_scores)

# %% [markdown]
# Read the table honestly: with this little training the model is close to chance, and with a few dozen items the
# accuracy itself is noisy: its standard error near chance is `sqrt(0.25 × 0.75 / N)` (printed at the end), so
# differences smaller than about twice that are not evidence of anything. The lettered format ("A. … B. …
# Answer:") asks the model to have learned a *format* it never saw; a model this small can only guess there,
# which is why small models are evaluated in the cloze format.

# %% [markdown]
# ## Generation: temperature and top-k
#
# The next token is drawn from `softmax(logits / temperature)` restricted to the `top_k` most likely tokens.
# Temperature 0 is greedy decoding. Move the sliders: the chart shows the next-token distribution after the
# prompt, the text below is a seeded sample.

# %%
import ipywidgets as widgets
import torch
from IPython.display import display

from cs229llm.evaluation.generate import generate, next_token_distribution
from cs229llm.viz.panel import safe_callback

PROMPT = "The history of the"
temperature_slider = widgets.FloatSlider(value=0.8, min=0.0, max=2.0, step=0.1, description="temperature",
                                         continuous_update=False)
temperature_slider.add_class("cs229llm-slider-temperature")
top_k_slider = widgets.IntSlider(value=40, min=1, max=200, step=1, description="top-k", continuous_update=False)
top_k_slider.add_class("cs229llm-slider-top-k")
generation_readout = widgets.HTML()
generation_readout.add_class("cs229llm-readout")
generation_output = widgets.Output()


@safe_callback(generation_output)
def show_generation(change=None):
    temperature, top_k = temperature_slider.value, top_k_slider.value
    ids = torch.tensor([[tokenizer.eot_id] + tokenizer.encode(PROMPT)])
    with torch.no_grad():
        logits, _ = model(ids)
    probabilities = next_token_distribution(logits[0, -1], temperature, top_k)
    top = torch.topk(probabilities, 10)
    nonzero = int((probabilities > 0).sum())
    sample = generate(model, tokenizer, PROMPT, max_new_tokens=40, temperature=temperature, top_k=top_k, seed=0)
    generation_readout.value = (f"temperature={temperature:.1f} top_k={top_k} tokens_possible={nonzero} "
                                f"top_probability={float(top.values[0]):.3f}")
    fig, ax = plt.subplots(figsize=(7, 2.4))
    ax.bar([repr(tokenizer.decode([int(i)])) for i in top.indices], top.values.numpy())
    ax.set_ylabel("probability"); ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.set_title(f"next token after {PROMPT!r}", fontsize=9)
    plt.tight_layout(); plt.show()
    print(PROMPT + sample)


temperature_slider.observe(show_generation, names="value")
top_k_slider.observe(show_generation, names="value")
generation_panel = widgets.VBox([widgets.HBox([temperature_slider, top_k_slider]), generation_readout, generation_output])
generation_panel.add_class("cs229llm-panel-generation")
display(generation_panel)
show_generation()

# %%
greedy = generate(model, tokenizer, PROMPT, 20, temperature=0.0)
assert greedy == generate(model, tokenizer, PROMPT, 20, temperature=1.0, top_k=1, seed=123), \
    "top-k = 1 keeps only the most likely token: it is greedy decoding whatever the temperature"

# %% [markdown]
# ## Contamination
#
# An evaluation item is *contaminated* when long n-grams of it (13 words, as in GPT-3 and lm-evaluation-harness)
# also occur in the training data. First the check on our real split: held-out documents against the training texts.

# %%
from cs229llm.evaluation.contamination import NgramIndex, contamination_report
from cs229llm.experiments.contamination import planted_contamination_experiment

index = NgramIndex(n=13).add_texts(train_docs["text"])
natural = contamination_report(index, items)
print(f"{len(index):,} distinct training 13-grams; {int(natural['contaminated'].sum())} of {len(items)} "
      f"evaluation items share at least one")
natural.sort_values("overlap_fraction", ascending=False).head(5)

# %% [markdown]
# **Exercise 09.3: the 13-gram overlap.** Write `ngram_overlap(test_text, train_texts, n)` returning the pair
# `(overlapping, total)` for one evaluation text:
#
# - split every text into words with `normalized_words` (lower case, punctuation and underscores dropped:
#   `"It's"` gives `["it", "s"]`);
# - the training n-grams are the runs of `n` consecutive words *within* each training document (never across two);
# - `total` is the number of n-grams of the test text (`len(words) − n + 1`, or 0 when it has fewer than `n`
#   words) and `overlapping` how many of them are training n-grams (a repeated n-gram counts every time).
#
# The item is contaminated when `overlapping > 0` (the GPT-3 rule). Run the cell: the check tries your function on
# 10 cases, edge cases included (case and punctuation, repeats, document boundaries, texts shorter than `n`).
# Until it passes, the notebook carries on with the package's implementation.

# %%
from cs229llm.evaluation.contamination import normalized_words
from cs229llm.exercises import check


def ngram_overlap(test_text, train_texts, n):
    """``(n-grams of test_text that occur in a training text, n-grams of test_text)``, over normalised words."""
    raise NotImplementedError("your turn: write this part")


check("ngram_overlap", ngram_overlap)

# %% [markdown]
# Your function on the five items that overlap the training texts the most (context plus correct answer, the text
# the detector checks), next to the package's hashed index.

# %%
from cs229llm.evaluation.contamination import item_text
from cs229llm.exercises import use

ngram_overlap = use("ngram_overlap", ngram_overlap)
items_by_id = {item.id: item for item in items}
train_texts = train_docs["text"].tolist()
top = natural.sort_values("overlap_fraction", ascending=False).head(5)[["id", "ngrams", "overlapping"]].copy()
top[["your ngrams", "your overlapping"]] = [ngram_overlap(item_text(items_by_id[i]), train_texts, 13)[::-1]
                                            for i in top["id"]]
top

# %% [markdown]
# **Planted contamination.** We copy half of the evaluation items (context and correct answer) into the training
# texts many times (a heavy dose, so that a model this small and this briefly trained can memorize them), train the same model at equal compute on the clean and on the contaminated texts, and
# score both on every item. The clean model's accuracy on the to-be-planted items is the control.

# %%
planted = planted_contamination_experiment(
    train_docs["text"].tolist(), items, tokenizer,
    GPTConfig(vocab_size=tokenizer.vocab_size, block_size=64, n_layer=2, n_head=2, n_embd=by_profile(ci=48, laptop=128)),
    work / "planted", steps=STEPS, fraction=0.5, copies=by_profile(ci=64, laptop=32))
planted_table = planted["table"]
planted_table

# %%
fig, ax = plt.subplots(figsize=(6, 2.6))
for offset, column in ((-0.2, "clean"), (0.2, "contaminated")):
    ax.bar([x + offset for x in range(len(planted_table))], planted_table[column], width=0.4, label=f"{column} items")
ax.set_xticks(range(len(planted_table)), [f"{m} model" for m in planted_table["model"]])
ax.axhline(0.25, color="grey", linestyle=":", label="chance")
ax.set_ylabel("accuracy"); ax.legend(fontsize=8)
plt.show()

# %%
detected = planted["detection"].set_index("id")["contaminated"]
assert detected[planted["planted_ids"]].all(), "every planted item shares 13-grams with the contaminated training texts"
contaminated_model = planted_table.set_index("model").loc["contaminated"]
control = planted_table.set_index("model").loc["clean"]
assert contaminated_model["inflation"] > control["inflation"], planted_table

# %% [markdown]
# ## Take the model elsewhere: the same model in `transformers`, scored by the standard harness
#
# The course's GPT in its GPT-2 configuration *is* a GPT-2, so it can be written in the layout the Hugging Face
# ecosystem reads (`cs229llm export hf RUN_DIR OUT_DIR` from a terminal). We export the large-vocabulary model,
# load it with `transformers`, check that it computes the same logits, and score it with lm-evaluation-harness's
# own `hf` backend on the cloze items above, written as a local task (no download). The harness should give the
# accuracy our own scorer gave: the same model, the same items, a different program.

# %%
import os

for variable in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ[variable] = "1"  # everything below is local: nothing is fetched from a hub
import shutil

import lm_eval
import transformers
from lm_eval.tasks import TaskManager
from transformers import AutoModelForCausalLM, AutoTokenizer

from cs229llm.evaluation.lm_eval_adapter import write_cloze_task
from cs229llm.export_hf import export_hf

export_dir = work / "hf-large-vocab"
if export_dir.exists():
    shutil.rmtree(export_dir)
exported = export_hf(runs["large vocab"].result.run_dir, export_dir,
                     tokenizer_path=tokenizers["large vocab"].save(work / "large-vocab-tokenizer.json"))
transformers.logging.set_verbosity_error()  # no warning that texts are longer than the model's context
hf_model = AutoModelForCausalLM.from_pretrained(exported.out_dir).eval()
hf_tokenizer = AutoTokenizer.from_pretrained(exported.out_dir)
text = heldout_docs["text"].iloc[0][:300]
ours_ids = tokenizers["large vocab"].encode(text)
hf_ids = hf_tokenizer(text, add_special_tokens=False)["input_ids"]
with torch.no_grad():
    ids = torch.tensor([ours_ids[:64]])
    difference = (runs["large vocab"].model(ids)[0] - hf_model(ids).logits).abs().max().item()
print(f"{exported.architecture}, {exported.parameters:,} parameters; same token ids: {ours_ids == hf_ids}; "
      f"largest logit difference {difference:.1e}")
assert ours_ids == hf_ids and difference < 1e-4

# %%
import logging

task_dir = write_cloze_task(questions, work / "hf-task", name="nb09_cloze")
logging.getLogger("lm_eval").setLevel(logging.ERROR)  # one line per truncated context otherwise
harness = lm_eval.simple_evaluate(model="hf", model_args=f"pretrained={exported.out_dir},dtype=float32",
                                  tasks=["nb09_cloze"], device="cpu", batch_size=8, bootstrap_iters=0,
                                  task_manager=TaskManager(include_path=str(task_dir), include_defaults=False),
                                  random_seed=0, numpy_random_seed=0, torch_random_seed=0, fewshot_random_seed=0,
                                  verbosity="ERROR")
harness_acc = harness["results"]["nb09_cloze"]["acc,none"]
ours_acc = evaluate_multiple_choice(model, tokenizer, questions)[0]["acc"]
print(f"cloze accuracy on {len(questions)} items: lm-evaluation-harness (hf backend) {harness_acc:.3f}, "
      f"the course's scorer {ours_acc:.3f}")
assert math.isclose(harness_acc, ours_acc), "the same model on the same items must score the same"

# %% [markdown]
# ## What we measured

# %%
small, large = comparison.iloc[0], comparison.iloc[1]
best_cloze = mc_table[mc_table["format"] == "cloze"]["acc"].max()
print(f"- Perplexity per token: {small['perplexity']:.1f} (vocabulary {small['vocab_size']}) vs {large['perplexity']:.1f} "
      f"(vocabulary {large['vocab_size']}); bits per byte: {small['bits_per_byte']:.3f} vs {large['bits_per_byte']:.3f} "
      f"(perplexity prefers the {by_perplexity} model, bits per byte the {by_bpb} model).")
print(f"- Held-out bits per byte ranges from {domains_table['bits_per_byte'].min():.3f} "
      f"({domains_table.iloc[0]['domain']}) to {domains_table['bits_per_byte'].max():.3f} ({domains_table.iloc[-1]['domain']}).")
standard_error = math.sqrt(0.25 * 0.75 / len(questions))
print(f"- Cloze multiple choice: best accuracy {best_cloze:.3f} against a chance level of 0.250 "
      f"({len(questions)} items, standard error near chance {standard_error:.3f}); lettered format: "
      f"{mc_table[mc_table['format'] == 'letters']['acc'].max():.3f}.")
print(f"- Natural 13-gram contamination of our held-out items: {int(natural['contaminated'].sum())} of {len(items)}.")
print(f"- Planted items: the contaminated model scores {contaminated_model['contaminated']:.3f} on them vs "
      f"{contaminated_model['clean']:.3f} on clean items (inflation {contaminated_model['inflation']:+.3f}); "
      f"the clean model's gap on the same split is {control['inflation']:+.3f}.")
