"""Image rules that guard against deleting what the stack keeps, over the real client and the fake."""

from __future__ import annotations

import pytest

from harness import FakeCloud
from yc_registry_provider import NoMatchError, RegistryClient, RetryPolicy, UnavailableError, resolve_settings
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


def test_a_new_selector_naming_no_image_fails_the_diff_instead_of_replacing(fake_cloud: FakeCloud) -> None:
    # given an adopted image, when the program's new tag is a typo, then the diff fails (no replace is planned:
    # with delete_before_replace the old image would be gone before the new create fails)
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    repo = f"{fake_cloud.registry_id}/app"
    with quick_client(fake_cloud) as backend:
        old = rules.adopt(backend, {"repository_name": repo, "tag": "v1"})
        with pytest.raises(NoMatchError, match="v1-typo"):
            rules.resolves_to_same_image(backend, old, {"repository_name": repo, "tag": "v1-typo"})


def test_an_image_a_resource_of_the_deployment_holds_is_kept(fake_cloud: FakeCloud) -> None:
    # given a deployment in which a resource adopts an image (a rename: the new name adopts, the old one is deleted)
    image = add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    repo = f"{fake_cloud.registry_id}/app"
    rules.begin_deployment()
    with quick_client(fake_cloud) as backend:
        renamed = rules.adopt(backend, {"repository_name": repo, "tag": "v1"})
        # when the old resource is deleted in the same deployment, then the image stays, said to be kept
        result = rules.delete(backend, renamed["image_id"], renamed)
        assert result.kept and image.id in fake_cloud.model.images
        # and in a later deployment (pulumi destroy) it is deleted
        rules.begin_deployment()
        assert not rules.delete(backend, renamed["image_id"], renamed).kept
    fake_cloud.model.advance()
    assert image.id not in fake_cloud.model.images


def test_an_image_kept_by_a_diff_without_replace_is_held(fake_cloud: FakeCloud) -> None:
    # given two Images on one image, and a deployment where B stays and A moves to another image
    first = add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v2",))
    repo = f"{fake_cloud.registry_id}/app"
    with quick_client(fake_cloud) as backend:
        a = rules.adopt(backend, {"repository_name": repo, "tag": "v1"})
        b = rules.adopt(backend, {"repository_name": repo, "digest": first.digest})
        rules.begin_deployment()
        b_plan = rules.settle_diff(rules.diff(b, {"repository_name": repo, "digest": first.digest}), False, b)
        a_plan = rules.diff(a, {"repository_name": repo, "tag": "v2"})
        a_plan = rules.settle_diff(a_plan, rules.resolves_to_same_image(backend, a, {"repository_name": repo,
                                                                                     "tag": "v2"}), a)
        assert not b_plan.replaces and a_plan.replaces
        rules.adopt(backend, {"repository_name": repo, "tag": "v2"})  # A's replacement
        # when A's old resource is deleted, then the image B still holds is kept
        assert rules.delete(backend, a["image_id"], a).kept
    assert first.id in fake_cloud.model.images
