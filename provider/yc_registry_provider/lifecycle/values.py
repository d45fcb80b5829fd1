"""How the engine hands values to a provider, in one place: "not known yet" markers, empty values, floats."""

from __future__ import annotations

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


__all__ = ["UNKNOWN", "given", "known", "unknown"]
