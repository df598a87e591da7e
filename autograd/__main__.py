"""``python -m autograd``: the ``chainrule`` command (``demo``, ``graph``, ``--version``)."""
from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
