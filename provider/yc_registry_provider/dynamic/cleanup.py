"""ImageCleanupProvider: the dynamic provider of ``pulumi-python:dynamic/yc-registry:ImageCleanup``.

This module path is a compatibility promise (existing stacks reference it in ``__provider``): never move it.
No state on ``self``: config lives in ``_config``, clients are made and closed inside each method.

Progress during a long delete. The engine starts the dynamic plugin (``python -u -m pulumi.dynamic <engine
address>``) and forwards every line the plugin writes to **stderr** to the CLI as an info message while the
operation runs (``sdk/go/common/resource/plugin/plugin.go``, ``runtrace``: ``Diag.Infoerrf(StreamMessage(""...))``).
``pulumi.dynamic`` ignores the engine address and configures pulumi's runtime without an engine, so
``pulumi.log.info`` in the plugin prints ``info: <message>`` to stderr: that is the channel that reaches the user.
It carries no resource URN (a dynamic provider is never told its URN), so every line names the scope itself.
Should a future ``pulumi.dynamic`` wire the engine in, ``pulumi.log`` sends the same lines to it instead.
Each line also goes to the ``yc_registry_provider.cleanup`` Python logger for anyone who configures logging.
"""

from __future__ import annotations

import logging
from typing import Any

import pulumi
from pulumi.dynamic import (CheckFailure, CheckResult, ConfigureRequest, CreateResult, DiffResult, ReadResult,
                            ResourceProvider, UpdateResult)

from ..cleanup import ProgressEvent
from ..lifecycle import cleanup as rules
from ..lifecycle import deployment
from . import _config

log = logging.getLogger("yc_registry_provider.cleanup")
PREFIX = "yc-registry ImageCleanup: "


def report_progress(event: ProgressEvent) -> None:
    """Send one progress event to the user (stderr of the plugin -> the CLI) and to Python logging."""
    text = PREFIX + event.message
    if event.kind in ("throttled", "retrying", "warning"):
        log.warning("%s", event.message)
        pulumi.log.warn(text)
    else:
        log.info("%s", event.message)
        pulumi.log.info(text)


def _warn_if_nothing_selected(outs: dict[str, Any]) -> None:
    """A cleanup that selects nothing says so in the engine log (a warning), not only on a Python logger."""
    warning = rules.nothing_selected(outs)
    if warning:
        log.warning("%s", warning)
        pulumi.log.warn(PREFIX + warning)


class ImageCleanupProvider(ResourceProvider):
    """Shows what a cleanup would delete (create, update, refresh); runs the cleanup on delete."""

    serialize_as_secret_always = False  # holds nothing secret: keep __provider plain and stable

    def configure(self, req: ConfigureRequest) -> None:
        _config.store(req.config)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        deployment.saw("check")
        failures = rules.check(news)
        inputs = dict(news)
        if not failures:  # a registry or repository that does not exist fails the preview, naming it
            with _config.client() as backend:
                failures = rules.check_scope(backend, news)
                if not failures:  # the plan goes into the inputs: a new plan shows as a change
                    inputs = rules.with_plan(backend, news)
        return CheckResult(inputs, [CheckFailure(field, reason) for field, reason in failures])

    def create(self, props: dict[str, Any]) -> CreateResult:
        deployment.saw("create")
        with _config.client() as backend:
            id_, outs = rules.create(backend, props)
        _warn_if_nothing_selected(outs)
        return CreateResult(id_, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with _config.client() as backend:
            found, outs, inputs = rules.read(backend, id_, props)
        _warn_if_nothing_selected(outs)
        return ReadResult(found, outs, inputs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        deployment.saw("diff")
        plan = rules.diff(olds, news)
        return DiffResult(changes=plan.has_changes, replaces=plan.replaces, stables=[],
                          delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        deployment.saw("update")
        with _config.client() as backend:
            outs = rules.update(backend, news)
        _warn_if_nothing_selected(outs)
        return UpdateResult(outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        notice = rules.not_run_notice(props, deployment.current())
        if notice:  # removed from the program during an up: nothing runs unless the resource opted in
            report_progress(ProgressEvent("warning", notice))
            return
        with _config.client(on_retry=lambda message: report_progress(ProgressEvent("retrying", message))) as backend:
            rules.delete(backend, props, progress=report_progress)


__all__ = ["ImageCleanupProvider", "report_progress"]
