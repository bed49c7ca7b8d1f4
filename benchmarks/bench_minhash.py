"""MinHash benchmark: our vectorised signatures vs datasketch ``MinHash.bulk`` on 2 KB documents.

Runs the same code as ``cs229llm bench minhash`` (one thread) and prints the ratios the targets
name (>= 3.5x bulk, >= 20,000 docs/s, estimator error within 10% of theory), then the JSON line.
"""

import json

from cs229llm.config import set_threads
from cs229llm.experiments.benchmarks import minhash_benchmark

if __name__ == "__main__":
    set_threads(1)
    result = minhash_benchmark()
    print(result.pop("table"))
    print(f"ours / datasketch bulk = {result['speedup_vs_bulk']:.1f}x (target >= 3.5x); "
          f"ours = {result['ours_docs_per_s']:,.0f} docs/s (target >= 20,000); "
          f"error / theory = {result['ours_error_over_theory']:.2f} (target 0.9-1.1)")
    print(json.dumps(result))
