"""FolderMigrationProvider: the dynamic provider of ``pulumi-python:dynamic/yc-registry:FolderMigration``.

This module path is a compatibility promise (stacks reference it in ``__provider``): never move it. No state on
``self``. Progress lines go to the plugin's stderr through ``pulumi.log`` (the CLI shows them; see dynamic/cleanup.py).
"""

from __future__ import annotations

import logging
from typing import Any

import pulumi
from pulumi.dynamic import (CheckFailure, CheckResult, ConfigureRequest, CreateResult, DiffResult, ReadResult,
                            ResourceProvider, UpdateResult)

from ..backends.service import migration_backend_from_config
from ..lifecycle import migration as rules
from ..lifecycle import deployment
from . import _config

log = logging.getLogger("yc_registry_provider.migration")
PREFIX = "yc-registry FolderMigration: "


def report(message: str) -> None:
    """One progress line to the user (the plugin's stderr -> the CLI) and to Python logging."""
    log.info("%s", message)
    pulumi.log.info(PREFIX + message)


class FolderMigrationProvider(ResourceProvider):
    """Adopts or starts a folder's migration to Cloud Registry and waits for it; delete changes nothing."""

    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        _config.store(req.config)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        deployment.saw("check")
        failures = rules.check(news)
        inputs = rules.normalize_inputs(news) if not failures else dict(news)
        if not failures:  # what `pulumi up` will do, said at preview
            with migration_backend_from_config(_config.snapshot(), on_retry=_config.retry_notice) as backend:
                message = rules.preview_message(backend, inputs)
            if message:
                report(message)
        return CheckResult(inputs, [CheckFailure(field, reason) for field, reason in failures])

    def create(self, props: dict[str, Any]) -> CreateResult:
        deployment.saw("create")
        with migration_backend_from_config(_config.snapshot(), on_retry=_config.retry_notice) as backend:
            id_, outs = rules.create(backend, props, progress=report)
        return CreateResult(id_, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with migration_backend_from_config(_config.snapshot(), on_retry=_config.retry_notice) as backend:
            found, outs, inputs = rules.read(backend, id_, props)
        return ReadResult(found, outs, inputs if found else None)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        deployment.saw("diff")
        plan = rules.diff(olds, news)
        return DiffResult(changes=plan.has_changes, replaces=plan.replaces, stables=[], delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        with migration_backend_from_config(_config.snapshot(), on_retry=_config.retry_notice) as backend:
            return UpdateResult(rules.update(backend, olds, news, progress=report))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        rules.delete(props, progress=report)


__all__ = ["FolderMigrationProvider", "report"]
