"""Notebook 09 (evaluation): the learner writes bits per byte, the 13-gram contamination check and the
multiple-choice pick by log-likelihood."""

from ..evaluation.contamination import NgramIndex
from ..evaluation.multiple_choice import predict_choice
from ..evaluation.perplexity import bits_per_byte_from_nats, utf8_bytes
from .core import Exercise, register


def _bits_per_byte_reference(total_nats: float, texts: list[str]) -> float:
    return bits_per_byte_from_nats(total_nats, utf8_bytes(texts))


def _overlap_reference(test_text: str, train_texts: list[str], n: int) -> tuple[int, int]:
    return NgramIndex(n=n).add_texts(train_texts).overlap(text=test_text)


def _choice_reference(logprobs: list[float], choices: list[str], normalize: bool) -> int:
    return predict_choice(logprobs, choices, per_byte=normalize)


_THIRTEEN = "one two three four five six seven eight nine ten eleven twelve thirteen"
register(
    Exercise("bits_per_byte_from_loss", "09_evaluation", _bits_per_byte_reference,
             cases=((100.0, ["hello world"]),
                    (0.0, ["anything at all"]),
                    (50.0, ["café"]),  # 4 characters, 5 bytes
                    (12.5, ["日本語のテキスト"]),  # 3 bytes a character
                    (7.0, ["a 🙂 b"]),  # an emoji is 4 bytes
                    (300.0, ["first document", "second one", ""]),  # bytes of every text, an empty one adds none
                    (1.0, ["x"])),
             hint="bits per byte = (sum of the losses in nats) / (ln 2 x the texts' total size in UTF-8 bytes): "
                  "nats become bits by dividing by ln 2, and bytes are not characters",
             tolerance=1e-9),
    Exercise("ngram_overlap", "09_evaluation", _overlap_reference,
             cases=(("the cat sat on the mat", ["a dog and the cat sat on it"], 3),
                    ("The Cat, sat on: the MAT!", ["the cat sat on the mat"], 3),  # case and punctuation do not count
                    ("a b c a b c", ["x a b c y"], 3),  # repeats in the test text count every time
                    ("one two three four", ["one two", "three four"], 3),  # n-grams never cross documents
                    ("short text", ["short text indeed"], 3),  # fewer than n words: no n-grams at all
                    ("", ["anything"], 2),
                    ("red green blue", [], 2),
                    (f"{_THIRTEEN} fourteen", [f"zero {_THIRTEEN}"], 13),
                    (f"{_THIRTEEN} fourteen", [_THIRTEEN.replace("seven", "Seven,")], 13),
                    ("it's a well-known fact", ["it s a well known fact"], 4)),  # words split at punctuation
             hint="normalise both sides into words (normalized_words), take every run of n consecutive words of "
                  "each training document separately, and count how many of the test text's n-word runs "
                  "(repeats included) are among them; return (that count, the test text's number of n-word runs)"),
    Exercise("choose_answer", "09_evaluation", _choice_reference,
             cases=(([-3.0, -1.0, -2.0], [" a", " b", " c"], False),
                    ([-3.0, -1.0, -2.0], [" aaaaaaaaa", " b", " cc"], True),  # per byte, the long answer wins
                    ([-12.0, -4.0], [" a long answer here", " no"], True),
                    ([-12.0, -4.0], [" a long answer here", " no"], False),
                    ([-2.0, -2.0, -5.0], [" x", " y", " z"], False),  # a tie: the first of the tied choices
                    ([-6.0, -5.0], [" été", " ete"], True),  # é is 2 bytes: per byte, not per character
                    ([-1.5], [" only"], False),
                    ([0.0, -0.1, 0.0], [" p", " q", " r"], True)),
             hint="the model picks the choice with the highest log-probability (the least negative); with "
                  "normalize, divide each one by its choice's length in UTF-8 bytes first; a tie goes to the "
                  "first of the tied choices"),
)
