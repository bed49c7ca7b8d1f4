"""The end-to-end run, its report, curves from metrics.jsonl and per-token vs per-byte metrics."""

import json
import math

import pandas as pd
import pytest
import torch
import torch.nn as nn

from cs229llm.errors import InputError
from cs229llm.evaluation.bpb_vs_perplexity import compare_tokenizers, token_and_byte_metrics
from cs229llm.evaluation.curves import eval_curves, mixture_switches, plot_eval_curves, read_metrics, train_curves
from cs229llm.experiments.report import markdown_table
from cs229llm.experiments.run import sizes_for

EVENTS = [{"kind": "eval", "step": 0, "bpb/all": 3.0, "bpb/code": 3.5},
          {"kind": "train", "step": 5, "loss": 4.0, "lr": 0.001, "tokens_per_s": 100.0},
          {"kind": "mixture", "step": 8, "weights": {"hq": 1.0}},
          {"kind": "eval", "step": 10, "bpb/all": 2.5, "bpb/code": 3.0},
          {"kind": "eval", "step": 10, "bpb/all": 2.4, "bpb/code": 2.9}]


def test_curves_from_metrics_jsonl(tmp_path):
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EVENTS))
    assert len(read_metrics(tmp_path)) == 5
    curves = eval_curves(tmp_path)
    assert list(curves.index) == [0, 10] and curves.loc[10, "bpb/all"] == 2.4  # the re-evaluated step wins
    assert train_curves(EVENTS).loc[5, "loss"] == 4.0
    assert mixture_switches(EVENTS) == [8]
    ax = plot_eval_curves({"a": tmp_path}, "bpb/code")
    assert len(ax.lines) == 2  # the curve and the switch marker
    with pytest.raises(InputError):
        plot_eval_curves({"a": EVENTS}, "bpb/news")
    with pytest.raises(InputError):
        read_metrics(tmp_path / "nothing")


def test_markdown_table():
    text = markdown_table(pd.DataFrame({"a": [1, 2], "b": [0.5, float("nan")], "c": ["x|y", "z"]}))
    lines = text.splitlines()
    assert lines[0] == "| a | b | c |" and lines[2] == "| 1 | 0.500 | x\\|y |" and lines[3] == "| 2 |  | z |"


def test_sizes_for_profiles_and_overrides():
    assert sizes_for("ci").steps < sizes_for("laptop").steps
    assert sizes_for("ci", steps=7).steps == 7
    with pytest.raises(InputError):
        sizes_for("ci", nonsense=1)


class Chars:
    """One token per character (or per pair of characters), 0 = end of text."""

    def __init__(self, pair=False):
        self.pair, self.eot_id = pair, 0
        self.vocab_size = 128 * 128 if pair else 128

    def encode(self, text):
        codes = [min(ord(c), 127) for c in text]
        if self.pair:
            codes += [32] * (len(codes) % 2)
            return [codes[i] * 128 + codes[i + 1] for i in range(0, len(codes), 2)]
        return codes


class Uniform(nn.Module):
    """Equal probability for every id: loss per token = ln V."""

    def __init__(self, vocab):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))
        self.vocab = vocab
        self.config = type("C", (), {"block_size": 32})()

    def forward(self, idx, targets=None):
        return self.dummy + torch.zeros(*idx.shape, self.vocab), None


def test_bits_per_byte_identity_and_tokenizer_dependence():
    texts = ["hello world, " * 10, "another short text here"]
    metrics = token_and_byte_metrics(Uniform(128), Chars(), texts)
    assert metrics["nats_per_token"] == pytest.approx(math.log(128), rel=1e-5)
    assert metrics["bits_per_byte"] == pytest.approx(
        metrics["nats_per_token"] * metrics["tokens"] / (math.log(2) * metrics["bytes"]))
    table = compare_tokenizers({"chars": (Uniform(128), Chars()),
                                "pairs": (Uniform(128 * 128), Chars(pair=True))}, texts)
    # a uniform model over pairs has a far larger perplexity per token...
    assert table.loc[1, "perplexity"] > 100 * table.loc[0, "perplexity"]
    # ...but (up to padding and separators) the same bits per byte: 7 bits per character either way
    assert table.loc[1, "bits_per_byte"] == pytest.approx(table.loc[0, "bits_per_byte"], rel=0.1)


@pytest.mark.slow
def test_end_to_end_ci_run(tmp_path):
    pytest.importorskip("cs229llm.data.samples", reason="the sample crawl (cs229llm.data.samples) is not in this checkout")
    from cs229llm.experiments.run import run_all

    run_all(tmp_path, profile="ci", verbose=False, steps=60, eval_every=30, cloze_per_domain=4)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    funnel = saved["funnel"]
    assert funnel["documents_in"] > funnel["kept"] > 0
    for stage in funnel["stages"]:
        assert stage["in"] == stage["kept"] + stage["dropped"]
    before, after = saved["bpb_before_anneal"], saved["bpb_after_anneal"]
    assert set(before) == set(after) and "hq" in after and "all" in after
    assert all(0 < value < 20 for value in after.values())
    assert set(saved["bpb_arms"]) == {"anneal_hq", "decay_web", "no_decay"}
    report = (tmp_path / "report.md").read_text()
    for heading in ("funnel.png", "mixture.png", "tokenizer.png", "training.png", "throughput.png",
                    "Multiple choice", "Contamination", "bits per byte"):
        assert heading in report
    for image in ("funnel", "mixture", "tokenizer", "training", "throughput", "bpb_before_after"):
        assert (tmp_path / f"{image}.png").stat().st_size > 1000
    # the evaluate command reads the annealed run back
    from cs229llm.cli import main

    assert main(["evaluate", str(tmp_path / "runs" / "anneal_hq"), "--tokenizer", str(tmp_path / "tokenizer.json"),
                 "--items", "2", "--shots", "1", "--prompt", "The"]) == 0
    assert main(["evaluate", str(tmp_path / "runs" / "anneal_hq"), "--tokenizer", str(tmp_path / "nothing.json")]) == 2


def test_importing_the_report_leaves_the_notebooks_matplotlib_backend_alone(tmp_path):
    import subprocess
    import sys

    code = ("import matplotlib; matplotlib.use('svg'); import cs229llm.experiments.report as r, pandas as pd; "
            "import pathlib; assert matplotlib.get_backend() == 'svg', matplotlib.get_backend(); "
            f"r.plot_mixture({{'code': 0.5, 'news': 0.5}}, {{'code': 0.7, 'news': 0.3}}, pathlib.Path({str(tmp_path)!r}));"
            "assert matplotlib.get_backend() == 'svg'")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert list(tmp_path.glob("*.png"))


def test_a_chosen_mixture_is_normalised_over_the_curated_domains_and_refused_when_none_is_there():
    from cs229llm.errors import InputError
    from cs229llm.experiments.run import chosen_mixture, sizes_for

    assert chosen_mixture({"code": 3, "books": 1, "news": 2}, {"code": 10, "books": 5, "news": 0}) == \
        pytest.approx({"code": 0.75, "books": 0.25})
    with pytest.raises(InputError, match="has curated text"):
        chosen_mixture({"news": 1}, {"code": 10, "news": 0})
    assert sizes_for("ci", mixture={"code": 1.0}).mixture == {"code": 1.0}
