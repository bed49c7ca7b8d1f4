"""``cs229llm extract``: WARC records -> documents table with main text (drops counted with reasons)."""
from pathlib import Path

from ..data.documents import check_output_path, drop_reasons, is_kept, write_table
from ..data.extract import DEFAULT_MAX_HTML_CHARS, METHODS, extract_text
from ..data.pipeline import Stage
from ..data.warc import check_warc_file, read_warc
from ..errors import InputError
from ._options import add_engine_options, describe, finish, whole
from ._stages import run_stages


def configure(parser) -> None:
    describe(parser, ("Read HTML responses from a .warc(.gz) file or a folder of them, extract the main "
                          "text and write every record (failed ones marked dropped) to OUTPUT."))
    parser.add_argument("input", metavar="INPUT", help="a .warc / .warc.gz file, or a folder holding such files")
    parser.add_argument("output", metavar="OUTPUT", help="output table: .jsonl or .parquet")
    parser.add_argument("--method", choices=METHODS, default="resiliparse",
                        help="extractor (default resiliparse; naive keeps all the boilerplate; span widens "
                             "resiliparse's main content to the stretch of page it covers)")
    parser.add_argument("--max-html-chars", type=whole(1, 10**9), default=DEFAULT_MAX_HTML_CHARS,
                        help=f"cut pages longer than this before extraction (default {DEFAULT_MAX_HTML_CHARS:,})")
    parser.add_argument("--keep-html", action="store_true", help="keep the html column in OUTPUT")
    add_engine_options(parser)
    finish(parser, run, seed_help="unused: extraction is deterministic (accepted like every command)")


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
    return [check_warc_file(path)]


def run(args) -> int:
    check_output_path(args.output)
    docs, report = read_warc(warc_inputs(args.input), include_skipped=True)
    if report.records == 0:
        raise InputError(f"{args.input}: no WARC records could be read ("
                         + ("; ".join(report.file_errors) or "the files hold none") + ")")
    if "text" not in docs.columns:
        docs["text"] = ""
    stage = Stage(extract_text, kwargs={"method": args.method, "max_html_chars": args.max_html_chars})
    docs = run_stages(docs, [stage], args)
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
    for message in report.file_errors:
        print(f"file error: {message}")
    for note, count in report.notes.most_common():
        print(f"kept after repair: {count} ({note})")
    return 0
