"""``python -m cs229llm`` is the same as the ``cs229llm`` command."""

import sys

from .cli import main

sys.exit(main())
