"""The teaching BPE equals Hugging Face ``tokenizers``: same ids from the library's merges, same training.

Real text only: held-out course documents, docstrings of the installed standard library, HTML5 entity
characters and (when installed) jusText's stop-word lists in many languages for non-ASCII text.
"""

import html.entities
import inspect
import json

import pytest

from cs229llm.data.samples import domain_corpus
from cs229llm.errors import InputError
from cs229llm.tokenization.bpe import HF_BYTE_ORDER, TeachingBPE
from cs229llm.tokenization.train import load_tokenizer, train_tokenizer

SPECIALS = ["<|endoftext|>", "<|endoftext|><|endoftext|>", "<|pad|>"]


def stdlib_docstrings():
    import argparse
    import collections
    import email.message
    import pathlib
    import subprocess
    import unittest

    texts = []
    for module in (argparse, collections, email.message, pathlib, subprocess, unittest):
        texts += [inspect.getdoc(value) for value in vars(module).values()
                  if (inspect.isclass(value) or inspect.isfunction(value)) and inspect.getdoc(value)]
    return texts


def non_ascii_texts():
    characters = list(html.entities.html5.values())
    texts = [" ".join(characters), "".join(characters)]
    try:
        import justext
    except ImportError:  # jusText comes with trafilatura; without it the HTML5 characters still cover Unicode
        return texts
    languages = ["Arabic", "Chinese", "Czech", "German", "Greek", "Hindi", "Japanese", "Korean", "Russian",
                 "Thai", "Turkish", "Vietnamese"]
    return texts + [" ".join(sorted(justext.get_stoplist(language)))
                    for language in languages if language in justext.get_stoplists()]


@pytest.fixture(scope="module")
def heldout():
    return domain_corpus("heldout")["text"].tolist()


@pytest.fixture(scope="module")
def library(heldout, tmp_path_factory):
    tokenizer = train_tokenizer(heldout + stdlib_docstrings() + non_ascii_texts()[:4], vocab_size=900,
                                special_tokens=SPECIALS)
    return tokenizer, tokenizer.save(tmp_path_factory.mktemp("tok"))


def test_from_hf_encodes_to_the_librarys_ids_on_real_text(library, heldout):
    tokenizer, _ = library
    teaching = TeachingBPE.from_hf(tokenizer)
    assert teaching.vocab_size == tokenizer.vocab_size and teaching.eot_id == tokenizer.eot_id
    texts = heldout + stdlib_docstrings()[:150] + non_ascii_texts()
    assert any(ord(character) > 127 for text in texts for character in text)
    for text in texts:
        assert teaching.encode(text) == tokenizer.encode(text), text[:80]
        assert teaching.decode(teaching.encode(text)) == text


def test_from_hf_matches_special_tokens_longest_first_like_the_library(library):
    tokenizer, _ = library
    teaching = TeachingBPE.from_hf(tokenizer)
    text = "a<|endoftext|><|endoftext|><|endoftext|>b<|pad|>c <|endoftext|>\n"
    assert teaching.encode(text) == tokenizer.encode(text)
    assert teaching.special_tokens["<|endoftext|><|endoftext|>"] in teaching.encode(text)


def test_from_hf_reads_files_and_folders_and_saves_its_layout(library, tmp_path):
    tokenizer, path = library
    from_file, from_folder = TeachingBPE.from_hf(path), TeachingBPE.from_hf(path.parent)
    reloaded = TeachingBPE.load(from_file.save(tmp_path / "bpe.json"))
    text = "Ünïcødé, 中文 and code: def f(x): return x ** 2<|pad|>"
    expected = load_tokenizer(path).encode(text)
    assert from_file.encode(text) == from_folder.encode(text) == reloaded.encode(text) == expected
    early = from_file.with_first_merges(10)
    assert early.eot_id == from_file.eot_id and early.byte_ids == from_file.byte_ids  # the library's ids kept
    assert len(early.encode(text)) > len(from_file.encode(text)) and early.decode(early.encode(text)) == text


def test_from_hf_refuses_what_it_cannot_reproduce(library, tmp_path):
    tokenizer, _ = library
    data = json.loads(tokenizer.hf.to_str())
    data["pre_tokenizer"]["add_prefix_space"] = True
    (tmp_path / "tokenizer.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="add_prefix_space"):
        TeachingBPE.from_hf(tmp_path)
    with pytest.raises(InputError, match="no tokenizer.json"):
        TeachingBPE.from_hf(tmp_path / "missing")


def merges_as_bytes(teaching):
    return [(teaching.vocab[first], teaching.vocab[second]) for first, second in teaching.merges]


def test_ties_go_to_the_pair_of_smallest_library_ids():
    # words " a" and "ab": pairs (" ", "a") and ("a", "b") both occur once. The library numbers
    # bytes by their stand-in character, where the space (U+0120) comes after "a", so "ab" wins.
    assert HF_BYTE_ORDER[ord("a")] < HF_BYTE_ORDER[ord(" ")] and HF_BYTE_ORDER[ord("!")] == 0
    ours = TeachingBPE.train([" a", "ab"], vocab_size=258)
    theirs = TeachingBPE.from_hf(train_tokenizer([" a", "ab"], vocab_size=258))
    assert merges_as_bytes(ours) == merges_as_bytes(theirs) == [(b"a", b"b")]


@pytest.mark.parametrize("vocab_size", [600, 1000])
def test_both_trainers_learn_the_same_merges_in_the_same_order(heldout, vocab_size):
    corpus = heldout + non_ascii_texts()[:2]
    theirs = TeachingBPE.from_hf(train_tokenizer(corpus, vocab_size=vocab_size))
    # the documented condition for agreement: no merge spells a token that already exists
    assert len(set(theirs.merge_ids)) == len(theirs.merge_ids)
    ours = TeachingBPE.train(corpus, vocab_size=vocab_size)
    assert merges_as_bytes(ours) == merges_as_bytes(theirs)
    assert ours.encode(corpus[0]) != [] and len(ours.merges) == vocab_size - 257
