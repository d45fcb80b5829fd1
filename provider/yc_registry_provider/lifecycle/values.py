"""How the engine hands values to a provider, in one place: "not known yet" markers, empty values, floats."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's "not known yet" value during preview


def given(value: Any) -> bool:
    """Set to something: neither None nor the empty string."""
    return value is not None and value != ""


def unknown(value: Any) -> bool:
    """The engine's "not known yet": the UNKNOWN string, or pulumi's ``Unknown`` object (keep_unknowns=True)."""
    if isinstance(value, str):
        return value == UNKNOWN
    if type(value).__name__ == "Unknown" and type(value).__module__.startswith("pulumi"):
        return True
    if isinstance(value, (list, tuple)):
        return any(unknown(item) for item in value)
    return False


def known(value: Any) -> bool:
    return not unknown(value)


def same(old: Any, new: Any) -> bool:
    """Equal as a diff means it: a value not known yet is never equal; None and "" alike; numbers as floats."""
    if unknown(old) or unknown(new):
        return False
    old, new = (old if given(old) else None), (new if given(new) else None)
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool) \
            and not isinstance(new, bool):
        return math.isclose(float(old), float(new))
    return bool(old == new)


@dataclass(frozen=True)
class DiffPlan:
    """What a diff decided: ``changed`` fields, of which ``replaces`` force a replacement."""

    changed: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changed)


__all__ = ["DiffPlan", "UNKNOWN", "given", "known", "same", "unknown"]
