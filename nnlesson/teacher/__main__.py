"""``python -m nnlesson.teacher``: the command ``nnlesson-assign`` (pre-commit runs it this way)."""

import sys

from .cli import main

sys.exit(main())
