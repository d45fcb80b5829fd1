"""One retry budget per logical call in a cleanup: the engine never retries what the client already retried."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from yc_registry_provider.cleanup import CleanupRules, ProgressEvent, cleanup_images, run_cleanup
from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.config import resolve_settings
from yc_registry_provider.errors import UnavailableError
from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer, add_image, add_registry
from yc_registry_provider.retry import RetryPolicy

REGISTRY = "crpregistry1"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
QUICK = RetryPolicy(initial_backoff=0.001, max_backoff=0.002, budget=5.0, max_attempts=4)


def registry_with(count: int) -> tuple[FakeModel, list[str]]:
    """A fake holding ``count`` untagged images in REGISTRY/app, an hour apart."""
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    add_registry(model, REGISTRY)
    ids = [add_image(model, REGISTRY, "app", created_at=START + timedelta(hours=n)).id for n in range(count)]
    return model, ids


def client(server: FakeServer, notices: list[str] | None = None) -> RegistryClient:
    settings = resolve_settings({"endpoint": server.address, "token": DEMO_TOKEN, "plaintext": True}, env={})
    return RegistryClient(settings, retry=QUICK, call_timeout=5.0,
                          on_retry=None if notices is None else notices.append)


def test_a_listing_that_stays_unavailable_is_sent_once_per_client_attempt_not_again_by_the_engine() -> None:
    # given a registry whose every List answers UNAVAILABLE
    model, _ids = registry_with(3)
    model.knobs.failing_calls["ImageService.List"] = "UNAVAILABLE"
    notices: list[str] = []
    with FakeServer(model) as server, client(server, notices) as backend:
        # when a cleanup runs
        with pytest.raises(UnavailableError) as caught:
            run_cleanup(backend, CleanupRules(registry_id=REGISTRY, delete_all=True), progress=lambda _e: None)
    # then List was sent exactly the client's attempts (no engine retries around them), the message says that
    assert model.calls["ImageService.List"] == QUICK.max_attempts
    assert f"after {QUICK.max_attempts} attempt(s)" in str(caught.value)
    assert f"registry {REGISTRY}" in str(caught.value)  # names what it was listing
    assert notices, "a retry notice was given while it retried"


def test_a_re_read_that_stays_unavailable_is_not_retried_again_and_stops_the_run() -> None:
    # given a registry whose listing works but whose every Get answers UNAVAILABLE
    model, ids = registry_with(4)
    model.knobs.failing_calls["ImageService.Get"] = "UNAVAILABLE"
    with FakeServer(model) as server, client(server) as backend:
        report = run_cleanup(backend, CleanupRules(registry_id=REGISTRY, delete_all=True, concurrency=1),
                             progress=lambda _e: None)
    # then each re-read used one client budget and no more (re-reads may overlap, so at most two ran), the run
    # stopped, nothing was deleted
    gets = model.calls["ImageService.Get"]
    assert gets % QUICK.max_attempts == 0 and QUICK.max_attempts <= gets <= 2 * QUICK.max_attempts
    assert ids[0] in report.failed and sorted([*report.failed, *report.not_attempted]) == sorted(ids)
    assert len(report.failed) == gets // QUICK.max_attempts
    assert report.aborted and "unreachable" in report.aborted
    assert model.calls["ImageService.Delete"] == 0 and len(model.images) == 4


def test_permission_denied_on_a_delete_is_sent_once_and_aborts_the_cleanup() -> None:
    # given an account that may read but not delete
    model, ids = registry_with(5)
    model.knobs.failing_calls["ImageService.Delete"] = "PERMISSION_DENIED"
    with FakeServer(model) as server, client(server) as backend:
        report = run_cleanup(backend, CleanupRules(registry_id=REGISTRY, delete_all=True, concurrency=1),
                             progress=lambda _e: None)
    # then one Delete went out, the run stopped naming the reason, the rest were not attempted
    assert model.calls["ImageService.Delete"] == 1
    assert report.aborted and "may not delete" in report.aborted
    # (which image is tried first is the engine's choice: re-reads run ahead of the delete slot)
    assert len(report.failed) == 1 and sorted([*report.failed, *report.not_attempted]) == sorted(ids)
    assert len(model.images) == 5


def test_cleanup_images_tells_its_progress_callback_while_a_call_is_retried(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # given a fake that drops every third call, and a script using cleanup_images with a progress callback
    model, ids = registry_with(2)
    model.knobs.unavailable_every = 3
    events: list[ProgressEvent] = []
    with FakeServer(model) as server:
        for name, value in {"YC_ENDPOINT": server.address, "YC_PLAINTEXT": "1", "YC_TOKEN": DEMO_TOKEN}.items():
            monkeypatch.setenv(name, value)
        report = cleanup_images(registry_id=REGISTRY, delete_all=True, progress=events.append, timeout=60)
    # then everything went, and a "retrying" line reached the same callback as the progress
    assert sorted(report.deleted + report.already_gone) == sorted(ids)
    retrying = [e.message for e in events if e.kind == "retrying"]
    assert any("on attempt 1 of at most" in message and "retrying for up to" in message  # the client's own
               for message in retrying), retrying


def test_throttling_actually_lowers_the_number_of_deletes_in_flight() -> None:
    # given a registry that allows 2 unfinished operations, and a cleanup starting with 8 deletes in flight
    model, ids = registry_with(12)
    model.knobs.max_unfinished_operations = 2
    model.knobs.operation_duration = 0.1
    events: list[ProgressEvent] = []
    with FakeServer(model) as server, client(server) as backend:
        report = run_cleanup(backend, CleanupRules(registry_id=REGISTRY, delete_all=True, concurrency=8),
                             progress=events.append)
    # then it said it lowered the limit, to fewer than it started with, and still deleted everything
    cuts = [int(m.group(1)) for e in events if e.kind == "throttled"
            for m in [re.search(r"lowering concurrency to (\d+)", e.message)] if m]
    assert cuts and min(cuts) < 8 and cuts == sorted(cuts, reverse=True)
    assert report.ok and sorted(report.deleted) == sorted(ids)
