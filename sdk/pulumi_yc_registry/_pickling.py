"""A guard around dynamic-resource construction against pulumi's ever-deeper pickler wrapping.

``pulumi.dynamic.serialize_provider`` wraps ``pickle._Pickler._batch_setitems`` (and replaces ``save_dict``)
on every call and never restores them: each resource adds one wrapper level, and after about a thousand
resources pickling dies with RecursionError (pulumi#17803). Restoring both after each construction keeps
the depth at one, whatever the number of resources.
"""

from __future__ import annotations

import contextlib
import pickle
from typing import Iterator

_PATCHED = ("_batch_setitems", "save_dict")


@contextlib.contextmanager
def pickler_restored() -> Iterator[None]:
    """Run the body, then put back the pickler methods it found (patched by serialize_provider)."""
    saved = {name: pickle._Pickler.__dict__.get(name) for name in _PATCHED}  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for name, original in saved.items():
            if original is not None:
                setattr(pickle._Pickler, name, original)  # type: ignore[attr-defined]
