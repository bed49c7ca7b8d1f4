"""The generator of the course's mini web crawl (lecture stage: "the data is the web").

Everything in ``data_samples/`` is written by this package from a seed: per-domain
vocabularies and sentence grammars (``lexicon_*``), a code-snippet generator, site HTML
templates, and the builder that turns base documents into WARC records with mirrors,
near-duplicates, templated pages and junk, plus the ground-truth labels.
"""
