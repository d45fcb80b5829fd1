"""The cleanup engine: list a scope, select by the rules, re-check and delete with bounded, adaptive concurrency.

Works against any :class:`~yc_registry_provider.backends.base.ImageBackend`. Guarantees:

- an image is deleted only if it is selected from the listing *and* its re-read right before the delete shows
  no protecting tag (a tag pushed onto it meanwhile that ``keep_tags`` protects => skipped, never deleted);
- an image already gone (on re-read or on delete) counts as ``already_gone``, not as a failure;
- a Delete is sent once by the client; ``ThrottledError``/``UnavailableError`` on it are retried per image with
  jittered exponential backoff (that loop is the delete's one budget: reads keep the client's budget only and are
  not retried again, retries never nest); throttling also halves the number of deletes in flight, which grows back by one
  after as many successes as the current limit;
- ``timeout`` bounds the whole run; images not started in time are reported as ``not_attempted``;
- a read-only registry (the 2026 sunset) or rejected credentials stop the run at the first refusal;
- with a ``plan`` (the ids a resource's last up or refresh showed), only images of the plan are deleted: one the
  rules select now but the plan did not show is kept, listed under ``not_in_plan``, and the run is not ``ok``;
- every image deleted is named in a ``deleted`` progress event (id, repository, tags) and in the report;
- an image the caller's ``spare`` names a reason for (an Image of the same deployment holds it) is never deleted:
  the report lists it under ``kept`` with that reason;
- with ``keep_in_use`` an image a live workload runs is never deleted: the in-use set is read before anything is
  deleted (a source that cannot be read raises WorkloadSourceError: nothing deleted) and again for each delete, no
  earlier than that image's re-read (``freshness.py``); the report lists such images under ``kept`` (and the plan
  under ``in_use``) naming the workload;
- nothing is undone: what was deleted stays deleted and the next run continues from what is left.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Collection, Mapping, Sequence

from ..backends.base import ImageBackend
from ..errors import (SUNSET_EXPLANATION, CleanupFailedError, ConfigurationError, DeadlineExceededError,
                      InvalidArgumentError, NotFoundError, OperationTimeoutError, PermissionDeniedError, RegistryError,
                      RegistryReadOnlyError, ThrottledError, TransientError, UnauthenticatedError,
                      UnavailableError, WorkloadSourceError)
from ..backends.cloud_registry_mapping import versions
from ..models import CLOUD_REGISTRY, ImageInfo
from ..retry import RetryPolicy
from .freshness import InUseReader, InUseTracker
from .pacing import OperationPacer
from .rules import CleanupRules, KeepRule, Selection, is_protected, select

log = logging.getLogger(__name__)

ENGINE_RETRY = RetryPolicy(initial_backoff=0.2, max_backoff=5.0, multiplier=2.0, max_attempts=12)
"""Backoff of the engine's per-image delete retries. A Delete is sent once by the client (no hidden retries), so
the engine's loop is that delete's only budget and every retry comes back through the re-read and re-check.
Reads (the listing, the re-read) have the client's budget only: the engine never retries them again."""
LIST_PAGE_SIZE = 1000
RECHECK_MAX_AGE = 1.0
"""Seconds a re-read may be old when its Delete is sent; an older one (a long wait for a slot) is made again."""
PREVIEW_IDS = 10


@dataclass(frozen=True)
class ProgressEvent:
    """What a progress callback receives: ``kind`` is start, progress, deleted (one per image deleted), retrying,
    throttled, warning or done."""

    kind: str
    message: str
    done: int = 0
    total: int = 0


ProgressCallback = Callable[[ProgressEvent], None]
SpareCheck = Callable[[str], "str | None"]
"""Why an image must be kept whatever the rules say (e.g. a resource of the deployment holds it), or None; asked
with the image id, then with ``<registry_id>@<digest>`` (what survives a migration)."""


def log_progress(event: ProgressEvent) -> None:
    """The default progress callback: one INFO line per event (WARNING for throttling)."""
    log.log(logging.WARNING if event.kind in ("throttled", "retrying") else logging.INFO, "%s", event.message)


@dataclass
class CleanupReport:
    """What a cleanup run did; ids keep the selection's order (oldest first)."""

    scope: str
    selected_count: int = 0
    protected_count: int = 0
    selected: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    not_attempted: list[str] = field(default_factory=list)
    not_in_plan: list[str] = field(default_factory=list)
    plan_hint: str = "run it again"
    tags: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False
    elapsed: float = 0.0
    retries: int = 0
    timed_out: bool = False
    aborted: str | None = None
    in_use: dict[str, str] = field(default_factory=dict)  # selected images a workload ran at the plan (keep_in_use)

    @property
    def ok(self) -> bool:
        """True when every selected image was deleted, already gone, or skipped as newly protected, and every
        image the rules select was in the plan."""
        return not self.failed and not self.not_attempted and not self.not_in_plan

    @property
    def read_only(self) -> bool:
        """The run stopped because the registry is read-only (Container Registry since 2026-11-10)."""
        return self.aborted == SUNSET_EXPLANATION

    def describe(self, image_id: str) -> str:
        """``<id> (tags a, b)`` or ``<id> (untagged)``, as the image was last read."""
        tags = self.tags.get(image_id) or []
        return f"{image_id} ({'tags ' + ', '.join(tags) if tags else 'untagged'})"

    def summary(self) -> str:
        """One readable paragraph."""
        head = f"Cleanup of {self.scope}" + (" (dry run)" if self.dry_run else "")
        listed = self.selected_count + self.protected_count
        parts = [f"{head}: {self.selected_count} of {listed} images selected, {self.protected_count} kept by the rules"]
        if self.dry_run:
            shown = ", ".join(self.selected[:5]) + (", ..." if len(self.selected) > 5 else "")
            parts.append(f"would delete {self.selected_count - len(self.in_use)}" + (f" ({shown})" if shown else "")
                         + "; nothing deleted")
            if self.in_use:
                parts.append(f"kept {len(self.in_use)} selected because a workload runs them: " + _some(self.in_use))
        else:
            parts.append(f"deleted {len(self.deleted)}, already gone {len(self.already_gone)}, "
                         f"skipped {len(self.skipped)}, failed {len(self.failed)}")
            if self.skipped:
                parts.append("skipped because " + _some(self.skipped))
            if self.deleted:
                parts.append("deleted: " + ", ".join(self.describe(image_id) for image_id in self.deleted))
            if self.kept:
                parts.append(f"kept {len(self.kept)} selected: " + _some(self.kept))
            if self.read_only:  # one message: every other delete would be refused the same way
                parts.append(f"stopped at the first refusal ({next(iter(self.failed), '?')}): {SUNSET_EXPLANATION}")
                if self.not_attempted:
                    parts.append(f"{len(self.not_attempted)} not attempted")
            else:
                if self.failed:
                    parts.append("failed: " + _some(self.failed))
                if self.not_attempted:
                    why = self.aborted or ("the timeout ran out" if self.timed_out else "the run stopped")
                    parts.append(f"{len(self.not_attempted)} not attempted ({why})")
            if self.not_in_plan:
                parts.append(f"kept {len(self.not_in_plan)} the rules select now but not in the last plan "
                             f"({', '.join(self.describe(image_id) for image_id in self.not_in_plan)}): "
                             f"{self.plan_hint}")
            if not self.ok and not self.read_only:  # running again cannot help a read-only registry
                parts.append("what was deleted stays deleted; run the cleanup again to continue")
        return "; ".join(parts) + f" ({self.elapsed:.1f} s)."

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (resource outputs, CI logs)."""
        return {
            "scope": self.scope, "selected_count": self.selected_count, "protected_count": self.protected_count,
            "selected": list(self.selected), "deleted": list(self.deleted), "already_gone": list(self.already_gone),
            "skipped": dict(self.skipped), "kept": dict(self.kept), "failed": dict(self.failed),
            "not_attempted": list(self.not_attempted), "not_in_plan": list(self.not_in_plan),
            "tags": {key: list(value) for key, value in self.tags.items()},
            "dry_run": self.dry_run, "elapsed": round(self.elapsed, 3), "retries": self.retries,
            "timed_out": self.timed_out, "aborted": self.aborted, "ok": self.ok, "in_use": dict(self.in_use),
        }

    def raise_for_failures(self) -> "CleanupReport":
        """Raise CleanupFailedError unless :attr:`ok`; returns self otherwise."""
        if not self.ok:
            raise CleanupFailedError(self)
        return self


def _some(reasons: dict[str, str], count: int = 3) -> str:
    shown = [f"{image_id} ({why})" for image_id, why in list(reasons.items())[:count]]
    more = len(reasons) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


class _ReadGaveUp(Exception):
    """A re-read failed after the client's own retries: the engine does not retry it again (no nesting)."""

    def __init__(self, error: TransientError) -> None:
        super().__init__(str(error))
        self.error = error


class _InUse(Exception):
    """The re-read image is run by a workload now: keep it (the message names the workload)."""


class _AdaptiveLimit:
    """How many delete Operations may be in flight: halves on throttling (once per cool-down), grows back one by
    one. An image whose delete is several Operations (a Cloud Registry image: one per tag artifact) takes that many
    slots (at most the whole limit), so the registry's limit on unfinished operations is never the one that bites."""

    def __init__(self, maximum: int, cooldown: float = 1.0) -> None:
        self.maximum = maximum
        self.limit = maximum
        self._active = 0
        self._streak = 0
        self._cooldown = cooldown
        self._last_cut = float("-inf")
        self._cond = threading.Condition()

    def acquire(self, deadline: float | None, stop: threading.Event, weight: int = 1) -> int:
        """Wait for ``weight`` slots (at most the limit); how many were taken, 0 when the deadline passes or the
        run is stopped first."""
        with self._cond:
            while self._active + min(weight, self.limit) > self.limit and not stop.is_set():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return 0
                self._cond.wait(0.2 if remaining is None else min(remaining, 0.2))
            if stop.is_set():
                return 0
            taken = min(weight, self.limit)
            self._active += taken
            return taken

    def release(self, taken: int = 1, *, throttled: bool = False) -> int | None:
        """Free the slots taken; on throttling cut the limit and return the new one (None when unchanged)."""
        with self._cond:
            self._active -= taken
            cut = None
            if throttled:
                self._streak = 0
                now = time.monotonic()
                if self.limit > 1 and now - self._last_cut >= self._cooldown:
                    self.limit = max(1, self.limit // 2)
                    self._last_cut = now
                    cut = self.limit
            else:
                self._streak += 1
                if self.limit < self.maximum and self._streak >= self.limit:
                    self.limit += 1
                    self._streak = 0
            self._cond.notify_all()
            return cut


@dataclass
class _Slot:
    """How many delete slots of the adaptive limit one attempt holds (released by whoever took them)."""

    held: int = 0


class _Run:
    """One execution of a cleanup: shared state of the worker threads."""

    def __init__(self, backend: ImageBackend, rules: CleanupRules, now: datetime,
                 progress: ProgressCallback, started: float, spare: SpareCheck | None = None,
                 in_use: InUseTracker | None = None) -> None:
        self.backend = backend
        self.spare = spare
        self.in_use = in_use
        self.rules = rules
        self.now = now
        self.progress = progress
        self.started = started
        self.deadline = None if rules.timeout is None else started + float(rules.timeout)
        self.report = CleanupReport(scope=rules.scope, dry_run=rules.dry_run)
        self.lock = threading.Lock()
        self.emit_lock = threading.Lock()
        self.stop = threading.Event()
        self.limit = _AdaptiveLimit(rules.effective_concurrency)
        self.done = 0
        self.typical_delete: float | None = None  # moving average of a delete's duration, seconds
        self.pacer = OperationPacer()  # when to poll a delete's Operation first, learned in this run
        self.every = 1
        self.progress_every: int | None = None  # a progress event every N images (default: about every tenth)

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def expired(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0

    def emit(self, kind: str, message: str, done: int | None = None) -> None:
        """Call the progress callback (serialized; its failures are logged, never fatal). Never called under
        ``self.lock``: a slow callback (an engine log over the network) must not stall the workers."""
        event = ProgressEvent(kind, message, self.done if done is None else done, self.report.selected_count)
        with self.emit_lock:
            try:
                self.progress(event)
            except Exception:  # noqa: BLE001 - a broken callback must not break the cleanup
                log.exception("cleanup progress callback failed")

    def list_scope(self) -> list[ImageInfo]:
        """The whole scope; a scope that is gone holds nothing. Each page is one logical call: the client's retry
        budget is its only one (the engine does not retry a listing again: retries never nest)."""
        where = self.rules.listing
        try:
            return list(self.backend.list_images(repository_name=where["repository_name"],
                                                 registry_id=where["registry_id"], page_size=LIST_PAGE_SIZE,
                                                 timeout=self._time_left()))
        except NotFoundError:  # the registry or repository no longer exists: nothing is left to delete
            log.info("cleanup of %s: the scope does not exist (any more); nothing to delete", self.report.scope)
            return []

    def _sleep(self, seconds: float) -> bool:
        """Back off; False when the deadline would pass or the run stopped (then do not retry)."""
        remaining = self.remaining()
        if remaining is not None and remaining <= seconds:
            return False
        return not self.stop.wait(seconds)

    def record(self, image_id: str, outcome: str, detail: str = "") -> None:
        """Store one image's outcome and report progress every ``every`` images."""
        report = self.report
        message = None
        with self.lock:
            if outcome == "deleted":
                report.deleted.append(image_id)
            elif outcome == "already_gone":
                report.already_gone.append(image_id)
            elif outcome == "skipped":
                report.skipped[image_id] = detail
            elif outcome == "kept":
                report.kept[image_id] = detail
            elif outcome == "failed":
                report.failed[image_id] = detail
            else:
                report.not_attempted.append(image_id)
                return
            self.done += 1
            done = self.done
            if done % self.every == 0 and done < report.selected_count:
                message = (f"cleanup of {report.scope}: {done}/{report.selected_count} done "
                           f"({len(report.deleted)} deleted, {len(report.already_gone)} already gone, "
                           f"{len(report.skipped)} skipped, {len(report.kept)} spared, {len(report.failed)} failed)")
        if outcome == "deleted":
            self.emit("deleted", f"cleanup of {report.scope}: deleted image {report.describe(image_id)}", done)
        if message is not None:
            self.emit("progress", message, done)

    def abort(self, reason: str) -> None:
        with self.lock:
            if self.report.aborted is None:
                self.report.aborted = reason
        self.stop.set()

    def process(self, image: ImageInfo) -> None:
        """Re-check and delete one image, retrying transient trouble with backoff within the deadline."""
        attempt = 0
        while True:
            if self.expired() or self.stop.is_set():
                self._not_started(image.id)
                return
            throttled = False
            slot = _Slot()
            try:
                outcome, detail = self._delete_once(image, slot)
            except _ReadGaveUp as gave_up:  # the re-read used up the client's own budget: not retried again
                exc = gave_up.error
                outcome, detail = "failed", f"{type(exc).__name__}: {exc}"
                if isinstance(exc, UnavailableError):
                    self.abort(f"the registry stayed unreachable for a whole retry budget ({exc})")
            except TransientError as exc:
                throttled = isinstance(exc, ThrottledError)
                # a poll of an accepted delete had the client's budget already: only a refused send comes back
                outcome = "failed" if exc.operation_id is not None else "retry"
                detail = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - one image's trouble must not end the others
                outcome, detail = "failed", self._classify(exc)
            finally:
                cut = self.limit.release(slot.held, throttled=throttled) if slot.held else None
            if cut is not None:
                self.emit("throttled", f"cleanup of {self.report.scope}: throttled by the registry, "
                                       f"lowering concurrency to {cut}")
            if outcome == "not_attempted":
                self._not_started(image.id)
                return
            if outcome != "retry":
                self.record(image.id, outcome, detail)
                return
            attempt += 1
            if attempt >= ENGINE_RETRY.max_attempts:
                self.record(image.id, "failed", f"{detail} (gave up after {attempt} attempts)")
                return
            self.emit("retrying", f"cleanup of {self.report.scope}: the delete of image {image.id} was refused "
                                  f"({detail.split(':', 1)[0]}) on attempt {attempt} of at most "
                                  f"{ENGINE_RETRY.max_attempts}; re-checking it and trying again")
            if not self._sleep(ENGINE_RETRY.backoff(attempt)):
                if self.stop.is_set():
                    self._not_started(image.id)
                else:
                    self._out_of_time(image.id, detail)
                return
            with self.lock:
                self.report.retries += 1

    def _not_started(self, image_id: str) -> None:
        if not self.stop.is_set():
            with self.lock:
                self.report.timed_out = True
        self.record(image_id, "not_attempted")

    def _time_left(self) -> float | None:
        """Seconds left before the run's timeout (at least a millisecond), or None without a timeout."""
        remaining = self.remaining()
        return None if remaining is None else max(remaining, 0.001)

    def _out_of_time(self, image_id: str, detail: str) -> None:
        with self.lock:
            self.report.timed_out = True
        self.record(image_id, "failed", f"{detail} (the timeout ran out before a retry)")

    def _recheck(self, image: ImageInfo) -> tuple[str | None, int]:
        """Re-read the image; why it is protected now (None: it may go) and how many Operations its delete is.
        Raises _InUse when a workload runs it, by an in-use set whose read began after this re-read answered."""
        try:
            fresh = self.backend.get_image(image.id, timeout=self._time_left())
        except TransientError as exc:  # the client's budget is spent: the engine does not retry it again
            raise _ReadGaveUp(exc) from exc
        with self.lock:
            self.report.tags[image.id] = list(fresh.tags)
        read = time.monotonic()
        reason = is_protected(fresh, self.rules, self.now, listed=image)
        if reason is None and self.in_use is not None:
            used = self.in_use.current(since=read).reason(fresh)
            if used:
                raise _InUse(used)
        return reason, operations_per_delete(fresh)

    def _delete_once(self, image: ImageInfo, slot: "_Slot") -> tuple[str, str]:
        """Re-read, re-check, take a delete slot, then send one Delete (no hidden retries: a retry comes back
        here and re-checks). The re-read runs before the slot is taken, so it overlaps the deletes in flight;
        one older than RECHECK_MAX_AGE by the time a slot is free is made again."""
        spared = None
        if self.spare is not None:  # by id, or by registry@digest (an Image holding it under a pre-migration id)
            spared = self.spare(image.id) or self.spare(f"{image.registry_id}@{image.digest}")
        if spared:
            return "kept", spared
        try:
            reason, weight = self._recheck(image)
            checked = time.monotonic()
            if reason:
                return "skipped", f"now protected: {reason}"
            slot.held = self.limit.acquire(self.deadline, self.stop, weight)
            if not slot.held:
                return "not_attempted", ""
            if time.monotonic() - checked > RECHECK_MAX_AGE:
                reason, _weight = self._recheck(image)
                if reason:
                    return "skipped", f"now protected: {reason}"
            remaining = self.remaining()
            if remaining is not None and remaining <= (self.typical_delete or 0.0):
                return "not_attempted", ""  # would most likely not finish in time: leave it for the next run
            began = time.monotonic()
            first_poll = self.pacer.first_poll()
            result = self.backend.delete_image(image.id, timeout=self._time_left(), retry_send=False,
                                               first_poll=first_poll)
            self.pacer.observe(first_poll, result)
        except NotFoundError:
            return "already_gone", ""
        except _InUse as used:
            return "kept", str(used)
        except DeadlineExceededError as exc:
            if not exc.sent:  # the time ran out before anything was sent: the next run gets to it
                return "not_attempted", ""
            raise
        took = time.monotonic() - began
        with self.lock:
            self.typical_delete = took if self.typical_delete is None else 0.8 * self.typical_delete + 0.2 * took
        return ("already_gone" if result.already_gone else "deleted"), ""

    def _classify(self, exc: Exception) -> str:
        """The failure message of one image; stops the run when every other delete would fail the same way."""
        if isinstance(exc, RegistryReadOnlyError):
            self.abort(SUNSET_EXPLANATION)
            return SUNSET_EXPLANATION if SUNSET_EXPLANATION in str(exc) else f"{exc}. {SUNSET_EXPLANATION}"
        if isinstance(exc, WorkloadSourceError):  # fail closed: no delete without a fresh in-use set
            self.abort(f"a workload source could not be read ({exc})")
            return f"not deleted: {exc}"
        if isinstance(exc, UnauthenticatedError):
            self.abort(f"the registry rejected the credentials ({exc})")
        if isinstance(exc, PermissionDeniedError):
            self.abort(f"the account may not delete images here ({exc})")
        if isinstance(exc, OperationTimeoutError):
            if self.deadline is not None:
                with self.lock:
                    self.report.timed_out = True
            return f"the delete operation {exc.operation_id} was not done in time; it may still finish: {exc}"
        if isinstance(exc, RegistryError):
            return f"{type(exc).__name__}: {exc}"
        log.exception("unexpected error while deleting an image", exc_info=exc)
        return f"unexpected {type(exc).__name__}: {exc}"

    def execute(self, selection: Selection, plan: "Collection[str] | None" = None) -> CleanupReport:
        report = self.report
        report.tags = {image.id: list(image.tags) for image in selection.selected}
        if plan is not None:
            planned = set(plan)
            def in_plan(image: ImageInfo) -> bool:
                return image.id in planned or content_ref(image) in planned

            report.not_in_plan = [image.id for image in selection.selected if not in_plan(image)]
            selection = Selection(selected=[image for image in selection.selected if in_plan(image)],
                                  protected=selection.protected)
        report.selected = selection.selected_ids
        report.selected_count = len(selection.selected)
        report.protected_count = len(selection.protected)
        self.every = self.progress_every or max(1, min(100, -(-report.selected_count // 10)))
        verb = "would delete" if self.rules.dry_run else "deleting"
        unplanned = (f", {len(report.not_in_plan)} selected now but not in the last plan (kept: "
                     f"{report.plan_hint})" if report.not_in_plan else "")
        self.emit("start", f"cleanup of {report.scope}: {verb} {report.selected_count} images, "
                           f"{report.protected_count} kept by the rules{unplanned}")
        if not self.rules.dry_run and selection.selected:
            # twice the images in flight: while they are deleted, as many workers re-read the next images (an image
            # of several Operations takes as many slots, so fewer images are in flight)
            weight = sum(operations_per_delete(i) for i in selection.selected) / len(selection.selected)
            workers = min(max(2, math.ceil(2 * self.limit.maximum / weight)), len(selection.selected))
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yc-cleanup")
            try:
                for future in [pool.submit(self.process, image) for image in selection.selected]:
                    future.result()
            except BaseException:  # Ctrl-C, or a bug: stop starting deletes; those under way finish
                self.stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            finally:
                pool.shutdown(wait=True)
            order = {image_id: index for index, image_id in enumerate(report.selected)}
            for ids in (report.deleted, report.already_gone, report.not_attempted):
                ids.sort(key=order.__getitem__)
            report.skipped = dict(sorted(report.skipped.items(), key=lambda item: order[item[0]]))
            report.kept = dict(sorted(report.kept.items(), key=lambda item: order[item[0]]))
            report.failed = dict(sorted(report.failed.items(), key=lambda item: order[item[0]]))
        report.elapsed = time.monotonic() - self.started
        self.emit("done", report.summary())
        return report


def operations_per_delete(image: ImageInfo) -> int:
    """How many delete Operations an image's delete is: one in Container Registry, one per version artifact (each
    tag, or the digest of an untagged image) in Cloud Registry (``backends/cloud_registry_mapping.py``)."""
    if image.service != CLOUD_REGISTRY:
        return 1
    return len(versions(image.tags, image.digest))


def _moment(now: object) -> datetime:
    """The cleanup's "now": a timezone-aware datetime (ages are compared with UTC timestamps), default the clock."""
    if now is None:
        return datetime.now(timezone.utc)
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise InvalidArgumentError("now", "must be a timezone-aware datetime, e.g. datetime.now(timezone.utc)", now)
    return now


def run_cleanup(backend: ImageBackend, rules: CleanupRules, *, now: datetime | None = None,
                progress: ProgressCallback | None = None, progress_every: int | None = None,
                spare: SpareCheck | None = None, in_use: InUseReader | None = None,
                plan: Collection[str] | None = None, plan_hint: str | None = None) -> CleanupReport:
    """Run one cleanup and return its report (check ``.ok`` or call ``.raise_for_failures()``).

    ``progress_every`` (images) sets how often a progress event is sent: 1 for a progress bar; default about
    every tenth of the selection, at most every 100. ``spare(image_id)`` returning a reason keeps that image
    (listed in ``report.kept``), checked right before each delete. ``in_use`` reads the live workload references
    (needed when the rules have ``keep_in_use``; see :func:`in_use_reader`): it is read once before
    anything is deleted (a WorkloadSourceError then propagates: nothing deleted) and again for each delete.
    ``plan`` (image ids, or ``content_ref`` references, which survive a migration): delete none outside it; those the rules select now are listed in ``report.not_in_plan`` with
    ``plan_hint`` (what to do)."""
    if progress is not None and not callable(progress):
        raise InvalidArgumentError("progress", "must be a function taking a ProgressEvent", progress)
    if progress_every is not None and (isinstance(progress_every, bool) or not isinstance(progress_every, int)
                                       or progress_every < 1):
        raise InvalidArgumentError("progress_every", "must be a whole number of images, 1 or more", progress_every)
    tracker = _tracker(rules, in_use)
    started = time.monotonic()
    run = _Run(backend, rules, _moment(now), progress or log_progress, started, spare, tracker)
    run.progress_every = progress_every
    if plan_hint:
        run.report.plan_hint = plan_hint
    selection = select(run.list_scope(), rules, run.now)
    if tracker is not None and selection.selected:  # the plan: read before anything is deleted (fail closed)
        run.report.in_use = _in_use_plan(tracker.current(since=time.monotonic()), selection)
    return run.execute(selection, plan)


def in_use_reader(workloads: Any, rules: CleanupRules) -> InUseReader | None:
    """What reads the in-use set of ``rules.keep_in_use`` through ``workloads`` (a WorkloadsClient), each call
    bounded by the cleanup's timeout when it has one; None without keep_in_use."""
    keep = rules.keep_in_use
    if keep is None:
        return None
    return lambda: workloads.read(keep, rules.registry_ids, timeout=rules.timeout)


def _tracker(rules: CleanupRules, in_use: InUseReader | None) -> InUseTracker | None:
    if rules.keep_in_use is None:
        return None
    if in_use is None:
        raise ConfigurationError("keep_in_use is set but no workloads reader was given to the cleanup (in_use=)")
    return InUseTracker(in_use)


def _in_use_plan(current: Any, selection: Selection) -> dict[str, str]:
    """Selected image id -> the workloads that run it now."""
    plan = {}
    for image in selection.selected:
        reason = current.reason(image)
        if reason:
            plan[image.id] = reason
    return plan


def plan_in_use(backend: ImageBackend, rules: CleanupRules, in_use: InUseReader | None,
                now: datetime | None = None) -> dict[str, str]:
    """Which images the rules select that a workload runs now (id -> the workloads); {} without keep_in_use."""
    tracker = _tracker(rules, in_use)
    if tracker is None:
        return {}
    run = _Run(backend, rules, _moment(now), log_progress, time.monotonic())
    selection = select(run.list_scope(), rules, run.now)
    if not selection.selected:  # nothing to keep: no workload is read (a scope that is gone needs no folder)
        return {}
    return _in_use_plan(tracker.current(since=time.monotonic()), selection)


def content_ref(image: ImageInfo) -> str:
    """``<registry id>/<repository>@<digest>``: what a plan entry names that survives the move to Cloud Registry
    (registry ids, repository paths and digests persist; image ids do not)."""
    return f"{image.name}@{image.digest}"


def preview_images(backend: ImageBackend, rules: CleanupRules, now: datetime | None = None) -> list[ImageInfo]:
    """The images a cleanup would delete now (oldest first)."""
    run = _Run(backend, rules, _moment(now), log_progress, time.monotonic())
    return list(select(run.list_scope(), rules, run.now).selected)


def preview(backend: ImageBackend, rules: CleanupRules, now: datetime | None = None,
            limit: int | None = PREVIEW_IDS) -> tuple[int, list[str]]:
    """How many images a cleanup would delete now, and the first ``limit`` ids (oldest first; None: all)."""
    images = preview_images(backend, rules, now)
    return len(images), [image.id for image in images][:limit]


def cleanup_images(*, backend: ImageBackend | None = None, repository_name: str | None = None,
                   registry_id: str | None = None,
                   keep_tags: Sequence[str] | None = None, keep_last: int = 0, older_than: str | None = None,
                   untagged_only: bool = False, delete_all: bool = False, dry_run: bool = False,
                   concurrency: int | None = None, timeout: float | None = None,
                   keep_tag_prefixes: Sequence[str] | None = None, delete_tags_matching: Sequence[str] | None = None,
                   tag_match_mode: str = "any", keep_rules: Sequence[KeepRule | Mapping[str, Any]] | None = None,
                   recursive: bool = False, now: datetime | None = None,
                   progress: ProgressCallback | None = None, raise_on_failure: bool = True,
                   keep_in_use: Mapping[str, Any] | bool | None = None, workloads: Any = None) -> CleanupReport:
    """The cleanup as a plain function for scripts and CI; raises CleanupFailedError unless everything went.

    The rules are :class:`~yc_registry_provider.cleanup.rules.CleanupRules`' (tag patterns match whole tags:
    ``v1\\..*`` keeps ``v1.0.0``, ``v1`` only ``v1``). Without ``backend`` a RegistryClient is made from the
    environment (YC_TOKEN, YC_ENDPOINT, ...) and closed after. ``keep_in_use`` reads workloads through
    ``workloads`` (a WorkloadsClient), by default one on the backend's settings and transport.
    """
    rules = CleanupRules(repository_name=repository_name, registry_id=registry_id, keep_tags=keep_tags,
                         keep_last=keep_last, older_than=older_than, untagged_only=untagged_only,
                         delete_all=delete_all, dry_run=dry_run, concurrency=concurrency, timeout=timeout,
                         keep_tag_prefixes=keep_tag_prefixes, delete_tags_matching=delete_tags_matching,
                         tag_match_mode=tag_match_mode, keep_rules=keep_rules, recursive=recursive,
                         keep_in_use=keep_in_use)
    told = progress or log_progress  # the client's retry notices reach the user the same way as progress

    def on_retry(message: str) -> None:
        told(ProgressEvent("retrying", message))

    with contextlib.ExitStack() as stack:
        if backend is None:
            from ..backends.service import backend_from_config  # gRPC only when the caller did not bring a backend

            backend = stack.enter_context(backend_from_config(on_retry=on_retry))
        if rules.keep_in_use is not None and workloads is None:
            from ..backends.workloads import workloads_for  # the backend's settings and transport

            workloads = workloads_for(backend)
        reader = in_use_reader(workloads, rules)
        report = run_cleanup(backend, rules, now=now, progress=progress, in_use=reader)
    return report.raise_for_failures() if raise_on_failure else report


__all__ = sorted(["CleanupFailedError", "CleanupReport", "ProgressCallback", "ProgressEvent", "SpareCheck",
                  "cleanup_images", "content_ref", "in_use_reader", "log_progress", "plan_in_use", "preview",
                  "preview_images", "run_cleanup"])
