"""Resource rules shared by every front door (the dynamic providers today, a native plugin later).

Plain dicts in, plain dicts out: no Pulumi types here.
"""

from __future__ import annotations

from . import image

__all__ = ["image"]
