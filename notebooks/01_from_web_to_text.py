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
# # 01 · From the web to text
#
# **Learning goals**
# - Read a raw WARC record: the format Common Crawl ships the web in (WARC headers, HTTP headers, HTML bytes).
# - See how much of a web page is boilerplate, and compare three ways of getting the text out: naive
#   (every text node), resiliparse and trafilatura (main-content heuristics).
# - Identify the language of every page with an offline model and a score threshold, and measure how
#   often it is right against the crawl's ground truth.
# - Mask personal data (e-mails, phone numbers, IP addresses) and count what was masked.
# - Write two pieces yourself: the share of a page an extractor removes, and the e-mail mask.
#
# The lecture's pipeline starts here: billions of crawled pages go in, and most of what comes out of
# this first stretch is already thrown away. Every drop below is counted with its reason.

# %%
import time

import matplotlib.pyplot as plt
import pandas as pd

from cs229llm import config
from cs229llm.data.samples import crawl_paths, load_labels

profile = config.get_profile()
print(f"profile: {profile.name} ({profile.description})")
MAX_DOCUMENTS = config.by_profile(ci=600, laptop=None)  # None: the whole crawl

# %% [markdown]
# ## A raw WARC record
#
# A crawl is a sequence of WARC records. A `response` record holds WARC headers (what was fetched,
# when, a record id), then the HTTP response exactly as the server sent it: status line, headers, body.

# %%
from warcio.archiveiterator import ArchiveIterator

with open(crawl_paths()[0], "rb") as handle:
    for record in ArchiveIterator(handle):
        if record.rec_type == "response":
            warc_headers = record.rec_headers.headers
            http_headers = record.http_headers.headers
            body_start = record.content_stream().read(400)
            break
print("WARC headers:")
for name, value in warc_headers:
    print(f"  {name}: {value}")
print("HTTP headers:")
for name, value in http_headers:
    print(f"  {name}: {value}")
print("first bytes of the body:")
print(body_start.decode("utf-8", errors="replace"))

# %% [markdown]
# `read_warc` turns the crawl into the documents table: one row per HTML response. Records that are
# not HTML (images, PDFs, redirects, errors) stay in the table, marked dropped by the reader with their reason.

# %%
from cs229llm.data.documents import drop_reasons
from cs229llm.data.warc import read_warc

crawl, report = read_warc(crawl_paths(), include_skipped=True, max_documents=MAX_DOCUMENTS)
labels = load_labels().rename(columns={"record_id": "warc_record_id", "lang": "true_lang"})
crawl = crawl.merge(labels[["warc_record_id", "true_lang", "quality", "domain", "kind"]],
                    on="warc_record_id", how="left")
print(report)
drop_reasons(crawl)

# %% [markdown]
# ## Three extractors on one page
#
# The naive extractor keeps every visible text node: navigation, cookie banners, "related articles",
# footers. resiliparse and trafilatura use main-content heuristics (block density, link density, tag
# names) to keep the article.

# %%
from cs229llm.data.extract import METHODS, html_to_text

pages = crawl[crawl["dropped_by"].isna()]
example = pages[(pages["true_lang"] == "en") & (pages["quality"] == "good")].iloc[0]
texts = {method: html_to_text(example["html"], method)[0] for method in METHODS}
print(example["url"])
for method, text in texts.items():
    print(f"\n=== {method}: {len(text):,} characters ===")
    print(text[:700])

# %% [markdown]
# **Exercise 01.1: the boilerplate share.** How much of a page did an extractor throw away? Compare its
# text with the naive text (everything visible) by length in characters:
#
# $$\text{share removed} = 1 - \frac{\text{len(main)}}{\text{len(naive)}},$$
#
# never below 0 (an extractor may add a few characters of its own, such as list bullets),
# and 0 when the naive text is empty (nothing was there to remove).
# Signature: `boilerplate_share(naive: str, main: str) -> float`.
#
# Run the cell: the check tries your function on 8 cases, edge cases included. Until it passes, the
# notebook carries on with the package's implementation.

# %%
from cs229llm.exercises import check


def boilerplate_share(naive, main):
    """Fraction of the naive text's characters that main-content extraction removed (0..1)."""
    raise NotImplementedError("your turn: write this part")


check("boilerplate_share", boilerplate_share)

# %% [markdown]
# **Measure it.** Over a sample of pages: what share of the naive text does each main-content extractor
# remove (your `boilerplate_share`, page by page), and how fast is each one?

# %%
from cs229llm.exercises import use

boilerplate_share = use("boilerplate_share", boilerplate_share)
sample = pages.head(config.by_profile(ci=40, laptop=200))
extracted, rows = {}, []
for method in METHODS:
    start = time.perf_counter()
    extracted[method] = [html_to_text(page, method)[0] for page in sample["html"]]
    seconds = time.perf_counter() - start
    rows.append({"method": method, "pages_per_s": len(sample) / seconds,
                 "mean_chars": sum(map(len, extracted[method])) / len(sample)})
for row in rows:
    shares = [boilerplate_share(naive, main) for naive, main in zip(extracted["naive"], extracted[row["method"]])]
    row["boilerplate_removed"] = sum(shares) / len(shares)
extraction_speed = pd.DataFrame(rows).set_index("method")
extraction_speed.round(3)

# %%
share = extraction_speed["boilerplate_removed"]
assert share["naive"] == 0.0 and share["resiliparse"] > 0.2 and share["trafilatura"] > 0.2
assert extraction_speed.loc["resiliparse", "pages_per_s"] > extraction_speed.loc["trafilatura", "pages_per_s"]

# %% [markdown]
# Pick a page and a method. The readout shows how many characters the naive baseline has and how much
# of it the chosen method removed.

# %%
from cs229llm.viz.extraction_panel import extraction_panel

extraction_panel(pages.head(60))

# %% [markdown]
# ## The extraction stage on the whole crawl
#
# `extract_text` is the stage function: it fills `text` for every kept row, truncates pages above a
# size cap (counted in `html_truncated`) and drops pages that yield no text, with the reason.

# %%
from cs229llm.data.extract import extract_text
from cs229llm.data.pipeline import funnel, run_pipeline

start = time.perf_counter()
docs = run_pipeline(crawl, [extract_text])
extract_seconds = time.perf_counter() - start
print(f"resiliparse on {len(docs):,} records: {extract_seconds:.1f} s")
funnel(docs)

# %% [markdown]
# ## Language identification
#
# py3langid is a naive Bayes model over byte n-grams, shipped inside the package (no download).
# Its probabilities are normalised over 97 languages. FineWeb keeps a page when the English score
# is at least 0.65 (they used fastText's lid.176; see docs/references.md#fineweb-langid). Here we can check the model
# against the crawl's ground truth: the generator knows which language each page is in.

# %%
from cs229llm.data.langid import FINEWEB_THRESHOLD, identify_language

start = time.perf_counter()
docs = run_pipeline(docs, [identify_language])
langid_seconds = time.perf_counter() - start
scored = docs[docs["lang"] != ""]
langid_accuracy = float((scored["lang"] == scored["true_lang"]).mean())
print(f"langid on {len(scored):,} documents in {langid_seconds:.1f} s; "
      f"accuracy against the ground truth: {langid_accuracy:.3f}")
pd.crosstab(scored["true_lang"].replace("", "(none)"), scored["lang"], margins=True)

# %% [markdown]
# Where is it wrong? Mostly on very short texts (a menu page, a "page 6 of the archive" listing),
# where a few words decide. The score tells us: wrong answers have low scores.

# %%
scored = scored.assign(correct=scored["lang"] == scored["true_lang"],
                       words=scored["text"].str.split().str.len())
fig, axes = plt.subplots(1, 2, figsize=(7, 3))
axes[0].hist([scored.loc[scored.correct, "lang_score"], scored.loc[~scored.correct, "lang_score"]],
             bins=20, label=["correct", "wrong"], color=["#3b7dd8", "#e07b39"])
axes[0].axvline(FINEWEB_THRESHOLD, color="black", linestyle="--", linewidth=1)
axes[0].set_xlabel("language score")
axes[0].legend(fontsize=8)
axes[1].scatter(scored["words"], scored["lang_score"], s=4, c=scored["correct"].map({True: "#3b7dd8", False: "#e07b39"}))
axes[1].set_xscale("log")
axes[1].set_xlabel("words in the document")
axes[1].set_ylabel("score")
fig.tight_layout()
plt.show()

# %%
confident = scored[scored["lang_score"] >= FINEWEB_THRESHOLD]
confident_accuracy = float(confident["correct"].mean())
assert confident_accuracy >= langid_accuracy, "a score threshold should not make the kept answers worse"
print(f"above the threshold {FINEWEB_THRESHOLD}: {len(confident):,} documents, accuracy {confident_accuracy:.3f}")

# %% [markdown]
# ## Personal data
#
# Before training, e-mail addresses, phone numbers and IP addresses are replaced by placeholders.
# Regular expressions do it; they miss unusual formats and catch a few look-alikes, so the counts
# matter more than any single match.

# %%
from cs229llm.data.pii import mask_pii, mask_text, pii_summary

# NBVAL_CHECK_OUTPUT
print(mask_text("Questions? Mail help@example.org or call (650) 555-0123; server 192.0.2.17."))

# %% [markdown]
# **Exercise 01.2: mask e-mail addresses.** Write `mask_emails(text)` that replaces every e-mail address
# by the placeholder `<EMAIL>` and returns `(masked text, number of addresses replaced)`. An address here
# is a *local part* of letters, digits and the characters `. _ % + -`, then `@`, then one or more
# dot-separated labels of letters, digits and `-`, ending in a top-level domain of at least two letters
# (`ada@example.org`, `a.b+c@mail.example.co.uk`). So `bob@localhost` and `5@3.50` are not addresses, and
# a full stop after an address is not part of it. A regular expression with `re.subn` does it in two lines.
# Signature: `mask_emails(text: str) -> tuple[str, int]`.
#
# Run the cell: the check tries your function on 10 cases, edge cases included. Until it passes, the
# notebook carries on with the package's implementation.

# %%
import re

from cs229llm.exercises import check


def mask_emails(text):
    """text with every e-mail address replaced by <EMAIL>, and how many were replaced."""
    raise NotImplementedError("your turn: write this part")


check("mask_emails", mask_emails)

# %% [markdown]
# Your function on real e-mail messages, where addresses are everywhere: the SpamAssassin public mail
# corpus, part of the real corpus in `data_samples/real/`. Next to it, the e-mail count of the package's
# `mask_text` (which masks e-mails first, then IP addresses and phone numbers), and where in a message
# the addresses sit.

# %%
from collections import Counter

from cs229llm.data.real import real_documents
from cs229llm.exercises import use

mask_emails = use("mask_emails", mask_emails)
mail = real_documents().query("source == 'spamassassin'")["text"]
mail = mail.head(config.by_profile(ci=500, laptop=len(mail)))
your_emails = [mask_emails(text)[1] for text in mail]
package_emails = [mask_text(text)[1]["email"] for text in mail]
print(f"{len(mail):,} messages: your mask_emails replaced {sum(your_emails):,} addresses in "
      f"{sum(n > 0 for n in your_emails):,} of them; the package's mask_text {sum(package_emails):,}")
# where the masked addresses were: a header field ("From:", "Message-ID:", ...) or the body
where = Counter(line.split()[0] if line.split()[0].endswith(":") else "(other line)"
                for text in mail for line in mask_emails(text)[0].splitlines() if "<EMAIL>" in line)
pd.DataFrame(where.most_common(6), columns=["line starts with", "lines with <EMAIL>"])

# %%
docs = run_pipeline(docs, [mask_pii])
pii = pii_summary(docs)
pii

# %% [markdown]
# ## The funnel so far
#
# Every record is still in the table; each dropped one carries the stage and reason.

# %%
from cs229llm.data.pipeline import plot_funnel

stretch = funnel(docs, ["read_warc", "extract", "langid", "pii"])
plot_funnel(stretch, title="records kept after each stage")
plt.show()
stretch

# %%
# NBVAL_CHECK_OUTPUT
assert (stretch["in"] == stretch["kept"] + stretch["dropped"]).all()
print("in = kept + dropped at every stage:", True)

# %% [markdown]
# ## What we measured

# %%
kept_after_langid = int(stretch.set_index("stage").loc["pii", "kept"])
print(
    f"Profile {profile.name}: {len(docs):,} response records. "
    f"Main-content extraction removed {share['resiliparse']:.0%} (resiliparse) and {share['trafilatura']:.0%} "
    f"(trafilatura) of the naive text on {len(sample)} pages; resiliparse ran at "
    f"{extraction_speed.loc['resiliparse', 'pages_per_s']:.0f} pages/s, trafilatura at "
    f"{extraction_speed.loc['trafilatura', 'pages_per_s']:.0f}. "
    f"Language ID agreed with the ground truth on {langid_accuracy:.1%} of pages ({confident_accuracy:.1%} above "
    f"the 0.65 threshold). {int(pii['matches'].sum())} personal-data matches were masked in the crawl, and "
    f"{sum(your_emails):,} e-mail addresses in {len(mail):,} real mail messages. "
    f"{kept_after_langid:,} of {len(docs):,} records ({kept_after_langid / len(docs):.0%}) are English text "
    f"ready for the quality filters of notebook 02."
)
