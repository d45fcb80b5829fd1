"""Tests that would catch what issue 15 names, each over real sockets against the fake (or the pure rule): a digest
matched by a prefix; `auto` answering with a stale Container Registry image; a --keep-rule pattern holding '=';
an upper-case first segment of a repository name; a long poll-interval hint carrying a waiter past its timeout;
a call sent after a cleanup's timeout."""

from __future__ import annotations

import io
import threading
import time
from typing import Iterator

import pytest

from harness import FakeCloud
from yc_registry_provider import (InvalidArgumentError, NoMatchError, NotFoundError, OperationTimeoutError,
                                  resolve_settings)
from yc_registry_provider.backends.cloud_registry import CloudRegistryClient
from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.backends.service import AutoBackend
from yc_registry_provider.cleanup import CleanupRules, run_cleanup
from yc_registry_provider.cli import main as cli_main
from yc_registry_provider.cli.app import build_parser, cleanup_rules
from yc_registry_provider.fake import DEMO_FOLDER_ID, add_image, add_images
from yc_registry_provider.fake.builders import add_cloud_registry, push_cloud_image
from yc_registry_provider.lifecycle.image import check_image
from yc_registry_provider.lookups import find_image, find_images
from yc_registry_provider.operations import FINAL_POLL_BUDGET


def settings(cloud: FakeCloud) -> object:
    return resolve_settings({}, cloud.config, {})


# -- a digest is matched whole, never by a prefix -----------------------------------------------------------------

def test_a_digest_prefix_finds_nothing_in_either_service(fake_cloud: FakeCloud) -> None:
    # given an image in each service, and a digest that is a valid-looking prefix (40 of 64 hex digits) of each
    image = add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    rid = add_cloud_registry(fake_cloud.model, folder_id=DEMO_FOLDER_ID)
    cloud_digest = push_cloud_image(fake_cloud.model, rid, "app", ["v1"])
    for backend, repository, digest in ((RegistryClient(settings(fake_cloud)), image.name, image.digest),
                                        (CloudRegistryClient(settings(fake_cloud)), f"{rid}/app", cloud_digest)):
        with backend:
            # when looked up by the whole digest, then found; by its prefix, then nothing matches
            assert find_image(backend, repository_name=repository, digest=digest).digest == digest
            with pytest.raises(NoMatchError):
                find_image(backend, repository_name=repository, digest=digest[:47])
    with CloudRegistryClient(settings(fake_cloud)) as client:
        assert client.find_by_digest(rid, cloud_digest[:47]) is None


# -- auto never answers with the stale Container Registry image ---------------------------------------------------

def test_auto_says_not_found_when_the_migrated_registry_lacks_the_digest(fake_cloud: FakeCloud) -> None:
    # given a folder migrated to Cloud Registry (its registry ACTIVE there) whose tag app:broken did not move
    model = fake_cloud.model
    add_image(model, fake_cloud.registry_id, "app", tags=("ok",))
    broken = add_image(model, fake_cloud.registry_id, "app", tags=("broken",))
    model.cloud_registry.knobs.failing_tags[f"{broken.name}:broken"] = ("BLOB_UNKNOWN", "layer missing")
    model.cloud_registry.start_folder_migration(DEMO_FOLDER_ID, already_running_for=10)
    assert model.cloud_registry.registries[fake_cloud.registry_id].status == "ACTIVE"
    with AutoBackend(settings(fake_cloud)) as auto:
        # when the image is read by its Container Registry id, then NotFound names it, its registry and the check
        with pytest.raises(NotFoundError) as missing:
            auto.get_image(broken.id)
        text = str(missing.value)
        assert broken.id in text and fake_cloud.registry_id in text and "verify_migration" in text
        # and a lookup by its digest finds nothing either: never the Container Registry image
        with pytest.raises(NoMatchError):
            find_image(auto, repository_name=broken.name, digest=broken.digest)
        assert [i.service for i in find_images(auto, repository_name=broken.name)] == ["cloud-registry"]


# -- a --keep-rule pattern may hold '=' ---------------------------------------------------------------------------

def test_a_keep_rule_whose_pattern_holds_an_equals_sign_splits_at_the_last_one(fake_cloud: FakeCloud) -> None:
    # given --keep-rule with a lookahead: keep the newest 1 tag that starts with release- and holds "stable"
    args = build_parser().parse_args(["cleanup", "--repository", f"{fake_cloud.registry_id}/app",
                                      "--keep-rule", "(?=.*stable)release-.*=1", "--untagged-only"])
    # then the pattern keeps its '=' and the count is what follows the last one
    rules = cleanup_rules(args)
    assert [(r.tag_pattern, r.keep_last) for r in rules.keep_rules] == [("(?=.*stable)release-.*", 1)]


# -- an upper-case first segment of a repository name is refused before any call ----------------------------------

UPPER_FIRST = "CRP123/app"


def test_an_upper_case_first_segment_is_refused_by_every_front_door_before_any_call(
        fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    before = sum(fake_cloud.model.calls.values())
    # lookups
    with RegistryClient(settings(fake_cloud)) as client:
        with pytest.raises(InvalidArgumentError) as refused:
            find_image(client, repository_name=UPPER_FIRST, tag="v1")
    assert refused.value.field == "repository_name" and "lower-case" in str(refused.value)
    # an Image's check, an ImageCleanup's rules
    assert [f for f, _ in check_image({"repository_name": UPPER_FIRST, "tag": "v1"})] == ["repository_name"]
    with pytest.raises(InvalidArgumentError, match="repository_name.*must match"):
        CleanupRules(repository_name=UPPER_FIRST, keep_last=1)
    # the command line: exit 2, the field and the rule named
    for name, value in fake_cloud.env.items():
        monkeypatch.setenv(name, value)
    err = io.StringIO()
    assert cli_main(["images", "list", "--repository", UPPER_FIRST], out=io.StringIO(), err=err) == 2
    assert "--repository" in err.getvalue() and "must match" in err.getvalue()  # the flag, not the field
    # and nothing reached the cloud
    assert sum(fake_cloud.model.calls.values()) == before


# -- a long poll-interval hint does not carry the waiter past a short delete timeout -----------------------------

def test_a_long_poll_interval_hint_does_not_carry_the_wait_past_the_delete_timeout(fake_cloud: FakeCloud) -> None:
    # given a delete that takes a minute, and a server suggesting a poll every 30 s
    image = add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    fake_cloud.model.knobs.operation_duration = 60.0
    fake_cloud.model.knobs.poll_interval_header = 30.0
    with RegistryClient(settings(fake_cloud)) as client:
        # when deleted with a 1 s timeout
        started = time.monotonic()
        with pytest.raises(OperationTimeoutError, match="was not done after"):
            client.delete_image(image.id, timeout=1.0)
        took = time.monotonic() - started
    # then it gave up at the timeout (plus the last poll's own budget), not at the server's 30 s (nor the 10 s cap)
    assert took < 1.0 + FINAL_POLL_BUDGET + 1.0, took


# -- nothing is sent after a cleanup's timeout --------------------------------------------------------------------

@pytest.fixture
def call_times(fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[float, str]]]:
    """When each call reached the fake (time.monotonic, the same clock as the client's), and which."""
    seen: list[tuple[float, str]] = []
    model = fake_cloud.model
    original = model.begin_call

    def begin_call(method: str) -> None:
        seen.append((time.monotonic(), method))
        original(method)

    monkeypatch.setattr(model, "begin_call", begin_call)
    yield seen


def test_no_call_is_sent_after_a_cleanups_timeout(fake_cloud: FakeCloud, call_times: list[tuple[float, str]]) -> None:
    # given 40 images whose deletes take 0.3 s, then, from 0.3 s into the run, 5 s (slower than the run has left);
    # 20 ms per call; a cleanup of 2 at a time with a 1 s timeout
    add_images(fake_cloud.model, fake_cloud.registry_id, "bulk", 40)
    knobs = fake_cloud.model.knobs
    knobs.operation_duration, knobs.latency = 0.3, 0.02
    slower = threading.Timer(0.3, lambda: setattr(knobs, "operation_duration", 5.0))
    with RegistryClient(settings(fake_cloud)) as client:
        rules = CleanupRules(repository_name=f"{fake_cloud.registry_id}/bulk", delete_all=True, concurrency=2,
                             timeout=1.0)
        started = time.monotonic()
        slower.start()
        report = run_cleanup(client, rules)
        ended = time.monotonic()
        calls_when_done = len(call_times)
        time.sleep(0.3)  # anything still on its way would arrive now
    # then the run stopped with images left for the next run, and no call reached the cloud after the timeout
    # (the last poll is sent at the deadline: it arrives a little later, more so on a busy machine)
    assert report.timed_out and report.not_attempted and report.deleted
    late = [(round(at - started, 3), method) for at, method in call_times if at > started + 1.0 + 0.4]
    assert late == [], late
    assert len(call_times) == calls_when_done and ended - started < 1.0 + FINAL_POLL_BUDGET + 0.5
