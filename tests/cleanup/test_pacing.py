"""Scheduling of a cleanup's deletes: the first poll learned from finished deletes, re-reads ahead of the slots."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

from yc_registry_provider.backends.base import DeleteResult
from yc_registry_provider.cleanup import CleanupRules, run_cleanup
from yc_registry_provider.cleanup.pacing import OperationPacer
from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.config import resolve_settings
from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer, add_images, add_registry

REGISTRY = "crppace"


def waited(polls: int, pending: float | None, done: float | None) -> DeleteResult:
    """A delete whose wait took ``polls`` polls: last unfinished poll sent at ``pending``, the done one at ``done``."""
    return DeleteResult("img", "op", False, polls=polls, pending_after=pending, done_after=done)


# --- the pacer (pure) -------------------------------------------------------------------------------------

def test_nothing_is_known_before_a_delete_finished() -> None:
    pacer = OperationPacer()
    assert pacer.first_poll() is None
    pacer.observe(None, DeleteResult("img", None, True))  # already gone: nothing timed
    assert pacer.first_poll() is None


def test_the_first_bracket_gives_its_middle_and_others_narrow_it() -> None:
    pacer = OperationPacer()
    pacer.observe(None, waited(3, 0.2, 0.4))
    assert abs((pacer.first_poll() or 0) - 0.3) < 1e-9
    pacer.observe(None, waited(3, 0.32, 0.5))  # not done at 0.32: the estimate moves up to it
    assert abs((pacer.first_poll() or 0) - 0.32) < 1e-9


def test_a_hit_tries_a_little_sooner_a_near_miss_a_little_later_a_far_miss_the_middle() -> None:
    pacer = OperationPacer(step=0.01)
    pacer.observe(None, waited(3, 0.2, 0.4))
    pacer.observe(0.3, waited(1, None, 0.3))                  # done at the first poll
    assert abs((pacer.first_poll() or 0) - 0.297) < 1e-9
    for _ in range(5):                                        # the same first poll done again: one step only
        pacer.observe(0.3, waited(1, None, 0.3))
    assert abs((pacer.first_poll() or 0) - 0.297) < 1e-9
    pacer.observe(0.297, waited(2, 0.297, 0.33))              # just missed: two steps up
    assert abs((pacer.first_poll() or 0) - (0.297 + 2 * 0.01 * 0.297)) < 1e-9
    pacer.observe(0.303, waited(5, 0.8, 1.2))                 # far off (slower operations): the middle
    assert abs((pacer.first_poll() or 0) - 1.0) < 1e-9


# --- the engine learns it over the wire ------------------------------------------------------------------

def fake_with(count: int, duration: float) -> FakeModel:
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    add_registry(model, REGISTRY)
    add_images(model, REGISTRY, "app", count)
    model.knobs.operation_duration = duration
    return model


def cleanup(model: FakeModel, **rules: Any) -> Any:
    with FakeServer(model) as server:
        settings = resolve_settings({"endpoint": server.address, "token": DEMO_TOKEN, "plaintext": True}, env={})
        with RegistryClient(settings, call_timeout=5.0) as backend:
            built = CleanupRules(repository_name=f"{REGISTRY}/app", delete_all=True, **rules)
            return run_cleanup(backend, built, now=datetime.now(timezone.utc) + timedelta(days=1),
                               progress=lambda event: None)


def test_deletes_after_the_first_take_about_one_poll_each() -> None:
    # given operations of 0.25 s (the default schedule needs 3 polls: 0.05, 0.15, 0.30 s)
    model = fake_with(40, 0.25)
    # when 40 images are cleaned 4 at a time
    report = cleanup(model, concurrency=4)
    # then everything went, and the learned first poll keeps polls well under the default's 3 per delete
    assert report.ok and len(report.deleted) == 40
    polls = model.calls["OperationService.Get"] / 40
    assert polls < 2.0, polls


class Recording:
    """The real client, noting when each re-read and each delete ran (monotonic start and end)."""

    def __init__(self, inner: RegistryClient) -> None:
        self.inner = inner
        self.reads: list[tuple[float, float]] = []
        self.deletes: list[tuple[float, float]] = []

    def list_images(self, **kwargs: Any) -> Any:
        return self.inner.list_images(**kwargs)

    def get_image(self, image_id: str, **kwargs: Any) -> Any:
        began = time.monotonic()
        try:
            return self.inner.get_image(image_id, **kwargs)
        finally:
            self.reads.append((began, time.monotonic()))

    def delete_image(self, image_id: str, **kwargs: Any) -> Any:
        began = time.monotonic()
        try:
            return self.inner.delete_image(image_id, **kwargs)
        finally:
            self.deletes.append((began, time.monotonic()))

    def overlapping_reads(self) -> int:
        """Re-reads that ran while a delete was under way."""
        return sum(any(r0 < d1 and d0 < r1 for d0, d1 in self.deletes) for r0, r1 in self.reads)

    def close(self) -> None:
        self.inner.close()


def test_re_reads_run_ahead_of_the_delete_slots() -> None:
    # given one delete slot and operations of 0.2 s
    model = fake_with(5, 0.2)
    model.knobs.latency = 0.02
    with FakeServer(model) as server:
        settings = resolve_settings({"endpoint": server.address, "token": DEMO_TOKEN, "plaintext": True}, env={})
        backend = Recording(RegistryClient(settings, call_timeout=5.0))
        try:
            report = run_cleanup(backend, CleanupRules(repository_name=f"{REGISTRY}/app", delete_all=True,
                                                       concurrency=1), progress=lambda event: None)
        finally:
            backend.close()
    # then the next image was re-read while a delete was in flight, still once per image and one delete at a time
    assert report.ok and len(report.deleted) == 5 and model.calls["ImageService.Get"] == 5
    assert backend.overlapping_reads() >= 3, (backend.reads, backend.deletes)
