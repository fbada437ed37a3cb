"""``python -m core.cli``: the ``zhanggui`` console script without its wrapper."""
from __future__ import annotations

from . import main

if __name__ == "__main__":
    main()
