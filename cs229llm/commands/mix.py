"""``cs229llm mix``: print a mixture plan (tokens, epochs, warnings per domain) for weights and a budget."""
from ..errors import InputError
from ..experiments.course_data import default_token_dir
from ..mixing import DOMAINS, Mixture, parse_weights
from ..tokenization.shards import tokens_per_domain
from ._options import describe, finish, real


def configure(parser) -> None:
    describe(parser, "Resolve domain weights against the tokens each domain holds and a token budget.")
    rule = parser.add_mutually_exclusive_group()
    rule.add_argument("--mixture", "--weights", dest="mixture", metavar="MIXTURE",
                      help="domain=weight,... e.g. code=2,books=1,news=1 (the syntax train and run take)")
    rule.add_argument("--temperature", type=real(0, 1000, low_open=True), help="temperature sampling: p ∝ n^(1/T)")
    rule.add_argument("--unimax", action="store_true", help="UniMax: uniform budget with an epoch cap")
    rule.add_argument("--epochs", help="domain=epochs,... repeat each domain this many times")
    parser.add_argument("--max-epochs", type=real(0, 10**6, low_open=True), default=1.0, help="UniMax epoch cap (default 1)")
    parser.add_argument("--budget", type=real(0, 1e18, low_open=True), help="training tokens (default: one pass over the corpus)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--available", help="domain=tokens,... tokens each domain holds")
    source.add_argument("--shards", help="a token shards folder (its manifest gives the tokens per domain)")
    finish(parser, run, seed_help="unused: a plan is arithmetic, nothing is sampled (accepted like every command)")


def run(args) -> int:
    if args.available:
        available = parse_weights(args.available)
    elif args.shards:
        available = tokens_per_domain(args.shards)
    else:
        train_dir = default_token_dir() / "train"
        if not (train_dir / "manifest.json").is_file():
            return _print_without_corpus(args)
        available = tokens_per_domain(train_dir)
        print(f"corpus: {train_dir}")
    budget = args.budget if args.budget is not None else sum(available.values())
    if args.temperature is not None:
        mixture = Mixture.temperature(available, args.temperature)
    elif args.unimax:
        mixture = Mixture.unimax(available, budget, max_epochs=args.max_epochs)
    elif args.epochs:
        epochs = parse_weights(args.epochs, list(available))
        mixture = Mixture.from_epochs(epochs, available)
        if args.budget is None:
            budget = sum(epochs.get(d, 0.0) * n for d, n in available.items())
    elif args.mixture:
        known = list(available) if set(available) - set(DOMAINS) else list(DOMAINS)
        mixture = Mixture.parse(args.mixture, known)
    else:
        mixture = Mixture.temperature(available, 1.0)  # natural proportions
    plan = mixture.plan(available, budget)
    print(plan)
    return 0


def _print_without_corpus(args) -> int:
    """Proportions and tokens only: without a corpus there are no epochs to count."""
    if not args.mixture or args.budget is None:
        raise InputError("no corpus to plan against: pass --mixture and --budget, or give the tokens per "
                         "domain with --available domain=tokens,... or --shards DIR "
                         "(`cs229llm tokenize shards` builds the course shards)")
    mixture = Mixture.parse(args.mixture, DOMAINS)
    tokens = mixture.allocate(args.budget)
    print(f"budget: {int(round(args.budget)):,} tokens (no corpus given, so no epochs: "
          "add --available or --shards)")
    for name, proportion in mixture.proportions.items():
        print(f"{name:>14}  proportion {proportion:.3f}  tokens {tokens[name]:>12,}")
    return 0
