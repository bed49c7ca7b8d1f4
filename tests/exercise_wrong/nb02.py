"""Wrong solutions of notebook 02's exercises (Gopher rules)."""
import string

STOP_WORDS = {"the", "be", "to", "of", "and", "that", "have", "with"}


def stop_words_occurrences(text):
    return sum(word in STOP_WORDS for word in text.lower().split())  # counts "the the" twice


def stop_words_case_sensitive(text):
    return len(STOP_WORDS & set(text.split()))


def stop_words_as_float(text):
    return len(STOP_WORDS & set(text.lower().split())) + 0.5


def duplicate_lines_distinct(text):
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return 0.0
    repeated = {line for line in lines if lines.count(line) > 1}
    return len(repeated) / len(lines)  # distinct repeated lines, not repeats


def duplicate_lines_all_copies(text):
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return 0.0
    return sum(lines.count(line) > 1 for line in lines) / len(lines)  # the first copy counted too


def duplicate_lines_keep_blank(text):
    lines = [line.strip() for line in text.split("\n")]  # blank lines stay in, and repeat each other
    seen, duplicates = set(), 0
    for line in lines:
        duplicates += line in seen
        seen.add(line)
    return duplicates / len(lines)


def duplicate_lines_unstripped(text):
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return 0.0
    return (len(lines) - len(set(lines))) / len(lines)


def mean_word_length_with_punctuation(text):
    words = text.split()
    return sum(map(len, words)) / len(words) if words else 0.0


def mean_word_length_keeps_empty(text):
    words = [token.strip(string.punctuation) for token in text.split()]
    return sum(map(len, words)) / len(words) if words else 0.0  # "--" counted as a word of length 0


def mean_word_length_strips_inside(text):
    words = ["".join(c for c in token if c not in string.punctuation) for token in text.split()]
    words = [word for word in words if word]
    return sum(map(len, words)) / len(words) if words else 0.0


WRONG = [
    ("gopher_stop_words", stop_words_occurrences, "('the cat and the hat',) expected 2, got 3"),
    ("gopher_stop_words", stop_words_case_sensitive, "('The River And the sea',) expected 2, got 1"),
    ("gopher_stop_words", stop_words_as_float, "expected"),
    ("gopher_stop_words", lambda text: {}[text], "raised KeyError"),
    ("gopher_duplicate_lines", duplicate_lines_distinct, "('a\\na\\na',) expected 0.666"),
    ("gopher_duplicate_lines", duplicate_lines_all_copies, "('a\\nb\\na',) expected 0.333"),
    ("gopher_duplicate_lines", duplicate_lines_keep_blank, "('a\\n\\n\\nb',) expected 0.0, got 0.25"),
    ("gopher_duplicate_lines", duplicate_lines_unstripped, "('  a\\na  ',) expected 0.5, got 0.0"),
    ("gopher_mean_word_length", mean_word_length_with_punctuation, "('the cat sat.',) expected 3.0, got 3.33"),
    ("gopher_mean_word_length", mean_word_length_keeps_empty, "('so -- it goes',) expected 2.66"),
    ("gopher_mean_word_length", mean_word_length_strips_inside, "(\"e.g. it's\",) expected 3.5, got 2.5"),
]
