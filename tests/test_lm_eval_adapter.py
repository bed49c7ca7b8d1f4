"""The lm-evaluation-harness adapter: the three request types directly, then through the harness."""

import math
from types import SimpleNamespace

import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from stand_ins import BigramModel, ByteTokenizer

from cs229llm.evaluation.lm_eval_adapter import CourseLM, lm_eval_available, run_harness, write_cloze_task
from cs229llm.evaluation.multiple_choice import evaluate_multiple_choice
from cs229llm.evaluation.tasks import cloze_items


def request(*args):
    return SimpleNamespace(args=args)


def test_loglikelihood_and_rolling_agree_with_manual_sums():
    model, tok = BigramModel(block_size=16), ByteTokenizer()
    lm = CourseLM(model, tok, batch_size=2)
    log_probs = F.log_softmax(model.table.detach(), dim=-1)

    def manual(ids):
        return sum(float(log_probs[a, b]) for a, b in zip(ids, ids[1:]))

    (ll, greedy), = lm.loglikelihood([request("ab", "cd")])
    assert ll == pytest.approx(float(log_probs[ord("b"), ord("c")] + log_probs[ord("c"), ord("d")]), abs=1e-4)
    assert isinstance(greedy, bool)
    text = "a text longer than one block of sixteen bytes"
    rolling, = lm.loglikelihood_rolling([request(text)])
    assert rolling == pytest.approx(manual([256] + tok.encode(text)), abs=1e-3)


def test_generate_until_stops_at_stop_string():
    model, tok = BigramModel(block_size=16), ByteTokenizer()
    with torch.no_grad():
        for a, b in zip("abc.", "bc.a"):
            model.table[ord(a), ord(b)] = 60.0
    lm = CourseLM(model, tok)
    out = lm.generate_until([request("a", {"until": ["."], "max_gen_toks": 20}),
                             request("a", {"until": "zzz", "max_gen_toks": 5, "do_sample": False})])
    assert out == ["bc", "bc.ab"]


def documents():
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa".split()
    rows = [{"id": f"d{d}", "domain": ("news", "code")[d % 2],
             "text": " ".join(words[(d * 7 + i * i) % len(words)] for i in range(30))} for d in range(10)]
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_harness_runs_local_cloze_task_and_matches_our_scorer(tmp_path, monkeypatch):
    available, detail = lm_eval_available()
    if not available:
        pytest.skip(detail)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    model, tok = BigramModel(seed=3, block_size=128), ByteTokenizer()
    items = cloze_items(documents(), n_per_domain=4, n_choices=3, context_words=8, answer_words=3, seed=0)
    folder = write_cloze_task(items, tmp_path / "task", name="tiny_cloze")
    results = run_harness(model, tok, ["tiny_cloze"], include_path=folder)
    ours, _ = evaluate_multiple_choice(model, tok, items)
    assert math.isclose(results["tiny_cloze"]["acc,none"], ours["acc"])
    assert math.isclose(results["tiny_cloze"]["acc_norm,none"], ours["acc_norm"])  # ASCII: chars == bytes
