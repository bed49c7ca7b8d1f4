"""``cs229llm run``: every stage from the sample crawl to an annealed, evaluated model, with its report."""

from ..config import get_profile
from ..experiments.run import run_all
from ..mixing import DOMAINS, parse_weights
from ..paths import check_output_folder, runs_dir
from ._options import add_compile_option, finish, progress_wanted, real, whole


def configure(parser) -> None:
    parser.add_argument("--out", help="output folder (default: runs/e2e-<profile>)")
    parser.add_argument("--steps", type=whole(1, 10**9), help="override the number of training steps")
    parser.add_argument("--hq-share", type=real(0, 1, low_open=True), help="weight of the high-quality set while annealing (0..1]")
    parser.add_argument("--mixture", help="domain weights for training, e.g. code=2,books=1 (the syntax of "
                                          "`cs229llm mix`; default: the lecture's temperature mixture)")
    add_compile_option(parser, help="torch.compile the model (default: the profile's choice: on for gpu)")
    parser.add_argument("--quiet", action="store_true", help="do not print one line per stage")
    finish(parser, run, seed_help="seed of every stage (sampler, model, evaluation; default 0)")


def run(args) -> int:
    profile = get_profile(args.profile).name
    # an empty --out is refused before minutes of work, not read as "the default"
    out = str(check_output_folder(args.out)) if args.out is not None else str(runs_dir() / f"e2e-{profile}")
    overrides = {key: value for key, value in (("steps", args.steps), ("hq_share", args.hq_share),
                                               ("compile", args.compile), ("seed", args.seed)) if value is not None}
    if args.mixture is not None:
        overrides["mixture"] = parse_weights(args.mixture, DOMAINS)
    run_all(out, profile=profile, verbose=not args.quiet, progress=progress_wanted(), **overrides)
    return 0
