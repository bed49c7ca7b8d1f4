"""``cs229llm bench train``: tokens/s of a tiny GPT's training step, eager fp32 vs compiled + bf16.

The same model (4 layers, width 128, T=128, batch 16, vocabulary 4096: about 1.3M parameters)
in one process: eager fp32, compiled fp32, eager bf16 autocast, compiled bf16. The last line is
JSON with ``<mode>_<precision>_tok_s`` for each and the speedups over eager fp32. On CPUs
without bf16 instructions (no AVX512-BF16/AMX) bf16 matmuls are emulated and much slower
than fp32: the JSON's ``cpu_bf16`` says which case this machine is. On a CPU the JSON also gives
``matmul_share`` of a profiled eager fp32 step and ``compile_only_bound`` = 1 / share, the most
compile alone can gain (:func:`cs229llm.experiments.benchmarks.train_benchmark`).
"""

import json

from ..experiments.benchmarks import amdahl_line, train_benchmark
from ._options import add_compile_option, check_model_fits, finish, whole


def configure(parser) -> None:
    parser.add_argument("--steps", type=whole(1, 10**6), default=5, help="timed steps per variant (median)")
    parser.add_argument("--batch-size", type=whole(1, 4096), default=16)
    parser.add_argument("--seq-len", type=whole(2, 2**16), default=128)
    parser.add_argument("--layers", type=whole(1, 512), default=4)
    parser.add_argument("--width", type=whole(1, 2**16), default=128)
    parser.add_argument("--heads", type=whole(1, 4096), default=4)
    parser.add_argument("--vocab", type=whole(2, 2**20), default=4096)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--threads", type=whole(1, 4096), default=None)
    add_compile_option(parser, default=True, help="also time the compiled variants (--no-compile: eager fp32 "
                                                  "and eager bf16 only)")
    finish(parser, run, seed_help="seed of the model and the batch (default 0)")


def run(args) -> int:
    check_model_fits(args.layers, args.width, args.vocab, args.batch_size, args.seq_len)
    results = train_benchmark(args.steps, args.batch_size, args.seq_len, args.layers, args.width, args.heads,
                              args.vocab, args.device, args.threads, args.compile, seed=args.seed,
                              on_result=lambda key, value: print(f"{key:<22} {value:>12,.0f}", flush=True))
    for note in results["notes"]:
        print(note)
    if "matmul_share" in results:
        print(amdahl_line(results))
    print(f"parameters {results['n_params']:,}  device {results['device']}")
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in results.items()}))
    return 0
