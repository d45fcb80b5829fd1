"""The FolderMigration resource's rules, get_folder_migration and verify_migration. Plain dicts in and out.

Create reads the folder's dashboard first: a migration already scheduled, running or completed is adopted and
waited on, never started twice; otherwise (none yet, or a FAILED one) it says that every registry of the folder
moves, sends StartFolder once and waits for its Operation. Then it polls the dashboard (backoff up to
``MAX_POLL_INTERVAL``, a deadline that names the folder) until the migration is done by the documented criteria,
reporting progress; a failure names the first failed tags. A completed migration is verified (every Container
Registry digest present in Cloud Registry) and fails on anything missing unless ``allow_missing``.
Refresh reads the dashboard; delete changes nothing in the cloud (a migration cannot be undone) and says so.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator, Mapping, Protocol

from .. import validation
from ..errors import (InvalidArgumentError, MigrationFailedError, MigrationIncompleteError, MigrationTimeoutError,
                      OperationFailedError)
from ..migration import LEVELS, Dashboard, Verification, compare
from ..models import ImageInfo
from .values import DiffPlan, same
from .values import given as _given
from .values import known as _known

INPUT_FIELDS: tuple[str, ...] = ("folder_id", "disable_redirects", "timeout", "allow_missing")
RESULT_FIELDS: tuple[str, ...] = ("status", "registry_ids", "registries", "repositories", "tags",
                                  "redirects_enabled", "started_here", "image_count", "missing_count")
OUTPUT_FIELDS: tuple[str, ...] = INPUT_FIELDS + RESULT_FIELDS
DEFAULT_TIMEOUT = 6 * 3600.0   # seconds a create may wait for the migration
FIRST_POLL = 0.05
MAX_POLL_INTERVAL = 10.0
PROGRESS_EVERY = 5.0           # seconds between unchanged progress lines
Progress = Callable[[str], None]


class MigrationBackend(Protocol):
    """What the rules need (backends.service.MigrationBackend implements it over gRPC)."""

    def folder_dashboard(self, folder_id: str) -> Dashboard | None: ...

    def start_folder_migration(self, folder_id: str, *, disable_redirects: bool, timeout: float) -> list[str]: ...

    def toggle_folder_redirects(self, folder_id: str, *, enabled: bool) -> None: ...

    def cloud_registry_ids(self, folder_id: str) -> list[str]: ...

    def inventory(self, *, folder_id: str | None = None, registry_id: str | None = None) -> Iterator[ImageInfo]: ...

    def cloud_digests(self, registry_id: str) -> set[str] | None: ...

    def container_registry_ids(self, folder_id: str) -> list[str]: ...

    def cloud_tags(self, registry_id: str) -> Mapping[tuple[str, str], str] | None: ...


def _collect(failures: list[tuple[str, str]], check: Callable[[], Any]) -> None:
    try:
        check()
    except InvalidArgumentError as exc:
        failures.append((exc.field, str(exc)))


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidArgumentError(name, "must be true or false", value)


def check(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every rule a FolderMigration's inputs break, as (field, reason); unknowns pass."""
    failures: list[tuple[str, str]] = []
    folder_id = inputs.get("folder_id")
    if not _given(folder_id):
        failures.append(("folder_id", "is required: the folder whose registries all move to Cloud Registry"))
    elif _known(folder_id):
        _collect(failures, lambda: validation.check_id("folder_id", folder_id))
    for name in ("disable_redirects", "allow_missing"):
        value = inputs.get(name)
        if value is not None and _known(value):
            _collect(failures, lambda name=name, value=value: _check_bool(name, value))  # type: ignore[misc]
    timeout = inputs.get("timeout")
    if timeout is not None and _known(timeout):
        _collect(failures, lambda: validation.check_timeout(timeout, "timeout"))
    return failures


def normalize_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs with their defaults: redirects stay on, 6 h to wait, nothing missing allowed."""
    timeout = inputs.get("timeout")
    return {
        "folder_id": inputs.get("folder_id"),
        "disable_redirects": bool(inputs.get("disable_redirects") or False),
        "timeout": float(timeout) if isinstance(timeout, (int, float)) else (timeout or DEFAULT_TIMEOUT),
        "allow_missing": bool(inputs.get("allow_missing") or False),
    }


def _check_or_raise(inputs: Mapping[str, Any]) -> dict[str, Any]:
    failures = check(inputs)
    if failures:
        field, reason = failures[0]
        raise InvalidArgumentError(field, reason,
                                   message=reason if reason.startswith("invalid") else f"invalid {field}: {reason}")
    return normalize_inputs(inputs)


def outputs_for(inputs: Mapping[str, Any], board: Dashboard | None, registry_ids: list[str],
                started_here: bool, verification: Verification | None) -> dict[str, Any]:
    outs = dict(normalize_inputs(inputs))
    outs.update({
        "status": board.status if board else "NOT_STARTED",
        "registry_ids": sorted(registry_ids),
        **({n: board.level(n).to_dict() for n in LEVELS} if board else {n: {} for n in LEVELS}),
        "redirects_enabled": not outs["disable_redirects"],
        "started_here": started_here,
        "image_count": verification.image_count if verification else None,
        "missing_count": verification.missing_count if verification else None,
    })
    return outs


def wait_for_completion(backend: MigrationBackend, folder_id: str, *, timeout: float, progress: Progress,
                        sleep: Callable[[float], None] = time.sleep,
                        clock: Callable[[], float] = time.monotonic) -> Dashboard:
    """Poll the dashboard until the migration is no longer under way; raise on failure or at the deadline."""
    deadline = clock() + timeout
    delay, said, said_at = FIRST_POLL, "", clock()
    while True:
        board = backend.folder_dashboard(folder_id)
        if board is not None:
            line = board.progress_line()
            if line != said or clock() - said_at >= PROGRESS_EVERY:
                progress(f"migration of folder {folder_id}: {line}")
                said, said_at = line, clock()
            if not board.under_way:
                if board.failed:
                    raise MigrationFailedError(board.failure_message(), folder_id=folder_id,
                                               failed_tags=[t.describe(r) for r, t in board.failed_tags()])
                return board
        if clock() + delay >= deadline:
            raise MigrationTimeoutError(
                f"the migration of folder {folder_id} was still {board.status if board else 'not visible'} after "
                f"{timeout:g} s ({said or 'no progress seen'}); it goes on in the cloud: run `pulumi up` again to "
                "wait for it (nothing is started twice), or raise timeout", folder_id=folder_id)
        sleep(delay)
        delay = min(MAX_POLL_INTERVAL, delay * 1.5)


def verify(backend: MigrationBackend, *, folder_id: str | None = None, registry_id: str | None = None) -> Verification:
    """Every Container Registry image of the scope checked, by digest, against the Cloud Registry registry with
    the same id; exactly one of folder_id or registry_id."""
    if bool(folder_id) == bool(registry_id):
        raise InvalidArgumentError("folder_id", "give exactly one of folder_id or registry_id")
    if folder_id:
        validation.check_id("folder_id", folder_id)
    if registry_id:
        validation.check_id("registry_id", registry_id)
    inventory = list(backend.inventory(folder_id=folder_id, registry_id=registry_id))
    registry_ids = {i.registry_id for i in inventory} | ({registry_id} if registry_id else set())
    if folder_id:
        registry_ids |= set(backend.cloud_registry_ids(folder_id))
    digests = {rid: backend.cloud_digests(rid) for rid in sorted(registry_ids)}
    tags = {rid: backend.cloud_tags(rid) for rid in sorted(registry_ids) if digests[rid] is not None}
    scope = f"folder {folder_id}" if folder_id else f"registry {registry_id}"
    return compare(scope, inventory, digests, tags)


def preview_message(backend: MigrationBackend, inputs: Mapping[str, Any]) -> str | None:
    """What ``pulumi up`` will do, said at preview (None while the folder is not known): the registries that move,
    that it cannot be undone, redirects on or off; or that a migration under way or done is adopted. No
    verification runs before the migration (every image would read as missing)."""
    folder_id = inputs.get("folder_id")
    if not _known(folder_id) or not isinstance(folder_id, str) or not folder_id:
        return None
    board = backend.folder_dashboard(folder_id)
    if board is not None and board.status != "FAILED":
        return (f"FolderMigration of folder {folder_id}: a migration is already {board.status}; `pulumi up` adopts "
                "it and waits for it (nothing new starts), then verifies every image")
    registries = backend.container_registry_ids(folder_id)
    redirects = ("cr.yandex redirects turned OFF (disable_redirects): the two registries become independent "
                 "copies and references must move to registry.yandexcloud.net"
                 if inputs.get("disable_redirects") is True else
                 "cr.yandex redirects stay ON (pulls of cr.yandex/... are served by Cloud Registry)")
    again = " again (the last one FAILED)" if board is not None else ""
    return (f"FolderMigration of folder {folder_id}: `pulumi up` will migrate it to Cloud Registry{again}: EVERY "
            f"registry of the folder moves ({', '.join(registries) or 'none found'}); registry ids and pull "
            f"addresses persist; it cannot be undone; {redirects}. Then it verifies that every image and tag "
            "arrived; destroy changes nothing in the cloud")


def _start_failure(backend: MigrationBackend, folder_id: str, exc: OperationFailedError) -> Exception:
    """StartFolder's Operation ended with an error (which may name no tag): the dashboard's failed tags, named,
    beside the Operation's own error; the Operation's error alone when the dashboard names nothing."""
    board = backend.folder_dashboard(folder_id)
    if board is None or not (board.failed_tags() or board.failed):
        return exc
    return MigrationFailedError(
        f"{board.failure_message()} (StartFolder operation {exc.operation_id} ended with code {exc.error_code}: "
        f"{exc.error_message})", folder_id=folder_id, failed_tags=[t.describe(r) for r, t in board.failed_tags()])


def create(backend: MigrationBackend, inputs: Mapping[str, Any], *, progress: Progress,
           sleep: Callable[[float], None] = time.sleep) -> tuple[str, dict[str, Any]]:
    """Adopt or start the folder's migration, wait for it, verify it; (resource id = folder id, outputs)."""
    props = _check_or_raise(inputs)
    folder_id = str(props["folder_id"])
    board = backend.folder_dashboard(folder_id)
    started_here = False
    registry_ids: list[str] = []
    if board is not None and board.status != "FAILED":
        progress(f"migration of folder {folder_id} is already {board.status}: adopting it (not starting another)")
    else:
        again = " again (the last one FAILED)" if board is not None else ""
        progress(f"starting the migration of folder {folder_id} to Cloud Registry{again}: EVERY registry of the "
                 "folder moves (registry ids and pull addresses persist; access bindings, policies and aliases move "
                 "too); it cannot be undone")
        try:
            registry_ids = backend.start_folder_migration(folder_id, disable_redirects=props["disable_redirects"],
                                                          timeout=props["timeout"])
        except OperationFailedError as exc:
            raise _start_failure(backend, folder_id, exc) from exc
        started_here = True
        progress(f"migration of folder {folder_id} started for registries {', '.join(registry_ids) or 'none'}")
    board = wait_for_completion(backend, folder_id, timeout=props["timeout"], progress=progress, sleep=sleep)
    verification = verify(backend, folder_id=folder_id)
    progress(f"verification of folder {folder_id}: {verification.summary()}")
    if (verification.missing or verification.moved_tags) and not props["allow_missing"]:
        raise MigrationIncompleteError(
            f"the migration of folder {folder_id} completed, but {verification.summary()}; push or re-migrate "
            "them, or set allow_missing=true to accept it", folder_id=folder_id,
            missing=[m.to_dict() for m in verification.missing])
    registry_ids = sorted(set(registry_ids) | set(verification.registry_ids))
    return folder_id, outputs_for(props, board, registry_ids, started_here, verification)


def read(backend: MigrationBackend, resource_id: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Refresh from the dashboard: (id, outputs, inputs); ("", {}, {}) when the folder has no migration."""
    folder_id = str(props.get("folder_id") or resource_id)
    board = backend.folder_dashboard(folder_id)
    if board is None:
        return "", {}, {}
    inputs = normalize_inputs({**props, "folder_id": folder_id})
    outs = outputs_for(inputs, board, list(props.get("registry_ids") or []), bool(props.get("started_here")), None)
    outs["image_count"], outs["missing_count"] = props.get("image_count"), props.get("missing_count")
    return folder_id, outs, inputs


def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffPlan:
    """Another folder replaces; disable_redirects toggles redirects in place; timeout and allow_missing only
    change what the next create would do."""
    new = normalize_inputs(news)
    old = normalize_inputs(olds)
    changed = [name for name in INPUT_FIELDS if not same(old.get(name), new.get(name))]
    return DiffPlan(changed=changed, replaces=[n for n in changed if n == "folder_id"])


def update(backend: MigrationBackend, olds: Mapping[str, Any], news: Mapping[str, Any], *,
           progress: Progress) -> dict[str, Any]:
    """Toggle the folder's redirects when disable_redirects changed; keep every other output."""
    props = _check_or_raise(news)
    outs = {name: olds.get(name) for name in OUTPUT_FIELDS}
    outs.update(props)
    if bool(olds.get("disable_redirects")) != props["disable_redirects"]:
        enabled = not props["disable_redirects"]
        backend.toggle_folder_redirects(str(props["folder_id"]), enabled=enabled)
        progress(f"redirects of folder {props['folder_id']} from cr.yandex to Cloud Registry turned "
                 f"{'on' if enabled else 'off'}")
    outs["redirects_enabled"] = not props["disable_redirects"]
    return outs


def delete(props: Mapping[str, Any], *, progress: Progress) -> None:
    """Nothing happens in the cloud: a migration cannot be undone. Say so."""
    progress(f"FolderMigration of folder {props.get('folder_id')} leaves the stack; nothing changed in the cloud: "
             "a migration cannot be undone, the registries stay in Cloud Registry")


def folder_migration(backend: MigrationBackend, folder_id: str) -> dict[str, Any]:
    """get_folder_migration: the folder's migration as plain values (``exists`` false when none)."""
    validation.check_id("folder_id", folder_id)
    board = backend.folder_dashboard(folder_id)
    if board is None:
        return {"folder_id": folder_id, "exists": False, "status": "NOT_STARTED", "complete": False,
                "registry_ids": [], "failed_tags": [], **{n: {} for n in LEVELS}}
    return {"folder_id": folder_id, "exists": True, "status": board.status, "complete": board.complete,
            "registry_ids": sorted(backend.cloud_registry_ids(folder_id)),
            "failed_tags": [t.describe(r) for r, t in board.failed_tags()],
            **{n: board.level(n).to_dict() for n in LEVELS}}


__all__ = sorted(["DEFAULT_TIMEOUT", "INPUT_FIELDS", "MigrationBackend", "OUTPUT_FIELDS", "RESULT_FIELDS", "check",
                  "create", "delete", "diff", "folder_migration", "normalize_inputs", "outputs_for", "preview_message", "read",
                  "update", "verify", "wait_for_completion"])
