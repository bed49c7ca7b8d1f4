"""``cs229llm dedup``: exact, line-level or MinHash LSH near-dedup of a documents table.

``--method near`` (default) clusters near duplicates (one kept per cluster), ``exact`` drops later
copies of the same whitespace-normalised text, ``line`` removes lines repeated across many
documents (menus, cookie banners). Every input row stays in OUTPUT; drops are marked.
"""
import time

from ..data.dedup import exact_dedup, line_dedup, line_dedup_report, near_dedup, resolve_banding
from ..data.documents import check_output_path, funnel, read_documents, write_table
from ..data.pipeline import Stage, run_pipeline
from ._options import add_engine_options, describe, finish, progress_wanted, real, whole
from ._stages import pandas_only, run_stages

METHODS = ("near", "exact", "line")


def configure(parser) -> None:
    describe(parser, (
        "Remove duplicates from a documents table. --method near (default): word n-gram MinHash, LSH "
        "banding, verified pairs, union-find; adds cluster_id (one member's id, the same for the whole "
        "cluster) and duplicate (true for all members but the kept one). --method exact: later copies of "
        "the same text are dropped (adds content_hash). --method line: lines found in at least "
        "--min-documents documents are removed (adds lines_removed). OUTPUT keeps every input row."))
    parser.add_argument("input", metavar="INPUT", help="input table: .jsonl or .parquet with id and text")
    parser.add_argument("output", metavar="OUTPUT", help="output table: .jsonl or .parquet")
    parser.add_argument("--method", choices=METHODS, default="near", help="near (default), exact or line")
    near = parser.add_argument_group("near dedup (--method near)")
    near.add_argument("--threshold", type=real(0, 1, low_open=True, high_open=True), default=0.8, help="Jaccard similarity of duplicates, in (0, 1) (0.8)")
    near.add_argument("--num-perm", type=whole(2, 4096), default=128, help="MinHash permutations, at least 2 (128)")
    near.add_argument("--ngram", type=whole(1, 64), default=5, help="words per shingle, at least 1 (5)")
    near.add_argument("--bands", type=whole(1, 4096), default=None, help="LSH bands (default: derived from the threshold)")
    near.add_argument("--rows", type=whole(1, 4096), default=None, help="rows per band (give with --bands)")
    near.add_argument("--verify", choices=["exact", "estimate"], default="exact",
                      help="check candidates by exact shingle Jaccard or by the signature estimate")
    line = parser.add_argument_group("line dedup (--method line)")
    line.add_argument("--min-documents", type=whole(2, 10**9), default=3,
                      help="remove a line found in at least this many documents, at least 2 (3)")
    add_engine_options(parser)
    finish(parser, run, seed_default=1,
           seed_help="seed of the MinHash permutations (default 1, the library's near_dedup default, so the "
                     "CLI marks the same clusters as the notebooks and `cs229llm run`)")


def run(args) -> int:
    check_output_path(args.output)
    if args.method == "near":
        bands, rows = resolve_banding(args.threshold, args.num_perm, args.bands, args.rows)
    else:
        pandas_only(args, f"{args.method} dedup compares every document with every other")
    docs = read_documents(args.input)
    started = time.perf_counter()
    if args.method == "near":
        stage = Stage(near_dedup, kwargs=dict(threshold=args.threshold, num_perm=args.num_perm, ngram=args.ngram,
                                              bands=bands, rows=rows, seed=args.seed, verify=args.verify,
                                              progress=progress_wanted() and args.engine == "pandas"))
        out = run_stages(docs, [stage], args)
    elif args.method == "exact":
        out = run_pipeline(docs, [Stage(exact_dedup)])
    else:
        out = run_pipeline(docs, [Stage(line_dedup, kwargs={"min_documents": args.min_documents})])
        report = line_dedup_report(docs, out, args.min_documents)
    seconds = time.perf_counter() - started
    write_table(out, args.output)
    if args.method == "near":
        sizes = out.groupby("cluster_id").size()
        unusable = int((out["drop_reason"] == "no words to compare (empty text)").sum())
        print(f"method=near engine={args.engine} threshold={args.threshold} num_perm={args.num_perm} "
              f"ngram={args.ngram} bands={bands} rows={rows} verify={args.verify}")
        print(f"rows: {len(out)}  clusters with duplicates: {int((sizes > 1).sum())}  "
              f"duplicates marked: {int(out['duplicate'].sum())}  rows without words: {unusable}  "
              f"({seconds:.2f} s)")
    elif args.method == "exact":
        dropped = int((out["dropped_by"] == "exact_dedup").sum())
        print(f"method=exact  rows: {len(out)}  exact duplicates dropped: {dropped}  ({seconds:.2f} s)")
    else:
        print(f"method=line min_documents={args.min_documents}  rows: {len(out)}  "
              f"lines removed: {report.lines_removed}  ({seconds:.2f} s)")
        print(f"distinct lines removed: {report.distinct_lines_removed}  "
              f"documents emptied (dropped): {report.documents_emptied}")
        for text, count in report.top_lines:
            print(f"  {count:>6} documents: {text[:100]!r}")
    print(funnel(out).to_string(index=False))
    print(f"\n{len(out)} rows -> {args.output}")
    return 0
