"""Subcommands of ``cs229llm``: one module per command named in :data:`cs229llm.cli.COMMANDS`.

A command module defines ``configure(parser)``: it adds the command's options to the parser the
CLI made for it (whose help line is the purpose in that table) and ends with
``_options.finish(parser, run)``, which adds ``--profile`` and ``--seed`` and sets ``func``.
The CLI imports a command module only when that command is named, so a module may import
torch or pandas at its top. Modules starting with ``_`` hold shared helpers.
"""
