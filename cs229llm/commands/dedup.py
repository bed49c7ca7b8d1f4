"""``cs229llm dedup``: MinHash LSH near-dedup of a documents table (clusters, one kept per cluster)."""
import time

from ..data.dedup import near_dedup, resolve_banding
from ..data.documents import check_output_path, funnel, read_documents, write_table
from ..data.pipeline import close_dask_clients, dask_client
from ..errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "dedup", help="near-duplicate clusters by MinHash LSH; adds cluster_id and duplicate",
        description="Cluster near-duplicate documents (word n-gram MinHash, LSH banding, verified pairs, "
                    "union-find). OUTPUT keeps every input row and adds cluster_id (one member's id, the "
                    "same for the whole cluster) and duplicate (true for all members but the kept one).")
    parser.add_argument("input", help="input table: .jsonl or .parquet with id and text")
    parser.add_argument("output", help="output table: .jsonl or .parquet")
    parser.add_argument("--threshold", type=float, default=0.8, help="Jaccard similarity of duplicates (0.8)")
    parser.add_argument("--num-perm", type=int, default=128, help="MinHash permutations (128)")
    parser.add_argument("--ngram", type=int, default=5, help="words per shingle (5)")
    parser.add_argument("--bands", type=int, default=None, help="LSH bands (default: derived from the threshold)")
    parser.add_argument("--rows", type=int, default=None, help="rows per band (give with --bands)")
    parser.add_argument("--verify", choices=["exact", "estimate"], default="exact",
                        help="check candidates by exact shingle Jaccard or by the signature estimate")
    parser.add_argument("--seed", type=int, default=1, help="seed of the permutations")
    parser.add_argument("--engine", choices=["pandas", "dask"], default="pandas")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster)")
    parser.set_defaults(func=run)


def run(args) -> int:
    check_output_path(args.output)
    if args.ngram < 1:
        raise InputError(f"--ngram must be at least 1, got {args.ngram}")
    bands, rows = resolve_banding(args.threshold, args.num_perm, args.bands, args.rows)
    docs = read_documents(args.input)
    client = None
    if args.engine == "dask":
        client = dask_client(args.scheduler)
    started = time.perf_counter()
    try:
        out = near_dedup(docs, threshold=args.threshold, num_perm=args.num_perm, ngram=args.ngram, bands=bands,
                         rows=rows, seed=args.seed, engine=args.engine, verify=args.verify, client=client)
    finally:
        if client is not None:
            close_dask_clients()
    seconds = time.perf_counter() - started
    write_table(out, args.output)
    sizes = out.groupby("cluster_id").size()
    unusable = int((out["drop_reason"] == "no words to compare (empty text)").sum())
    print(f"engine={args.engine} threshold={args.threshold} num_perm={args.num_perm} ngram={args.ngram} "
          f"bands={bands} rows={rows} verify={args.verify}")
    print(f"rows: {len(out)}  clusters with duplicates: {int((sizes > 1).sum())}  "
          f"duplicates marked: {int(out['duplicate'].sum())}  rows without words: {unusable}  "
          f"({seconds:.2f} s)")
    print(funnel(out).to_string(index=False))
    print(f"\n{len(out)} rows -> {args.output}")
    return 0
