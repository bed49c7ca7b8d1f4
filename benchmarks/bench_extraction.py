"""Extraction and language ID against main-content truth, on the lab crawl and on real pages.

For each extractor (naive, resiliparse, trafilatura, span): bag-of-words F1 of its text against the page's
main text, averaged over pages with a 95% t interval, on
- the generated crawl's article pages (exact truth: the generator's article container), and
- the 165 real Debian Reference pages in 11 languages (truth: the DocBook content minus its table of contents).
Then the paired per-page difference of ``span`` against the best single extractor of each set, with its
interval, and over both sets (each set's mean counted once), and language ID accuracy on the real translated pages: the stage's rule (top language with a score
of at least 0.65) against plain py3langid's top label, on each extractor's text.
Usage: python benchmarks/bench_extraction.py
"""

import time

import pandas as pd

from cs229llm.data.extract import EXTRACTORS
from cs229llm.data.real import real_pages
from cs229llm.data.samples import crawl_paths
from cs229llm.data.warc import read_warc
from cs229llm.experiments.claims import interval
from cs229llm.experiments.extraction_quality import extraction_scores, lab_pages, langid_accuracy

TRANSLATED = 0.5  # a real page counts as translated when its word-5-gram Jaccard to the English page is below this


def summary(scores: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for method, group in scores.groupby("method", sort=False):
        mean, low, high = interval(group["f1"])
        rows.append({"method": method, "mean F1": mean, "95% low": low, "95% high": high})
    return pd.DataFrame(rows).set_index("method")


def paired(scores: pd.DataFrame, better: str, worse: str) -> tuple[float, float, float]:
    table = scores.pivot(index="id", columns="method", values="f1")
    return interval(table[better] - table[worse])


def main() -> None:
    crawl, _ = read_warc(crawl_paths())
    sets = {"lab (generated crawl)": lab_pages(crawl), "real (Debian Reference)": real_pages()}
    pooled = []
    for name, pages in sets.items():
        start = time.perf_counter()
        scores = extraction_scores(pages)
        pooled.append(scores.assign(id=name + ":" + scores["id"]))
        table = summary(scores)
        print(f"\n{name}: {len(pages)} pages ({time.perf_counter() - start:.0f} s)")
        print(table.round(3).to_string())
        best_single = table.drop(index="span")["mean F1"].idxmax()
        mean, low, high = paired(scores, "span", best_single)
        print(f"span - {best_single} (best single here): {mean:+.3f} [{low:+.3f}, {high:+.3f}]")
    # Each kind of page counts once (the lab holds six times more pages): the mean of the two sets' means, and
    # the paired difference's interval from the two sets' standard errors.
    macro = {}
    for method in EXTRACTORS:
        per_set = [summary(scores).loc[method, "mean F1"] for scores in pooled]
        macro[method] = sum(per_set) / len(per_set)
    best_single = max((m for m in macro if m != "span"), key=macro.get)
    differences = [paired(scores, "span", best_single) for scores in pooled]
    mean = sum(d[0] for d in differences) / len(differences)
    half = (sum(((d[2] - d[1]) / 2) ** 2 for d in differences)) ** 0.5 / len(differences)
    low, high = mean - half, mean + half
    print("\nmean over the two sets: " + ", ".join(f"{m} {v:.3f}" for m, v in macro.items()))
    verdict = "span is better" if low > 0 else ("span is worse" if high < 0 else "not distinguishable")
    print(f"span - {best_single} (best single over both): {mean:+.3f} [{low:+.3f}, {high:+.3f}]: {verdict}")

    pages = sets["real (Debian Reference)"]
    translated = pages[pages["jaccard_to_en"].fillna(0.0) < TRANSLATED]
    print(f"\nlanguage ID on {len(translated)} real translated pages (of {len(pages)}; "
          f"word-5-gram Jaccard to English < {TRANSLATED})")
    for method in ("naive", "resiliparse", "span"):
        texts = [EXTRACTORS[method](html) for html in translated["html"]]
        accuracy = langid_accuracy(texts, translated["lang"])
        print(f"  {method:12s} stage rule (>= 0.65) {accuracy['thresholded']:.3f}   "
              f"plain py3langid {accuracy['plain']:.3f}")


if __name__ == "__main__":
    main()
