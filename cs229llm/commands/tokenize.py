"""``cs229llm tokenize train`` and ``cs229llm tokenize shards``: train the tokenizer, write token shards.

Without ``--input`` both use the course corpus (``cs229llm.data.samples.domain_corpus``); with it,
a documents table (.jsonl or .parquet with a ``text`` column, and ``domain`` for shards).
"""
import json
import time
from pathlib import Path

from ..data.documents import read_table, require_columns
from ..data.samples import domain_corpus
from ..experiments.course_data import default_token_dir, default_vocab_size, prepare_token_data
from ..tokenization.shards import write_shards
from ..tokenization.train import bytes_per_token, describe, load_tokenizer, train_tokenizer


def register(subparsers) -> None:
    parser = subparsers.add_parser("tokenize", help="train the BPE tokenizer and write per-domain token shards")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    train = actions.add_parser("train", help="train a byte-level BPE tokenizer (Hugging Face tokenizers)")
    train.add_argument("--input", help="documents table (.jsonl/.parquet) with a text column "
                       "(default: the course corpus, train split)")
    train.add_argument("--vocab-size", type=int, help="vocabulary size (default: by profile)")
    train.add_argument("--out", help="output folder or .json file (default: the course token folder)")
    train.set_defaults(func=run_train)

    shards = actions.add_parser("shards", help="tokenize documents into one shard per domain")
    shards.add_argument("--input", help="documents table (.jsonl/.parquet) with text and domain columns "
                        "(default: the course corpus, train and heldout splits)")
    shards.add_argument("--tokenizer", help="tokenizer.json or its folder (default: train one on the course corpus)")
    shards.add_argument("--vocab-size", type=int, help="vocabulary size when a tokenizer is trained here")
    shards.add_argument("--out", help="output folder (default: the course token folder)")
    shards.add_argument("--rebuild", action="store_true", help="retrain and rewrite even if files exist")
    shards.set_defaults(func=run_shards)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)


def _course_or_table(path, split: str):
    if path is None:
        return domain_corpus(split)
    table = read_table(path)
    require_columns(table, ["text"])
    return table


def run_train(args) -> int:
    documents = _course_or_table(args.input, "train")
    vocab_size = args.vocab_size or default_vocab_size()
    texts = documents["text"].tolist()
    started = time.perf_counter()
    tokenizer = train_tokenizer(texts, vocab_size=vocab_size)
    seconds = time.perf_counter() - started
    path = tokenizer.save(args.out or default_token_dir(vocab_size))
    megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    print(f"trained on {len(texts):,} documents ({megabytes:.2f} MB) in {seconds:.2f} s; "
          f"{bytes_per_token(tokenizer, texts):.2f} bytes per token")
    print(f"saved {path}")
    print(describe(tokenizer))
    return 0


def run_shards(args) -> int:
    if args.input is None and args.tokenizer is None:
        out = prepare_token_data(vocab_size=args.vocab_size, out_dir=args.out, rebuild=args.rebuild)
        folders = [out / "train", out / "heldout"]
    else:
        documents = _course_or_table(args.input, "train")
        require_columns(documents, ["text", "domain"])
        if args.tokenizer:
            tokenizer = load_tokenizer(args.tokenizer)
        else:
            tokenizer = train_tokenizer(documents["text"].tolist(), vocab_size=args.vocab_size or 512)
        out = Path(args.out) if args.out else default_token_dir(tokenizer.vocab_size) / "custom"
        write_shards(documents, tokenizer, out)
        folders = [out]

    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        print(f"{folder}: vocab {manifest['vocab_size']}, {manifest['dtype']}, "
              f"tokenizer {manifest['tokenizer_fingerprint']}")
        for domain, info in manifest["domains"].items():
            print(f"  {domain:>14}  {info['documents']:>7,} documents  {info['tokens']:>10,} tokens  "
                  f"{info['bytes'] / max(info['tokens'], 1):.2f} bytes/token")
    return 0
