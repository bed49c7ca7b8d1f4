"""The end-to-end run: from the sample crawl to an annealed, evaluated model and its report.

Every stage of the lecture in order: read the WARC crawl, extract text, identify language,
filter by quality, exact and near dedup, classify domains, plan the mixture, train a tokenizer,
write token shards, pretrain with warmup-stable-decay, anneal on high-quality data (against
decay-on-web and no-decay arms at equal compute), evaluate (bits per byte per domain, cloze
multiple choice, contamination, samples) and write ``report.md`` + ``metrics.json``. Sizes
come from the profile.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from ..config import by_profile, get_profile, seed_everything, set_threads
from ..data import domains
from ..data.dedup import exact_dedup, near_dedup
from ..data.extract import extract_text
from ..data.langid import identify_language
from ..data.pipeline import Stage, funnel, run_pipeline
from ..data.quality import quality_filter
from ..data.samples import crawl_paths, domain_corpus, hq_reference
from ..data.warc import read_warc
from ..errors import InputError
from ..evaluation.bpb_vs_perplexity import per_domain_table
from ..evaluation.contamination import NgramIndex, contamination_report
from ..evaluation.curves import read_metrics
from ..evaluation.generate import generate
from ..evaluation.multiple_choice import evaluate_multiple_choice, summarize_by_domain
from ..evaluation.perplexity import make_eval_fn
from ..evaluation.tasks import cloze_items, split_items
from ..mixing import Mixture
from ..model import GPT, GPTConfig
from ..tokenization.shards import MixtureSampler, write_shards
from ..tokenization.train import compression_by_domain, train_tokenizer
from ..training.checkpoint import load_pretrained
from ..training.trainer import TrainConfig
from . import report
from .anneal import cap_bytes, comparison_table, run_annealing_arms

HQ_DOMAIN = "hq"


@dataclass
class RunSizes:
    """Every size of the end-to-end run (see :func:`sizes_for`)."""

    vocab_size: int
    n_layer: int
    n_head: int
    n_embd: int
    block_size: int
    batch_size: int
    steps: int
    lr: float
    warmup_steps: int
    decay_fraction: float
    eval_every: int
    eval_bytes_per_domain: int
    cloze_per_domain: int
    hq_share: float = 1.0
    near_dedup_threshold: float = 0.8
    precision: str = "fp32"
    compile: bool = False
    seed: int = 0
    mixture: dict | None = None  # domain -> weight for pretraining; None: the lecture's mixture


def sizes_for(profile: str | None = None, **overrides) -> RunSizes:
    """The run's sizes for ``profile`` (ci: about a minute on 2 cores), with ``overrides`` applied."""
    sizes = RunSizes(
        vocab_size=by_profile(ci=512, laptop=2048, gpu=8192, profile=profile),
        n_layer=by_profile(ci=2, laptop=4, gpu=6, profile=profile),
        n_head=by_profile(ci=2, laptop=4, gpu=6, profile=profile),
        n_embd=by_profile(ci=64, laptop=128, gpu=384, profile=profile),
        block_size=by_profile(ci=64, laptop=128, gpu=256, profile=profile),
        batch_size=by_profile(ci=16, laptop=32, gpu=64, profile=profile),
        steps=by_profile(ci=200, laptop=1500, gpu=4000, profile=profile),
        lr=by_profile(ci=3e-3, laptop=2e-3, gpu=1e-3, profile=profile),
        warmup_steps=by_profile(ci=10, laptop=50, gpu=200, profile=profile),
        decay_fraction=0.2,
        eval_every=by_profile(ci=40, laptop=150, gpu=400, profile=profile),
        eval_bytes_per_domain=by_profile(ci=12_000, laptop=60_000, gpu=200_000, profile=profile),
        cloze_per_domain=by_profile(ci=10, laptop=40, gpu=100, profile=profile),
        precision=by_profile(ci="fp32", laptop="fp32", gpu="auto", profile=profile),
        compile=by_profile(ci=False, laptop=False, gpu=True, profile=profile),
    )
    unknown = sorted(set(overrides) - set(asdict(sizes)))
    if unknown:
        raise InputError(f"unknown run size(s): {', '.join(unknown)}")
    return replace(sizes, **overrides)


STAGE_NAMES = ("read_warc", "curate", "tokenizer", "shards", "train+anneal", "evaluate")


class StageLog:
    """Times each stage and prints one line per stage; with ``progress``, a bar over :data:`STAGE_NAMES` too."""

    def __init__(self, verbose: bool = True, progress: bool = False):
        self.seconds: dict[str, float] = {}
        self.verbose = verbose
        self.bar = tqdm(total=len(STAGE_NAMES), desc="run", unit="stage", disable=not progress)

    def run(self, name: str, function, *args, **kwargs):
        """Run ``function``; time it; print one line."""
        self.bar.set_postfix_str(name)
        started = time.perf_counter()
        result = function(*args, **kwargs)
        self.seconds[name] = time.perf_counter() - started
        self.bar.update(1)
        if self.verbose:
            line = f"[run] {name:<22} {self.seconds[name]:7.1f} s"
            if self.bar.disable:
                print(line, flush=True)
            else:
                tqdm.write(line)  # above the bar, which stays at the bottom
        if self.bar.n >= self.bar.total:
            self.bar.close()
        return result


# ---------------------------------------------------------------- data stages


def read_crawl(limit: int | None = None) -> tuple[pd.DataFrame, object]:
    """The sample crawl as a documents table and the reader's report.

    Skipped responses (non-HTML, HTTP errors, ...) get a row marked dropped by ``read_warc`` so
    the funnel starts at the raw records.
    """

    return read_warc(crawl_paths(), include_skipped=True, max_documents=limit)


def curation_stages(sizes: RunSizes) -> list:
    """The pipeline stages in lecture order (extract, langid, quality, exact dedup, near dedup, domains)."""
    return [Stage(extract_text), Stage(identify_language), Stage(quality_filter), Stage(exact_dedup),
            Stage(near_dedup, kwargs={"threshold": sizes.near_dedup_threshold}), domains.pipeline_stage()]


def training_mixture(tokens_by_domain: dict[str, int]) -> dict[str, float]:
    """The lecture's mixture: temperature sampling (T=2) then code upweighted x2, entertainment x0.5."""

    present = {d: n for d, n in tokens_by_domain.items() if n > 0}
    base = Mixture.temperature(present, temperature=2.0).probabilities
    adjusted = {d: p * {"code": 2.0, "entertainment": 0.5}.get(d, 1.0) for d, p in base.items()}
    return Mixture.from_weights(adjusted).probabilities


def chosen_mixture(weights: dict[str, float], tokens_by_domain: dict[str, int]) -> dict[str, float]:
    """A mixture the learner gave (``cs229llm run --mixture``), over the domains the curated data holds."""
    present = {d: w for d, w in weights.items() if tokens_by_domain.get(d, 0) > 0 and w > 0}
    if not present:
        raise InputError(f"none of the mixture's domains ({', '.join(weights)}) has curated text in this run: "
                         f"choose among {', '.join(d for d, n in tokens_by_domain.items() if n > 0)}")
    return Mixture.from_weights(present).probabilities


def held_out_texts(max_bytes_per_domain: int, hq_heldout: list[str]) -> dict[str, list[str]]:
    """Held-out evaluation texts per domain (``domain_corpus("heldout")``) plus the HQ held-out part."""

    heldout = domain_corpus("heldout")
    texts: dict[str, list[str]] = {}
    for domain, group in heldout.groupby("domain"):
        texts[str(domain)] = cap_bytes(group["text"].tolist(), max_bytes_per_domain)
    if hq_heldout:
        texts[HQ_DOMAIN] = cap_bytes(hq_heldout, max_bytes_per_domain)
    return texts


# ---------------------------------------------------------------- the run


def run_all(out_dir: str | Path, profile: str | None = None, verbose: bool = True, progress: bool = False,
            **overrides) -> dict:
    """Run every stage and write ``out_dir/report.md`` and ``out_dir/metrics.json``.

    Args:
        out_dir: the run folder (created; an existing one is reused and overwritten).
        profile: ``ci``, ``laptop`` or ``gpu`` (default: ``CS229LLM_PROFILE``).
        progress: show a progress bar over the stages (the command turns it on at a terminal).
        overrides: any :class:`RunSizes` field (e.g. ``steps=60`` for a faster test).

    Returns:
        the metrics dict written to ``metrics.json``.
    """

    profile_name = get_profile(profile).name
    sizes = sizes_for(profile_name, **overrides)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    threads = set_threads()
    seed_everything(sizes.seed)
    log = StageLog(verbose, progress)
    started = time.perf_counter()
    metrics: dict = {"profile": profile_name, "sizes": asdict(sizes), "threads": threads}
    sections: list[tuple[str, str]] = []

    # ---- data: crawl -> curated documents
    docs, skipped = log.run("read_warc", read_crawl)
    stages = curation_stages(sizes)
    curated = log.run("curate", run_pipeline, docs, stages)
    funnel_table = funnel(curated)  # starts at the raw records (read_warc drops come first)
    kept = curated[curated["dropped_by"].isna()]
    metrics["funnel"] = {"documents_in": int(len(curated)), "kept": int(len(kept)),
                         "stages": funnel_table[["stage", "in", "dropped", "kept"]].to_dict("records"),
                         "warc_records": int(getattr(skipped, "records", 0))}
    reasons = (curated[curated["dropped_by"].notna()].groupby(["dropped_by", "drop_reason"]).size()
               .rename("documents").sort_values(ascending=False).reset_index().head(12))
    sections.append(("1. Data: from the crawl to curated documents",
                     report.image(report.save_funnel(funnel_table, out), "funnel") + "\n\n"
                     + report.markdown_table(funnel_table) + "\n\nMost common drop reasons:\n\n"
                     + report.markdown_table(reasons)))

    # ---- tokenizer, shards, mixture

    hq = hq_reference()
    hq_texts = hq["text"].tolist()
    split = max(1, len(hq_texts) // 5)
    hq_heldout, hq_train = hq_texts[:split], hq_texts[split:]
    tokenizer = log.run("tokenizer", train_tokenizer, kept["text"].tolist(), vocab_size=sizes.vocab_size)
    tokenizer.save(out / "tokenizer.json")
    compression = compression_by_domain(tokenizer, kept[["text", "domain"]])
    by_domain = {str(d): g["text"].tolist() for d, g in kept.groupby("domain")}
    manifest = log.run("shards", write_shards, {**by_domain, HQ_DOMAIN: hq_train}, tokenizer, out / "shards")
    tokens = {d: info["tokens"] for d, info in manifest["domains"].items()}
    web_tokens = {d: n for d, n in tokens.items() if d != HQ_DOMAIN}
    web_weights = training_mixture(web_tokens) if sizes.mixture is None else chosen_mixture(sizes.mixture, web_tokens)
    natural = {d: n / sum(web_tokens.values()) for d, n in web_tokens.items()}
    metrics["tokenizer"] = {"vocab_size": tokenizer.vocab_size,
                            "bytes_per_token": _records(compression, "domain", "bytes_per_token")}
    metrics["mixture"] = {"weights": web_weights, "natural": natural, "tokens": tokens}
    sections.append(("2. Mixture and tokenizer",
                     report.image(report.plot_mixture(natural, web_weights, out), "mixture")
                     + ("\n\nTemperature sampling (T=2) over the curated domains, then code x2 and "
                        "entertainment x0.5 (the lecture's up/down-weighting). " if sizes.mixture is None
                        else f"\n\nThe mixture given with --mixture ({sizes.mixture}), over the curated domains. ")
                     + "HQ set: "
                     + f"{len(hq_train)} documents for annealing, {len(hq_heldout)} held out.\n\n"
                     + report.image(report.plot_tokenizer(compression, out), "tokenizer") + "\n\n"
                     + report.markdown_table(compression)))

    # ---- train: stable phase, then three arms at equal compute

    eval_texts = held_out_texts(sizes.eval_bytes_per_domain, hq_heldout)
    eval_fn = make_eval_fn(tokenizer, eval_texts)
    model_config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=sizes.block_size, n_layer=sizes.n_layer,
                             n_head=sizes.n_head, n_embd=sizes.n_embd)

    def model_factory():
        seed_everything(sizes.seed)
        return GPT(model_config)

    def sampler_factory(weights):
        return MixtureSampler(out / "shards", weights, sizes.batch_size, sizes.block_size, seed=sizes.seed)

    train_config = TrainConfig(max_steps=sizes.steps, lr=sizes.lr, warmup_steps=sizes.warmup_steps,
                               eval_every=sizes.eval_every, log_every=max(1, sizes.steps // 40),
                               precision=sizes.precision, compile=sizes.compile, seed=sizes.seed)
    anneal = log.run("train+anneal", run_annealing_arms, model_factory, sampler_factory, train_config, web_weights,
                     out / "runs", eval_fn, decay_fraction=sizes.decay_fraction, hq_share=sizes.hq_share)
    wide = comparison_table(anneal)
    stable_events = anneal.results["stable"].history
    metrics["model"] = {"parameters": GPT(model_config).num_parameters(), **model_config.to_dict()}
    metrics["bpb_before_anneal"] = {k[4:]: v for k, v in anneal.before.items() if k.startswith("bpb/")}
    metrics["bpb_after_anneal"] = {k[4:]: v for k, v in anneal.after["anneal_hq"].items() if k.startswith("bpb/")}
    metrics["bpb_arms"] = {arm: {k[4:]: v for k, v in values.items() if k.startswith("bpb/")}
                           for arm, values in anneal.after.items()}
    metrics["training"] = {"steps": sizes.steps, "branch_step": anneal.branch_step,
                           "tokens_per_step": sizes.batch_size * sizes.block_size,
                           "tokens_per_s": {name: r.tokens_per_second for name, r in anneal.results.items()},
                           "compiled": anneal.results["stable"].compiled}

    arm_events = {name: read_metrics(r.run_dir) for name, r in anneal.results.items() if name != "stable"}
    better = [d for d in metrics["bpb_after_anneal"]
              if metrics["bpb_after_anneal"][d] < metrics["bpb_arms"]["decay_web"].get(d, math.inf)]
    sections.append(("3. Training and annealing",
                     f"{metrics['model']['parameters']:,}-parameter GPT, {sizes.steps} steps of "
                     f"{sizes.batch_size}x{sizes.block_size} tokens; stable phase to step {anneal.branch_step}, "
                     f"then three endings at equal compute.\n\n"
                     + report.image(report.plot_training({"stable": stable_events, **arm_events}, out,
                                                         anneal.branch_step), "training") + "\n\n"
                     + report.image(report.plot_throughput(stable_events, out), "throughput") + "\n\n"
                     + report.image(report.plot_bpb_before_after(wide, out), "bpb before/after") + "\n\n"
                     + report.markdown_table(wide, index=True) + "\n\n"
                     + f"Annealing on HQ beat decay-on-web on {len(better)} of "
                       f"{len(metrics['bpb_after_anneal'])} held-out sets ({', '.join(better) or 'none'})."))

    # ---- evaluation
    sections += log.run("evaluate", evaluate_run, out, anneal, tokenizer, eval_texts, kept, hq_train, sizes, metrics)
    return _finish(out, metrics, sections, log, started, sizes)


def evaluate_run(out: Path, anneal, tokenizer, eval_texts: dict, kept: pd.DataFrame, hq_train: list[str],
                 sizes: RunSizes, metrics: dict) -> list[tuple[str, str]]:
    """Evaluation of the stable and annealed models: bpb vs perplexity, cloze MC, contamination, samples."""

    models = {"stable": load_pretrained(anneal.results["stable"].run_dir)[0],
              "anneal_hq": load_pretrained(anneal.results["anneal_hq"].run_dir)[0]}
    token_table = per_domain_table(models["anneal_hq"], tokenizer, eval_texts)
    metrics["per_token_vs_per_byte"] = token_table.to_dict("records")

    heldout = domain_corpus("heldout")
    items = cloze_items(heldout, n_per_domain=sizes.cloze_per_domain, seed=sizes.seed)
    pool, questions = split_items(items, n_pool=min(4, len(items) - 1), seed=sizes.seed)
    mc_tables = {}
    for name, model in models.items():
        summary, scores = evaluate_multiple_choice(model, tokenizer, questions, pool, k_shot=2, seed=sizes.seed)
        mc_tables[name] = summarize_by_domain(scores)
        metrics.setdefault("multiple_choice", {})[name] = summary
    index = NgramIndex(n=13).add_texts(kept["text"].tolist() + hq_train)
    contamination = contamination_report(index, questions)
    metrics["contamination"] = {"items": int(len(contamination)), "contaminated": int(contamination["contaminated"].sum()),
                                "n": 13}
    prompts = ["The city council", "def main():", "In this chapter"]
    samples = [(p, t, k, generate(models["anneal_hq"], tokenizer, p, max_new_tokens=40, temperature=t, top_k=k,
                                  seed=sizes.seed)) for p in prompts for t, k in ((0.0, None), (0.8, 40))]
    metrics["samples"] = [{"prompt": p, "temperature": t, "top_k": k, "text": s} for p, t, k, s in samples]

    mc_text = "\n\n".join(f"**{name}** ({len(questions)} cloze items, 4 choices, 2 fixed seeded shots):\n\n"
                          + report.markdown_table(table) for name, table in mc_tables.items())
    sample_text = "\n".join(f"- `{p}` (T={t}, top-k={k}): {s!r}" for p, t, k, s in samples)
    return [("4. Evaluation",
             "**Perplexity per token depends on the tokenizer; bits per byte does not** "
             "(bpb = nats per token / (ln 2 x bytes per token)):\n\n" + report.markdown_table(token_table)
             + "\n\n**Multiple choice (cloze, log-likelihood)**: acc, acc_norm (per answer byte), centered "
               "= (acc - random) / (1 - random).\n\n" + mc_text
             + f"\n\n**Contamination**: {metrics['contamination']['contaminated']} of {len(contamination)} "
               "evaluation items share a 13-gram with the training texts.\n\n**Samples** (annealed model):\n\n"
             + sample_text)]


def _records(frame: pd.DataFrame, key: str, value: str) -> dict:
    return {str(k): float(v) for k, v in zip(frame[key], frame[value])}


def _finish(out: Path, metrics: dict, sections: list, log: StageLog, started: float, sizes: RunSizes) -> dict:
    metrics["seconds"] = {**log.seconds, "total": time.perf_counter() - started}
    timing = pd.DataFrame([{"stage": k, "seconds": v} for k, v in metrics["seconds"].items()])
    sections = list(sections) + [("Timing", report.markdown_table(timing, ".1f")),
                                 ("Sizes", "```\n" + json.dumps(asdict(sizes), indent=1) + "\n```")]
    report.write_report(out, f"cs229llm end-to-end run ({metrics['profile']} profile)", sections, metrics)
    if log.verbose:
        print(f"[run] wrote {out / 'report.md'} and {out / 'metrics.json'}", flush=True)
    return metrics
