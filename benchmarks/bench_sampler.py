"""Sampler benchmark: MixtureSampler tokens/s over the 1M tokens/s target.

Runs the same code as ``cs229llm bench sampler`` and prints the ratio, then the JSON line.
"""

import json

from cs229llm.experiments.benchmarks import sampler_benchmark

if __name__ == "__main__":
    result = sampler_benchmark()
    print(f"sampler tokens/s / 1M target = {result['tokens_per_s'] / 1e6:.2f}x (target >= 1.0)")
    print(json.dumps(result))
