"""Migrating a folder to Yandex Cloud Registry as code: FolderMigration, get_folder_migration, verify_migration.

Container Registry is read-only since 2026-11-10 and shuts down on 2026-12-14; its successor keeps registry ids
and pull addresses. ``FolderMigration`` adopts or starts the folder's migration, waits for it to be done by the
documented criteria and verifies that every image arrived; ``verify_migration`` checks any folder or registry.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
import pulumi.dynamic

from yc_registry_provider.backends.service import migration_backend_from_config
from yc_registry_provider.dynamic.migration import FolderMigrationProvider
from yc_registry_provider.lifecycle import migration as rules
from yc_registry_provider.migration import Verification

from ._pickling import pickler_restored
from .lookups import _retry_notice, program_config


class FolderMigration(pulumi.dynamic.Resource, module="yc-registry", name="FolderMigration"):
    """The migration of every Container Registry registry of ``folder_id`` to Cloud Registry.

    Create adopts a migration already scheduled, running or completed (never starts a second), else starts one;
    it waits (up to ``timeout`` seconds) until it is done, and fails naming the first failed tags, or when an
    image is missing in Cloud Registry afterwards (unless ``allow_missing``). Destroy changes nothing in the cloud.
    """

    folder_id: pulumi.Output[str]
    disable_redirects: pulumi.Output[bool]
    timeout: pulumi.Output[float]
    allow_missing: pulumi.Output[bool]
    status: pulumi.Output[str]
    registry_ids: pulumi.Output[list]
    registries: pulumi.Output[dict]
    repositories: pulumi.Output[dict]
    tags: pulumi.Output[dict]
    redirects_enabled: pulumi.Output[bool]
    started_here: pulumi.Output[bool]
    image_count: pulumi.Output[Optional[int]]
    missing_count: pulumi.Output[Optional[int]]

    def __init__(self, resource_name: str, *, folder_id: pulumi.Input[str],
                 disable_redirects: pulumi.Input[Optional[bool]] = None, timeout: pulumi.Input[Optional[float]] = None,
                 allow_missing: pulumi.Input[Optional[bool]] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props: dict[str, Any] = {name: None for name in rules.OUTPUT_FIELDS}
        props.update(folder_id=folder_id, disable_redirects=disable_redirects, timeout=timeout,
                     allow_missing=allow_missing)
        with pickler_restored():
            super().__init__(FolderMigrationProvider(), resource_name, props, opts)


def _backend() -> Any:
    return migration_backend_from_config(program_config(), on_retry=_retry_notice)


def get_folder_migration(folder_id: str) -> dict[str, Any]:
    """The folder's migration: status, complete (the documented criteria), counters, registry_ids, failed_tags;
    ``exists`` is false for a folder never migrated."""
    with _backend() as backend:
        return rules.folder_migration(backend, folder_id)


def verify_migration(*, folder_id: Optional[str] = None, registry_id: Optional[str] = None) -> Verification:
    """Every Container Registry image of the folder or registry checked by digest against Cloud Registry:
    ``missing`` names the images that did not arrive (id, name, tags, digest), with counts."""
    with _backend() as backend:
        return rules.verify(backend, folder_id=folder_id, registry_id=registry_id)


def get_folder_migration_output(folder_id: pulumi.Input[str]) -> pulumi.Output[dict[str, Any]]:
    """get_folder_migration taking an Input, returning an Output."""
    return pulumi.Output.from_input(folder_id).apply(get_folder_migration)


def verify_migration_output(*, folder_id: pulumi.Input[Optional[str]] = None,
                            registry_id: pulumi.Input[Optional[str]] = None) -> pulumi.Output[Verification]:
    """verify_migration taking Inputs, returning an Output."""
    args: pulumi.Output[dict[str, Any]] = pulumi.Output.from_input(
        {"folder_id": folder_id, "registry_id": registry_id})  # type: ignore[arg-type]
    return args.apply(lambda a: verify_migration(**a))


__all__ = sorted(["FolderMigration", "get_folder_migration", "get_folder_migration_output", "verify_migration",
                  "verify_migration_output"])
