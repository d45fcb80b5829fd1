"""Listing: lazy paging over real sockets, scope precedence, limits and the page-size choice."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from yc_registry_provider import RegistryClient
from yc_registry_provider.fake import FakeModel, add_image, add_images, add_registry


@pytest.mark.parametrize("page_size", [1, 100, 1000])
def test_paging_returns_every_image_once_with_one_call_per_page(cloud: FakeModel, registry_id: str,
                                                                 client: RegistryClient, page_size: int) -> None:
    # given 2,345 images in one repository
    seeded = add_images(cloud, registry_id, "app", 2345)
    # when they are listed page by page
    listed = list(client.list_images(repository_name=f"{registry_id}/app", page_size=page_size))
    # then each image comes back once, in as many calls as pages
    assert sorted(i.id for i in listed) == sorted(i.id for i in seeded)
    assert cloud.calls["ImageService.List"] == math.ceil(2345 / page_size)


def test_listing_everything_asks_for_1000_a_page(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    # given 10,000 images of one repository
    add_images(cloud, registry_id, "big", 10_000)
    # when the caller wants them all
    count = sum(1 for _ in client.list_images(repository_name=f"{registry_id}/big"))
    # then it costs 10 List calls
    assert count == 10_000
    assert cloud.calls["ImageService.List"] == 10


def test_iteration_is_lazy_and_limit_stops_early(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    add_images(cloud, registry_id, "app", 50)
    images = client.list_images(repository_name=f"{registry_id}/app", page_size=10, limit=15)
    assert cloud.calls["ImageService.List"] == 0  # nothing is fetched before iteration
    assert len(list(images)) == 15
    assert cloud.calls["ImageService.List"] == 2


def test_limit_alone_asks_for_a_page_of_that_size(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    add_images(cloud, registry_id, "app", 30)
    assert len(list(client.list_images(registry_id=registry_id, limit=7))) == 7
    assert cloud.calls["ImageService.List"] == 1


def test_repository_wins_over_registry_and_folder(cloud: FakeModel, client: RegistryClient) -> None:
    # given two registries in two folders
    one = add_registry(cloud, folder_id="folder-one").id
    two = add_registry(cloud, folder_id="folder-two").id
    add_image(cloud, one, "app", tags=["v1"])
    add_image(cloud, one, "worker")
    add_image(cloud, two, "app")
    # when scopes are combined, then the narrowest one decides
    assert {i.name for i in client.list_images(repository_name=f"{one}/app", registry_id=two,
                                               folder_id="folder-two")} == {f"{one}/app"}
    assert {i.registry_id for i in client.list_images(registry_id=one, folder_id="folder-two")} == {one}
    assert {i.registry_id for i in client.list_images(folder_id="folder-two")} == {two}


def test_folder_comes_from_the_settings_when_no_scope_is_given(cloud: FakeModel, make_client) -> None:
    reg = add_registry(cloud, folder_id="b1gdefault").id
    add_image(cloud, reg, "app")
    client = make_client(folder_id="b1gdefault")
    assert [i.registry_id for i in client.list_images()] == [reg]


def test_filter_and_order_by_reach_the_api(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    # given three images of app pushed out of order, and one of another repository
    day = datetime(2026, 5, 1, tzinfo=timezone.utc)
    middle = add_image(cloud, registry_id, "app", created_at=day + timedelta(days=1))
    oldest = add_image(cloud, registry_id, "app", created_at=day)
    newest = add_image(cloud, registry_id, "app", created_at=day + timedelta(days=2))
    add_image(cloud, registry_id, "other", created_at=day + timedelta(days=3))
    # when listed with the name filter and newest first
    listed = list(client.list_images(registry_id=registry_id, filter=f'name="{registry_id}/app"',
                                     order_by="created_at desc"))
    # then only app's images come back, in that order
    assert [i.id for i in listed] == [newest.id, middle.id, oldest.id]


def test_image_fields_are_complete(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    pushed = add_image(cloud, registry_id, "tools/ci", tags=["v1", "latest"], compressed_size=1234567)
    got = client.get_image(pushed.id)
    assert got.id == pushed.id and got.digest == pushed.digest
    assert got.name == f"{registry_id}/tools/ci" and got.repository == "tools/ci"
    assert got.registry_id == registry_id
    assert got.compressed_size == 1234567 and isinstance(got.compressed_size, int)
    assert got.config is not None and got.config.digest.startswith("sha256:")
    assert len(got.layers) == 1 and got.layers[0].size > 0
    assert got.tags == ["v1", "latest"]
    assert got.created_at.endswith("Z")
    assert got.uri == f"cr.yandex/{registry_id}/tools/ci@{pushed.digest}"
    assert got.tag_uris == [f"cr.yandex/{registry_id}/tools/ci:v1", f"cr.yandex/{registry_id}/tools/ci:latest"]
