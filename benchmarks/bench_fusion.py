"""Fusion benchmark: the fused elementwise chain's achieved bandwidth as a fraction of copy bandwidth.

Target (benchmarks/RESULTS.md): >= 0.70 on the course's 2-core CPUs. Runs the same code as
``cs229llm bench fusion`` and prints its table, the ratio, then the JSON line.
"""

import json
import sys

from cs229llm.experiments.benchmarks import fusion_benchmark, fusion_table
from cs229llm.systems.fusion import summary_json

if __name__ == "__main__":
    summary = fusion_benchmark(elements=int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 22)
    print(fusion_table(summary))
    flat = summary_json(summary)
    ratio = flat["elementwise_chain_compiled_frac_copy"]
    print(f"fused elementwise chain / copy bandwidth = {ratio} (target >= 0.70); "
          f"speedup {flat['elementwise_chain_speedup']}x")
    print(json.dumps(flat))
