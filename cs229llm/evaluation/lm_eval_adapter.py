"""Our GPT behind lm-evaluation-harness's model interface, and local task definitions for it.

Stage "evaluation" of the lecture: standard benchmarks run through one harness so numbers are
comparable. :class:`CourseLM` implements the harness's three requests (``loglikelihood``,
``loglikelihood_rolling``, ``generate_until``) on anything with ``.args``; :func:`harness_lm`
wraps it as an ``lm_eval.api.model.LM`` (``lm_eval`` is optional: ``pip install -e .[eval]``,
imported only here). :func:`write_cloze_task` turns our cloze items into a YAML task plus a
JSONL file, so the harness can run them offline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

from ..errors import InputError
from .generate import generate_ids
from .multiple_choice import continuation_logprobs
from .perplexity import sum_token_losses


class CourseLM:
    """The harness's three request types, answered by our model and tokenizer.

    Each request is anything with an ``args`` tuple (the harness's ``Instance``):
    ``(context, continuation)`` for loglikelihood, ``(text,)`` for loglikelihood_rolling and
    ``(context, gen_kwargs)`` for generate_until.

    Args:
        model: ``forward(idx[B, T]) -> (logits[B, T, V], _)`` with ``config.block_size``.
        tokenizer: ``encode``/``decode`` and ``eot_id``.
        batch_size: sequences per forward pass.
        max_gen_toks: default generation length when a request does not say.
    """

    def __init__(self, model, tokenizer, batch_size: int = 16, max_gen_toks: int = 64):
        self.model, self.tokenizer = model, tokenizer
        self.batch_size, self.max_gen_toks = int(batch_size), int(max_gen_toks)

    def loglikelihood(self, requests) -> list[tuple[float, bool]]:
        """``(log P(continuation | context), is_greedy)`` per ``(context, continuation)`` request."""
        pairs = [(str(r.args[0]), str(r.args[1])) for r in requests]
        scored = continuation_logprobs(self.model, self.tokenizer, pairs, batch_size=self.batch_size)
        return [(logprob, greedy) for logprob, greedy, _ in scored]

    def loglikelihood_rolling(self, requests) -> list[float]:
        """Total log-likelihood (nats) of each whole text, scored in disjoint block-size windows.

        The text is preceded by the end-of-text id, so every one of its tokens is predicted
        once (the harness's rolling windows with a context length of 1).
        """
        results = []
        for request in requests:
            ids = [int(self.tokenizer.eot_id)] + list(self.tokenizer.encode(str(request.args[0])))
            if len(ids) < 2:
                results.append(0.0)
                continue
            nats, _ = sum_token_losses(self.model, ids, batch_size=self.batch_size)
            results.append(-nats)
        return results

    def generate_until(self, requests) -> list[str]:
        """Continue each context until a stop string or ``max_gen_toks`` tokens.

        ``gen_kwargs`` keys used: ``until`` (str or list), ``max_gen_toks``, ``do_sample``,
        ``temperature``, ``top_k``, ``seed``. Greedy unless ``do_sample`` and temperature > 0.
        """
        outputs = []
        for request in requests:
            context, gen_kwargs = request.args[0], dict(request.args[1] if len(request.args) > 1 else {})
            until = gen_kwargs.get("until") or []
            until = [until] if isinstance(until, str) else list(until)
            temperature = float(gen_kwargs.get("temperature", 0.0) or 0.0)
            if not gen_kwargs.get("do_sample", False):
                temperature = 0.0
            ids = [int(self.tokenizer.eot_id)] + list(self.tokenizer.encode(str(context)))
            out = generate_ids(self.model, torch.tensor([ids]), int(gen_kwargs.get("max_gen_toks", self.max_gen_toks)),
                               temperature=temperature, top_k=gen_kwargs.get("top_k"),
                               seed=gen_kwargs.get("seed", 0), stop_ids=[int(self.tokenizer.eot_id)])
            new_ids = [i for i in out[0, len(ids):].tolist()]
            if int(self.tokenizer.eot_id) in new_ids:
                new_ids = new_ids[:new_ids.index(int(self.tokenizer.eot_id))]
            text = self.tokenizer.decode(new_ids)
            for stop in until:
                if stop and stop in text:
                    text = text[:text.index(stop)]
            outputs.append(text)
        return outputs


def lm_eval_available() -> tuple[bool, str]:
    """``(True, version)`` when lm-evaluation-harness imports, else ``(False, how to install it)``."""
    try:
        import lm_eval  # optional and slow to import: only when the harness runs
    except ImportError:
        return False, "lm-evaluation-harness is not installed: pip install -e '.[eval]' (or pip install 'lm_eval>=0.4')"
    return True, getattr(lm_eval, "__version__", "unknown")


_HARNESS_CLASS = None


def harness_lm(model, tokenizer, batch_size: int = 16, max_gen_toks: int = 64):
    """Our model as an ``lm_eval.api.model.LM``, ready for ``lm_eval.simple_evaluate(model=...)``.

    Raises:
        InputError: lm-evaluation-harness is not installed (with the command that installs it).
    """
    global _HARNESS_CLASS
    available, detail = lm_eval_available()
    if not available:
        raise InputError(detail)
    if _HARNESS_CLASS is None:
        from lm_eval.api.model import LM  # optional and slow to import: only when the harness runs

        class HarnessLM(CourseLM, LM):
            """CourseLM registered as a harness model (rank 0 of 1)."""
            def __init__(self, model, tokenizer, batch_size=16, max_gen_toks=64):
                LM.__init__(self)
                CourseLM.__init__(self, model, tokenizer, batch_size, max_gen_toks)

        _HARNESS_CLASS = HarnessLM
    return _HARNESS_CLASS(model, tokenizer, batch_size, max_gen_toks)


def write_cloze_task(items: Sequence, out_dir: str | Path, name: str = "cs229llm_cloze") -> Path:
    """Write multiple-choice items as a local harness task: ``NAME.jsonl`` and ``NAME.yaml``.

    The YAML reads the JSONL with the ``json`` dataset builder (no network) and asks for
    ``acc`` and ``acc_norm`` over the choices, the same metrics as
    :func:`cs229llm.evaluation.multiple_choice.summarize`.

    Returns:
        The folder to pass as ``include_path`` to ``lm_eval.tasks.TaskManager``.
    """
    if not items:
        raise InputError("no items to write as a harness task")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"{name}.jsonl"
    with data.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps({"id": item.id, "domain": item.domain, "context": item.context,
                                     "choices": list(item.choices), "answer": int(item.answer)}) + "\n")
    yaml_text = "\n".join([
        f"task: {name}",
        "dataset_path: json",
        "dataset_kwargs:",
        "  data_files:",
        f"    test: {json.dumps(str(data.resolve()))}",
        "test_split: test",
        "output_type: multiple_choice",
        'doc_to_text: "{{context}}"',
        'doc_to_choice: "{{choices}}"',
        'doc_to_target: "{{answer}}"',
        'target_delimiter: ""',
        "metric_list:",
        "  - metric: acc",
        "    aggregation: mean",
        "    higher_is_better: true",
        "  - metric: acc_norm",
        "    aggregation: mean",
        "    higher_is_better: true",
        "metadata:",
        "  version: 1.0",
        "",
    ])
    (out / f"{name}.yaml").write_text(yaml_text, encoding="utf-8")
    return out


def run_harness(model, tokenizer, tasks: Sequence[str], include_path: str | Path | None = None,
                limit: int | None = None, num_fewshot: int | None = None, batch_size: int = 16,
                seed: int = 0, standard_tasks: bool = False) -> dict:
    """Run lm-evaluation-harness tasks on our model; returns the harness's ``results`` dict.

    Args:
        tasks: task names (standard ones need internet to download their data; local ones are
            found under ``include_path``, e.g. from :func:`write_cloze_task`).
        limit: at most this many documents per task.
        num_fewshot: few-shot examples (harness default when None); seeded by ``seed``.
        standard_tasks: also index the harness's built-in tasks when ``include_path`` is given.
    """
    lm = harness_lm(model, tokenizer, batch_size)
    import lm_eval  # optional and slow to import: only when the harness runs
    from lm_eval.tasks import TaskManager  # optional and slow to import: only when the harness runs

    if include_path and not standard_tasks:  # index only the local folder (the built-in index takes ~30 s)
        manager = TaskManager(include_path=str(include_path), include_defaults=False)
    else:
        manager = TaskManager(include_path=str(include_path) if include_path else None)
    output = lm_eval.simple_evaluate(model=lm, tasks=list(tasks), task_manager=manager, limit=limit,
                                     num_fewshot=num_fewshot, random_seed=seed, numpy_random_seed=seed,
                                     torch_random_seed=seed, fewshot_random_seed=seed, bootstrap_iters=0,
                                     log_samples=False)
    if output is None:
        raise InputError("lm-evaluation-harness returned no results")
    return output["results"]
