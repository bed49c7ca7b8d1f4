"""Plausible wrong solutions, one module per notebook (``nb02.py`` ...), each with a list ``WRONG`` of
``(exercise id, wrong function, text the check's message must contain)``. tests/test_exercises.py
loads them all and asserts that every check rejects them and that every exercise has at least one."""
