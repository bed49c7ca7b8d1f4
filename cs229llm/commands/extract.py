"""``cs229llm extract``: WARC records -> documents table with main text (drops counted with reasons)."""
from pathlib import Path

from ..data.documents import check_output_path, drop_reasons, is_kept, write_table
from ..data.extract import DEFAULT_MAX_HTML_CHARS, extract_text
from ..data.warc import read_warc
from ..errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "extract", help="extract main text from WARC records into a .jsonl/.parquet documents table",
        description="Read HTML responses from a .warc(.gz) file or a folder of them, extract the main "
                    "text and write every record (failed ones marked dropped) to OUTPUT.")
    parser.add_argument("input", help="a .warc / .warc.gz file, or a folder holding such files")
    parser.add_argument("output", help="output table: .jsonl or .parquet")
    parser.add_argument("--method", choices=["resiliparse", "trafilatura", "naive"], default="resiliparse",
                        help="extractor (default resiliparse; naive keeps all the boilerplate)")
    parser.add_argument("--max-html-chars", type=int, default=None,
                        help="cut pages longer than this before extraction (default 1,000,000)")
    parser.add_argument("--keep-html", action="store_true", help="keep the html column in OUTPUT")
    parser.set_defaults(func=run)


def warc_inputs(path) -> list:
    """The WARC files named by ``path`` (a file, or every .warc/.warc.gz in a folder, sorted)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.name.endswith((".warc", ".warc.gz")))
        if not files:
            raise InputError(f"no .warc or .warc.gz files in {path}")
        return files
    if not path.exists():
        raise InputError(f"no such file or folder: {path}")
    if not path.name.endswith((".warc", ".warc.gz")):
        raise InputError(f"{path}: expected a .warc or .warc.gz file (or a folder of them)")
    return [path]


def run(args) -> int:
    check_output_path(args.output)
    docs, report = read_warc(warc_inputs(args.input), include_skipped=True)
    if "text" not in docs.columns:
        docs["text"] = ""
    docs = extract_text(docs, method=args.method, max_html_chars=args.max_html_chars or DEFAULT_MAX_HTML_CHARS)
    if not args.keep_html:
        docs = docs.drop(columns=["html"])
    write_table(docs, args.output)
    kept = int(is_kept(docs).sum())
    print(f"{len(docs)} response records read ({report.skipped_total} non-HTML or broken, "
          f"dropped by the reader)")
    print(f"{kept} with text, {len(docs) - kept} dropped in all, "
          f"{int(docs['html_truncated'].sum())} pages truncated -> {args.output}")
    reasons = drop_reasons(docs)
    if len(reasons):
        print(reasons.to_string(index=False))
    return 0
