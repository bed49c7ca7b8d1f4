"""``cs229llm classify``: add ``domain`` and ``domain_score`` to a documents table."""
from ..data.documents import read_documents, write_table
from ..data.domains import classify_domains, confusion_table, load_model, train_on_sample_crawl
from ..data.pipeline import Stage
from ._options import add_engine_options, describe, finish
from ._stages import run_stages

CLASSIFIER_SEED = 229  # the seed train_on_sample_crawl (and so every notebook) uses


def configure(parser) -> None:
    describe(parser, ("Classify each kept document with text into one of the crawl's domains. Without "
                          "--model, a classifier is trained on the sample crawl first (deterministic, seconds)."))
    parser.add_argument("input", metavar="INPUT", help="input table: .jsonl or .parquet with id and text")
    parser.add_argument("output", metavar="OUTPUT", help="output table: .jsonl or .parquet")
    parser.add_argument("--model", default=None, help="a model .npz written by --save-model (no pickle)")
    parser.add_argument("--save-model", default=None, help="also write the model used to this .npz path")
    add_engine_options(parser)
    finish(parser, run, seed_default=CLASSIFIER_SEED,
           seed_help=f"seed of the classifier's train/test split when it is trained here (default "
                     f"{CLASSIFIER_SEED}, the library's, so the CLI and the notebooks train the same model)")


def run(args) -> int:
    docs = read_documents(args.input, args.output)
    if args.model:
        model = load_model(args.model)
        print(f"model {args.model}: held-out accuracy {model.report.get('accuracy', float('nan')):.3f}")
    else:
        model = train_on_sample_crawl(seed=args.seed)
        print(f"trained on the sample crawl: held-out accuracy {model.report['accuracy']:.3f} "
              f"({model.report['test_documents']} test documents, split by dup_group)")
        print(confusion_table(model).to_string())
    if args.save_model:
        print(f"model -> {model.save(args.save_model)}")
    out = run_stages(docs, [Stage(classify_domains, kwargs={"model": model})], args)
    write_table(out, args.output)
    unclassified = int(out["domain"].isna().sum())
    print("\ndocuments per domain:")
    print(out["domain"].value_counts().to_string())
    print(f"not classified (dropped earlier or no text): {unclassified}")
    print(f"\n{len(out)} rows -> {args.output}")
    return 0
