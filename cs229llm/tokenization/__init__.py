"""Tokenization: text to token ids, and token ids to training batches.

``bpe`` is byte-level BPE written from scratch (the teaching version); ``train`` trains the same
kind of tokenizer fast with Hugging Face ``tokenizers``; ``shards`` writes per-domain token files
and samples training windows from them by mixture proportions.
"""
