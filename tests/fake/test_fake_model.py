"""Rules of the fake's model, without gRPC: scope, limits, paging, ordering, deletes, knobs, credentials."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from yc_registry_provider import limits
from yc_registry_provider.fake import (
    DEMO_FOLDER_ID,
    DEMO_TOKEN,
    FakeError,
    FakeModel,
    ManualClock,
    add_image,
    add_images,
    add_registry,
    seed_demo,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def model(clock: ManualClock) -> FakeModel:
    return FakeModel(clock=clock)


def _error(call: object, *args: object, **kwargs: object) -> FakeError:
    with pytest.raises(FakeError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def test_seed_demo_is_deterministic() -> None:
    # given two demo seeds / when listed / then ids, digests and tags repeat exactly
    first, second = seed_demo(FakeModel()), seed_demo(FakeModel())
    assert list(first.images.values()) == list(second.images.values())
    assert len(first.registries) == 2 and 20 <= len(first.images) <= 30
    repos = {image.repository for image in first.images.values()}
    assert {"app", "worker", "tools/ci"} <= repos
    assert any(not image.tags for image in first.images.values())
    assert DEMO_TOKEN in first.credentials.iam_tokens


def test_bulk_seed_gives_distinct_images_a_step_apart(model: FakeModel) -> None:
    registry = add_registry(model)
    seeded = add_images(model, registry.id, "bulk", 10_000)
    assert len(model.images) == 10_000 and len({image.digest for image in seeded}) == 10_000
    assert seeded[1].created_at - seeded[0].created_at == seeded[-1].created_at - seeded[-2].created_at


def test_tags_move_to_the_newest_image_of_a_repository(model: FakeModel) -> None:
    registry = add_registry(model)
    old = add_image(model, registry.id, "app", tags=("latest", "v1"))
    new = add_image(model, registry.id, "app", tags=("latest",))
    assert model.images[old.id].tags == ("v1",)
    assert model.images[new.id].tags == ("latest",)
    assert new.digest.startswith("sha256:") and len(new.digest) == 7 + 64


def test_scope_precedence_repository_over_registry_over_folder(model: FakeModel) -> None:
    # given two registries in two folders
    one = add_registry(model, folder_id="folder-a")
    two = add_registry(model, folder_id="folder-b")
    a = add_image(model, one.id, "app")
    b = add_image(model, one.id, "worker")
    c = add_image(model, two.id, "app")
    # when / then: the highest scope set wins, lower ones are ignored
    assert [i.id for i in model.list_images(folder_id="folder-a").images] == [a.id, b.id]
    assert [i.id for i in model.list_images(registry_id=two.id, folder_id="folder-a").images] == [c.id]
    picked = model.list_images(repository_name=f"{one.id}/worker", registry_id=two.id, folder_id="nope")
    assert [i.id for i in picked.images] == [b.id]


def test_list_without_scope_is_invalid(model: FakeModel) -> None:
    error = _error(model.list_images)
    assert error.code == "INVALID_ARGUMENT"
    assert "repository_name" in error.message and "folder_id" in error.message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"registry_id": "r" * 51}, "registry_id"),
        ({"folder_id": "f" * 51}, "folder_id"),
        ({"repository_name": "Bad/Name"}, "repository_name"),
        ({"folder_id": "f", "page_size": 1001}, "page_size"),
        ({"folder_id": "f", "page_size": -1}, "page_size"),
        ({"folder_id": "f", "page_token": "x" * 101}, "page_token"),
        ({"folder_id": "f", "page_token": "bm90LW91cnM="}, "page_token"),
        ({"folder_id": "f", "order_by": "size"}, "order_by"),
        ({"folder_id": "f", "order_by": "name sideways"}, "order_by"),
        ({"folder_id": "f", "order_by": "name," * 30}, "order_by"),
        ({"folder_id": "f", "filter": 'tag="latest"'}, "filter"),
        ({"folder_id": "f", "filter": 'name="noslash"'}, "filter"),
    ],
)
def test_invalid_list_arguments_name_the_field(model: FakeModel, kwargs: dict[str, object], field: str) -> None:
    error = _error(model.list_images, **kwargs)
    assert error.code == "INVALID_ARGUMENT"
    assert error.message.startswith(f"{field}:")


def test_paging_uses_opaque_tokens_bound_to_the_scope(model: FakeModel) -> None:
    # given 25 images
    registry = add_registry(model)
    images = add_images(model, registry.id, "app", 25)
    # when paging by 10
    seen, token = [], ""
    while True:
        page = model.list_images(registry_id=registry.id, page_size=10, page_token=token)
        seen += [i.id for i in page.images]
        token = page.next_page_token
        if not token:
            break
        assert len(token) <= limits.MAX_PAGE_TOKEN_LENGTH
    # then every image came once, in order
    assert seen == [i.id for i in images]
    # and a token reused with another scope is refused
    first = model.list_images(registry_id=registry.id, page_size=10).next_page_token
    error = _error(model.list_images, folder_id=registry.folder_id, page_size=10, page_token=first)
    assert error.code == "INVALID_ARGUMENT" and "different scope" in error.message


def test_page_size_zero_means_default(model: FakeModel) -> None:
    registry = add_registry(model)
    add_images(model, registry.id, "app", 150)
    assert len(model.list_images(registry_id=registry.id).images) == limits.DEFAULT_PAGE_SIZE


def test_order_by_and_filter(model: FakeModel) -> None:
    registry = add_registry(model)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    early = add_image(model, registry.id, "b", created_at=start)
    late = add_image(model, registry.id, "a", created_at=start + timedelta(days=1))
    other = add_image(model, registry.id, "c", created_at=start + timedelta(days=2))
    by_time = model.list_images(registry_id=registry.id, order_by="created_at desc").images
    assert [i.id for i in by_time] == [other.id, late.id, early.id]
    by_name = model.list_images(registry_id=registry.id, order_by="name asc, created_at").images
    assert [i.id for i in by_name] == [late.id, early.id, other.id]
    filtered = model.list_images(registry_id=registry.id, filter=f'name="{registry.id}/b"').images
    assert [i.id for i in filtered] == [early.id]


def test_get_unknown_image_is_not_found(model: FakeModel) -> None:
    error = _error(model.get_image, "crpnope")
    assert (error.code, error.message) == ("NOT_FOUND", "image crpnope not found")
    assert _error(model.get_image, "x" * 51).message.startswith("image_id:")


def test_delete_finishes_after_operation_duration(model: FakeModel, clock: ManualClock) -> None:
    # given an image and a 5 s operation duration
    registry = add_registry(model)
    image = add_image(model, registry.id, "app")
    model.knobs.operation_duration = 5
    # when deleted
    op = model.delete_image(image.id)
    # then the operation is pending and the image stays until time passes
    assert not op.done and model.get_image(image.id) == image
    clock.advance(5)
    assert model.get_operation(op.id).done and model.get_operation(op.id).error is None
    assert image.id not in model.images and model.deleted_image_ids == [image.id]


def test_failing_image_operation_ends_with_error_and_image_stays(model: FakeModel, clock: ManualClock) -> None:
    registry = add_registry(model)
    image = add_image(model, registry.id, "app")
    model.knobs.failing_images.add(image.id)
    op = model.delete_image(image.id)
    assert not op.done  # Delete never answers with a finished operation
    op = model.get_operation(op.id)
    assert op.done and op.error is not None and op.error.code == 13
    assert image.id in model.images and model.deleted_image_ids == []


def test_second_delete_of_a_pending_image_returns_the_same_operation(model: FakeModel) -> None:
    registry = add_registry(model)
    image = add_image(model, registry.id, "app")
    model.knobs.operation_duration = 5
    assert model.delete_image(image.id).id == model.delete_image(image.id).id


def test_idempotency_key_returns_the_first_operation(model: FakeModel, clock: ManualClock) -> None:
    registry = add_registry(model)
    image = add_image(model, registry.id, "app")
    first = model.delete_image(image.id, idempotency_key="k1")
    clock.advance(1)
    again = model.delete_image(image.id, idempotency_key="k1")  # image already gone: still the same op
    assert again is first and model.idempotency_keys == ["k1", "k1"]


def test_read_only_and_resource_exhausted(model: FakeModel) -> None:
    registry = add_registry(model)
    one, two = add_images(model, registry.id, "app", 2)
    model.knobs.read_only = True
    error = _error(model.delete_image, one.id)
    assert error.code == "FAILED_PRECONDITION" and "read-only" in error.message
    model.knobs.read_only = False
    model.knobs.operation_duration = 60
    model.knobs.max_unfinished_operations = 1
    model.delete_image(one.id)
    assert _error(model.delete_image, two.id).code == "RESOURCE_EXHAUSTED"


def test_cancel_keeps_the_image(model: FakeModel) -> None:
    registry = add_registry(model)
    image = add_image(model, registry.id, "app")
    model.knobs.operation_duration = 60
    op = model.cancel_operation(model.delete_image(image.id).id)
    assert op.done and op.error is not None and op.error.code == 1
    assert image.id in model.images


def test_early_not_found_polls_and_unavailable_every(model: FakeModel) -> None:
    registry = add_registry(model)
    image = add_image(model, registry.id, "app")
    model.knobs.early_not_found_polls = 2
    op = model.delete_image(image.id)
    assert [_error(model.get_operation, op.id).code for _ in range(2)] == ["NOT_FOUND", "NOT_FOUND"]
    assert model.get_operation(op.id).id == op.id
    model.knobs.unavailable_every = 3
    outcomes = []
    for _ in range(6):
        try:
            model.begin_call("ImageService.Get")
            outcomes.append("ok")
        except FakeError as error:
            outcomes.append(error.code)
    assert outcomes == ["ok", "ok", "UNAVAILABLE", "ok", "ok", "UNAVAILABLE"]
    assert model.calls["ImageService.Get"] == 6


def test_authenticate_rejects_unknown_tokens_without_echoing_them(model: FakeModel) -> None:
    model.accept_iam_token("t1.good")
    assert model.authenticate("Bearer t1.good") == "t1.good"
    error = _error(model.authenticate, "Bearer t1.secret-value")
    assert error.code == "UNAUTHENTICATED" and "t1.secret-value" not in error.message
    assert _error(model.authenticate, None).code == "UNAUTHENTICATED"
    assert model.tokens_seen == ["t1.good", "t1.secret-value"]


def test_demo_folder_lists_both_registries() -> None:
    model = seed_demo(FakeModel())
    assert len(model.list_images(folder_id=DEMO_FOLDER_ID, page_size=1000).images) == len(model.images)


def test_delete_never_answers_with_a_finished_operation(model: FakeModel) -> None:
    # given operations that take no time, when an image is deleted, then the answer is still unfinished;
    # the operation finishes (and the image goes) on the next read, as a real one finishes later
    registry = add_registry(model)
    image = add_image(model, registry.id, "app")
    op = model.delete_image(image.id)
    assert not op.done and image.id in model.images
    assert model.get_operation(op.id).done and image.id not in model.images


def test_an_idempotency_key_belongs_to_one_image(model: FakeModel) -> None:
    registry = add_registry(model)
    first, second = add_image(model, registry.id, "app"), add_image(model, registry.id, "app")
    model.delete_image(first.id, idempotency_key="key-1")
    with pytest.raises(FakeError) as caught:
        model.delete_image(second.id, idempotency_key="key-1")
    assert caught.value.code == "INVALID_ARGUMENT" and "idempotency-key" in caught.value.message
    assert first.id in caught.value.message and second.id in caught.value.message


def test_a_bad_filter_is_quoted_back(model: FakeModel) -> None:
    add_registry(model, "crpone")
    with pytest.raises(FakeError, match="got 'tag=\"v1\"'"):
        model.list_images(registry_id="crpone", filter='tag="v1"')
