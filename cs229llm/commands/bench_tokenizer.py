"""``cs229llm bench tokenizer``: teaching BPE versus Hugging Face ``tokenizers`` on the same task.

Both train a byte-level BPE with a 768-token vocabulary on the same ~1 MB of course text (the
``train`` split of the domain corpus), three times each round-robin; the table gives median
seconds, MB/s and bytes per token. Targets: teaching within 10× the library's time; the library ≥ 5 MB/s
(:func:`cs229llm.experiments.benchmarks.tokenizer_benchmark`).
"""

import json

from ..experiments.benchmarks import TOKENIZER_BYTES, TOKENIZER_VOCAB, tokenizer_benchmark, tokenizer_table
from ._options import finish, whole


def configure(parser) -> None:
    parser.add_argument("--bytes", type=whole(1, 2 * 10**8), default=TOKENIZER_BYTES, help="corpus size in bytes (default 1 MB)")
    parser.add_argument("--vocab-size", type=whole(1, 2**20), default=TOKENIZER_VOCAB, help="vocabulary size (default 768)")
    parser.add_argument("--repeats", type=whole(1, 100), default=3, help="trainings of each, round-robin (median reported)")
    parser.add_argument("--input", help="documents table (.jsonl/.parquet, text column) instead of the course corpus")
    finish(parser, run, seed_help="unused: both trainers are deterministic (accepted like every command)")


def run(args) -> int:
    result = tokenizer_benchmark(args.bytes, args.vocab_size, args.input, args.repeats)
    print(tokenizer_table(result))
    print(json.dumps(result))
    return 0
