"""``cs229llm bench train``: tokens/s of a tiny GPT's training step, eager fp32 vs compiled + bf16.

The same model (4 layers, width 128, T=128, batch 16, vocabulary 4096: about 1.3M parameters)
in one process: eager fp32, compiled fp32, eager bf16 autocast, compiled bf16. The last line is
JSON with ``<mode>_<precision>_tok_s`` for each and the speedups over eager fp32. On CPUs
without bf16 instructions (no AVX512-BF16/AMX) bf16 matmuls are emulated and much slower
than fp32: the JSON's ``cpu_bf16`` says which case this machine is. On a CPU the JSON also gives
``matmul_share`` of a profiled eager fp32 step and ``compile_only_bound`` = 1 / share, the most
compile alone can gain (:func:`~cs229llm.systems.fusion.matmul_time_share`).
"""

import json

from ..config import choose_device, cpu_bf16_support, set_threads
from ..experiments.step_bench import matmul_time_share, training_step_benchmark
from ..model import GPT, GPTConfig
from ..training.trainer import peak_flops_for


def register_bench(bench_subparsers) -> None:
    parser = bench_subparsers.add_parser("train", help="training step tokens/s: eager fp32 vs compiled + bf16")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per variant (median)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--no-compile", action="store_true", help="eager fp32 and eager bf16 only")
    parser.set_defaults(func=run)


def run_benchmark(steps=5, batch_size=16, seq_len=128, layers=4, width=128, heads=4, vocab=4096, device=None,
                  threads=None, use_compile=True) -> dict:
    """Measure tokens/s of each variant; return the results dict (see module docstring)."""
    set_threads(threads)
    device = choose_device(device)
    config = GPTConfig(vocab_size=vocab, block_size=seq_len, n_layer=layers, n_head=heads, n_embd=width)

    variants = [("eager", "fp32")] + ([("compiled", "fp32")] if use_compile else []) + [("eager", "bf16")] + \
        ([("compiled", "bf16")] if use_compile else [])
    results = training_step_benchmark(config, batch_size=batch_size, steps=steps, warmup=1, variants=variants,
                                      device=device,
                                      on_result=lambda key, value: print(f"{key:<22} {value:>12,.0f}", flush=True))
    results["device"] = device
    results["torch"] = __import__("torch").__version__
    if device == "cpu":
        results["cpu_bf16"] = cpu_bf16_support()
        # Amdahl: compile fuses what lies between the matmuls; it does not make the matmuls faster
        results.update(matmul_time_share(config, batch_size=batch_size, device=device))
    for key in ("compiled_fp32_tok_s", "eager_bf16_tok_s", "compiled_bf16_tok_s"):
        if key in results:
            results[f"speedup_{key[:-6]}_vs_eager_fp32"] = results[key] / results["eager_fp32_tok_s"]
    peak = peak_flops_for(device)
    if peak:
        flops = GPT(config).flops_per_token()
        best = max(v for k, v in results.items() if k.endswith("_tok_s"))
        results["mfu_best"] = flops * best / peak
    return results


def amdahl_line(results: dict) -> str:
    """One sentence on the profiled matmul share and the most compile alone can gain (CPU runs)."""
    return (f"eager fp32 step: matmuls {100 * results['matmul_share']:.0f}% of the time, so compile alone can give "
            f"at most {results['compile_only_bound']:.2f}x; beyond that needs faster matmuls (bf16 hardware)")


def run(args) -> int:
    results = run_benchmark(args.steps, args.batch_size, args.seq_len, args.layers, args.width, args.heads,
                            args.vocab, args.device, args.threads, not args.no_compile)
    for note in results["notes"]:
        print(note)
    if "matmul_share" in results:
        print(amdahl_line(results))
    print(f"parameters {results['n_params']:,}  device {results['device']}")
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in results.items()}))
    return 0
