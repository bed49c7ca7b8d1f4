"""Training-step benchmark: compiled + bf16 tokens/s over eager fp32 tokens/s for the tiny GPT.

Target (benchmarks/RESULTS.md): >= 2.0x on the course's 2-core CPUs. Runs the same code as
``cs229llm bench train`` and prints the ratio; on a CPU it then profiles one eager fp32 step and prints
the matmuls' share of its time and the speedup compile alone could give at most (Amdahl's law);
then the JSON line.
"""

import json

from cs229llm.commands.bench_train import run_benchmark
from cs229llm.model import GPTConfig
from cs229llm.systems.fusion import matmul_time_share

if __name__ == "__main__":
    results = run_benchmark()
    ratio = results.get("speedup_compiled_bf16_vs_eager_fp32")
    print(f"compiled+bf16 / eager fp32 tokens/s = {ratio:.2f}x (target >= 2.0x)" if ratio else "compile unavailable")
    if results.get("speedup_compiled_fp32_vs_eager_fp32"):
        print(f"compiled fp32 / eager fp32 tokens/s = {results['speedup_compiled_fp32_vs_eager_fp32']:.2f}x "
              f"(CPU bf16: {results.get('cpu_bf16', 'n/a')})")
    if results["device"] == "cpu":
        # Amdahl: compile fuses what lies between the matmuls; it does not make the matmuls faster.
        share = matmul_time_share(GPTConfig(vocab_size=4096, block_size=128, n_layer=4, n_head=4, n_embd=128))
        results.update(share)
        print(f"eager fp32 step: matmuls {100 * share['matmul_share']:.0f}% of the time, so compile alone can give "
              f"at most {share['compile_only_bound']:.2f}x; beyond that needs faster matmuls (bf16 hardware)")
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in results.items()}))
