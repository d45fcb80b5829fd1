"""Reusable pulumi-policy policies for Yandex Cloud Container Registry images.

* ``yc_registry_policies.checks``: pure checks on plain dicts (no pulumi_policy,
  no yandexcloud) -- importable anywhere.
* ``yc_registry_policies.policies``: the pulumi-policy policy factories and
  constants, re-exported here (loaded lazily so that ``checks`` stays usable
  in an environment without pulumi-policy).

This package must never import ``yandexcloud``: pulumi-policy pins
protobuf 5.29, the Yandex Cloud SDK needs protobuf 6.
"""

from __future__ import annotations

from typing import Any

from .checks import CLEANUP_TYPES, IMAGE_TYPES, find_cr_yandex_refs, is_cleanup, is_image  # noqa: F401

_POLICY_NAMES = {
    "image_pinned_by_digest", "image_max_compressed_size", "image_tag_rules",
    "image_max_age", "cleanup_needs_keep_rule", "container_registry_sunset", "container_registry_migration",
    "all_policies",
    "IMAGE_PINNED_BY_DIGEST", "IMAGE_MAX_COMPRESSED_SIZE", "IMAGE_TAG_RULES",
    "IMAGE_MAX_AGE", "CLEANUP_NEEDS_KEEP_RULE",
}

__all__ = sorted(_POLICY_NAMES | {"CLEANUP_TYPES", "IMAGE_TYPES", "find_cr_yandex_refs",
                                   "is_cleanup", "is_image"})


def __getattr__(name: str) -> Any:
    if name in _POLICY_NAMES:
        from . import policies
        return getattr(policies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
