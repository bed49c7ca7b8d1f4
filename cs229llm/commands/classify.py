"""``cs229llm classify``: add ``domain`` and ``domain_score`` to a documents table."""
from ..data.documents import read_documents, write_table
from ..data.domains import classify_domains, confusion_table, load_model, train_on_sample_crawl


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "classify", help="domain classification (TF-IDF + logistic); adds domain and domain_score",
        description="Classify each kept document with text into one of the crawl's domains. Without "
                    "--model, a classifier is trained on the sample crawl first (deterministic, seconds).")
    parser.add_argument("input", help="input table: .jsonl or .parquet with id and text")
    parser.add_argument("output", help="output table: .jsonl or .parquet")
    parser.add_argument("--model", default=None, help="a model .npz written by --save-model (no pickle)")
    parser.add_argument("--save-model", default=None, help="also write the model used to this .npz path")
    parser.set_defaults(func=run)


def run(args) -> int:
    docs = read_documents(args.input, args.output)
    if args.model:
        model = load_model(args.model)
        print(f"model {args.model}: held-out accuracy {model.report.get('accuracy', float('nan')):.3f}")
    else:
        model = train_on_sample_crawl()
        print(f"trained on the sample crawl: held-out accuracy {model.report['accuracy']:.3f} "
              f"({model.report['test_documents']} test documents, split by dup_group)")
        print(confusion_table(model).to_string())
    if args.save_model:
        print(f"model -> {model.save(args.save_model)}")
    out = classify_domains(docs, model)
    write_table(out, args.output)
    unclassified = int(out["domain"].isna().sum())
    print("\ndocuments per domain:")
    print(out["domain"].value_counts().to_string())
    print(f"not classified (dropped earlier or no text): {unclassified}")
    print(f"\n{len(out)} rows -> {args.output}")
    return 0
