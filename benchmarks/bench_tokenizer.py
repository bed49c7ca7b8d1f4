"""Tokenizer benchmark: teaching BPE time over HF tokenizers time (1 MB, 768 vocabulary), and HF MB/s.

Targets (benchmarks/RESULTS.md): teaching / HF ≤ 10×; HF ≥ 5 MB/s. Runs the same code as
``cs229llm bench tokenizer`` and prints its table, the ratio, then the JSON line.
"""

import json

from cs229llm.experiments.benchmarks import tokenizer_benchmark, tokenizer_table

if __name__ == "__main__":
    result = tokenizer_benchmark()
    print(tokenizer_table(result))
    print(f"teaching / HF time = {result['teaching_over_hf']}x (target <= 10x); "
          f"HF {result['hf_mb_per_s']} MB/s median of {result['repeats']}, {result['hf_best_mb_per_s']} best (target >= 5)")
    print(json.dumps(result))
