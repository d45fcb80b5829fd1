"""``python -m yc_registry_provider.cli``: the same as the ``yc-registry`` console script."""

from __future__ import annotations

import sys

from yc_registry_provider.cli.app import main

if __name__ == "__main__":
    sys.exit(main())
