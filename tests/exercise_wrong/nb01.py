"""Wrong solutions of notebook 01's exercises (boilerplate share, e-mail mask)."""
import re


def share_kept(naive, main):
    return len(main) / len(naive) if naive else 0.0  # the share kept, not removed


def share_unclamped(naive, main):
    return 1.0 - len(main) / len(naive) if naive else 0.0


def share_divides_by_zero(naive, main):
    return max(0.0, 1.0 - len(main) / len(naive))


def share_in_words(naive, main):
    return max(0.0, 1.0 - len(main.split()) / len(naive.split())) if naive else 0.0


def emails_anything_with_an_at(text):
    return re.subn(r"\S+@\S+", "<EMAIL>", text)  # takes a trailing full stop, and bob@localhost


def emails_lower_case_only(text):
    return re.subn(r"\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b", "<EMAIL>", text)


def emails_text_only(text):
    return re.sub(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", "<EMAIL>", text)


WRONG = [
    ("boilerplate_share", share_kept, "expected 0.5454545454545454, got 0.4545"),
    ("boilerplate_share", share_unclamped, "('short', 'a longer main text') expected 0.0, got -2.6"),
    ("boilerplate_share", share_divides_by_zero, "raised ZeroDivisionError"),
    ("boilerplate_share", share_in_words, "expected"),
    ("mask_emails", emails_anything_with_an_at, "('bob@localhost is not public',) expected"),
    ("mask_emails", emails_lower_case_only, "('Ada.Lovelace+notes@Math.Example.co.uk wrote',) expected"),
    ("mask_emails", emails_text_only, "('write to ada@example.org today',) expected ('write to <EMAIL> today', 1)"),
]
