"""Multiple-choice scoring, cloze tasks and generation against a bigram stand-in model."""

import math

import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from stand_ins import BigramModel, ByteTokenizer

from cs229llm.errors import InputError
from cs229llm.evaluation.multiple_choice import (
    MultipleChoiceItem,
    build_prompt,
    centered_accuracy,
    continuation_logprobs,
    evaluate_multiple_choice,
    few_shot_examples,
    format_question,
    score_items,
    summarize,
    summarize_by_domain,
)
from cs229llm.evaluation.tasks import cloze_items, split_items


def manual_logprob(model, tokenizer, context, continuation):
    ids = [tokenizer.eot_id] + tokenizer.encode(context) + tokenizer.encode(continuation)
    n = len(tokenizer.encode(continuation))
    log_probs = F.log_softmax(model.table.detach(), dim=-1)
    return sum(float(log_probs[ids[i - 1], ids[i]]) for i in range(len(ids) - n, len(ids)))


def test_continuation_logprobs_match_manual_sum():
    model, tok = BigramModel(), ByteTokenizer()
    pairs = [("the cat", " sat"), ("", "hello"), ("a much longer context here", " x")]
    results = continuation_logprobs(model, tok, pairs, batch_size=2)
    for (context, continuation), (logprob, greedy, n) in zip(pairs, results):
        assert n == len(continuation.encode())
        assert logprob == pytest.approx(manual_logprob(model, tok, context, continuation), abs=1e-4)
        assert isinstance(greedy, bool)


def test_greedy_flag_follows_argmax():
    model, tok = BigramModel(), ByteTokenizer()
    with torch.no_grad():  # make "h" -> "i" -> "!" the most likely chain
        for a, b in (("h", "i"), ("i", "!")):
            model.table[ord(a), ord(b)] = 100.0
    (_, greedy, _), (_, not_greedy, _) = continuation_logprobs(model, tok, [("h", "i!"), ("h", "ix")])
    assert greedy and not not_greedy


def test_left_truncation_keeps_continuation():
    model, tok = BigramModel(), ByteTokenizer()
    long_context = "word " * 100
    (logprob, _, n), = continuation_logprobs(model, tok, [(long_context, " end")])
    assert n == 4
    assert logprob == pytest.approx(manual_logprob(model, tok, long_context, " end"), abs=1e-4)


def test_acc_and_acc_norm_differ_on_length():
    """A long correct answer loses on the raw sum but wins per byte: acc 0, acc_norm 1."""
    scores = pd.DataFrame({"id": ["a"], "domain": ["x"], "n_choices": [2], "answer": [0],
                           "logprobs": [[-10.0, -3.0]], "pred": [1], "pred_norm": [0],
                           "correct": [False], "correct_norm": [True]})
    summary = summarize(scores)
    assert summary["acc"] == 0 and summary["acc_norm"] == 1
    assert summary["random"] == 0.5
    assert summary["centered_acc"] == -1.0 and summary["centered_acc_norm"] == 1.0


def test_score_items_picks_per_byte_winner():
    model, tok = BigramModel(), ByteTokenizer()
    item = MultipleChoiceItem("ctx", [" aaaaaaaaaa", " b"], answer=0, id="i", domain="d")
    row = score_items(model, tok, [item]).iloc[0]
    lp = row["logprobs"]
    assert row["pred"] == int(lp[1] > lp[0])
    per_byte = [lp[0] / 11, lp[1] / 2]
    assert row["pred_norm"] == int(per_byte[1] > per_byte[0])


def test_centered_accuracy():
    assert centered_accuracy(0.25, 0.25) == 0.0
    assert centered_accuracy(1.0, 0.25) == 1.0
    assert centered_accuracy(0.625, 0.25) == pytest.approx(0.5)
    with pytest.raises(InputError):
        centered_accuracy(0.5, 1.0)


def test_item_validation():
    with pytest.raises(InputError):
        MultipleChoiceItem("c", [" a"], 0)
    with pytest.raises(InputError):
        MultipleChoiceItem("c", [" a", " b"], 2)


def test_letters_format_and_few_shot_are_fixed():
    items = [MultipleChoiceItem(f"q{i}", [" yes", " no"], i % 2, id=f"id{i}") for i in range(6)]
    prompt, continuations = format_question(items[0], "letters")
    assert prompt.endswith("Answer:") and continuations == [" A", " B"]
    shots_a, shots_b = few_shot_examples(items, 2, seed=3), few_shot_examples(items, 2, seed=3)
    assert [s.id for s in shots_a] == [s.id for s in shots_b]
    prompt, _ = build_prompt(items[5], shots_a)
    assert prompt.count("\n\n") == 2 and prompt.endswith("q5")
    with pytest.raises(InputError):
        few_shot_examples(items, 7)
    with pytest.raises(InputError):
        format_question(items[0], "essay")


def held_out_documents():
    rows = []
    for domain, vocab in (("news", "market city mayor vote council budget road police"),
                          ("code", "def return import class self value list print")):
        words = vocab.split()
        for doc in range(8):
            text = " ".join(words[(doc + i * 3) % len(words)] + str(i % 5) for i in range(40))
            rows.append({"id": f"{domain}{doc}", "text": text, "domain": domain})
    return pd.DataFrame(rows)


def test_cloze_items_are_seeded_and_well_formed():
    docs = held_out_documents()
    items = cloze_items(docs, n_per_domain=5, n_choices=4, context_words=10, answer_words=4, seed=1)
    again = cloze_items(docs, n_per_domain=5, n_choices=4, context_words=10, answer_words=4, seed=1)
    assert [(i.context, i.choices, i.answer) for i in items] == [(i.context, i.choices, i.answer) for i in again]
    assert {i.domain for i in items} == {"code", "news"}
    for item in items:
        assert len(item.choices) == 4 and len(set(item.choices)) == 4
        assert all(c.startswith(" ") and len(c.split()) == 4 for c in item.choices)
        source = docs.set_index("id").loc[item.meta["document"], "text"]
        assert (item.context + item.choices[item.answer]) in source
    pool, questions = split_items(items, 2, seed=0)
    assert len(pool) == 2 and len(questions) == len(items) - 2
    with pytest.raises(InputError):
        cloze_items(docs, context_words=100)


def test_trained_bigram_beats_chance_on_cloze():
    """Fit bigram counts on the documents: the scorer must then find the true continuations."""
    docs, tok = held_out_documents(), ByteTokenizer()
    counts = torch.ones(257, 257)
    for text in docs["text"]:
        ids = [256] + tok.encode(text)
        for a, b in zip(ids, ids[1:]):
            counts[a, b] += 1
    model = BigramModel()
    with torch.no_grad():
        model.table.copy_(counts.log())
    items = cloze_items(docs, n_per_domain=6, n_choices=4, context_words=10, answer_words=4, seed=0)
    pool, questions = split_items(items, 2)
    summary, scores = evaluate_multiple_choice(model, tok, questions, pool, k_shot=1, seed=0)
    assert summary["random"] == 0.25
    assert summary["acc_norm"] >= summary["random"]
    table = summarize_by_domain(scores)
    assert list(table["domain"]) == ["code", "news", "all"]
    assert math.isclose(table.iloc[-1]["acc"], summary["acc"])
