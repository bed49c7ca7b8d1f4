"""Notebook 01 (from the web to text): the learner measures how much boilerplate an extractor removed and
masks e-mail addresses as the PII stage does."""

from ..data.extract import boilerplate_share
from ..data.pii import EMAIL, PLACEHOLDERS
from .core import Exercise, register


def _boilerplate_reference(naive: str, main: str) -> float:
    return boilerplate_share(naive, main)


def _email_reference(text: str) -> tuple[str, int]:
    """What the pii stage's e-mail pass does (:func:`cs229llm.data.pii.mask_text` runs it first)."""
    masked, count = EMAIL.subn(PLACEHOLDERS["email"], text)
    return masked, count


register(
    Exercise("boilerplate_share", "01_from_web_to_text", _boilerplate_reference,
             cases=(("menu\nan article\nfooter", "an article"), ("abcd", "abcd"), ("abcdefghij", ""), ("", ""),
                    ("", "text from nowhere"), ("short", "a longer main text"), ("abc", "a"),
                    ("0123456789" * 10, "0123456789" * 3)),
             hint="the share removed is 1 - len(main) / len(naive) in characters, never below 0, and 0 "
                  "when the naive text is empty (there was nothing to remove)",
             tolerance=1e-12),
    Exercise("mask_emails", "01_from_web_to_text", _email_reference,
             cases=(("write to ada@example.org today",), ("no address here",), ("",),
                    ("Ada.Lovelace+notes@Math.Example.co.uk wrote",), ("bob@localhost is not public",),
                    ("two: a@b.com, c_d@e-f.net.",), ("price 5@3.50 each",), ("x@y.z",), ("<ann@site.io>",),
                    ("mail ANN@EXAMPLE.COM or ann@example.com",)),
             hint="an address is a local part of letters, digits and . _ % + -, an @, then dot-separated labels "
                  "of letters, digits and - ending in a top-level domain of at least 2 letters; replace each "
                  "with <EMAIL> and count the replacements"),
)
