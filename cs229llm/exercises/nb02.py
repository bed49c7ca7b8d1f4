"""Notebook 02 (quality filters): the learner writes Gopher rules' signals from their definitions."""

from ..data.quality import text_signals
from .core import Exercise, register


def _stop_words_reference(text: str) -> int:
    return int(text_signals(text)["q_stop_words"])


def _duplicate_lines_reference(text: str) -> float:
    return float(text_signals(text)["q_duplicate_lines"])


def _mean_word_length_reference(text: str) -> float:
    return float(text_signals(text)["q_mean_word_length"])


register(
    Exercise("gopher_stop_words", "02_quality_filters", _stop_words_reference,
             cases=(("the cat and the hat",), ("the the the the",), ("The River And the sea",), ("",),
                    ("to be or not to be, that is the question",), ("with, have; of",), ("thee other",)),
             hint="count how many *different* words of {the, be, to, of, and, that, have, with} appear, "
                  "lower-cased and split on whitespace (a word with punctuation attached is a different word)"),
    Exercise("gopher_duplicate_lines", "02_quality_filters", _duplicate_lines_reference,
             cases=(("a\nb\na",), ("a\na\na",), ("a\n\n\nb",), ("  a\na  ",), ("",), ("A\na",),
                    ("x\ny\nx\ny\nx\nz",), ("one line",), ("\n\n  \n",), ("Reply\r\nfirst post\r\nReply",)),
             hint="strip every line and leave out the empty ones; a line is a duplicate when the same line came "
                  "earlier (its first appearance is not), and the fraction is duplicates over all non-empty lines",
             tolerance=1e-12),
    Exercise("gopher_mean_word_length", "02_quality_filters", _mean_word_length_reference,
             cases=(("the cat sat.",), ("Hello, world!",), ("-- ... !!",), ("",), ("e.g. it's",),
                    ("(a) [bb] {ccc}",), ("don't   stop\n\tnow",), ("a-b-c x",), ("12 345",), ("so -- it goes",)),
             hint="split on whitespace, strip ASCII punctuation (string.punctuation) from both ends of each word, "
                  "leave out the words that become empty, then average the lengths (0 when no word is left)",
             tolerance=1e-12),
)
