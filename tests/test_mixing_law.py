"""Tests for mixing laws: recovering a known law, leave-one-out, and real (tiny) proxy runs."""

import numpy as np
import pandas as pd
import pytest

from cs229llm.errors import InputError
from cs229llm.experiments.mixing_runs import ProxySettings, load_proxy_runs, run_proxy_experiments
from cs229llm.mixing_law import fit_mixing_law, leave_one_out, proxy_mixtures

DOMAINS = ["code", "books", "news"]


def synthetic_runs(n_runs=12, noise=0.0, seed=0):
    """Runs whose losses follow a known Data-Mixing-Laws curve: more of a domain lowers its loss."""
    rng = np.random.default_rng(seed)
    t = np.array([[-2.0, 0.3, 0.1], [0.2, -1.5, -0.5], [0.1, -0.6, -1.8]])
    c, k = np.array([1.0, 1.4, 1.2]), np.array([1.5, 1.0, 1.2])
    rows = []
    for mixture in proxy_mixtures(DOMAINS, n_runs, seed=seed):
        r = np.array([mixture[d] for d in DOMAINS])
        losses = c + k * np.exp(t @ r) + rng.normal(0, noise, 3)
        rows.append({**{f"r/{d}": r[i] for i, d in enumerate(DOMAINS)},
                     **{f"bpb/{d}": losses[i] for i, d in enumerate(DOMAINS)}})
    return pd.DataFrame(rows), (c, k, t)


def test_proxy_mixtures_start_uniform_and_sum_to_one():
    mixtures = proxy_mixtures(DOMAINS, 5, seed=1)
    assert len(mixtures) == 5 and mixtures[0] == {d: 1 / 3 for d in DOMAINS}
    assert all(sum(m.values()) == pytest.approx(1.0) for m in mixtures)
    assert proxy_mixtures(DOMAINS, 5, seed=1) == mixtures


def test_exponential_law_recovers_a_known_law():
    runs, (c, k, t) = synthetic_runs()
    law = fit_mixing_law(runs, DOMAINS, ridge=1e-6)
    new = {"code": 0.6, "books": 0.1, "news": 0.3}
    r = np.array([new[d] for d in DOMAINS])
    truth = c + k * np.exp(t @ r)
    predicted = law.predict(new)
    assert [predicted[d] for d in DOMAINS] == pytest.approx(truth.tolist(), abs=0.02)


def test_more_code_predicts_lower_code_loss():
    runs, _ = synthetic_runs(noise=0.01)
    for kind in ("exponential", "linear"):
        law = fit_mixing_law(runs, DOMAINS, kind=kind)
        assert law.predict({"code": 0.8, "books": 0.1, "news": 0.1})["code"] < \
            law.predict({"code": 0.1, "books": 0.45, "news": 0.45})["code"]


def test_leave_one_out_beats_the_mean_on_lawful_data():
    runs, _ = synthetic_runs(noise=0.005)
    table = leave_one_out(runs, DOMAINS)
    assert (table["law_mae"] < table["mean_baseline_mae"]).all()


def test_bad_inputs_are_clear_errors():
    runs, _ = synthetic_runs()
    with pytest.raises(InputError, match="at least 3"):
        fit_mixing_law(runs.head(2), DOMAINS)
    with pytest.raises(InputError, match="lacks columns"):
        fit_mixing_law(runs, DOMAINS + ["science"])
    law = fit_mixing_law(runs, DOMAINS, kind="linear")
    with pytest.raises(InputError, match="all proportions are zero"):
        law.predict({"code": 0, "books": 0})
    with pytest.raises(InputError, match="knows no domain"):
        law.predict({"poetry": 1})


@pytest.mark.slow
def test_real_proxy_runs_write_a_table(tmp_path):
    from cs229llm.tokenization.shards import write_shards
    from cs229llm.tokenization.train import train_tokenizer

    corpus = {"code": [f"def f{i}(x):\n    return x * {i}\n" for i in range(80)],
              "books": [f"Chapter {i}. The wind howled over the moor all night." for i in range(80)]}
    tokenizer = train_tokenizer([t for texts in corpus.values() for t in texts], vocab_size=300)
    tokenizer.save(tmp_path / "tokens")
    write_shards(corpus, tokenizer, tmp_path / "tokens" / "train")
    settings = ProxySettings(n_layer=1, n_head=2, n_embd=16, seq_len=16, batch_size=4, steps=30,
                             eval_bytes_per_domain=800)
    mixtures = [{"code": 0.9, "books": 0.1}, {"code": 0.1, "books": 0.9}, {"code": 0.5, "books": 0.5}]
    runs = run_proxy_experiments(tmp_path / "tokens", mixtures, tmp_path / "proxy", settings, heldout=corpus)
    assert len(runs) == 3 and (tmp_path / "proxy" / "proxy-02" / "metrics.jsonl").is_file()
    assert runs.loc[0, "bpb/code"] < runs.loc[1, "bpb/code"]  # more code, lower code loss
    assert runs.loc[0, "bpb/books"] > runs.loc[1, "bpb/books"]
    assert load_proxy_runs(tmp_path / "proxy").equals(runs)
    with pytest.raises(InputError, match="no proxy runs"):
        load_proxy_runs(tmp_path)
