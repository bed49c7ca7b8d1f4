"""``cs229llm run``: every stage from the sample crawl to an annealed, evaluated model, with its report."""
from ..config import get_profile
from ..experiments.run import run_all
from ..paths import runs_dir


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run the whole course stream headlessly and write report.md + metrics.json")
    parser.add_argument("--profile", choices=("ci", "laptop", "gpu"),
                        help="sizes of every stage (default: CS229LLM_PROFILE or laptop)")
    parser.add_argument("--out", help="output folder (default: runs/e2e-<profile>)")
    parser.add_argument("--steps", type=int, help="override the number of training steps")
    parser.add_argument("--hq-share", type=float, help="weight of the high-quality set while annealing (0..1]")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument("--quiet", action="store_true", help="do not print one line per stage")
    parser.set_defaults(func=run)


def run(args) -> int:
    profile = get_profile(args.profile).name
    out = args.out or str(runs_dir() / f"e2e-{profile}")
    overrides = {key: value for key, value in (("steps", args.steps), ("hq_share", args.hq_share),
                                               ("seed", args.seed)) if value is not None}
    metrics = run_all(out, profile=profile, verbose=not args.quiet, **overrides)
    return 0
