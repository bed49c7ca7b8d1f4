"""Training-step benchmark: compiled + bf16 tokens/s over eager fp32 tokens/s for the tiny GPT.

Target (benchmarks/RESULTS.md): >= 2.0x on the course's 2-core CPUs. Runs the same code as
``cs229llm bench train`` and prints the ratio; on a CPU it then profiles one eager fp32 step and prints
the matmuls' share of its time and the speedup compile alone could give at most (Amdahl's law);
then the JSON line.
"""

import json

from cs229llm.experiments.benchmarks import amdahl_line, train_benchmark

if __name__ == "__main__":
    results = train_benchmark(on_result=lambda key, value: print(f"{key:<22} {value:>12,.0f}", flush=True))
    ratio = results.get("speedup_compiled_bf16_vs_eager_fp32")
    print(f"compiled+bf16 / eager fp32 tokens/s = {ratio:.2f}x (target >= 2.0x)" if ratio else "compile unavailable")
    if results.get("speedup_compiled_fp32_vs_eager_fp32"):
        print(f"compiled fp32 / eager fp32 tokens/s = {results['speedup_compiled_fp32_vs_eager_fp32']:.2f}x "
              f"(CPU bf16: {results.get('cpu_bf16', 'n/a')})")
    if "matmul_share" in results:  # on a CPU: Amdahl's bound for compile alone
        print(amdahl_line(results))
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in results.items()}))
