"""Every lookup input rule, the same for get_images, get_image and Image: refused before any call goes out;
a registry or repository that does not exist is named with its folder instead of an empty answer."""

from __future__ import annotations

from typing import Any

import pytest

from harness import FakeCloud
from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.errors import InvalidArgumentError, NotFoundError
from yc_registry_provider.fake import DEMO_FOLDER_ID, add_image
from yc_registry_provider.lifecycle.image import check_image
from yc_registry_provider.lookups import find_image, find_images

DIGEST = "sha256:" + "a" * 64


def client_for(cloud: FakeCloud) -> RegistryClient:
    return RegistryClient.from_config(cloud.config, env={})


def calls(cloud: FakeCloud) -> int:
    return sum(cloud.model.calls.values())


@pytest.mark.parametrize("repository_name, rule", [
    ("app", "registry part is missing"),
    ("x" * 51 + "/app", "at most 50"),
    ("", "must not be empty"),
])
@pytest.mark.parametrize("lookup", ["get_images", "get_image"])
def test_a_repository_name_without_a_proper_registry_part_is_refused_before_any_call(
        fake_cloud: FakeCloud, repository_name: str, rule: str, lookup: str) -> None:
    # given a folder in the config (so an empty repository_name could widen to it)
    with client_for(fake_cloud) as backend, pytest.raises(InvalidArgumentError) as refused:
        # when a lookup gets a repository_name without a registry part, too long a registry part, or ""
        if lookup == "get_images":
            find_images(backend, repository_name=repository_name)
        else:
            find_image(backend, repository_name=repository_name, tag="v1")
    # then it is refused naming the field and the rule, and nothing was asked of the cloud
    assert refused.value.field == "repository_name" and rule in str(refused.value)
    assert calls(fake_cloud) == 0


@pytest.mark.parametrize("field", ["registry_id", "folder_id"])
def test_an_empty_scope_id_is_refused_not_widened(fake_cloud: FakeCloud, field: str) -> None:
    with client_for(fake_cloud) as backend, pytest.raises(InvalidArgumentError) as refused:
        find_images(backend, **{field: ""})
    assert refused.value.field == field and calls(fake_cloud) == 0


@pytest.mark.parametrize("selectors, fields", [
    ({"tag": "v1", "digest": DIGEST}, ("tag", "digest")),
    ({"tag": "v1", "most_recent": True}, ("tag", "most_recent")),
    ({"digest": DIGEST, "most_recent": True}, ("digest", "most_recent")),
])
def test_conflicting_selectors_are_refused_before_any_call_naming_both(fake_cloud: FakeCloud,
                                                                       selectors: dict[str, Any],
                                                                       fields: tuple[str, str]) -> None:
    repo = f"{fake_cloud.registry_id}/app"
    with client_for(fake_cloud) as backend, pytest.raises(InvalidArgumentError) as refused:
        find_image(backend, repository_name=repo, **selectors)
    assert all(name in str(refused.value) for name in fields) and calls(fake_cloud) == 0


def test_an_image_with_both_tag_and_digest_is_refused_naming_both() -> None:
    failures = check_image({"repository_name": "crp1/app", "tag": "v1", "digest": DIGEST})
    assert any("tag" in reason and "digest" in reason for _field, reason in failures), failures


def test_a_registry_that_does_not_exist_is_named_with_the_folder(fake_cloud: FakeCloud) -> None:
    with client_for(fake_cloud) as backend, pytest.raises(NotFoundError) as missing:
        find_images(backend, registry_id="crpnosuchregistry")
    text = str(missing.value)
    assert "crpnosuchregistry" in text and f"folder {DEMO_FOLDER_ID}" in text
    assert fake_cloud.registry_id in text  # the registries that folder does hold


@pytest.mark.parametrize("lookup", ["get_images", "get_image"])
def test_a_repository_that_does_not_exist_is_named_with_its_registry_and_folder(fake_cloud: FakeCloud,
                                                                                 lookup: str) -> None:
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    repo = f"{fake_cloud.registry_id}/typo"
    with client_for(fake_cloud) as backend, pytest.raises(NotFoundError) as missing:
        if lookup == "get_images":
            find_images(backend, repository_name=repo)
        else:
            find_image(backend, repository_name=repo, tag="v1")
    assert repo in str(missing.value) and f"folder {DEMO_FOLDER_ID}" in str(missing.value)


def test_an_existing_scope_without_matches_is_an_empty_answer(fake_cloud: FakeCloud) -> None:
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    with client_for(fake_cloud) as backend:
        assert find_images(backend, registry_id=fake_cloud.registry_id, tag="v9") == []
        assert find_images(backend, repository_name=f"{fake_cloud.registry_id}/app", tag="v9") == []
