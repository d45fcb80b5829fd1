"""get_images / get_image over the real client against the fake: scopes, folder default, early stop."""

from __future__ import annotations

import pytest

from harness import FakeCloud
from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.errors import AmbiguousMatchError, NoMatchError
from yc_registry_provider.fake import add_image, add_images
from yc_registry_provider.lookups import find_image, find_images


def client_for(cloud: FakeCloud, **extra: str) -> RegistryClient:
    return RegistryClient.from_config({**cloud.config, **extra}, env={})


def test_get_images_by_repository_tag_and_limit(fake_cloud: FakeCloud) -> None:
    reg = fake_cloud.registry_id
    a = add_image(fake_cloud.model, reg, "app", tags=("v1",))
    b = add_image(fake_cloud.model, reg, "app", tags=("v2", "latest"))
    add_image(fake_cloud.model, reg, "worker", tags=("latest",))
    with client_for(fake_cloud) as backend:
        assert [i.id for i in find_images(backend, repository_name=f"{reg}/app")] == [a.id, b.id]
        assert [i.id for i in find_images(backend, repository_name=f"{reg}/app", tag="latest")] == [b.id]
        assert len(find_images(backend, registry_id=reg, tag="latest")) == 2
        assert len(find_images(backend, registry_id=reg, limit=2)) == 2


def test_without_scope_the_folder_comes_from_config(fake_cloud: FakeCloud) -> None:
    add_image(fake_cloud.model, fake_cloud.registry_id, "app")
    with client_for(fake_cloud) as backend:
        assert len(find_images(backend)) == 1
    no_folder = {k: v for k, v in fake_cloud.config.items() if k != "yandex:folderId"}
    with RegistryClient.from_config(no_folder, env={"YC_FOLDER_ID": "b1g-fake-folder"}) as backend:
        assert len(find_images(backend)) == 1


def test_get_image_exactly_one_or_a_clear_error(fake_cloud: FakeCloud) -> None:
    reg = fake_cloud.registry_id
    a = add_image(fake_cloud.model, reg, "app", tags=("v1",))
    add_image(fake_cloud.model, reg, "worker", tags=("v1",))
    with client_for(fake_cloud) as backend:
        assert find_image(backend, repository_name=f"{reg}/app", tag="v1").id == a.id
        assert find_image(backend, image_id=a.id).digest == a.digest
        with pytest.raises(NoMatchError):
            find_image(backend, image_id="crpi-missing")
        with pytest.raises(NoMatchError):
            find_image(backend, image_id=a.id, tag="v2")
        with pytest.raises(AmbiguousMatchError) as caught:
            find_image(backend, tag="v1")  # the whole folder: two repositories carry v1
        assert len(caught.value.image_ids) == 2
        add_image(fake_cloud.model, reg, "app")
        with pytest.raises(AmbiguousMatchError):
            find_image(backend, repository_name=f"{reg}/app")  # a repository holds several


def test_tag_lookup_in_a_big_repository_stops_early(fake_cloud: FakeCloud) -> None:
    # given 3,000 images with the wanted tag on the 1,500th
    reg = fake_cloud.registry_id
    add_images(fake_cloud.model, reg, "big", 1_499)
    wanted = add_image(fake_cloud.model, reg, "big", tags=("release",))
    add_images(fake_cloud.model, reg, "big", 1_500)
    before = fake_cloud.model.calls["ImageService.List"]
    with client_for(fake_cloud) as backend:
        found = find_image(backend, repository_name=f"{reg}/big", tag="release")
    # then it stops on the page holding it: 2 List calls of 1,000
    assert found.id == wanted.id
    assert fake_cloud.model.calls["ImageService.List"] - before == 2


@pytest.mark.parametrize("kwargs,field,rule", [
    ({}, "image_id", "give image_id, or repository_name"),
    ({"repository_name": "crp/app", "tag": "-bad"}, "tag", "must match"),
    ({"repository_name": "crp/app", "digest": "sha256:xyz"}, "digest", "sha256:<64 hex digits>"),
    ({"repository_name": "Crp/App", "most_recent": True}, "repository_name", "must match"),
    ({"image_id": "x" * 51}, "image_id", "at most 50"),
    ({"repository_name": "crp/app", "most_recent": "yes"}, "most_recent", "true or false"),
])
def test_get_image_rejects_bad_input_before_any_call(fake_cloud: FakeCloud, kwargs: dict, field: str,
                                                     rule: str) -> None:
    # given a lookup that breaks a rule, when it runs, then it fails naming the field and no call went out
    from yc_registry_provider.errors import InvalidArgumentError

    with client_for(fake_cloud) as backend:
        with pytest.raises(InvalidArgumentError) as caught:
            find_image(backend, **kwargs)
    assert caught.value.field == field and rule in str(caught.value)
    assert sum(fake_cloud.model.calls.values()) == 0


def test_get_images_rejects_a_bad_tag_before_any_call(fake_cloud: FakeCloud) -> None:
    from yc_registry_provider.errors import InvalidArgumentError

    with client_for(fake_cloud) as backend:
        with pytest.raises(InvalidArgumentError, match="tag"):
            find_images(backend, registry_id="crp", tag="no spaces allowed")
    assert sum(fake_cloud.model.calls.values()) == 0


@pytest.mark.parametrize("kwargs,field", [
    ({"repository_name": "crp/app", "tag": ""}, "tag"),
    ({"repository_name": "crp/app", "tag": 0}, "tag"),
    ({"repository_name": "crp/app", "digest": ""}, "digest"),
    ({"image_id": ""}, "image_id"),
    ({"repository_name": ""}, "repository_name"),
])
def test_empty_or_falsy_criteria_are_refused_not_dropped(fake_cloud: FakeCloud, kwargs: dict, field: str) -> None:
    from yc_registry_provider.errors import InvalidArgumentError

    with client_for(fake_cloud) as backend:
        with pytest.raises(InvalidArgumentError) as caught:
            find_image(backend, **kwargs)
    assert caught.value.field == field and sum(fake_cloud.model.calls.values()) == 0
