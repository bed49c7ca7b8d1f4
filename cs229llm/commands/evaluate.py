"""``cs229llm evaluate``: evaluate a trained checkpoint (bits per byte per domain, cloze multiple choice, samples).

With ``--lm-eval TASK,...`` the model also runs lm-evaluation-harness tasks through the adapter
(standard tasks download their data; ``--include`` points at local task YAMLs).
"""
import json

from ..data.samples import domain_corpus
from ..errors import InputError
from ..evaluation.generate import generate
from ..evaluation.lm_eval_adapter import run_harness
from ..evaluation.multiple_choice import evaluate_multiple_choice, summarize_by_domain
from ..evaluation.perplexity import bits_per_byte_by_domain
from ..evaluation.tasks import cloze_items, split_items
from ..tokenization.train import load_tokenizer
from ..training.checkpoint import load_pretrained
from ._options import finish, real, whole


def configure(parser) -> None:
    parser.add_argument("run_dir", help="a run directory (or checkpoint folder) written by the trainer")
    parser.add_argument("--tokenizer", required=True, help="the tokenizer.json the model was trained with")
    parser.add_argument("--items", type=whole(1, 100_000), default=10, help="cloze questions per domain (default 10)")
    parser.add_argument("--shots", type=whole(0, 64), default=2, help="fixed seeded few-shot examples (default 2)")
    parser.add_argument("--prompt", action="append", default=[], help="generate from this prompt (repeatable)")
    parser.add_argument("--temperature", type=real(0, 100, low_open=True), default=0.8)
    parser.add_argument("--top-k", type=whole(1, 2**20), default=40)
    parser.add_argument("--lm-eval", help="comma-separated lm-evaluation-harness tasks to run as well")
    parser.add_argument("--include", help="folder of local lm-eval task YAMLs")
    parser.add_argument("--limit", type=whole(1, 10**9), help="lm-eval: at most this many documents per task")
    finish(parser, run, seed_help="seed of the few-shot examples, the cloze items and sampling (default 0)")


def run(args) -> int:
    model, state = load_pretrained(args.run_dir)
    tokenizer = load_tokenizer(args.tokenizer)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise InputError(f"tokenizer has {tokenizer.vocab_size} ids but the model expects {model.config.vocab_size}: "
                         "pass the tokenizer the model was trained with")
    heldout = domain_corpus("heldout")
    bpb = bits_per_byte_by_domain(model, tokenizer, heldout)
    print("bits per byte (held out):")
    for domain, value in sorted(bpb.items()):
        print(f"  {domain:<14} {value:.3f}")
    items = cloze_items(heldout, n_per_domain=args.items, seed=args.seed)
    pool, questions = split_items(items, n_pool=min(max(args.shots, 1) * 2, len(items) - 1), seed=args.seed)
    summary, scores = evaluate_multiple_choice(model, tokenizer, questions, pool, k_shot=args.shots, seed=args.seed)
    print(f"\ncloze multiple choice ({len(questions)} items, {args.shots}-shot):")
    print(summarize_by_domain(scores).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for prompt in args.prompt:
        text = generate(model, tokenizer, prompt, 60, args.temperature, args.top_k, args.seed)
        print(f"\n{prompt!r} -> {text!r}")
    result = {"step": state.get("step"), "bpb": bpb, "multiple_choice": summary}
    if args.lm_eval:
        result["lm_eval"] = run_harness(model, tokenizer, [t for t in args.lm_eval.split(",") if t],
                                        include_path=args.include, limit=args.limit, seed=args.seed)
        print("\nlm-evaluation-harness:", json.dumps(result["lm_eval"], indent=1, default=str))
    print(json.dumps(result, default=str))
    return 0
