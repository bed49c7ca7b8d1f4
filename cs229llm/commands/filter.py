"""``cs229llm filter``: language ID, optional PII masking and quality rules on a documents table."""
from ..data.documents import drop_reasons, read_documents, write_table
from ..data.langid import identify_language
from ..data.pii import mask_pii, pii_summary
from ..data.pipeline import Stage, funnel
from ..data.quality import quality_filter, resolve_rules
from ..errors import InputError
from ._options import add_engine_options, describe, finish, real
from ._stages import run_stages


def configure(parser) -> None:
    describe(parser, ("Run language identification and heuristic quality rules on a table with 'id' and "
                          "'text'. OUTPUT keeps every input row and adds dropped_by / drop_reason and the signals."))
    parser.add_argument("input", metavar="INPUT", help="input table: .jsonl or .parquet with id and text")
    parser.add_argument("output", metavar="OUTPUT", help="output table: .jsonl or .parquet")
    parser.add_argument("--lang", action="append", default=None,
                        help="language code to keep (repeatable; default en; 'any' keeps all)")
    parser.add_argument("--lang-threshold", type=real(0, 1), default=0.65,
                        help="minimum language score (FineWeb: 0.65)")
    parser.add_argument("--rules", default="gopher,c4,fineweb",
                        help="comma-separated rule groups or rule names (default gopher,c4,fineweb; "
                             "'none' skips quality)")
    parser.add_argument("--mask-pii", action="store_true", help="mask e-mails, phone numbers and IPs")
    add_engine_options(parser)
    finish(parser, run, seed_help="unused: language ID and the rules are deterministic (accepted like every command)")


def run(args) -> int:
    docs = read_documents(args.input, args.output)
    docs["text"] = docs["text"].fillna("").astype(str)
    languages = args.lang or ["en"]
    keep = () if "any" in languages else tuple(code.strip() for item in languages for code in item.split(","))
    if any(not code for code in keep):
        raise InputError(f"--lang got an empty language code ({', '.join(map(repr, languages))}): give codes "
                         "such as en or de, or 'any' to keep every language")
    stages = [Stage(identify_language, kwargs={"keep": keep, "threshold": args.lang_threshold})]
    if args.mask_pii:
        stages.append(Stage(mask_pii))
    if args.rules.strip().lower() != "none":
        resolve_rules(args.rules)  # a bad name fails here, before any work
        stages.append(Stage(quality_filter, kwargs={"rules": args.rules}))
    docs = run_stages(docs, stages, args)
    write_table(docs, args.output)
    print(funnel(docs).to_string(index=False))
    reasons = drop_reasons(docs)
    if len(reasons):
        print("\ndrop reasons:")
        print(reasons.head(20).to_string(index=False))
    if args.mask_pii:
        print("\npersonal data masked:")
        print(pii_summary(docs).to_string(index=False))
    print(f"\n{len(docs)} rows -> {args.output}")
    return 0
