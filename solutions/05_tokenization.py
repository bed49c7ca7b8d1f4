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
# # 05 · Tokenization: BPE from scratch and fast, and what each domain costs
#
# **Learning goals**
# - Train byte-level BPE by hand: see the first merges it learns and how a sentence gets shorter merge by merge.
# - Check that our from-scratch BPE and the Hugging Face `tokenizers` library learn the same thing (same compression), and see how much faster Rust is.
# - Measure **bytes per token** per domain: a token budget buys different amounts of text in different domains.
# - See the vocabulary-size trade-off: fewer tokens per byte against a bigger embedding matrix.
# - Turn the corpus into per-domain **token shards** that the trainer samples by mixture.
#
# A model never sees characters. It sees token ids, and a token budget ("train on 15T tokens")
# means different amounts of text depending on how well the tokenizer compresses each domain.

# %%
import time

import matplotlib.pyplot as plt
import pandas as pd

from cs229llm import config
from cs229llm.data.samples import domain_corpus
from cs229llm.tokenization.bpe import TeachingBPE
from cs229llm.tokenization.train import bytes_per_token, compression_by_domain, train_tokenizer

profile = config.get_profile()
print(f"profile: {profile.name} ({profile.description})")
config.set_threads()

train_docs = domain_corpus("train")
train_docs = train_docs[train_docs["text"].str.len() > 0]
corpus_bytes = train_docs["text"].map(lambda t: len(t.encode("utf-8")))
print(f"{len(train_docs):,} training documents, {corpus_bytes.sum() / 1e6:.2f} MB of text")
train_docs.assign(bytes=corpus_bytes).groupby("domain")["bytes"].agg(["count", "sum"]).rename(
    columns={"count": "documents", "sum": "bytes"})

# %% [markdown]
# ## 1. BPE step by step
#
# Byte-level BPE starts from the 256 byte values, so any text (emoji, Chinese, binary junk) can be
# encoded: nothing is ever "unknown". GPT-2's regex first splits text into words (a leading space
# stays with the word, punctuation and whitespace runs are separate), and merges never cross a word
# boundary. Training then repeats one step: **count every adjacent pair of tokens, merge the most
# frequent pair into a new token.** Here are the first merges learned from a slice of the corpus.

# %%
sample_bytes = config.by_profile(ci=150_000, laptop=1_000_000)
sample_texts, used = [], 0
for text in train_docs.sample(frac=1.0, random_state=0)["text"]:
    sample_texts.append(text)
    used += len(text.encode("utf-8"))
    if used >= sample_bytes:
        break
small_vocab = config.by_profile(ci=512, laptop=768)

started = time.perf_counter()
teaching = TeachingBPE.train(sample_texts, vocab_size=small_vocab)
teaching_seconds = time.perf_counter() - started
first_merges = pd.DataFrame(
    [{"rank": step.rank, "left": repr(step.pair_bytes[0].decode("utf-8", "replace")),
      "right": repr(step.pair_bytes[1].decode("utf-8", "replace")),
      "new token": repr((step.pair_bytes[0] + step.pair_bytes[1]).decode("utf-8", "replace")),
      "pair count": step.count} for step in teaching.history[:12]])
print(f"teaching BPE: {len(teaching.merges)} merges on {used / 1e6:.2f} MB in {teaching_seconds:.1f} s")
first_merges

# %% [markdown]
# **Exercise 05.1: the pair counts of one training step.** Training works on the *unique* words of the corpus, each
# as a list of token ids (at the start, its UTF-8 bytes), with how often the word occurs. Write
# `bpe_pair_counts(words, frequencies)`: a dict from every adjacent pair `(left, right)` of token ids to its count,
#
# count(a, b) = Σ over words w of frequency(w) × (number of positions i where w[i] = a and w[i+1] = b).
#
# A pair that occurs twice inside a word counts twice; a pair never spans two words (the pre-split keeps merges
# inside words); `(a, b)` and `(b, a)` are different pairs. Run the cell: the check tries your function on 8 cases,
# edge cases included (one-token words, no words, repeated pairs). Until it passes, the notebook carries on with the
# package's implementation (`cs229llm.tokenization.bpe.count_pairs`).

# %%
from cs229llm.exercises import check


def bpe_pair_counts(words, frequencies):
    """{(left, right): how often the pair occurs in the corpus}, each word's pairs weighted by its frequency."""
    ### BEGIN SOLUTION
    counts = {}
    for ids, frequency in zip(words, frequencies):
        for pair in zip(ids, ids[1:]):
            counts[pair] = counts.get(pair, 0) + frequency
    return counts
    ### END SOLUTION


check("bpe_pair_counts", bpe_pair_counts)

# %% [markdown]
# Your counts on the same slice of the corpus the teaching BPE trained on: the most frequent pairs, and the count
# your table gives the pair that training merged first. (Among pairs of equal count, training merges the one that
# comes first in the library's token order, so on a tie the top of your list may show another pair.)

# %%
from collections import Counter

import regex

from cs229llm.exercises import use
from cs229llm.tokenization.bpe import GPT2_SPLIT_PATTERN

bpe_pair_counts = use("bpe_pair_counts", bpe_pair_counts)
word_counts = Counter(word for text in sample_texts for word in regex.findall(GPT2_SPLIT_PATTERN, text))
words = [list(word.encode("utf-8")) for word in word_counts]
frequencies = list(word_counts.values())
your_counts = bpe_pair_counts(words, frequencies)
first_step = teaching.history[0]


def spelled(pair):
    return repr(bytes(pair).decode("utf-8", "replace"))


print(f"{len(words):,} unique words, {len(your_counts):,} distinct pairs; the most frequent:")
for pair, count in sorted(your_counts.items(), key=lambda item: -item[1])[:5]:
    print(f"  {spelled(pair):>8} {count:,}")
print(f"training merged {spelled(first_step.pair)} first, counted {first_step.count:,} times; "
      f"your table: {your_counts.get(first_step.pair, 0):,}")

# %% [markdown]
# **Exercise 05.2: apply a merge.** Once the pair is chosen, every word that contains it is rewritten with the new
# token. Write `bpe_merge_pair(ids, pair, new_id)`: the list `ids` with every occurrence of `pair` replaced by
# `new_id`, scanning **left to right** and never reusing a token that was just merged (so `[1, 1, 1]` with the pair
# `(1, 1)` becomes `[new_id, 1]`, and `[1, 1, 1, 1]` becomes `[new_id, new_id]`). Return a new list; an empty or
# one-token list comes back unchanged. Run the cell: the check tries your function on 9 cases, edge cases included.
# Until it passes, the notebook carries on with the package's implementation.

# %%
from cs229llm.exercises import check


def bpe_merge_pair(ids, pair, new_id):
    """``ids`` with each non-overlapping occurrence of ``pair`` (left to right) replaced by ``new_id``."""
    ### BEGIN SOLUTION
    merged, index = [], 0
    while index < len(ids):
        if index + 1 < len(ids) and (ids[index], ids[index + 1]) == tuple(pair):
            merged.append(new_id)
            index += 2
        else:
            merged.append(ids[index])
            index += 1
    return merged
    ### END SOLUTION


check("bpe_merge_pair", bpe_merge_pair)

# %% [markdown]
# With both functions you can take a training step yourself: merge the first pair into every word, count the pairs
# again, and compare the count of the pair training merged second with what training recorded. (The new token's id
# is the first one after the 256 byte ids.)

# %%
from cs229llm.exercises import use

bpe_merge_pair = use("bpe_merge_pair", bpe_merge_pair)
words_after = [bpe_merge_pair(ids, first_step.pair, first_step.new_id) for ids in words]
counts_after = bpe_pair_counts(words_after, frequencies)
second_step = teaching.history[1]
example_word = max((w for w in word_counts if bytes(first_step.pair) in w.encode("utf-8")), key=word_counts.get)
example_ids = list(example_word.encode("utf-8"))
print(f"{example_word!r} (seen {word_counts[example_word]:,} times): {example_ids} -> "
      f"{bpe_merge_pair(example_ids, first_step.pair, first_step.new_id)}")
print(f"tokens in the corpus: {sum(f * len(w) for w, f in zip(words, frequencies)):,} -> "
      f"{sum(f * len(w) for w, f in zip(words_after, frequencies)):,} after one merge")
second_spelled = repr(b"".join(second_step.pair_bytes).decode("utf-8", "replace"))
print(f"second merge: {second_spelled} (ids {second_step.pair}), counted {second_step.count:,} by training; "
      f"your count after your merge: {counts_after.get(second_step.pair, 0):,}")

# %% [markdown]
# The first merges glue the most common byte pairs: a space before a frequent letter, common
# letter pairs, runs of spaces (indentation in code). Later merges build whole frequent words.
# Move the slider to replay training: the sentence below is cut with only the first *k* merges
# (· marks a space).

# %%
import html

import ipywidgets as widgets
from IPython.display import display

from cs229llm.viz.panel import safe_callback

example = "The committee approved the new budget on Tuesday, and the function returns a list."
merge_slider = widgets.IntSlider(value=0, min=0, max=len(teaching.merges), step=1, description="merges",
                                 continuous_update=False, layout=widgets.Layout(width="480px"))
merge_slider.add_class("cs229llm-slider-merges")
merge_readout = widgets.HTML()
merge_readout.add_class("cs229llm-readout")
merge_output = widgets.Output()


@safe_callback(merge_output)
def show_merges(change=None):
    partial = teaching.with_first_merges(merge_slider.value)
    pieces = partial.pieces(example)
    n_bytes = len(example.encode("utf-8"))
    merge_readout.value = (f"merges={merge_slider.value} tokens={len(pieces)} "
                           f"bytes_per_token={n_bytes / len(pieces):.3f}")
    shown = [piece.replace(" ", "·").replace("\n", "↵") for piece in pieces]  # make spaces visible
    boxes = "".join(f"<span style='display:inline-block;border:1px solid #999;margin:1px;padding:0 2px;"
                    f"white-space:pre'>{html.escape(piece)}</span>" for piece in shown)
    display(widgets.HTML(f"<div style='line-height:2'>{boxes}</div>"))


merge_slider.observe(show_merges, "value")
merge_panel = widgets.VBox([merge_slider, merge_readout, merge_output])
merge_panel.add_class("cs229llm-panel-bpe-merges")
display(merge_panel)
show_merges()

# %% [markdown]
# ## 2. The same algorithm, fast: Hugging Face `tokenizers`
#
# The library does exactly this (byte-level alphabet, the GPT-2 regex, most frequent pair first)
# in Rust. Trained on the same text with the same vocabulary size, both must compress the text
# equally well, and both must give back the exact text they were given.

# %%
started = time.perf_counter()
library = train_tokenizer(sample_texts, vocab_size=small_vocab)
library_seconds = time.perf_counter() - started
teaching_bpt = bytes_per_token(teaching, sample_texts)
library_bpt = bytes_per_token(library, sample_texts)
agreement = abs(teaching_bpt - library_bpt) / library_bpt
pd.DataFrame([
    {"implementation": "teaching BPE (Python)", "train seconds": teaching_seconds, "bytes per token": teaching_bpt},
    {"implementation": "HF tokenizers (Rust)", "train seconds": library_seconds, "bytes per token": library_bpt},
]).round(3)

# %%
tricky = "naïve café 😀🎉  two  spaces\tand a tab\n\n    def f(x): return x ** 2  # 中文"
for tokenizer in (teaching, library):
    assert tokenizer.decode(tokenizer.encode(tricky)) == tricky
assert agreement < 0.02, f"the two BPEs should compress within 2% of each other, got {agreement:.1%}"
print(f"both round-trip exactly; compression differs by {agreement:.2%}; "
      f"the library trained {teaching_seconds / library_seconds:.1f}x faster")

# %% [markdown]
# **A common misreading.** A tokenizer with a bigger vocabulary does not lose information: byte-level BPE is lossless at every vocabulary size (the assert above).
# What changes is *how many* tokens a text costs.

# %% [markdown]
# ## 3. What each domain costs
#
# We now train the course tokenizer on the whole training split and count bytes per token in each
# domain. A domain with fewer bytes per token is more expensive: the same token budget covers less
# of its text, and a mixture set "in tokens" gives it less text than the weights suggest.

# %%
from cs229llm.experiments.course_data import prepare_token_data
from cs229llm.tokenization.train import load_tokenizer

token_dir = prepare_token_data()  # trains the course tokenizer once and writes the token shards (section 5)
course_tokenizer = load_tokenizer(token_dir)
per_domain = compression_by_domain(course_tokenizer, train_docs)
fig, axis = plt.subplots(figsize=(7, 3))
axis.bar(per_domain["domain"], per_domain["bytes_per_token"], color="#4c72b0")
axis.set_ylabel("bytes per token")
axis.set_title(f"compression per domain (vocabulary {course_tokenizer.vocab_size})")
axis.tick_params(axis="x", rotation=30)
fig.tight_layout()
plt.show()
per_domain.round(3)

# %% [markdown]
# **Exercise 05.3: bytes per token.** Every number in that table is one ratio. Write
# `compression_bytes_per_token(texts, encoded)`, where `encoded[i]` is the list of token ids of `texts[i]`: the
# total number of UTF-8 bytes of all the texts divided by the total number of tokens,
#
# bytes per token = Σ_i len(texts[i] in UTF-8) / Σ_i len(encoded[i]).
#
# Bytes, not characters (`"é"` is two bytes, an emoji four), and a ratio of totals, not the mean of each text's
# ratio (a long document weighs more than a short one; an empty text adds nothing). Run the cell: the check tries
# your function on 7 cases, edge cases included. Until it passes, the notebook carries on with the package's
# implementation (`cs229llm.tokenization.train.bytes_per_token`).

# %%
from cs229llm.exercises import check


def compression_bytes_per_token(texts, encoded):
    """Total UTF-8 bytes of ``texts`` over their total number of tokens."""
    ### BEGIN SOLUTION
    total_bytes = sum(len(text.encode("utf-8")) for text in texts)
    total_tokens = sum(len(ids) for ids in encoded)
    return total_bytes / total_tokens
    ### END SOLUTION


check("compression_bytes_per_token", compression_bytes_per_token)

# %% [markdown]
# Your ratio, domain by domain, from the course tokenizer's encodings of the training documents, beside the table's.

# %%
from cs229llm.exercises import use

compression_bytes_per_token = use("compression_bytes_per_token", compression_bytes_per_token)
yours = {}
for domain, group in train_docs.groupby("domain"):
    texts = [text for text in group["text"] if text]
    yours[domain] = compression_bytes_per_token(texts, course_tokenizer.encode_batch(texts))
per_domain.assign(yours=per_domain["domain"].map(yours))[["domain", "bytes_per_token", "yours"]].round(3)

# %% [markdown]
# ## 4. Vocabulary size: a trade-off
#
# More merges mean fewer tokens per byte (shorter sequences: less compute and a longer effective
# context per token), but the embedding and output matrices grow as V × d_model, and rare tokens
# get few training examples. Production tokenizers are trained on vastly more text with far larger
# vocabularies; our corpus is tiny and generated from small word lists, so a couple of thousand merges
# already turn most of its frequent words into single tokens.

# %%
vocab_sizes = config.by_profile(ci=[260, 384, 512, 1024, 2048], laptop=[260, 512, 1024, 2048, 4096, 8192])
tradeoff_texts = train_docs.sample(frac=config.by_profile(ci=0.3, laptop=1.0), random_state=1)["text"].tolist()
d_model = 128
tradeoff = []
for size in vocab_sizes:
    tokenizer = train_tokenizer(tradeoff_texts, vocab_size=size)
    tradeoff.append({"vocab_size": tokenizer.vocab_size,
                     "bytes_per_token": bytes_per_token(tokenizer, tradeoff_texts),
                     "embedding_parameters": tokenizer.vocab_size * d_model})
tradeoff = pd.DataFrame(tradeoff)
fig, axis = plt.subplots(figsize=(7, 3))
axis.plot(tradeoff["vocab_size"], tradeoff["bytes_per_token"], "o-", color="#4c72b0")
axis.set_xscale("log", base=2)
axis.set_xlabel("vocabulary size")
axis.set_ylabel("bytes per token", color="#4c72b0")
second = axis.twinx()
second.plot(tradeoff["vocab_size"], tradeoff["embedding_parameters"] / 1e3, "s--", color="#c44e52")
second.set_ylabel(f"embedding params (k, d={d_model})", color="#c44e52")
axis.set_title("vocabulary size: compression against embedding size")
fig.tight_layout()
plt.show()
tradeoff.round(3)

# %%
assert tradeoff["bytes_per_token"].is_monotonic_increasing, "more merges can never make text longer in tokens"
assert tradeoff["bytes_per_token"].iloc[0] < 1.1, "with (almost) no merges, a token is about one byte"

# %% [markdown]
# ## 5. Token shards: what the trainer reads
#
# Each domain becomes one flat file of token ids (uint16 while the vocabulary fits in 16 bits) behind
# a small JSON header, with an end-of-text token after every document. The trainer's
# `MixtureSampler` draws a domain for every row of a batch by the mixture's proportions, then a
# random window inside that domain's file: no text is re-tokenized during training.

# %%
from cs229llm.tokenization.shards import MixtureSampler, read_manifest

manifest = read_manifest(token_dir / "train")
shard_table = pd.DataFrame(manifest["domains"]).T
shard_table["bytes_per_token"] = shard_table["bytes"] / shard_table["tokens"]
print(f"shards in {token_dir}: vocabulary {manifest['vocab_size']}, {manifest['dtype']}, "
      f"tokenizer {manifest['tokenizer_fingerprint']}")
shard_table

# %%
# NBVAL_CHECK_OUTPUT
# (the vocabulary size depends on the profile, so this cell, which is compared in the tests, leaves it out)
print(f"{manifest['dtype']} token ids, end-of-text id {manifest['eot_id']}, "
      f"domains: {', '.join(sorted(manifest['domains']))}")
print("documents per domain:", {d: v["documents"] for d, v in sorted(manifest["domains"].items())})

# %%
sampler = MixtureSampler(token_dir / "train", {"code": 1.0, "books": 1.0}, batch_size=4, seq_len=24, seed=0)
x, y = sampler.next_batch()
for row in x[:2]:
    print(repr(course_tokenizer.decode(row.tolist())))
assert (x[:, 1:] == y[:, :-1]).all(), "targets are the inputs shifted by one token"
print(f"batch shapes: x {tuple(x.shape)}, y {tuple(y.shape)}; the sampler is now at step {sampler.state_dict()['step']}")

# %% [markdown]
# ## What we measured

# %%
cheapest, dearest = per_domain.iloc[0], per_domain.iloc[-1]
print(f"- Teaching BPE and HF tokenizers on {used / 1e6:.2f} MB, vocabulary {small_vocab}: "
      f"{teaching_bpt:.3f} vs {library_bpt:.3f} bytes per token ({agreement:.2%} apart); "
      f"training took {teaching_seconds:.2f} s vs {library_seconds:.2f} s.")
print(f"- With the course tokenizer (vocabulary {course_tokenizer.vocab_size}), {cheapest['domain']} compresses best "
      f"({cheapest['bytes_per_token']:.2f} bytes/token) and {dearest['domain']} worst "
      f"({dearest['bytes_per_token']:.2f}): a token of {dearest['domain']} carries "
      f"{dearest['bytes_per_token'] / cheapest['bytes_per_token']:.0%} of the text a token of {cheapest['domain']} does.")
print(f"- Vocabulary {tradeoff['vocab_size'].iloc[0]} -> {tradeoff['vocab_size'].iloc[-1]}: bytes per token "
      f"{tradeoff['bytes_per_token'].iloc[0]:.2f} -> {tradeoff['bytes_per_token'].iloc[-1]:.2f}, embedding "
      f"parameters x{tradeoff['embedding_parameters'].iloc[-1] / tradeoff['embedding_parameters'].iloc[0]:.0f}.")
print(f"- Shards: {sum(v['tokens'] for v in manifest['domains'].values()):,} training tokens "
      f"in {len(manifest['domains'])} domain files.")
