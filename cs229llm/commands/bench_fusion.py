"""``cs229llm bench fusion``: eager vs torch.compile on memory-bound chains, against copy bandwidth.

Prints one row per operation (time, GB/s of the minimum traffic, the GB/s of a copy moving the same
bytes timed round-robin with it, the compiled fraction of that copy, speedup), then one JSON line with ``copy_GBps`` and per-op speedups and GB/s.
"""

import json

from ..config import choose_device, set_threads
from ..errors import InputError
from ..systems.fusion import default_cases, run_fusion_benchmarks, summary_json


def register_bench(bench_subparsers) -> None:
    parser = bench_subparsers.add_parser("fusion", help="operator fusion: eager vs torch.compile, GB/s vs copy")
    parser.add_argument("--elements", type=int, default=1 << 22,
                        help="length of the elementwise chain's vector (default 4M floats = 16 MB)")
    parser.add_argument("--repeats", type=int, default=10, help="timing rounds (eager, compiled and a same-bytes copy round-robin; best of each)")
    parser.add_argument("--no-compile", action="store_true", help="eager only")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default CS229LLM_THREADS or all)")
    parser.set_defaults(func=run)


def format_table(summary: dict) -> str:
    """One line per operation: the numbers the JSON summarises."""
    machine = summary["machine"]
    lines = [f"device {machine['device']}  torch {machine['torch']}  copy bandwidth {machine['copy_GBps']:.2f} GB/s  "
             f"matmul {machine['matmul_flops'] / 1e9:.1f} GFLOP/s",
             f"{'operation':<18} {'MB':>7} {'eager ms':>9} {'comp ms':>8} {'eager GB/s':>10} {'comp GB/s':>9} "
             f"{'copy GB/s':>9} {'% copy':>7} {'speedup':>8}"]
    for r in summary["results"]:
        compiled = r["compiled_s"] is not None
        lines.append(
            f"{r['name']:<18} {r['bytes'] / 1e6:>7.1f} {r['eager_s'] * 1e3:>9.2f} "
            f"{(r['compiled_s'] * 1e3 if compiled else float('nan')):>8.2f} {r['eager_GBps']:>10.2f} "
            f"{(r['compiled_GBps'] if compiled else float('nan')):>9.2f} {r['copy_GBps']:>9.2f} "
            f"{(100 * r['compiled_frac_copy'] if compiled else float('nan')):>6.0f}% "
            f"{(r['speedup'] if compiled else float('nan')):>7.2f}x {r['note']}")
    return "\n".join(lines)


def run_benchmark(elements: int = 1 << 22, repeats: int = 10, use_compile: bool = True, device=None,
                  threads=None) -> dict:
    """Run the four fusion cases (sizes scaled from ``elements``) and return the summary."""
    set_threads(threads)
    device = choose_device(device)
    rows = max(64, elements // 1024)
    cases = default_cases(n_elements=elements, rows=rows, width=1024)
    return run_fusion_benchmarks(cases, use_compile=use_compile, repeats=repeats, device=device)


def run(args) -> int:
    if args.elements < 1024:
        raise InputError("--elements must be at least 1024")
    summary = run_benchmark(args.elements, args.repeats, not args.no_compile, args.device, args.threads)
    print(format_table(summary))
    print(json.dumps(summary_json(summary)))
    return 0
