"""Inventory of the real corpus (data_samples/real/): MB of text, sources, domains, languages, against the targets.

Counts are recomputed from the tables themselves (documents.jsonl.gz, pages.jsonl.gz), not copied from the
manifest, and compared with it: a line says whether they agree. Targets (issue 14): >= 8 MB of text from
>= 4 independent sources, >= 10 domains with >= 100 documents each, >= 5 languages in the HTML pages.

    python benchmarks/real_corpus_stats.py [--root data_samples/real]

The last output line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

from cs229llm.data.real import real_documents, real_dropped, real_manifest, real_near_duplicates, real_pages
from cs229llm.data.real.build import TARGETS, check_targets


def _utf8_bytes(values) -> int:
    return sum(len(str(value).encode("utf-8")) for value in values if isinstance(value, str))


def inventory(root=None) -> dict:
    """Figures of the corpus under ``root`` (default data_samples/real/), from its tables."""
    started = time.perf_counter()
    documents, pages, manifest = real_documents(root), real_pages(root), real_manifest(root)
    dropped, pairs = real_dropped(root), real_near_duplicates(root)
    document_bytes, page_bytes = _utf8_bytes(documents["text"]), _utf8_bytes(pages["main_text"])
    domains = documents["domain"].value_counts()
    per_source = {}
    for source, part in documents.groupby("source", sort=True):
        per_source[source] = {"documents": len(part), "text_mb": round(_utf8_bytes(part["text"]) / 1e6, 2),
                              "licence": ", ".join(sorted(part["licence"].unique()))}
    for source, part in pages.groupby("source", sort=True):
        per_source[source] = {"pages": len(part), "main_text_mb": round(_utf8_bytes(part["main_text"]) / 1e6, 2),
                              "html_mb": round(_utf8_bytes(part["html"]) / 1e6, 2),
                              "licence": ", ".join(sorted(part["licence"].unique()))}
    totals = {"text_mb": round((document_bytes + page_bytes) / 1e6, 2),
              "sources": len(per_source),
              "domains_with_100_documents": int((domains >= 100).sum()),
              "page_languages": int(pages["language"].nunique())}
    result = {
        **totals, "document_text_mb": round(document_bytes / 1e6, 2), "page_main_text_mb": round(page_bytes / 1e6, 2),
        "documents": len(documents), "pages": len(pages), "dropped": len(dropped),
        "near_duplicate_pairs": len(pairs), "sources_detail": per_source,
        "domains": {str(k): int(v) for k, v in domains.items()},
        "document_languages": {str(k): int(v) for k, v in documents["language"].fillna("none").value_counts().items()},
        "page_language_counts": {str(k): int(v) for k, v in pages["language"].value_counts().sort_index().items()},
        "quality": {str(k): int(v) for k, v in documents["quality"].fillna("none").value_counts().items()},
        "missing": [m["name"] for m in manifest["missing"]],
        "unmet_targets": check_targets({"totals": totals}),
        "agrees_with_manifest": all(manifest["totals"].get(key) == value for key, value in totals.items())
        and manifest["totals"]["documents"] == len(documents) and manifest["totals"]["pages"] == len(pages),
        "seconds": round(time.perf_counter() - started, 2),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="corpus folder (default data_samples/real/)")
    result = inventory(parser.parse_args().root)
    print(f"real corpus: {result['text_mb']} MB of text ({result['document_text_mb']} MB in {result['documents']:,} "
          f"documents, {result['page_main_text_mb']} MB main text of {result['pages']} HTML pages); "
          f"{result['dropped']} dropped; {result['near_duplicate_pairs']:,} near-duplicate pairs (Jaccard >= 0.5)")
    print(f"sources ({result['sources']}):")
    for name, row in result["sources_detail"].items():
        size = (f"{row['documents']:,} documents, {row['text_mb']} MB" if "documents" in row
                else f"{row['pages']} pages, {row['main_text_mb']} MB main text, {row['html_mb']} MB HTML")
        print(f"  {name:17s} {size}; licence {row['licence']}")
    print(f"domains ({len(result['domains'])}, {result['domains_with_100_documents']} with >= 100 documents):")
    print("  " + ", ".join(f"{name} {count:,}" for name, count in result["domains"].items()))
    print("document languages: " + ", ".join(f"{k} {v:,}" for k, v in result["document_languages"].items()))
    print(f"page languages ({result['page_languages']}): "
          + ", ".join(f"{k} {v}" for k, v in result["page_language_counts"].items()))
    print("quality labels: " + ", ".join(f"{k} {v:,}" for k, v in result["quality"].items()))
    print(f"missing packages: {', '.join(result['missing']) or 'none'}")
    wanted = ", ".join(f"{key} >= {value}" for key, value in TARGETS.items())
    print(f"targets ({wanted}): " + ("all met" if not result["unmet_targets"] else "; ".join(result["unmet_targets"])))
    print(f"figures agree with manifest.json: {'yes' if result['agrees_with_manifest'] else 'NO'}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
