"""Tests for mixtures: weights, plans (tokens, epochs, warnings), temperature, UniMax, published mixtures."""

import pytest

from cs229llm.errors import InputError
from cs229llm.mixing import (
    DOMAINS,
    PUBLISHED_MIXTURES,
    Mixture,
    parse_weights,
    published_mixture,
)

AVAILABLE = {"code": 1_000, "books": 4_000, "news": 5_000}


def test_parse_weights_reads_domain_equals_number():
    assert parse_weights(" code=2, books=1,news=0.5 ") == {"code": 2.0, "books": 1.0, "news": 0.5}


@pytest.mark.parametrize("text, message", [
    ("code:2", "domain=number"),
    ("code=lots", "not a number"),
    ("code=1,code=2", "twice"),
    ("", "empty"),
    ("=3", "domain=number"),
])
def test_unparsable_weights_are_clear_errors(text, message):
    with pytest.raises(InputError, match=message):
        parse_weights(text)


@pytest.mark.parametrize("text, message", [
    ("code=1,books=2,code=3", "domain 'code' is given twice"),
    ("code=1,poetry=2", "unknown domain"),
    ("code=-1,books=2", "negative"),
    ("code=two", "not a number"),
    ("code=0,books=0", "all weights are zero"),
])
def test_the_one_mixture_parser_refuses_each_mistake_in_one_line(text, message):
    with pytest.raises(InputError, match=message) as refused:
        parse_weights(text, DOMAINS)
    assert "\n" not in str(refused.value)
    assert parse_weights("poetry=1") == {"poetry": 1.0}  # without a domain list any name is accepted


def test_the_mixture_parser_is_the_only_one():
    import cs229llm.experiments.course_data as course_data

    assert not hasattr(course_data, "parse_mixture")


@pytest.mark.parametrize("weights, message", [
    ({"code": -1, "books": 2}, "negative"),
    ({"code": 0, "books": 0}, "all weights are zero"),
    ({"poetry": 1}, "unknown domain"),
    ({"code": float("inf")}, "finite"),
])
def test_bad_weights_are_clear_errors(weights, message):
    with pytest.raises(InputError, match=message):
        Mixture.from_weights(weights, DOMAINS)


def test_weights_become_proportions_over_all_known_domains():
    mixture = Mixture.parse("code=2,books=1,news=1", DOMAINS)
    assert set(mixture.proportions) == set(DOMAINS)
    assert mixture.proportions["code"] == pytest.approx(0.5)
    assert mixture.proportions["shopping"] == 0.0
    assert sum(mixture.proportions.values()) == pytest.approx(1.0)
    assert mixture.readout().startswith("code=0.500 books=0.250 encyclopedic=0.000")


def test_plan_counts_tokens_and_epochs_and_adds_up_to_the_budget():
    plan = Mixture.from_weights({"code": 2, "books": 1, "news": 1}).plan(AVAILABLE, budget=10_001)
    assert plan.table["tokens"].sum() == 10_001
    epochs = plan.epochs
    assert epochs["code"] == pytest.approx(5_000 / 1_000, rel=1e-3)  # half of the budget from 1,000 tokens
    assert epochs["news"] == pytest.approx(2_500 / 5_000, rel=1e-3)
    assert len(plan.warnings) == 1 and "code" in plan.warnings[0] and "Muennighoff" in plan.warnings[0]


def test_no_warning_at_or_below_the_repetition_limit():
    plan = Mixture.from_weights({"code": 1, "books": 1, "news": 1}).plan(AVAILABLE, budget=12_000)
    assert max(plan.epochs.values()) == pytest.approx(4.0)
    assert plan.warnings == []


def test_plan_rejects_weighted_domains_missing_or_empty_in_the_corpus():
    with pytest.raises(InputError, match="unknown domain"):
        Mixture.from_weights({"science": 1}).plan(AVAILABLE, 100)
    with pytest.raises(InputError, match="no tokens"):
        Mixture.from_weights({"code": 1}).plan({"code": 0, "books": 10}, 100)
    with pytest.raises(InputError, match="budget"):
        Mixture.from_weights({"code": 1}).plan(AVAILABLE, 0)


def test_from_epochs_reproduces_the_requested_repetition():
    mixture = Mixture.from_epochs({"code": 3, "books": 1, "news": 0.5}, AVAILABLE)
    budget = 3 * 1_000 + 4_000 + 2_500
    plan = mixture.plan(AVAILABLE, budget)
    assert plan.epochs["code"] == pytest.approx(3.0)
    assert plan.epochs["news"] == pytest.approx(0.5)


def test_temperature_one_is_natural_and_large_temperature_tends_to_uniform():
    natural = Mixture.temperature(AVAILABLE, 1.0).proportions
    assert natural["news"] == pytest.approx(0.5)
    flat = Mixture.temperature(AVAILABLE, 1e6).proportions
    assert all(value == pytest.approx(1 / 3, abs=1e-4) for value in flat.values())
    sharper = Mixture.temperature(AVAILABLE, 0.5).proportions  # T < 1 favours big domains further
    assert sharper["news"] > natural["news"] and sharper["code"] < natural["code"]
    with pytest.raises(InputError, match="temperature"):
        Mixture.temperature(AVAILABLE, 0)


def test_unimax_is_uniform_until_the_epoch_cap_binds():
    # budget 9,000: uniform would be 3,000 each, but code can give only 1 epoch = 1,000
    plan = Mixture.unimax(AVAILABLE, budget=9_000, max_epochs=1).plan(AVAILABLE, 9_000)
    tokens = dict(zip(plan.table["domain"], plan.table["tokens"]))
    assert tokens == {"code": 1_000, "books": 4_000, "news": 4_000}
    assert max(plan.epochs.values()) <= 1.0 + 1e-9
    roomy = Mixture.unimax(AVAILABLE, budget=3_000, max_epochs=1).proportions
    assert all(value == pytest.approx(1 / 3) for value in roomy.values())


def test_mixture_feeds_the_sampler_interface():
    mixture = Mixture.from_weights({"code": 1, "books": 3})
    assert mixture.probabilities == {"code": 0.25, "books": 0.75}


def test_published_mixtures_add_up_and_carry_citations():
    for mixture in PUBLISHED_MIXTURES.values():
        frame = mixture.frame()
        assert frame["percent"].sum() == pytest.approx(100.0, abs=0.1)
        assert "et al." in mixture.citation
    pile = published_mixture("The Pile").frame().set_index("source")
    assert pile.loc["Wikipedia", "epochs"] == 3
    with pytest.raises(InputError, match="no published mixture"):
        published_mixture("GPT-5")


# ---------------------------------------------------------------- the explorer panel


def test_explorer_state_reports_proportions_and_epochs():
    from cs229llm.viz.mixture_explorer import explorer_state

    state = explorer_state({"code": 2, "books": 1, "news": 1}, AVAILABLE, budget=10_000)
    assert state["readout"].startswith("code=0.500 books=0.250 news=0.250 max_epochs=5.00")
    assert state["predicted"] is None and len(state["plan"].warnings) == 1
    with pytest.raises(InputError, match="all weights are zero"):
        explorer_state({"code": 0, "books": 0, "news": 0}, AVAILABLE, budget=10_000)


def test_explorer_panel_has_the_classes_the_browser_tests_use():
    import pandas as pd

    from cs229llm.mixing_law import fit_mixing_law, proxy_mixtures
    from cs229llm.viz.mixture_explorer import mixture_explorer

    rows = [{**{f"r/{d}": p for d, p in m.items()}, **{f"bpb/{d}": 2.0 - m[d] for d in m}}
            for m in proxy_mixtures(list(AVAILABLE), 6, seed=0)]
    law = fit_mixing_law(pd.DataFrame(rows), list(AVAILABLE), kind="linear")
    panel = mixture_explorer(AVAILABLE, budget=10_000, law=law)
    assert "cs229llm-panel-mixture-explorer" in panel._dom_classes
    assert set(panel.sliders) == set(AVAILABLE)
    assert "cs229llm-slider-code" in panel.sliders["code"]._dom_classes
    panel.redraw()
    readout = [w for w in _walk(panel) if "cs229llm-readout" in getattr(w, "_dom_classes", ())][0]
    assert readout.value.startswith("code=0.333 books=0.333 news=0.333")
    assert "predicted_mean_bpb=" in readout.value
    panel.sliders["code"].value = 3.0  # observe() redraws
    assert readout.value.startswith("code=0.600")
    panel.sliders["code"].value = panel.sliders["books"].value = 0.0
    last_good = readout.value
    assert last_good.startswith("code=0.000 books=0.000 news=1.000")
    panel.sliders["news"].value = 0.0  # all zero: a message (no exception), and no stale numbers
    assert readout.value == "no valid mixture"
    panel.sliders["books"].value = 1.0
    assert readout.value.startswith("code=0.000 books=1.000")


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_published_mixture_replays_from_its_implied_sizes():
    pile = published_mixture("The Pile")
    sizes = pile.implied_sizes()
    assert sizes["Wikipedia"] == pytest.approx(1e6 * 0.0153 / 3)
    plan = Mixture.from_epochs({s: e for s, _, e in pile.rows}, sizes).plan(sizes, budget=1e6)
    assert plan.epochs["PG-19"] == pytest.approx(2.5, rel=1e-3)
    assert plan.probabilities["Pile-CC"] == pytest.approx(0.1811, rel=2e-3)  # the table adds up to 100.01%


def test_mix_command_prints_the_plan_and_refuses_bad_weights(capsys, tmp_path, monkeypatch):
    from cs229llm.cli import main

    monkeypatch.setenv("CS229LLM_RUNS", str(tmp_path))  # no course shards there

    assert main(["mix", "--weights", "code=3,books=1", "--budget", "8000",
                 "--available", "code=1000,books=4000"]) == 0
    out = capsys.readouterr().out
    assert "6000" in out and "6.00" in out and "warning: code repeats 6.0 epochs" in out
    assert main(["mix", "--weights", "code=2,books=1", "--budget", "1000"]) == 0  # no corpus: tokens only
    assert "proportion 0.667" in capsys.readouterr().out
    for bad in ("code=-1", "code=0,books=0", "poetry=1", "code"):
        assert main(["mix", "--weights", bad, "--budget", "100", "--available", "code=10,books=10"]) == 2
    assert "negative" in capsys.readouterr().err


def test_the_domain_list_is_defined_once():
    from cs229llm import mixing
    from cs229llm.data import domain_names, samples
    from cs229llm.data.crawlgen import build

    assert mixing.DOMAINS is samples.DOMAINS is build.DOMAINS is domain_names.DOMAINS
