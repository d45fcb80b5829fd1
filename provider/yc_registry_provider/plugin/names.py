"""Property names on the native plugin's wire: camelCase, as Pulumi schemas name them; snake_case inside.

The rules (``lifecycle``, ``lookups``) and the dynamic resources use snake_case (``repository_name``); the schema and
every property map the engine sends or receives use camelCase (``repositoryName``), which each generated SDK maps
to its language (Python ``repository_name``, TypeScript ``repositoryName``). The mapping is applied to every key
of every nested object: this package has no map whose keys are user data. Snake keys coming in (state written
before the rename) pass unchanged, so existing stacks keep working.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_UPPER = re.compile(r"[A-Z]")


def camel(name: str) -> str:
    """``repository_name`` -> ``repositoryName``; a name without ``_`` is returned as is."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """``repositoryName`` -> ``repository_name``; a snake_case name is returned as is."""
    return _UPPER.sub(lambda match: "_" + match.group(0).lower(), name)


def camel_mentions(text: str, names: Iterable[str]) -> str:
    """``text`` with each of ``names`` (snake_case property names) written in camelCase.

    A name in single quotes is an API value (an ``order_by`` field such as 'created_at'), left as it is.
    """
    names = sorted((name for name in names if "_" in name), key=len, reverse=True)
    if not names:
        return text
    pattern = re.compile(r"(?<!')\b(" + "|".join(map(re.escape, names)) + r")\b(?!')")
    return pattern.sub(lambda match: camel(match.group(1)), text)


def _rename(value: Any, rename: Any) -> Any:
    if isinstance(value, Mapping):
        return {rename(str(key)): _rename(item, rename) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rename(item, rename) for item in value]
    return value


def to_wire(value: Any) -> Any:
    """Plain values with snake_case keys (at every depth) as the wire's camelCase."""
    return _rename(value, camel)


def from_wire(value: Any) -> Any:
    """Plain values from the wire with camelCase keys (at every depth) as snake_case."""
    return _rename(value, snake)


__all__ = ["camel", "camel_mentions", "from_wire", "snake", "to_wire"]
