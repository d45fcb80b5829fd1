"""Resource rules shared by every front door (the dynamic providers and the native plugin).

Plain dicts in, plain dicts out: no Pulumi types here.
"""

from __future__ import annotations

from . import cleanup, image, migration, values

__all__ = ["cleanup", "image", "migration", "values"]
