"""Errors the course shows to a learner as a message, not a traceback.

``InputError`` means "the input is wrong, here is how": the CLI prints it and exits 2,
and widget panels show it in place of their plot.
"""


class InputError(ValueError):
    """Bad input from the user (a file, an argument, a slider setting), with a clear message."""
