"""Waiting for a long-running Operation: poll soon, back off with jitter, honour the server's hint,
tolerate NOT_FOUND on the first polls of a fresh operation, and stop at a deadline that names the id.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Callable

from yandex.cloud.operation import operation_service_pb2

from . import errors
from .retry import DEFAULT_WAIT, WaitPolicy
from .transport import Transport

log = logging.getLogger(__name__)

POLL_INTERVAL_HEADER = "x-operation-poll-interval"


def hinted_interval(headers: dict[str, str], policy: WaitPolicy) -> float | None:
    """The server-suggested poll interval in seconds (bounded), if it sent one."""
    raw = headers.get(POLL_INTERVAL_HEADER)
    if not raw:
        return None
    try:
        value = float(raw.strip().rstrip("s"))
    except ValueError:
        return None
    return min(policy.max_hint, max(policy.min_hint, value))


@dataclass
class PollStats:
    """What one wait saw, in seconds from its start: when the last poll that found the operation unfinished and
    the poll that found it done were sent. A caller learns from it when to place the next first poll."""

    polls: int = 0
    pending_after: float | None = None
    done_after: float | None = None


def wait_operation(transport: Transport, operation_id: str, *, timeout: float, image_id: str | None = None,
                   policy: WaitPolicy = DEFAULT_WAIT, hint: float | None = None,
                   sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                   first_poll: float | None = None, stats: PollStats | None = None) -> Any:
    """Poll OperationService.Get until the operation is done; return it (raise if it failed or timed out).

    ``first_poll`` (seconds) places the first poll where the caller expects the operation to be done (a duration
    learned from earlier deletes); later polls then back off from ``policy.learned_step``. ``stats`` is filled in.
    """
    rng = rng or random.Random()
    started = time.monotonic()
    deadline = started + timeout
    delay = policy.first_poll if hint is None else min(hint, policy.first_poll * 4)
    if first_poll is not None:
        delay = max(0.0, first_poll)
    stats = stats if stats is not None else PollStats()
    polls = 0
    subject = f"operation {operation_id}" + (f" (deleting image {image_id})" if image_id else "")
    while True:
        if time.monotonic() + delay >= deadline:
            _on_timeout(transport, operation_id, image_id, timeout, policy)
        sleep(delay)
        polls += 1
        stats.polls = polls
        sent = time.monotonic() - started
        try:
            operation, headers = transport.call(
                "operation", "Get", operation_service_pb2.GetOperationRequest(operation_id=operation_id),
                read=True, action="OperationService.Get", operation_id=operation_id, deadline=deadline)
        except errors.NotFoundError:
            if polls <= policy.not_found_grace:
                log.debug("%s not visible yet (poll %d)", subject, polls)
                delay = policy.interval(polls, rng)
                continue
            raise
        except (errors.UnavailableError, errors.DeadlineExceededError):
            if time.monotonic() < deadline:
                raise
            _on_timeout(transport, operation_id, image_id, timeout, policy)
        if operation.done:
            stats.done_after = sent
            if operation.HasField("error"):
                raise errors.OperationFailedError(
                    f"{subject} failed: code {operation.error.code}: {operation.error.message}",
                    operation_id=operation_id, image_id=image_id,
                    error_code=operation.error.code, error_message=operation.error.message)
            return operation
        stats.pending_after = sent
        hinted = hinted_interval(headers, policy)
        if hinted is not None:
            delay = hinted
        else:
            delay = policy.interval(polls, rng) if first_poll is None else policy.interval_after_learned(polls, rng)


def _on_timeout(transport: Transport, operation_id: str, image_id: str | None, timeout: float,
                policy: WaitPolicy) -> None:
    if policy.cancel_on_timeout:
        try:
            transport.call("operation", "Cancel", operation_service_pb2.CancelOperationRequest(
                operation_id=operation_id), read=False, action="OperationService.Cancel", operation_id=operation_id)
        except errors.RegistryError as exc:  # best effort
            log.warning("could not cancel operation %s: %s", operation_id, exc)
    what = f" deleting image {image_id}" if image_id else ""
    raise errors.OperationTimeoutError(
        f"operation {operation_id}{what} was not done after {timeout:g}s; it may still finish in the cloud: "
        f"check it with `yc operation get {operation_id}`, or raise the timeout (delete_timeout) and run again",
        operation_id=operation_id, image_id=image_id)


__all__ = ["POLL_INTERVAL_HEADER", "PollStats", "hinted_interval", "wait_operation"]
