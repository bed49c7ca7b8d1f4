"""``cs229llm tokenize train`` and ``cs229llm tokenize shards``: train the tokenizer, write token shards.

Both take ``INPUT OUTPUT`` like every command that maps a table: INPUT ``course`` (the default) is the
course corpus (``cs229llm.data.samples.domain_corpus``), anything else a documents table (.jsonl or
.parquet with a ``text`` column, and ``domain`` for shards); OUTPUT defaults to the course token folder.
"""
import json
import time
from pathlib import Path

from ..data.documents import is_kept, read_table, require_columns
from ..data.samples import domain_corpus
from ..errors import InputError
from ..experiments.course_data import default_token_dir, default_vocab_size, prepare_token_data
from ..paths import check_output_folder
from ..tokenization.shards import write_shards
from ..tokenization.train import bytes_per_token, describe, load_tokenizer, train_tokenizer
from ._options import finish, whole

COURSE = "course"
DETERMINISTIC = "unused: BPE training is deterministic (accepted like every command)"


def configure(parser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    train = actions.add_parser("train", help="train a byte-level BPE tokenizer (Hugging Face tokenizers)")
    train.add_argument("input", metavar="INPUT", nargs="?", default=COURSE,
                       help="documents table (.jsonl/.parquet) with a text column, or 'course' "
                            "(default: the course corpus, train split)")
    train.add_argument("output", metavar="OUTPUT", nargs="?", default=None,
                       help="output folder or .json file (default: the course token folder)")
    train.add_argument("--vocab-size", type=whole(1, 2**20), help="vocabulary size (default: by profile)")
    finish(train, run_train, seed_help=DETERMINISTIC)

    shards = actions.add_parser("shards", help="tokenize documents into one shard per domain")
    shards.add_argument("input", metavar="INPUT", nargs="?", default=COURSE,
                        help="documents table (.jsonl/.parquet) with text and domain columns, or 'course' "
                             "(default: the course corpus, train and heldout splits)")
    shards.add_argument("output", metavar="OUTPUT", nargs="?", default=None,
                        help="output folder (default: the course token folder)")
    shards.add_argument("--tokenizer", help="tokenizer.json or its folder (default: train one on INPUT)")
    shards.add_argument("--vocab-size", type=whole(1, 2**20), help="vocabulary size when a tokenizer is trained here")
    shards.add_argument("--rebuild", action="store_true", help="retrain and rewrite even if files exist")
    finish(shards, run_shards, seed_help=DETERMINISTIC)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)


def _course_or_table(path, split: str):
    """The course corpus, or the rows of a documents table that no stage dropped (said aloud)."""
    if path == COURSE:
        return domain_corpus(split)
    table = read_table(path)
    require_columns(table, ["text"])
    keep = is_kept(table)
    if not keep.all():
        reasons = table.loc[~keep, "dropped_by"].value_counts()
        print(f"left out {int((~keep).sum()):,} of {len(table):,} rows that earlier stages dropped ("
              + ", ".join(f"{stage}: {count:,}" for stage, count in reasons.items()) + ")")
    table = table[keep]
    if table.empty:
        raise InputError(f"{path}: every row was dropped by an earlier stage; nothing is left to tokenize")
    return table


def _check_output(path, allow_json: bool) -> None:
    """Refuse an output that cannot be written before the tokenizer is trained."""
    if path is None:
        return
    if allow_json and str(path).endswith(".json"):
        check_output_folder(Path(path).parent)
        if Path(path).is_dir():
            raise InputError(f"{path} is a folder: give a .json file name or a folder without the .json suffix")
        return
    check_output_folder(path)


def run_train(args) -> int:
    _check_output(args.output, allow_json=True)
    documents = _course_or_table(args.input, "train")
    vocab_size = args.vocab_size or default_vocab_size()
    texts = documents["text"].tolist()
    started = time.perf_counter()
    tokenizer = train_tokenizer(texts, vocab_size=vocab_size)
    seconds = time.perf_counter() - started
    path = tokenizer.save(args.output or default_token_dir(vocab_size))
    megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    print(f"trained on {len(texts):,} documents ({megabytes:.2f} MB) in {seconds:.2f} s; "
          f"{bytes_per_token(tokenizer, texts):.2f} bytes per token")
    print(f"saved {path}")
    print(describe(tokenizer))
    return 0


def run_shards(args) -> int:
    _check_output(args.output, allow_json=False)
    if args.input == COURSE and args.tokenizer is None:
        out = prepare_token_data(vocab_size=args.vocab_size, out_dir=args.output, rebuild=args.rebuild)
        folders = [out / "train", out / "heldout"]
    else:
        documents = _course_or_table(args.input, "train")
        require_columns(documents, ["text", "domain"])
        if args.tokenizer:
            tokenizer = load_tokenizer(args.tokenizer)
        else:
            tokenizer = train_tokenizer(documents["text"].tolist(), vocab_size=args.vocab_size or 512)
        out = Path(args.output) if args.output else default_token_dir(tokenizer.vocab_size) / "custom"
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
