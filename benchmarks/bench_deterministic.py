"""What bit-for-bit reproducibility costs: training throughput with deterministic algorithms on and off.

The trainer turns on ``torch.use_deterministic_algorithms`` by default (``TrainConfig.deterministic``)
so that compiled runs resume exactly. This times the same short run both ways, eager and compiled,
round-robin (the machine's speed drifts), and prints the median tokens/s and the ratio off/on. It also
trains each setting twice and reports whether the two runs' weights are bit-identical.

    python benchmarks/bench_deterministic.py [--rounds 3] [--steps 30]
"""
import argparse
import statistics
import tempfile
from pathlib import Path

import torch

from cs229llm.config import seed_everything
from cs229llm.model import GPT, GPTConfig
from cs229llm.training.byte_data import ByteTokenizer, StreamSampler, encode_domains
from cs229llm.training.trainer import TrainConfig, train

TEXTS = {"prose": ["the cat sat on the mat and the dog sat on the log. " * 40] * 8,
         "code": ["def add(a, b):\n    return a + b\n\n" * 60] * 8}


def one_run(folder: Path, steps: int, compiled: bool, deterministic: bool) -> tuple[float, dict]:
    seed_everything(0)
    model = GPT(GPTConfig(vocab_size=257, block_size=64, n_layer=2, n_head=2, n_embd=64))
    sampler = StreamSampler(encode_domains(ByteTokenizer(), TEXTS), {"prose": 1, "code": 1}, batch_size=16,
                            seq_len=64, seed=0)
    config = TrainConfig(max_steps=steps, lr=3e-3, warmup_steps=2, eval_every=0, log_every=steps,
                         run_dir=str(folder), resume=False, compile=compiled, deterministic=deterministic)
    result = train(model, sampler, config)
    return result.tokens_per_second, {k: v.detach().clone() for k, v in model.state_dict().items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    settings = [(compiled, deterministic) for compiled in (False, True) for deterministic in (False, True)]
    speeds = {setting: [] for setting in settings}
    weights = {setting: [] for setting in settings}
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(args.rounds + 1):  # round 0 warms up (compiles) and is not timed
            for setting in settings:
                speed, state = one_run(Path(folder) / f"r{round_number}-{setting}", args.steps, *setting)
                if round_number:
                    speeds[setting].append(speed)
                weights[setting].append(state)
    print(f"{'mode':<10} {'deterministic':<14} {'median tokens/s':>16} {'runs identical':>15}")
    for compiled, deterministic in settings:
        runs = weights[(compiled, deterministic)]
        identical = all(torch.equal(runs[0][name], other[name]) for other in runs[1:] for name in runs[0])
        print(f"{'compiled' if compiled else 'eager':<10} {str(deterministic):<14} "
              f"{statistics.median(speeds[(compiled, deterministic)]):>16,.0f} {str(identical):>15}")
    for compiled in (False, True):
        ratio = statistics.median(speeds[(compiled, False)]) / statistics.median(speeds[(compiled, True)])
        print(f"{'compiled' if compiled else 'eager'}: throughput off / on = {ratio:.3f}x")


if __name__ == "__main__":
    main()
