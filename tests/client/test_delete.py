"""Delete waits for the Operation; faults are retried or surfaced as the issue says."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from yc_registry_provider import (DeadlineExceededError, NotFoundError, OperationFailedError,
                                  OperationTimeoutError, RegistryClient, RegistryReadOnlyError, RetryPolicy,
                                  ThrottledError, TransientError, UnavailableError, WaitPolicy)
from yc_registry_provider.fake import FakeModel, add_image


def test_delete_returns_when_the_operation_is_done(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    # given an image whose delete operation takes 0.2 s
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.operation_duration = 0.2
    # when it is deleted
    started = time.monotonic()
    result = client.delete_image(image.id)
    # then the call returned only after the operation finished, and the image is gone
    assert time.monotonic() - started >= 0.2
    assert not result.already_gone and result.operation_id
    assert image.id not in cloud.images
    with pytest.raises(NotFoundError, match=image.id):
        client.get_image(image.id)


def test_an_image_already_gone_is_reported_not_raised(cloud: FakeModel, client: RegistryClient) -> None:
    result = client.delete_image("crpimagegone")
    assert result.already_gone and result.operation_id is None
    assert cloud.calls["ImageService.Delete"] == 1


def test_a_failing_operation_names_its_id_and_image(cloud: FakeModel, registry_id: str,
                                                    client: RegistryClient) -> None:
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.failing_images.add(image.id)
    with pytest.raises(OperationFailedError) as caught:
        client.delete_image(image.id)
    assert caught.value.operation_id in str(caught.value) and image.id in str(caught.value)
    assert image.id in cloud.images


def test_the_deadline_raises_naming_the_operation(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.operation_duration = 30
    started = time.monotonic()
    with pytest.raises(OperationTimeoutError) as caught:
        client.delete_image(image.id, timeout=0.3)
    assert time.monotonic() - started < 2
    assert caught.value.operation_id and caught.value.operation_id in str(caught.value)
    assert "yc operation get" in str(caught.value)


def test_early_not_found_polls_are_tolerated(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.early_not_found_polls = 3
    cloud.knobs.operation_duration = 0.05
    assert not client.delete_image(image.id).already_gone
    assert image.id not in cloud.images


def test_the_server_poll_interval_hint_is_honoured(cloud: FakeModel, registry_id: str,
                                                   client: RegistryClient) -> None:
    # given an operation of 0.5 s and a server asking for polls every 0.25 s
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.operation_duration = 0.5
    cloud.knobs.poll_interval_header = 0.25
    client.delete_image(image.id)
    # then the client polled about twice, not at its own fast pace (which would be ~8 polls)
    assert 2 <= cloud.calls["OperationService.Get"] <= 4


def test_read_only_registry_explains_the_sunset(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.read_only = True
    with pytest.raises(RegistryReadOnlyError) as caught:
        client.delete_image(image.id)
    text = str(caught.value)
    assert "2026-11-10" in text and "2026-12-14" in text and image.id in text
    assert cloud.calls["ImageService.Delete"] == 1  # not retried
    assert image.id in cloud.images


def test_unavailable_is_retried_until_it_works(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    images = [add_image(cloud, registry_id, "app") for _ in range(5)]
    cloud.knobs.unavailable_every = 2
    assert len(list(client.list_images(registry_id=registry_id, page_size=1))) == 5
    for image in images:
        client.delete_image(image.id)
    assert not cloud.images


def test_throttling_is_retried_with_one_idempotency_key(cloud: FakeModel, registry_id: str,
                                                        client: RegistryClient) -> None:
    # given one unfinished operation allowed and one already running for 0.3 s
    first, second = add_image(cloud, registry_id, "app"), add_image(cloud, registry_id, "app")
    cloud.knobs.max_unfinished_operations = 1
    cloud.knobs.operation_duration = 0.3
    assert client.start_delete(first.id).operation_id
    keys_before = len(cloud.idempotency_keys)
    # when the second delete is throttled until the first finishes
    client.delete_image(second.id)
    # then it was retried, every retry with the same idempotency key
    keys = cloud.idempotency_keys[keys_before:]
    assert len(keys) >= 2 and len(set(keys)) == 1
    assert second.id not in cloud.images


def test_throttling_outliving_the_budget_raises_throttled(cloud: FakeModel, registry_id: str, make_client) -> None:
    first, second = add_image(cloud, registry_id, "app"), add_image(cloud, registry_id, "app")
    cloud.knobs.max_unfinished_operations = 1
    cloud.knobs.operation_duration = 60
    client = make_client(retry=RetryPolicy(initial_backoff=0.01, max_backoff=0.02, budget=0.3))
    client.start_delete(first.id)
    with pytest.raises(ThrottledError) as caught:
        client.delete_image(second.id)
    assert caught.value.attempts > 1 and second.id in str(caught.value)


def test_not_found_is_not_retried(cloud: FakeModel, client: RegistryClient) -> None:
    with pytest.raises(NotFoundError):
        client.get_image("crpnosuchimage")
    assert cloud.calls["ImageService.Get"] == 1


def test_deadline_exceeded_is_retried_on_reads_only(cloud: FakeModel, registry_id: str, make_client) -> None:
    # given a server slower than the per-call deadline
    image = add_image(cloud, registry_id, "app")
    client = make_client(call_timeout=0.05, retry=RetryPolicy(initial_backoff=0.01, max_backoff=0.02, budget=0.5,
                                                              max_attempts=3))
    cloud.knobs.latency = 0.2
    # then a read is retried, and a delete (which may have landed) is not
    with pytest.raises(UnavailableError) as caught:
        client.get_image(image.id)
    assert caught.value.attempts == 3
    with pytest.raises(DeadlineExceededError, match="may have accepted it") as caught_delete:
        client.delete_image(image.id)
    assert caught_delete.value.image_id == image.id
    assert not isinstance(caught_delete.value, TransientError)  # nothing above the client retries it either
    time.sleep(0.3)  # let the slow server finish its calls before the fixture stops it
    assert cloud.calls["ImageService.Get"] == 3 and cloud.calls["ImageService.Delete"] == 1


def test_a_lost_delete_response_is_retried_with_the_same_key_and_one_operation(
        cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    # given a registry that carries out the next Delete but loses its answer (UNAVAILABLE)
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.lost_delete_responses = 1
    # when the image is deleted
    result = client.delete_image(image.id)
    # then the retry carried the same idempotency key and got the same operation: one delete, not two
    assert len(cloud.idempotency_keys) == 2 and len(set(cloud.idempotency_keys)) == 1
    assert [op.id for op in cloud.operations.values() if op.image_id == image.id] == [result.operation_id]
    assert image.id not in cloud.images


def test_an_error_shown_during_a_rollback_is_waited_out_until_done(cloud: FakeModel, registry_id: str,
                                                                   client: RegistryClient) -> None:
    # given a delete that the cloud rolls back: the operation shows an error while it is not done yet
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.rollback_images.add(image.id)
    cloud.knobs.operation_duration = 0.3
    # when deleted, then the client waits for `done` and only then reports the failure
    started = time.monotonic()
    with pytest.raises(OperationFailedError) as caught:
        client.delete_image(image.id)
    assert time.monotonic() - started >= 0.3
    assert cloud.calls["OperationService.Get"] >= 2 and caught.value.image_id == image.id
    assert image.id in cloud.images


def test_a_learned_first_poll_is_used_and_reported(cloud: FakeModel, registry_id: str,
                                                   client: RegistryClient) -> None:
    # given a delete operation of 0.2 s / when the first poll is placed at 0.25 s
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.operation_duration = 0.2
    result = client.delete_image(image.id, first_poll=0.25)
    # then one poll saw it done, and the result says when
    assert result.polls == 1 and cloud.calls["OperationService.Get"] == 1
    assert result.pending_after is None and result.done_after is not None and result.done_after >= 0.25


def test_after_a_learned_first_poll_misses_the_next_polls_come_soon(
        cloud: FakeModel, registry_id: str, make_client: Callable[..., RegistryClient]) -> None:
    # given the default wait policy and an operation of 0.3 s / when the first poll is placed too early, at 0.2 s
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.operation_duration = 0.3
    result = make_client(wait=WaitPolicy()).delete_image(image.id, first_poll=0.2)
    # then it was polled again within short steps (not the default schedule's growing intervals)
    assert result.polls >= 2 and result.pending_after is not None and result.pending_after >= 0.2
    assert result.done_after is not None and result.done_after - result.pending_after < 0.1
