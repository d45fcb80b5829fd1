"""ImageProvider: the dynamic provider of ``pulumi-python:dynamic/yc-registry:Image``.

This module path is a compatibility promise (existing stacks reference it in ``__provider``): never move it.
No state on ``self``: config lives in ``_config``, clients are made and closed inside each method.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import (CheckFailure, CheckResult, ConfigureRequest, CreateResult, DiffResult, ReadResult,
                            ResourceProvider, UpdateResult)

from ..lifecycle import image as rules
from ..lifecycle import deployment
from . import _config


class ImageProvider(ResourceProvider):
    """Adopts one existing image on create, refreshes it by id, deletes it (waiting) on destroy."""

    serialize_as_secret_always = False  # holds nothing secret: keep __provider plain and stable

    def configure(self, req: ConfigureRequest) -> None:
        _config.store(req.config)
        # No reset of the held images here: pulumi.dynamic configures each distinct __provider string lazily,
        # possibly mid-deployment; a plugin process serves one deployment and starts with none held.

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        deployment.saw("check")
        failures = rules.check_image(news)
        inputs = rules.normalize_inputs(news) if not failures else dict(news)
        return CheckResult(inputs, [CheckFailure(field, reason) for field, reason in failures])

    def create(self, props: dict[str, Any]) -> CreateResult:
        deployment.saw("create")
        with _config.client() as backend:
            outs = rules.adopt(backend, props)
        return CreateResult(outs["image_id"], outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh by id; a tag that moved is reported (warning on the plugin's stderr, which the CLI shows)."""
        with _config.client() as backend:
            found, outs, inputs = rules.read(backend, id_, props)
        warning = rules.moved_tag_warning(outs) if found else None
        if warning:
            pulumi.log.warn(f"yc-registry Image: {warning}")
        return ReadResult(found, outs, inputs if found else None)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        deployment.saw("diff")
        plan = rules.diff(olds, news)
        same = False
        if plan.replaces:
            with _config.client() as backend:
                same = rules.resolves_to_same_image(backend, olds, news)
        plan = rules.settle_diff(plan, same, olds)
        return DiffResult(changes=plan.has_changes, replaces=plan.replaces, stables=[],
                          delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(rules.update(olds, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete and wait; say so on the plugin's stderr, which the CLI shows (see dynamic/cleanup.py)."""
        def started(operation_id: str) -> None:
            pulumi.log.info(f"yc-registry Image: deleting image {id_}: waiting for operation {operation_id} "
                            f"(up to {rules.delete_timeout(props):g} s)")

        with _config.client() as backend:
            result = rules.delete(backend, id_, props, on_started=started)
        if result.kept:
            said = "kept: another resource of this stack still adopts it (renamed, replaced, or a second Image)"
        elif result.already_gone:
            said = "was already gone"
        else:
            said = f"deleted (operation {result.operation_id})"
        pulumi.log.info(f"yc-registry Image: image {id_} {said}")


__all__ = ["ImageProvider"]
