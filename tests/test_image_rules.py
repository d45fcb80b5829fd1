"""Image rules that guard against deleting what the stack keeps, over the real client and the fake."""

from __future__ import annotations

import pytest

from harness import FakeCloud
from yc_registry_provider import RegistryClient, RetryPolicy, UnavailableError, resolve_settings
from yc_registry_provider.fake import add_image
from yc_registry_provider.lifecycle import image as rules


def quick_client(cloud: FakeCloud) -> RegistryClient:
    """A client that gives up on transient trouble after a fraction of a second."""
    return RegistryClient(resolve_settings({}, cloud.config, {}),
                          retry=RetryPolicy(initial_backoff=0.01, max_backoff=0.02, budget=0.2))


def test_switching_from_tag_to_digest_of_the_same_image_is_not_a_replace(fake_cloud: FakeCloud) -> None:
    # given an Image adopted by tag
    image = add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    repo = f"{fake_cloud.registry_id}/app"
    with quick_client(fake_cloud) as backend:
        old = rules.adopt(backend, {"repository_name": repo, "tag": "v1"})
        new = {"repository_name": repo, "digest": image.digest}
        # when the program pins the same image by digest, then the plain diff says replace...
        assert rules.diff(old, new).replaces
        # ...but the image is the same one, so the provider must not replace (that would delete it)
        assert rules.resolves_to_same_image(backend, old, new)


def test_an_outage_during_the_comparison_fails_the_diff_instead_of_replacing(fake_cloud: FakeCloud) -> None:
    # given an adopted image and a cloud that answers UNAVAILABLE to every call from now on
    image = add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    repo = f"{fake_cloud.registry_id}/app"
    with quick_client(fake_cloud) as backend:
        old = rules.adopt(backend, {"repository_name": repo, "tag": "v1"})
        fake_cloud.model.knobs.unavailable_every = 1
        # when the diff asks whether the new selector names the same image, then it raises (no replace planned)
        with pytest.raises(UnavailableError):
            rules.resolves_to_same_image(backend, old, {"repository_name": repo, "digest": image.digest})
    assert image.id in fake_cloud.model.images


def test_a_selector_naming_another_image_is_a_replace(fake_cloud: FakeCloud) -> None:
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    other = add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v2",))
    repo = f"{fake_cloud.registry_id}/app"
    with quick_client(fake_cloud) as backend:
        old = rules.adopt(backend, {"repository_name": repo, "tag": "v1"})
        assert not rules.resolves_to_same_image(backend, old, {"repository_name": repo, "digest": other.digest})
        assert not rules.resolves_to_same_image(backend, old, {"repository_name": repo, "tag": "nope"})
