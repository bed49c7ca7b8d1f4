"""Wrong solutions of notebook 09's exercises (bits per byte, the model's answer, the 13-gram overlap)."""
import math

from cs229llm.evaluation.contamination import normalized_words

from ._solutions import solution

choose = solution("09_evaluation", "choose_answer")
overlap = solution("09_evaluation", "ngram_overlap")


def bytes_as_characters(total_nats, texts):
    return total_nats / (math.log(2) * sum(len(text) for text in texts))


def times_ln2(total_nats, texts):
    return total_nats * math.log(2) / sum(len(text.encode("utf-8")) for text in texts)


def per_character_norm(logprobs, choices, normalize):
    scores = [lp / len(c) if normalize else lp for lp, c in zip(logprobs, choices)]
    return max(range(len(scores)), key=lambda i: scores[i])


def last_of_the_ties(logprobs, choices, normalize):
    scores = [lp / max(1, len(c.encode("utf-8"))) if normalize else lp for lp, c in zip(logprobs, choices)]
    return max(range(len(scores)), key=lambda i: (scores[i], i))


def smallest_wins(logprobs, choices, normalize):
    return choose([-lp for lp in logprobs], choices, normalize)


def distinct_ngrams(test_text, train_texts, n):
    seen = set()
    for text in train_texts:
        words = normalized_words(text)
        seen.update(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    words = normalized_words(test_text)
    grams = {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
    return len(grams & seen), len(grams)


def training_joined(test_text, train_texts, n):
    return overlap(test_text, [" ".join(train_texts)], n)  # n-grams cross document boundaries


def raw_split(test_text, train_texts, n):
    seen = set()
    for text in train_texts:
        words = text.split()
        seen.update(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    words = test_text.split()
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    return sum(g in seen for g in grams), len(grams)


WRONG = [
    ("bits_per_byte_from_loss", bytes_as_characters, "on input (50.0, ['café'])"),
    ("bits_per_byte_from_loss", times_ln2, "on input (100.0, ['hello world'])"),
    ("choose_answer", per_character_norm, "on input ([-6.0, -5.0], [' été', ' ete'], True)"),
    ("choose_answer", last_of_the_ties, "on input ([-2.0, -2.0, -5.0]"),
    ("choose_answer", smallest_wins, "on input ([-3.0, -1.0, -2.0], [' a', ' b', ' c'], False) expected 1, got 0"),
    ("ngram_overlap", distinct_ngrams, "on input ('a b c a b c', ['x a b c y'], 3) expected (2, 4), got (1, 3)"),
    ("ngram_overlap", training_joined, "on input ('one two three four', ['one two', 'three four'], 3)"),
    ("ngram_overlap", raw_split, "on input ('The Cat, sat on: the MAT!'"),
]
