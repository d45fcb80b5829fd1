"""The Image resource driven exactly as the engine drives it: a real `python -m pulumi.dynamic` process,
Configure'd at the embedded fake, fed registrations captured from a program under mocks."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import subprocess
import sys
import time
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from harness import FakeCloud
from harness import REPO_ROOT, DynamicPlugin, RecordingMocks, run_program
from harness.plugin import urn
from pulumi_yc_registry import Image
from yc_registry_provider.fake import DEMO_TOKEN, Image as FakeImage, add_image

TYPE = "pulumi-python:dynamic/yc-registry:Image"
_names = itertools.count(1)


# -- builders -----------------------------------------------------------------------------------
def registered(**kwargs: Any) -> dict[str, Any]:
    """The inputs of ``Image("img", **kwargs)`` exactly as pulumi.dynamic.Resource registers them."""
    mocks = RecordingMocks()
    run_program(lambda: Image("img", **kwargs), mocks)
    (resource,) = mocks.resources
    assert resource.typ == TYPE
    return resource.inputs


def repo_with(cloud: FakeCloud, *tag_sets: tuple[str, ...]) -> tuple[str, list[FakeImage]]:
    """A new repository holding one image per tag set; returns its full name and the images."""
    path = f"repo{next(_names)}"
    images = [add_image(cloud.model, cloud.registry_id, path, tags=tags) for tags in tag_sets]
    return f"{cloud.registry_id}/{path}", images


def adopt(plugin: DynamicPlugin, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """Check then Create, as the engine does on `pulumi up`; returns (checked inputs, create response)."""
    news = registered(**kwargs)
    inputs, failures = plugin.check(urn(TYPE, "img"), {}, news)
    assert failures == []
    return inputs, plugin.create(urn(TYPE, "img"), inputs)


# -- Check ----------------------------------------------------------------------------------------
def test_check_accepts_valid_inputs_and_keeps_provider(dynamic_plugin: DynamicPlugin) -> None:
    # given inputs registered for an Image adopted by tag
    news = registered(repository_name="crp1/app", tag="v1", delete_timeout=60)
    # when the engine checks them
    inputs, failures = dynamic_plugin.check(urn(TYPE, "img"), {}, news)
    # then they pass, normalized, with __provider kept
    assert failures == []
    assert inputs == {"repository_name": "crp1/app", "tag": "v1", "delete_timeout": 60.0,
                      "__provider": news["__provider"]}


@pytest.mark.parametrize("kwargs, field", [
    ({}, "image_id"),
    ({"repository_name": "crp1/app"}, "tag"),
    ({"tag": "v1"}, "repository_name"),
    ({"image_id": "x" * 51}, "image_id"),
    ({"image_id": "crpi1", "tag": "v1"}, "image_id"),
    ({"repository_name": "crp1/Bad_Name", "tag": "v1"}, "repository_name"),
    ({"repository_name": "crp1/app", "tag": "-bad"}, "tag"),
    ({"repository_name": "crp1/app", "digest": "md5:zz"}, "digest"),
    ({"image_id": "crpi1", "delete_timeout": -1}, "delete_timeout"),
])
def test_check_names_the_failing_field(dynamic_plugin: DynamicPlugin, kwargs: dict[str, Any], field: str) -> None:
    # given invalid inputs; when checked; then the failure names the field
    _, failures = dynamic_plugin.check(urn(TYPE, "img"), {}, registered(**kwargs))
    assert field in [prop for prop, _ in failures], failures


# -- Create ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["id", "tag", "digest"])
def test_create_adopts_an_existing_image(dynamic_plugin: DynamicPlugin, module_cloud: FakeCloud, by: str) -> None:
    # given a repository with two images
    repo, (old, new) = repo_with(module_cloud, ("v1",), ("v2", "latest"))
    selector = {"id": {"image_id": new.id}, "tag": {"repository_name": repo, "tag": "latest"},
                "digest": {"repository_name": repo, "digest": new.digest}}[by]
    before = set(module_cloud.model.images)
    # when the engine creates the resource
    _, created = adopt(dynamic_plugin, **selector)
    # then the new image is adopted, every field recorded, nothing changed in the cloud
    outs = created.properties
    assert created.id == new.id
    assert outs["image_id"] == new.id and outs["digest"] == new.digest
    assert outs["compressed_size"] == new.compressed_size
    assert outs["tags"] == ["v2", "latest"] and outs["repository"] == repo.split("/", 1)[1]
    assert outs["uri"] == f"cr.yandex/{repo}@{new.digest}"
    assert outs["tag_uris"] == [f"cr.yandex/{repo}:v2", f"cr.yandex/{repo}:latest"]
    assert outs["config"]["digest"] == new.config.digest and len(outs["layers"]) == 1
    assert outs["created_at"].endswith("Z") and outs["registry_id"] == module_cloud.registry_id
    assert "__provider" in outs
    assert set(module_cloud.model.images) == before


def test_create_fails_clearly_when_nothing_matches(dynamic_plugin: DynamicPlugin, module_cloud: FakeCloud) -> None:
    repo, _ = repo_with(module_cloud, ("v1",))
    news = registered(repository_name=repo, tag="nope")
    inputs, _ = dynamic_plugin.check(urn(TYPE, "img"), {}, news)
    with pytest.raises(grpc.RpcError) as caught:
        dynamic_plugin.create(urn(TYPE, "img"), inputs)
    assert "no image matched" in caught.value.details() and '"nope"' in caught.value.details()


# -- Read -----------------------------------------------------------------------------------------
def test_read_refreshes_and_an_out_of_band_delete_empties_the_id(dynamic_plugin: DynamicPlugin,
                                                                 module_cloud: FakeCloud) -> None:
    # given an adopted image
    repo, (image,) = repo_with(module_cloud, ("v1",))
    _, created = adopt(dynamic_plugin, repository_name=repo, tag="v1")
    # when refreshed, then outputs and inputs come back
    read = dynamic_plugin.read(urn(TYPE, "img"), created.id, created.properties)
    assert read.id == image.id and read.properties["digest"] == image.digest
    assert read.inputs is not None and read.inputs["repository_name"] == repo and read.inputs["tag"] == "v1"
    # when the image is deleted out of band, then a refresh empties the id
    module_cloud.model.delete_image(image.id)
    module_cloud.model.advance()  # the fake's operations finish on the next read: this is it
    assert image.id not in module_cloud.model.images
    gone = dynamic_plugin.read(urn(TYPE, "img"), created.id, created.properties)
    assert gone.id == ""


def test_a_refresh_after_the_tag_moved_keeps_the_image_and_says_where_the_tag_went(dynamic_plugin: DynamicPlugin,
                                                                                   module_cloud: FakeCloud) -> None:
    # given an Image adopted by tag "latest"
    repo, (first,) = repo_with(module_cloud, ("v1", "latest"))
    inputs, created = adopt(dynamic_plugin, repository_name=repo, tag="latest")
    # when a newer image is pushed as "latest" and the stack is refreshed
    newer = add_image(module_cloud.model, module_cloud.registry_id, repo.split("/", 1)[1], tags=("v2", "latest"))
    read = dynamic_plugin.read(urn(TYPE, "img"), created.id, created.properties)
    # then the Image stays on the image it adopted, with the user's selector, and reports where the tag went
    assert read.id == first.id and read.properties["image_id"] == first.id
    assert read.inputs is not None and read.inputs["tag"] == "latest" and read.inputs["repository_name"] == repo
    assert read.properties["adopted_by"] == {"repository_name": repo, "tag": "latest"}
    assert read.properties["tags"] == ["v1"] and read.properties["tag_moved_to"] == newer.id
    # and a warning naming both images reaches the CLI (the plugin's stderr)
    (warning,) = dynamic_plugin.stderr_containing(f"now names image {newer.id}")
    assert warning.startswith("warning: yc-registry Image: ") and first.id in warning
    # and the next up (the program unchanged) plans nothing: no replace, so nothing is deleted
    reply = dynamic_plugin.diff(urn(TYPE, "img"), read.id, read.properties, inputs)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_NONE and list(reply.replaces) == []


def test_a_refresh_after_the_tag_was_removed_keeps_the_image(dynamic_plugin: DynamicPlugin,
                                                            module_cloud: FakeCloud) -> None:
    # given an Image adopted by tag, and the tag then removed from every image
    repo, (image,) = repo_with(module_cloud, ("v1", "rc"))
    inputs, created = adopt(dynamic_plugin, repository_name=repo, tag="rc")
    module_cloud.model.put_images([dataclasses.replace(module_cloud.model.images[image.id], tags=("v1",))])
    # when refreshed, then the image and selector stay, no image is named, and the user is told
    read = dynamic_plugin.read(urn(TYPE, "img"), created.id, created.properties)
    assert read.id == image.id and read.inputs is not None and read.inputs["tag"] == "rc"
    assert read.properties["tags"] == ["v1"] and read.properties.get("tag_moved_to") is None  # null: dropped
    assert dynamic_plugin.stderr_containing(f"tag rc of {repo} names no image any more (the adopted image {image.id}")
    assert dynamic_plugin.diff(urn(TYPE, "img"), read.id, read.properties, inputs).changes == \
        provider_pb2.DiffResponse.DIFF_NONE


def test_state_whose_tag_an_older_refresh_dropped_updates_in_place(dynamic_plugin: DynamicPlugin,
                                                                  module_cloud: FakeCloud) -> None:
    # given state written by an older version's refresh after "latest" moved: the selector lost its tag
    repo, (first,) = repo_with(module_cloud, ("latest",))
    inputs, created = adopt(dynamic_plugin, repository_name=repo, tag="latest")
    add_image(module_cloud.model, module_cloud.registry_id, repo.split("/", 1)[1], tags=("latest",))
    legacy = {**created.properties, "tag": None, "adopted_by": {"repository_name": repo}}
    # when the unchanged program (tag "latest") is diffed against it, then it updates in place: no replace
    reply = dynamic_plugin.diff(urn(TYPE, "img"), first.id, legacy, inputs)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_SOME and list(reply.replaces) == []
    updated = dynamic_plugin.update(urn(TYPE, "img"), first.id, legacy, inputs)
    assert updated.properties["image_id"] == first.id
    assert updated.properties["adopted_by"] == {"repository_name": repo, "tag": "latest"}


def test_read_for_get_uses_the_id_alone(dynamic_plugin: DynamicPlugin, module_cloud: FakeCloud) -> None:
    # given an image and the inputs Image.get registers
    _, (image,) = repo_with(module_cloud, ("v1",))
    mocks = RecordingMocks()
    run_program(lambda: Image.get("got", image.id), mocks)
    inputs = mocks.resources[0].inputs
    # when read with no prior properties (as for a get), then the image is found by id
    read = dynamic_plugin.read(urn(TYPE, "got"), image.id, {}, inputs=inputs)
    assert read.id == image.id and read.properties["tags"] == ["v1"]


# -- Diff and Update --------------------------------------------------------------------------------
def test_diff_no_change(dynamic_plugin: DynamicPlugin, module_cloud: FakeCloud) -> None:
    repo, _ = repo_with(module_cloud, ("v1",))
    inputs, created = adopt(dynamic_plugin, repository_name=repo, tag="v1")
    reply = dynamic_plugin.diff(urn(TYPE, "img"), created.id, created.properties, inputs)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_NONE and list(reply.replaces) == []


def test_diff_changed_image_replaces_create_before_delete(dynamic_plugin: DynamicPlugin,
                                                          module_cloud: FakeCloud) -> None:
    # given an image adopted by digest, and a newer one
    repo, (old, new) = repo_with(module_cloud, ("v1",), ("v2",))
    _, created = adopt(dynamic_plugin, repository_name=repo, digest=old.digest)
    news, _ = dynamic_plugin.check(urn(TYPE, "img"), {}, registered(repository_name=repo, digest=new.digest))
    # when the program rolls out the new digest
    reply = dynamic_plugin.diff(urn(TYPE, "img"), created.id, created.properties, news)
    # then the resource is replaced (new adopted first, old deleted after)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(reply.replaces) == ["digest"] and not reply.deleteBeforeReplace


def test_diff_to_another_selector_of_the_same_image_does_not_replace(dynamic_plugin: DynamicPlugin,
                                                                      module_cloud: FakeCloud) -> None:
    repo, (image,) = repo_with(module_cloud, ("v1",))
    _, created = adopt(dynamic_plugin, repository_name=repo, tag="v1")
    news, _ = dynamic_plugin.check(urn(TYPE, "img"), {}, registered(image_id=image.id))
    reply = dynamic_plugin.diff(urn(TYPE, "img"), created.id, created.properties, news)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_SOME and list(reply.replaces) == []


def test_delete_timeout_change_updates_in_place_keeping_outputs(dynamic_plugin: DynamicPlugin,
                                                                module_cloud: FakeCloud) -> None:
    # given an adopted image
    repo, (image,) = repo_with(module_cloud, ("v1",))
    _, created = adopt(dynamic_plugin, repository_name=repo, tag="v1")
    news, _ = dynamic_plugin.check(urn(TYPE, "img"), {}, registered(repository_name=repo, tag="v1",
                                                                     delete_timeout=120))
    # when only delete_timeout changes
    reply = dynamic_plugin.diff(urn(TYPE, "img"), created.id, created.properties, news)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_SOME and list(reply.replaces) == []
    updated = dynamic_plugin.update(urn(TYPE, "img"), created.id, created.properties, news)
    # then the update keeps every output and records the new timeout
    assert updated.properties["delete_timeout"] == 120
    for key in ("image_id", "digest", "uri", "tags", "compressed_size", "layers"):
        assert updated.properties[key] == created.properties[key]


# -- Delete ---------------------------------------------------------------------------------------
def test_delete_waits_for_the_operation(dynamic_plugin: DynamicPlugin, module_cloud: FakeCloud) -> None:
    # given an adopted image whose delete takes half a second
    repo, (image, other) = repo_with(module_cloud, ("v1",), ("v2",))
    _, created = adopt(dynamic_plugin, repository_name=repo, tag="v1")
    dynamic_plugin.new_deployment()  # pulumi destroy: a deployment of its own
    module_cloud.model.knobs.operation_duration = 0.5
    try:
        started = time.monotonic()
        dynamic_plugin.delete(urn(TYPE, "img"), created.id, created.properties)
        took = time.monotonic() - started
    finally:
        module_cloud.model.knobs.operation_duration = 0.0
    # then Delete returned only once the image was gone; the other image stays
    assert took >= 0.45
    assert image.id not in module_cloud.model.images and other.id in module_cloud.model.images
    # and the user was told (the plugin's stderr reaches the CLI), naming the operation
    (waiting,) = dynamic_plugin.stderr_containing(f"yc-registry Image: deleting image {image.id}: waiting for operation")
    operation_id = waiting.split("waiting for operation ", 1)[1].split()[0]
    assert dynamic_plugin.stderr_containing(f"image {image.id} deleted (operation {operation_id})")
    # and deleting it again (already gone) is fine, and said so
    dynamic_plugin.delete(urn(TYPE, "img"), created.id, created.properties)
    assert dynamic_plugin.stderr_containing(f"image {image.id} was already gone")


def test_delete_surfaces_a_failing_operation(dynamic_plugin: DynamicPlugin, module_cloud: FakeCloud) -> None:
    repo, (image,) = repo_with(module_cloud, ("v1",))
    _, created = adopt(dynamic_plugin, image_id=image.id)
    dynamic_plugin.new_deployment()
    module_cloud.model.knobs.failing_images.add(image.id)
    with pytest.raises(grpc.RpcError) as caught:
        dynamic_plugin.delete(urn(TYPE, "img"), created.id, created.properties)
    details = caught.value.details()
    assert "OperationFailedError" in details and "injected failure" in details
    op_id = next(op.id for op in module_cloud.model.operations.values() if op.image_id == image.id)
    assert op_id in details and image.id in module_cloud.model.images


def test_delete_on_a_read_only_registry_explains(dynamic_plugin: DynamicPlugin, module_cloud: FakeCloud) -> None:
    repo, (image,) = repo_with(module_cloud, ("v1",))
    _, created = adopt(dynamic_plugin, image_id=image.id)
    dynamic_plugin.new_deployment()
    module_cloud.model.knobs.read_only = True
    try:
        with pytest.raises(grpc.RpcError) as caught:
            dynamic_plugin.delete(urn(TYPE, "img"), created.id, created.properties)
    finally:
        module_cloud.model.knobs.read_only = False
    assert "RegistryReadOnlyError" in caught.value.details() and "read-only since 2026-11-10" in caught.value.details()


def test_a_renamed_image_keeps_the_image_it_still_adopts(dynamic_plugin: DynamicPlugin,
                                                        module_cloud: FakeCloud) -> None:
    # given an up in which a renamed Image (no alias) adopts the image the old name held
    repo, (image,) = repo_with(module_cloud, ("v1",))
    _, old = adopt(dynamic_plugin, repository_name=repo, tag="v1")
    dynamic_plugin.new_deployment()
    _, renamed = adopt(dynamic_plugin, repository_name=repo, tag="v1")
    # when the engine deletes the old name in that same up, then the image stays and the user is told why
    dynamic_plugin.delete(urn(TYPE, "old-name"), old.id, old.properties)
    assert image.id in module_cloud.model.images and renamed.id == image.id
    assert dynamic_plugin.stderr_containing(f"image {image.id} kept: another resource of this stack still adopts it")
    # and a later destroy deletes it
    dynamic_plugin.new_deployment()
    dynamic_plugin.delete(urn(TYPE, "img"), renamed.id, renamed.properties)
    module_cloud.model.advance()
    assert image.id not in module_cloud.model.images


# -- __provider -----------------------------------------------------------------------------------
def test_provider_is_small_token_free_and_identical_across_runs(module_cloud: FakeCloud) -> None:
    # given the __provider of a registration made while a token is configured
    here = registered(image_id="crpi1")["__provider"]
    decoded = base64.b64decode(here)
    # then it is a reference to the installed class, short, without the token
    assert len(here) < 300 and b"yc_registry_provider.dynamic.image" in decoded and b"ImageProvider" in decoded
    assert DEMO_TOKEN.encode() not in decoded and b"t1." not in decoded
    # and another process serializes it identically
    code = ("import sys; sys.path.insert(0, 'tests'); from test_image_plugin import registered; "
            "print(registered(image_id='crpi1')['__provider'])")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=str(REPO_ROOT), timeout=60)
    assert other.stdout.strip().splitlines()[-1] == here
