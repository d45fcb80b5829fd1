"""The cleanup engine against the fake registry over real sockets, through the real RegistryClient."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest

from yc_registry_provider.cleanup import (CleanupFailedError, CleanupReport, CleanupRules, ProgressEvent,
                                          cleanup_images, preview, run_cleanup)
from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.config import resolve_settings
from yc_registry_provider.errors import SUNSET_EXPLANATION
from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer, add_image, add_registry
from yc_registry_provider.models import ImageInfo
from yc_registry_provider.retry import RetryPolicy

REGISTRY = "crpregistry1"
REPO = f"{REGISTRY}/app"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOW = START + timedelta(days=400)
QUICK_RETRY = RetryPolicy(initial_backoff=0.01, max_backoff=0.05, budget=5.0, max_attempts=10)


# --- builders ---------------------------------------------------------------------------------------------

def registry_with(*tag_sets: tuple[str, ...]) -> tuple[FakeModel, list[str]]:
    """A fake holding one image per tag set in REPO, one hour apart (oldest first); returns the model and ids."""
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    add_registry(model, REGISTRY)
    ids = [add_image(model, REGISTRY, "app", tags=tags, created_at=START + timedelta(hours=n)).id
           for n, tags in enumerate(tag_sets)]
    return model, ids


def untagged(count: int) -> list[tuple[str, ...]]:
    return [()] * count


def client(server: FakeServer, retry: RetryPolicy = QUICK_RETRY) -> RegistryClient:
    """The real client over plaintext loopback to the fake."""
    settings = resolve_settings({"endpoint": server.address, "token": DEMO_TOKEN, "plaintext": True}, env={})
    return RegistryClient(settings, retry=retry, call_timeout=5.0)


def rules(**overrides: Any) -> CleanupRules:
    return CleanupRules(repository_name=overrides.pop("repository_name", REPO), **overrides)


def run(backend: Any, built: CleanupRules, **options: Any) -> tuple[CleanupReport, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    return run_cleanup(backend, built, now=NOW, progress=events.append, **options), events


def retag(model: FakeModel, image_id: str, *tags: str) -> None:
    """Push ``tags`` onto an existing image (as `docker push` of the same digest does); tags move to it."""
    model.put_images([replace(model.images[image_id], tags=tags)])


class RetagAfterListing:
    """Delegates to a real client; moves tags onto images right after the engine's listing is complete."""

    def __init__(self, inner: RegistryClient, model: FakeModel, moves: dict[str, tuple[str, ...]]) -> None:
        self.inner, self.model, self.moves = inner, model, moves

    def list_images(self, **kwargs: Any) -> Iterator[ImageInfo]:
        listed = list(self.inner.list_images(**kwargs))
        for image_id, tags in self.moves.items():
            retag(self.model, image_id, *tags)
        return iter(listed)

    def get_image(self, image_id: str, **kwargs: Any) -> ImageInfo:
        return self.inner.get_image(image_id, **kwargs)

    def delete_image(self, image_id: str, **kwargs: Any) -> Any:
        return self.inner.delete_image(image_id, **kwargs)

    def close(self) -> None:
        self.inner.close()


# --- tests ------------------------------------------------------------------------------------------------

def test_dry_run_deletes_nothing() -> None:
    # given six images, the newest tagged latest
    model, ids = registry_with(*untagged(5), ("latest",))
    with FakeServer(model) as server, client(server) as backend:
        # when a dry run keeps latest
        report, events = run(backend, rules(keep_tags=["latest"], dry_run=True))
    # then it names the five others, oldest first, and deletes nothing
    assert report.dry_run and report.ok and report.selected == ids[:5] and report.selected_count == 5
    assert report.deleted == [] and model.calls["ImageService.Delete"] == 0 and len(model.images) == 6
    assert "would delete 5" in report.summary()
    assert [e.kind for e in events] == ["start", "done"]


def test_preview_counts_candidates_and_names_the_first() -> None:
    model, ids = registry_with(*untagged(15), ("latest",))
    with FakeServer(model) as server, client(server) as backend:
        count, first = preview(backend, rules(keep_tags=["latest"]), now=NOW)
    assert count == 15 and first == ids[:10] and model.calls["ImageService.Delete"] == 0


def test_tag_moved_onto_a_selected_image_between_preview_and_destroy_is_kept() -> None:
    # given a preview that selects the oldest image
    model, ids = registry_with(*untagged(4), ("stable",), ("latest",))
    built = rules(keep_tags=["latest", "stable"])
    with FakeServer(model) as server, client(server) as backend:
        assert preview(backend, built, now=NOW) == (4, ids[:4])
        # when "stable" moves onto that image before the destroy runs
        retag(model, ids[0], "stable")
        report, _ = run(backend, built)
    # then it is kept; the image "stable" left is now untagged and goes
    assert ids[0] in model.images and ids[0] not in report.deleted
    assert sorted(report.deleted) == sorted(ids[1:5]) and report.ok


def test_tag_moved_onto_a_selected_image_during_the_run_is_skipped() -> None:
    # given images 0..3 untagged (selected), 4 tagged latest (kept)
    model, ids = registry_with(*untagged(4), ("latest",))
    with FakeServer(model) as server, client(server) as inner:
        # when latest moves onto image 2 after the engine listed the repository
        backend = RetagAfterListing(inner, model, {ids[2]: ("latest",)})
        report, _ = run(backend, rules(keep_tags=["latest"], concurrency=2))
    # then image 2 is re-read, skipped with the reason, and survives; nothing else extra is deleted
    assert ids[2] in model.images and "now protected" in report.skipped[ids[2]]
    assert report.deleted == [ids[0], ids[1], ids[3]] and ids[4] in model.images
    assert sorted(model.deleted_image_ids) == sorted(report.deleted) and report.ok


def test_unavailable_every_7th_call_and_early_not_found_operations_still_complete() -> None:
    # given 40 untagged images and a flaky cloud
    model, ids = registry_with(*untagged(40))
    model.knobs.unavailable_every = 7
    model.knobs.early_not_found_polls = 2
    model.knobs.operation_duration = 0.05
    with FakeServer(model) as server, client(server) as backend:
        # when the cleanup keeps the newest 5
        report, events = run(backend, rules(keep_last=5))
    # then exactly the 35 older ones went, nothing else
    assert report.ok, report.summary()
    assert report.deleted == ids[:35] and sorted(model.deleted_image_ids) == sorted(ids[:35])
    assert sorted(model.images) == sorted(ids[35:])
    assert events[0].kind == "start" and events[-1].kind == "done"
    assert any(e.kind == "progress" for e in events)


def test_read_only_registry_explains_plainly_and_deletes_nothing() -> None:
    # given the sunset's read-only registry
    model, _ = registry_with(*untagged(30))
    model.knobs.read_only = True
    with FakeServer(model) as server, client(server) as backend:
        # when a cleanup runs
        with pytest.raises(CleanupFailedError) as caught:
            cleanup_images(backend=backend, repository_name=REPO, older_than="1d", concurrency=3, now=NOW,
                           progress=lambda e: None)
    # then the error says why in plain words, nothing is deleted, and the run stopped early
    report = caught.value.report
    assert str(caught.value).startswith(SUNSET_EXPLANATION)
    assert report.aborted == SUNSET_EXPLANATION and not report.deleted and model.deleted_image_ids == []
    assert model.calls["ImageService.Delete"] <= 3 and len(report.failed) + len(report.not_attempted) == 30


def test_failing_images_are_reported_and_the_next_run_continues() -> None:
    # given 12 images of which two fail to delete
    model, ids = registry_with(*untagged(12))
    model.knobs.failing_images = {ids[3], ids[7]}
    with FakeServer(model) as server, client(server) as backend:
        # when the first run goes
        with pytest.raises(CleanupFailedError) as caught:
            cleanup_images(backend=backend, repository_name=REPO, delete_all=True, now=NOW, progress=lambda e: None)
        first = caught.value.report
        # then the failures are named with why, the rest is deleted and stays deleted
        assert sorted(first.failed) == [ids[3], ids[7]] and "injected failure" in first.failed[ids[3]]
        assert len(first.deleted) == 10 and "run the cleanup again" in first.summary()
        # when the cause is gone and the cleanup runs again
        model.knobs.failing_images = set()
        second = cleanup_images(backend=backend, repository_name=REPO, delete_all=True, now=NOW, progress=lambda e: None)
    # then it picks up exactly what was left
    assert second.ok and second.selected == [ids[3], ids[7]] and second.deleted == [ids[3], ids[7]]
    assert model.images == {}


def test_timeout_stops_the_run_and_the_next_run_continues() -> None:
    # given slow operations and a timeout too short for all 20 deletes
    model, ids = registry_with(*untagged(20))
    model.knobs.operation_duration = 0.3
    with FakeServer(model) as server, client(server) as backend:
        report, _ = run(backend, rules(delete_all=True, concurrency=2, timeout=1.0))
        # then the run ends about on time, says it timed out, and lists what it did not get to
        assert report.timed_out and not report.ok and report.not_attempted
        assert report.elapsed < 2.5
        assert set(report.deleted) <= set(model.deleted_image_ids)
        # when it runs again without a timeout
        again, _ = run(backend, rules(delete_all=True))
    # then everything left is deleted, none twice
    assert again.ok and model.images == {}
    assert sorted(model.deleted_image_ids) == sorted(ids) and len(set(model.deleted_image_ids)) == 20


def test_throttling_lowers_concurrency_and_everything_still_goes() -> None:
    # given a registry that allows only 3 unfinished operations and a client that does not retry by itself
    model, ids = registry_with(*untagged(16), ("latest",))
    model.knobs.max_unfinished_operations = 3
    model.knobs.operation_duration = 0.1
    with FakeServer(model) as server, client(server, RetryPolicy(max_attempts=1)) as backend:
        # when the cleanup starts with 10 deletes in flight
        report, events = run(backend, rules(keep_tags=["latest"], concurrency=10))
    # then it backs off, lowers its concurrency, and still deletes exactly the 16
    assert report.ok, report.summary()
    assert report.deleted == ids[:16] and list(model.images) == [ids[16]]
    assert report.retries > 0 and any(e.kind == "throttled" for e in events)


def test_an_image_deleted_by_someone_else_counts_as_already_gone() -> None:
    model, ids = registry_with(*untagged(3), ("latest",))
    with FakeServer(model) as server, client(server) as inner:
        class Racing(RetagAfterListing):
            def list_images(self, **kwargs: Any) -> Iterator[ImageInfo]:
                listed = list(self.inner.list_images(**kwargs))
                self.inner.delete_image(ids[1])
                return iter(listed)
        report, _ = run(Racing(inner, model, {}), rules(keep_tags=["latest"]))
    assert report.ok and report.already_gone == [ids[1]] and report.deleted == [ids[0], ids[2]]
    assert report.to_dict()["already_gone"] == [ids[1]]


def test_cleanup_images_without_a_backend_uses_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the usual YC_* variables pointing at the fake
    model, ids = registry_with(*untagged(3), ("latest",))
    with FakeServer(model) as server:
        for name, value in {"YC_ENDPOINT": server.address, "YC_TOKEN": DEMO_TOKEN, "YC_PLAINTEXT": "1"}.items():
            monkeypatch.setenv(name, value)
        # when a script calls the plain function with no client
        report = cleanup_images(repository_name=REPO, keep_tags=["latest"], now=NOW, progress=lambda e: None)
    # then it deletes through a client of its own, and the report serializes to JSON
    assert report.deleted == ids[:3] and list(model.images) == [ids[3]]
    assert json.loads(json.dumps(report.to_dict()))["ok"] is True


def test_a_broken_progress_callback_does_not_break_the_cleanup() -> None:
    model, ids = registry_with(*untagged(3))

    def broken(event: ProgressEvent) -> None:
        raise RuntimeError("callback bug")

    with FakeServer(model) as server, client(server) as backend:
        report = run_cleanup(backend, rules(delete_all=True), now=NOW, progress=broken)
    assert report.ok and report.deleted == ids


class Recording:
    """Delegates to a real client and notes when each delete was asked for (time.monotonic)."""

    def __init__(self, inner: RegistryClient) -> None:
        self.inner = inner
        self.delete_calls: list[float] = []

    def list_images(self, **kwargs: Any) -> Iterator[ImageInfo]:
        return self.inner.list_images(**kwargs)

    def get_image(self, image_id: str, **kwargs: Any) -> ImageInfo:
        return self.inner.get_image(image_id, **kwargs)

    def delete_image(self, image_id: str, **kwargs: Any) -> Any:
        self.delete_calls.append(time.monotonic())
        return self.inner.delete_image(image_id, **kwargs)

    def close(self) -> None:
        self.inner.close()


def test_a_tag_pushed_while_a_delete_is_throttled_protects_the_image() -> None:
    # given one selected image, and a registry busy with another delete (only one unfinished operation allowed)
    model, (blocker, selected) = registry_with((), ())
    model.knobs.max_unfinished_operations = 1
    model.knobs.operation_duration = 1.5
    patient = RetryPolicy(initial_backoff=0.05, max_backoff=0.2, budget=10.0, max_attempts=100)
    with FakeServer(model) as server, client(server, retry=patient) as backend:
        backend.start_delete(blocker)
        outcome: list[CleanupReport] = []
        worker = threading.Thread(target=lambda: outcome.append(
            run_cleanup(backend, rules(keep_tags=["release-.*"]), now=NOW)))
        # when the cleanup is throttled and meanwhile a protected tag is pushed onto the image
        worker.start()
        time.sleep(0.4)
        retag(model, selected, "release-1")
        worker.join(timeout=30)
    # then the retry re-read the image and skipped it: the client did not retry the Delete behind the engine's back
    report = outcome[0]
    assert selected in model.images and selected not in report.deleted
    assert "now protected" in report.skipped[selected]
    assert report.retries >= 1


def test_no_delete_is_asked_for_after_the_timeout() -> None:
    # given 20 images and a registry that finishes one delete at a time, each taking 3 s
    model, ids = registry_with(*untagged(20))
    model.knobs.max_unfinished_operations = 1
    model.knobs.operation_duration = 3.0
    with FakeServer(model) as server, client(server) as inner:
        backend = Recording(inner)
        started = time.monotonic()
        # when a cleanup with a 2 s timeout runs
        report = run_cleanup(backend, rules(delete_all=True, timeout=2.0), now=NOW)
    # then every delete was asked for before the deadline, the run says it timed out, and it claims no deletion
    assert backend.delete_calls and all(at < started + 2.0 for at in backend.delete_calls)
    assert report.timed_out and not report.ok
    assert not report.deleted
    assert set(report.failed) | set(report.not_attempted) == set(ids)


def test_an_interrupt_stops_starting_deletes() -> None:
    # given 40 images and a progress callback that is interrupted (Ctrl-C) at the first progress report
    model, ids = registry_with(*untagged(40))
    model.knobs.operation_duration = 0.05

    def interrupted(event: ProgressEvent) -> None:
        if event.kind == "progress":
            raise KeyboardInterrupt

    with FakeServer(model) as server, client(server) as backend:
        # when the cleanup runs, then the interrupt surfaces and the queued deletes are not started
        with pytest.raises(KeyboardInterrupt):
            run_cleanup(backend, rules(delete_all=True, concurrency=2), now=NOW, progress=interrupted)
    assert 4 <= len(model.deleted_image_ids) < 20


def test_a_slow_progress_callback_does_not_hold_the_other_deletes() -> None:
    # given a callback that takes 0.3 s on each progress report
    model, ids = registry_with(*untagged(40))
    model.knobs.operation_duration = 0.15  # deletes that last while several callbacks run (learned polls are quick)
    seen: list[int] = []

    def slow(event: ProgressEvent) -> None:
        if event.kind == "progress":
            calls_before = model.calls["ImageService.Delete"]
            time.sleep(0.3)
            seen.append(model.calls["ImageService.Delete"] - calls_before)

    with FakeServer(model) as server, client(server) as backend:
        report = run_cleanup(backend, rules(delete_all=True, concurrency=4), now=NOW, progress=slow)
    # then the other workers kept deleting while it ran
    assert report.ok and len(report.deleted) == 40
    assert len(seen) >= 4 and sum(1 for n in seen if n > 0) >= len(seen) // 2


def test_images_the_caller_spares_are_kept_and_reported_with_the_reason() -> None:
    # given three unprotected images, the middle one held by another resource of the deployment
    model, ids = registry_with((), (), ())
    with FakeServer(model) as server, client(server) as backend:
        # when a delete_all cleanup runs with a spare check naming it
        report, events = run(backend, rules(delete_all=True), spare=lambda i: "held" if i == ids[1] else None)
    # then it is not deleted, listed as kept with the reason, and the run is ok
    assert report.ok and report.deleted == [ids[0], ids[2]] and report.kept == {ids[1]: "held"}
    assert ids[1] in model.images and sorted(model.deleted_image_ids) == sorted([ids[0], ids[2]])
    assert report.to_dict()["kept"] == {ids[1]: "held"}
    assert f"kept 1 selected: {ids[1]} (held)" in events[-1].message
