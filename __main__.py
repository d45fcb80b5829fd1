"""Entry point of the ``yc-registry`` provider plugin: the language host runs ``python <this dir> <engine>``.

Kept tiny: everything lives in ``yc_registry_provider.plugin``. Without an installed package (a bare checkout),
the provider sources next to this file are put on the path.
"""

import os
import sys

try:
    import yc_registry_provider  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "provider"))

from yc_registry_provider.plugin import main  # noqa: E402

main()
