"""Subcommands of ``cs229llm``: each module defines ``register(subparsers)``.

A module registers its parser with ``func=`` set to a function taking the parsed args
and returning an exit code. Keep imports of heavy libraries inside those functions so
``cs229llm --help`` stays fast.
"""
