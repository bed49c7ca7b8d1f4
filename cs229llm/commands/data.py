"""``cs229llm data``: build the shipped samples, load local corpora, download public web data."""

from __future__ import annotations

import time

from ..data import download
from ..data.documents import write_table
from ..data.samples import build_samples, crawl_paths, load_labels
from ..data.sources import local_corpus
from ..data.warc import read_warc


def register(subparsers) -> None:
    """Add ``cs229llm data`` and its actions to the command line."""
    parser = subparsers.add_parser("data", help="sample crawl, local corpora and downloaders")
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION")

    build = actions.add_parser("build-samples", help="rebuild data_samples/ (byte-identical from the seed)")
    build.add_argument("--out", default=None, help="output folder (default: the repository's data_samples/)")
    build.add_argument("--seed", type=int, default=None, help="seed (default: the committed samples' seed)")
    build.set_defaults(func=run_build)

    summary = actions.add_parser("summary", help="read the sample crawl and print label and reader statistics")
    summary.add_argument("--root", default=None, help="samples folder (default data_samples/)")
    summary.set_defaults(func=run_summary)

    local = actions.add_parser("local-corpus", help="documents from the installed Python stdlib and packages")
    local.add_argument("--max-docs", type=int, default=5000, help="stop after this many documents")
    local.add_argument("--out", default=None, help="write the table here (.parquet or .jsonl)")
    local.set_defaults(func=run_local)

    download = actions.add_parser("download", help="download public web data (Common Crawl, Parquet shards)")
    download.add_argument("kind", choices=["commoncrawl", "parquet"], help="what to download")
    download.add_argument("path", help="Common Crawl path (crawl-data/...warc.gz or .wet.gz) or Parquet URL")
    download.add_argument("--base-url", default=None, help="server to download from (default: the public one)")
    download.add_argument("--max-docs", type=int, default=None, help="stop after this many documents")
    download.add_argument("--out", default=None, help="write the table here (.parquet or .jsonl)")
    download.set_defaults(func=run_download)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)


def run_build(args) -> int:
    """``data build-samples``: write the samples (default data_samples/) and list the files."""
    start = time.perf_counter()
    summary = build_samples(args.out, args.seed)
    print(f"built {summary['records']} WARC records from {summary['base_documents']} base documents "
          f"in {time.perf_counter() - start:.1f} s")
    for name in summary["files"]:
        print(f"  {name}")
    return 0


def run_summary(args) -> int:
    """``data summary``: label counts and the WARC reader's report on the sample crawl."""
    labels = load_labels(args.root)
    print(f"{len(labels)} records, {labels['base_doc'].replace('', None).nunique()} base documents, "
          f"{labels['dup_group'].nunique()} duplicate groups")
    for column in ("domain", "lang", "quality", "kind"):
        counts = labels[column].replace("", "-").value_counts()
        print(f"{column:8s} " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    _, report = read_warc(crawl_paths(args.root))
    print(report)
    return 0


def _write_or_print(frame, out) -> None:
    if out:
        print(f"wrote {len(frame)} documents to {write_table(frame, out)}")
    else:
        counts = frame["domain"].value_counts() if "domain" in frame.columns else None
        print(f"{len(frame)} documents" + (": " + ", ".join(f"{k}={v}" for k, v in counts.items()) if counts is not None else ""))


def run_local(args) -> int:
    """``data local-corpus``: documents from the installed Python, printed as counts or written out."""
    frame = local_corpus(max_docs=args.max_docs)
    _write_or_print(frame, args.out)
    return 0


def run_download(args) -> int:
    """``data download``: fetch one Common Crawl file or Parquet shard and read it into documents."""
    if args.kind == "commoncrawl":
        frame, report = download.load_commoncrawl(args.path, base_url=args.base_url, max_docs=args.max_docs)
        print(report)
    else:
        frame = download.load_parquet_shard(args.path, max_docs=args.max_docs)
    _write_or_print(frame, args.out)
    return 0
