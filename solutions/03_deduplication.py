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
# # 03 · Deduplication
#
# **Learning goals**
# - Tell exact duplicates (same text, maybe other whitespace) from near-duplicates (edited or
#   syndicated copies), and remove repeated boilerplate lines across documents.
# - Compute MinHash signatures of word 5-gram shingles and check that they estimate Jaccard
#   similarity within the theory's error sqrt(J(1-J)/k).
# - Choose LSH bands x rows from a threshold, read the S-curve, and see why candidate pairs must be
#   verified before clusters are merged.
# - Measure pair precision and recall against the crawl's ground truth, and the speed of three
#   MinHash implementations.
# - Write four pieces yourself: repeated lines, word shingles, a MinHash signature and the S-curve.
#
# The web repeats itself: mirrors, syndicated articles, templated pages. Training on the same text
# many times wastes compute and encourages memorisation, so every large pipeline deduplicates.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cs229llm import config
from cs229llm.data.documents import is_kept

profile = config.get_profile()
print(f"profile: {profile.name} ({profile.description})")
SPEED_DOCS = config.by_profile(ci=150, laptop=1000)  # documents per implementation in the speed chart
RUN_DASK = config.by_profile(ci=False, laptop=True)  # a LocalCluster takes seconds to start

# %% [markdown]
# ## The crawl, extracted to text
#
# We read the sample crawl (WARC), extract each page's main text with resiliparse (notebook 01) and
# join the ground truth: `kind` says whether a page is an original, a mirror, a syndicated or edited
# copy, templated, a listing or junk; `dup_group` groups copies; `similarity` is the word-5-gram
# Jaccard of a copy to its original.

# %%
from cs229llm.data.domains import labelled_crawl

crawl = labelled_crawl()
docs = crawl[is_kept(crawl)].reset_index(drop=True)
print(f"{len(crawl)} HTML records, {len(docs)} with text after extraction")
docs["kind"].value_counts().rename("documents").to_frame().T

# %% [markdown]
# ## Exact duplicates and repeated lines
#
# An exact duplicate has the same text once whitespace is normalised: one hash per document finds
# them all in one pass. Line-level dedup removes lines that appear in many documents (navigation,
# cookie banners, "first appeared on" notes) from every document that has them.

# %%
# NBVAL_CHECK_OUTPUT
from cs229llm.data.dedup import exact_dedup, line_dedup, line_dedup_report

exact = exact_dedup(docs)
exact_dropped = int((exact["dropped_by"] == "exact_dedup").sum())
print(f"exact duplicates dropped: {exact_dropped} of {len(docs)}")
print(exact.loc[exact["dropped_by"] == "exact_dedup", "kind"].value_counts().to_string())

# %% [markdown]
# **Exercise 03.1: lines repeated across documents.** Line-level dedup first finds the lines that occur in
# many *different* documents. Write `repeated_lines(texts, min_documents)` that returns a dict
# `{line: number of documents it occurs in}` for the lines found in at least `min_documents` documents.
# Split each text into lines (`str.splitlines`), normalise each line's whitespace (every run of spaces,
# tabs and so on becomes one space, and the ends are stripped: `" Home  |  About "` is `"Home | About"`),
# skip blank lines, and count a line once per document however often that document repeats it. Case
# matters. Signature: `repeated_lines(texts: list[str], min_documents: int) -> dict[str, int]`.
#
# Run the cell: the check tries your function on 9 cases, edge cases included. Until it passes, the
# notebook carries on with the package's implementation.

# %%
from collections import Counter

from cs229llm.exercises import check


def repeated_lines(texts, min_documents):
    """Whitespace-normalised line -> number of documents holding it, for lines in >= min_documents documents."""
    ### BEGIN SOLUTION
    documents_with = Counter()
    for text in texts:
        lines = {" ".join(line.split()) for line in text.splitlines()}
        documents_with.update(line for line in lines if line)
    return {line: count for line, count in documents_with.items() if count >= min_documents}
    ### END SOLUTION


check("repeated_lines", repeated_lines)

# %% [markdown]
# Your function on the crawl: the lines in at least 5 documents, most repeated first. `line_dedup` then
# removes them from every document (the package's stage; its report below counts what went).

# %%
from cs229llm.exercises import use

repeated_lines = use("repeated_lines", repeated_lines)
your_repeated = repeated_lines(docs["text"].tolist(), 5)
lines_out = line_dedup(docs, min_documents=5)
line_report = line_dedup_report(docs, lines_out, min_documents=5)
print(f"your repeated_lines: {len(your_repeated)} distinct lines in >= 5 documents; "
      f"the stage removed {line_report.distinct_lines_removed}")
print(f"lines seen: {line_report.lines_seen}, removed: {line_report.lines_removed} "
      f"({line_report.distinct_lines_removed} distinct lines in >= 5 documents), "
      f"documents emptied: {line_report.documents_emptied}")
pd.DataFrame(sorted(your_repeated.items(), key=lambda item: -item[1])[:6], columns=["repeated line", "documents"])

# %% [markdown]
# Mirrors are exact copies, so exact dedup catches them; whichever copy comes first in the crawl is
# kept, which is why some originals are dropped in favour of an earlier mirror. Syndicated and
# edited copies differ by a few words or a line, so their hash differs: that is what MinHash is for.
#
# ## Shingles, Jaccard and MinHash
#
# A document becomes the set of its word 5-grams (shingles). The Jaccard similarity of two sets is
# |A ∩ B| / |A ∪ B|.
#
# **Exercise 03.2: word shingles.** Write `word_shingles(text, n)`. A *word* is a maximal run of ASCII
# letters, ASCII digits and non-ASCII characters (so `naïve` is one word); ASCII letters are lower-cased,
# and every other character (space, punctuation, `_`) only separates words: `"it's"` is the two words
# `it` and `s`. The shingles are all windows of `n` consecutive words, joined by one space, in order and
# with repeats kept (the set is taken later). A text with at least one word but fewer than `n` is one
# shingle of all its words; a text without words has none. Signature:
# `word_shingles(text: str, n: int) -> list[str]`.
#
# Run the cell: the check tries your function on 9 cases, edge cases included. Until it passes, the
# notebook carries on with the package's implementation.

# %%
import re

from cs229llm.exercises import check


def word_shingles(text, n):
    """The word n-gram shingles of text, in order (one shingle if it has fewer than n words)."""
    ### BEGIN SOLUTION
    lowered = "".join(c.lower() if c.isascii() else c for c in text)
    words = re.findall(r"[0-9a-z\u0080-\U0010ffff]+", lowered)
    if not words:
        return []
    if len(words) < n:
        return [" ".join(words)]
    return [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
    ### END SOLUTION


check("word_shingles", word_shingles)

# %% [markdown]
# Your shingles on a real pair from the crawl: an original and an edited copy of it (labelled similarity
# between 0.75 and 0.9). Their Jaccard from your shingle sets, next to the package's `exact_jaccard`:

# %%
from cs229llm.data.minhash import exact_jaccard
from cs229llm.exercises import use

word_shingles = use("word_shingles", word_shingles)
edited = docs[(docs["kind"] == "edited") & docs["similarity"].between(0.75, 0.9)].iloc[0]
original = docs[(docs["dup_group"] == edited["dup_group"]) & (docs["kind"] == "original")].iloc[0]
pair = [original["text"], edited["text"]]
set_a, set_b = set(word_shingles(pair[0], 5)), set(word_shingles(pair[1], 5))
your_jaccard = len(set_a & set_b) / len(set_a | set_b)
truth = exact_jaccard(*pair)
print(f"{len(set_a)} and {len(set_b)} distinct shingles, {len(set_a & set_b)} shared: your Jaccard "
      f"{your_jaccard:.4f}, exact_jaccard {truth:.4f}")
print("first shingles of the original:", word_shingles(pair[0], 5)[:3])

# %% [markdown]
# MinHash hashes each shingle to a 32-bit number, applies k random permutations to the hashes and keeps
# the minimum of each: two documents agree on one minimum with probability exactly J, so the fraction of
# equal signature slots estimates J with standard error sqrt(J(1-J)/k).
#
# **Exercise 03.3: a MinHash signature.** The package's permutations are datasketch's: permutation `i`
# maps a shingle hash `h` to `(a[i] * fmix32(h) + b[i]) mod 2**32`, where `a, b = permutations(num_perm,
# seed)` (uint32 arrays; `a` is odd) and `fmix32` is MurmurHash3's finaliser, which mixes the bits of `h`
# first. Both come from `cs229llm.data.minhash`. Signature slot `i` is the minimum of permutation `i` over
# the document's shingle hashes:
#
# $$\text{sig}_i = \min_{h \in \text{shingles}} \big(a_i \cdot \text{fmix32}(h) + b_i\big) \bmod 2^{32}.$$
#
# A document without shingles gets `2**32 - 1` in every slot. NumPy's uint32 arithmetic wraps modulo
# $2^{32}$ by itself. Signature: `minhash_signature(hashes: np.ndarray, num_perm: int, seed: int) ->
# np.ndarray` (uint32 `[num_perm]`; `hashes` is uint32 `[S]`).
#
# Run the cell: the check tries your function on 8 cases, edge cases included. Until it passes, the
# notebook carries on with the package's implementation.

# %%
import numpy as np  # noqa: F811 - the exercise cell runs on its own too

from cs229llm.data.minhash import fmix32, permutations
from cs229llm.exercises import check


def minhash_signature(hashes, num_perm, seed):
    """MinHash signature (uint32 [num_perm]) of one document's uint32 shingle hashes."""
    ### BEGIN SOLUTION
    a, b = permutations(num_perm, seed)
    if len(hashes) == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    mixed = fmix32(np.asarray(hashes, dtype=np.uint32))
    return (a[:, None] * mixed[None, :] + b[:, None]).min(axis=1)
    ### END SOLUTION


check("minhash_signature", minhash_signature)

# %% [markdown]
# Your signatures of the same pair, from the package's shingle hashes (`shingle_hashes` hashes exactly the
# shingles above), compared slot by slot with the package's `minhash_signatures`:

# %%
from cs229llm.data.minhash import datasketch_signatures, estimated_jaccard, minhash_signatures, shingle_hashes
from cs229llm.exercises import use

minhash_signature = use("minhash_signature", minhash_signature)
hashes, offsets = shingle_hashes(pair)
yours = np.stack([minhash_signature(hashes[offsets[i]:offsets[i + 1]], 128, 1) for i in range(2)])
ours = minhash_signatures(pair, num_perm=128)
print(f"your signatures equal the package's in {int((yours == ours).sum())} of {yours.size} slots; "
      f"your estimate of J: {estimated_jaccard(yours[0], yours[1]):.3f} (true {truth:.3f})")

# %% [markdown]
# datasketch shingles the same way but hashes each shingle with SHA-1, so its signature values differ from
# the package's; its estimate of J should agree within the estimator's error.

# %%
theirs = datasketch_signatures(pair, num_perm=128)
sigma = np.sqrt(truth * (1 - truth) / 128)
print(f"true Jaccard {truth:.3f} (label: {edited['similarity']:.3f}); theory's error ±{sigma:.3f}")
print(f"ours:       {estimated_jaccard(ours[0], ours[1]):.3f}")
print(f"datasketch: {estimated_jaccard(theirs[0], theirs[1]):.3f}")

# %% [markdown]
# **A check of the package.** Both estimates must lie within a few standard errors of the truth; if one
# were far off, the two paths would be shingling differently (tokenisation, case) rather than hashing badly.

# %%
for name, signature in (("ours", ours), ("datasketch", theirs)):
    error = abs(estimated_jaccard(signature[0], signature[1]) - truth)
    assert error <= 4 * sigma, f"{name} is {error:.3f} away from the true Jaccard"
print("both estimates are within 4 standard errors")

# %% [markdown]
# ## How fast? Three implementations
#
# The textbook way updates a MinHash object shingle by shingle (`MinHash.update`); datasketch's
# `MinHash.bulk` hashes each document's shingles with SHA-1 and applies all permutations with NumPy.
# Ours tokenises a whole batch as one byte array, hashes words with a polynomial prefix sum,
# combines them into 5-gram hashes arithmetically and applies all 128 permutations to a chunk of
# shingles in one NumPy operation. Text in, signature out, on the same documents:

# %%
speed_texts = docs["text"].tolist()[:SPEED_DOCS]
implementations = {
    "datasketch update": lambda: datasketch_signatures(speed_texts[: max(20, SPEED_DOCS // 5)], method="update"),
    "datasketch bulk": lambda: datasketch_signatures(speed_texts, method="bulk"),
    "ours (NumPy)": lambda: minhash_signatures(speed_texts),
}
minhash_signatures(speed_texts[:10])  # first call allocates the hashing tables
rates = {}
for name, run in implementations.items():
    count = max(20, SPEED_DOCS // 5) if "update" in name else len(speed_texts)
    started = time.perf_counter()
    run()
    rates[name] = count / (time.perf_counter() - started)
fig, ax = plt.subplots(figsize=(7, 2.6))
ax.barh(list(rates), list(rates.values()), color=["#999999", "#e07b39", "#3b7dd8"])
ax.set_xscale("log")
ax.set_xlabel("documents per second (log scale, one core)")
ax.set_title(f"MinHash signatures, 128 permutations, word 5-grams ({len(speed_texts)} crawl documents)",
             fontsize=10)
fig.tight_layout()
plt.show()
speedup = rates["ours (NumPy)"] / rates["datasketch bulk"]
print(f"ours / datasketch bulk: {speedup:.1f}x")

# %% [markdown]
# `cs229llm bench minhash` measures the same on 2 KB documents with more repeats; the benchmark
# figures are in `benchmarks/RESULTS.md`.
#
# ## LSH banding: which pairs get compared at all?
#
# Comparing every pair of N documents costs N²/2. LSH cuts each signature into `bands` bands of
# `rows` values; two documents become *candidates* when any band is identical, which happens with
# probability 1 - (1 - J^rows)^bands: the S-curve. datasketch picks bands x rows by minimising the
# false-positive plus false-negative area around the threshold (equal weights). Because we verify
# every candidate anyway, we weigh a missed pair 9x more: more candidates, far fewer misses.

# %%
from cs229llm.data.dedup import resolve_banding
from cs229llm.viz.dedup_panel import draw_s_curve

ours_banding = resolve_banding(0.8, 128, None, None)
datasketch_banding = resolve_banding(0.8, 128, None, None, 0.5, 0.5)
fig, ax = plt.subplots(figsize=(7, 3))
draw_s_curve(ax, *ours_banding, 0.8, reference=(*datasketch_banding, f"datasketch {datasketch_banding}"))
fig.tight_layout()
plt.show()
print(f"threshold 0.8, 128 permutations: ours {ours_banding}, datasketch {datasketch_banding}")

# %% [markdown]
# **Exercise 03.4: the S-curve.** Where does that curve come from? Each signature slot of two documents
# agrees with probability J, independently of the others, so one band of `rows` slots matches with
# probability $J^{\text{rows}}$ and misses with $1 - J^{\text{rows}}$. The pair fails to become a candidate
# only if all `bands` bands miss:
#
# $$P(\text{candidate} \mid J) = 1 - \left(1 - J^{\text{rows}}\right)^{\text{bands}}.$$
#
# Write `lsh_candidate_probability(similarity: float, bands: int, rows: int) -> float`.
#
# Run the cell: the check tries your function on 9 cases, edge cases included. Until it passes, the
# notebook carries on with the package's implementation.

# %%
from cs229llm.exercises import check


def lsh_candidate_probability(similarity, bands, rows):
    """P(two documents with Jaccard similarity share at least one of `bands` bands of `rows` slots)."""
    ### BEGIN SOLUTION
    return 1.0 - (1.0 - similarity ** rows) ** bands
    ### END SOLUTION


check("lsh_candidate_probability", lsh_candidate_probability)

# %% [markdown]
# Your S-curve for the two bandings above: the chance that a pair at each similarity is compared at all.

# %%
from cs229llm.exercises import use

lsh_candidate_probability = use("lsh_candidate_probability", lsh_candidate_probability)
similarities = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
pd.DataFrame({f"ours {ours_banding}": [lsh_candidate_probability(J, *ours_banding) for J in similarities],
              f"datasketch {datasketch_banding}": [lsh_candidate_probability(J, *datasketch_banding)
                                                   for J in similarities]},
             index=pd.Index(similarities, name="Jaccard")).round(3)

# %% [markdown]
# ## Near dedup on the crawl, against ground truth
#
# The crawl's `dup_group` also joins pages that are not near-duplicates by Jaccard (template
# families share a layout but only 10-40% of their 5-grams; heavily edited copies go down to 0.35).
# So the ground truth at a threshold keeps a copy in its group only when its labelled similarity
# reaches the threshold (`near_duplicate_truth`). Pair precision: of the pairs we put in one
# cluster, the share that truly belong together; recall: of the true pairs, the share we found.

# %%
from cs229llm.data.lsh import pair_precision_recall
from cs229llm.viz.dedup_panel import DedupExplorer

started = time.perf_counter()
explorer = DedupExplorer(docs)
signature_seconds = time.perf_counter() - started
verified = explorer.evaluate(0.8, 128)
unverified = explorer.evaluate(0.8, 128, *datasketch_banding, verify=False)
raw_groups = pair_precision_recall(verified["roots"], docs["dup_group"])
comparison = pd.DataFrame([
    {"method": "ours: recall-leaning banding + verified pairs", "bands x rows": f"{verified['bands']} x {verified['rows']}",
     "candidates": verified["candidates"], "precision": verified["precision"], "recall": verified["recall"]},
    {"method": "plain LSH: datasketch banding, no verification",
     "bands x rows": f"{unverified['bands']} x {unverified['rows']}", "candidates": unverified["candidates"],
     "precision": unverified["precision"], "recall": unverified["recall"]},
])
print(f"signatures of {len(docs)} documents at 256 permutations: {signature_seconds:.2f} s")
comparison.round(3)

# %% [markdown]
# Against the raw `dup_group` labels (template families counted as duplicates) the same clusters
# score a much lower recall (below): MinHash at 0.8 is not meant to find pages that only share a
# template; that is the quality filters' job (notebook 02).

# %%
print(f"against raw dup_group: precision {raw_groups['precision']:.3f}, recall {raw_groups['recall']:.3f}")

# %% [markdown]
# **A check of the package.** The course's target for its near dedup is pair precision and recall of at
# least 0.95 at threshold 0.8.

# %%
assert verified["precision"] >= 0.95 and verified["recall"] >= 0.95, verified
print(f"precision {verified['precision']:.3f} and recall {verified['recall']:.3f} reach 0.95")

# %% [markdown]
# ## One cluster, up close
#
# The largest cluster that holds edited or syndicated copies (the biggest ones are identical junk
# pages): the kept member (its first in crawl order) and the copies marked as its near-duplicates,
# with their labelled kind and similarity.

# %%
roots = verified["roots"]
clusters = pd.DataFrame({"root": roots, "kind": docs["kind"]})
with_copies = clusters[clusters["kind"].isin(["edited", "syndicated"])]["root"].unique()
sizes = clusters[clusters["root"].isin(with_copies)]["root"].value_counts()
example_root = int(sizes.index[0])
members = docs.loc[roots == example_root, ["id", "kind", "similarity", "url", "text"]].copy()
members["kept"] = members.index == example_root
members["text"] = members["text"].str.slice(0, 90).str.replace("\n", " ") + "..."
members[["kept", "kind", "similarity", "url", "text"]]

# %% [markdown]
# ## Explore: threshold, permutations, bands and rows
#
# The signatures above are cached; moving a slider re-runs only the banding, the verification and
# the clustering. Try: fewer permutations (the S-curve gets shallower: more misses or more
# candidates), untick "derive" and pick few bands with many rows (recall collapses), or a low
# threshold (precision falls: pages that merely share boilerplate get merged).

# %%
from cs229llm.viz.dedup_panel import dedup_panel

dedup_panel(explorer)

# %% [markdown]
# ## Beyond one machine
#
# `near_dedup(..., engine="dask")` computes signatures and band keys per partition on Dask
# workers. Each band is its own hash table, so one task per band receives that band's keys from
# every partition and turns equal keys into candidate pairs. Verification also runs next to the
# texts: each partition computes the shingle sets of its own documents that appear in a candidate
# pair, and one task per pair of partitions compares them. Only the pairs travel to the driver,
# which joins them into clusters.
# For a corpus on disk, the workers read the shards themselves:
# `find_near_duplicates_dask(dd.read_parquet("shards/*.parquet"))`. The clusters are identical to
# the pandas engine's (tests check both inputs). Skipped in the ci profile: a LocalCluster takes
# seconds to start.

# %%
from cs229llm.data.dedup import near_dedup

pandas_result = near_dedup(docs[["id", "text"]].copy())
if RUN_DASK:
    from cs229llm.data.pipeline import close_dask_clients

    dask_result = near_dedup(docs[["id", "text"]].copy(), engine="dask")
    close_dask_clients()
    same = dask_result["cluster_id"].equals(pandas_result["cluster_id"])
    print(f"dask clusters identical to pandas: {same}")
    assert same
print(f"near_dedup marked {int(pandas_result['duplicate'].sum())} documents as duplicates")

# %% [markdown]
# ## What we measured

# %%
print(f"- {len(docs)} crawl documents with text; exact dedup dropped {exact_dropped}; line dedup removed "
      f"{line_report.lines_removed} repeated lines")
print(f"- an edited copy at true Jaccard {truth:.3f}: ours {estimated_jaccard(ours[0], ours[1]):.3f}, "
      f"datasketch {estimated_jaccard(theirs[0], theirs[1]):.3f} (theory ±{sigma:.3f})")
print(f"- signature speed on crawl documents: ours {rates['ours (NumPy)']:,.0f} docs/s, datasketch bulk "
      f"{rates['datasketch bulk']:,.0f}, update {rates['datasketch update']:,.0f} ({speedup:.1f}x over bulk)")
print(f"- threshold 0.8: {verified['bands']} x {verified['rows']} banding, {verified['candidates']} candidates, "
      f"precision {verified['precision']:.3f}, recall {verified['recall']:.3f}; plain LSH "
      f"({unverified['bands']} x {unverified['rows']}, unverified): precision {unverified['precision']:.3f}, "
      f"recall {unverified['recall']:.3f}")
