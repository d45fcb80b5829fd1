"""The native plugin driven over the ResourceProvider protocol, as the engine drives it, against the fake."""

from __future__ import annotations

import json
import time
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, provider_pb2

from yc_registry_provider import RegistryClient, resolve_settings
from yc_registry_provider.lifecycle import image as image_rules
from yc_registry_provider.lifecycle.values import unknown
from yc_registry_provider.lookups import find_image, find_images
from yc_registry_provider.models import IMAGE_OUTPUT_FIELDS
from yc_registry_provider.fake import add_image

from harness.plugin import struct_from
from plugin_support import (PROGRESS_INTERVAL, UNKNOWN, FakeEngine, NativePlugin, Registry, plugin_env, secret,
                            camel, on_wire, snake_keys, struct_to_dict, urn, wire)

IMAGE = "yc-registry:index:Image"
CLEANUP = "yc-registry:index:ImageCleanup"
GET_IMAGES = "yc-registry:index:getImages"
GET_IMAGE = "yc-registry:index:getImage"


@pytest.fixture
def client(registry: Registry) -> Any:
    """A client of the test process aimed at the same fake: the Python functions' answers to compare with."""
    with RegistryClient(resolve_settings({}, {}, registry.env)) as made:
        yield made


def as_json(value: Any) -> Any:
    """Numbers compared as numbers (the wire has only floats); null properties dropped (the wire drops them)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return json.loads(json.dumps(value), parse_int=float)


# -- schema and configuration ------------------------------------------------------------------------------------
def test_plugin_starts_like_the_engine_starts_it(plugin: NativePlugin) -> None:
    info = plugin.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10)
    assert info.version
    assert plugin.startup_seconds < 15


def test_get_schema_names_every_resource_and_function(plugin: NativePlugin) -> None:
    reply = plugin.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=10)
    schema = json.loads(reply.schema)
    assert schema["name"] == "yc-registry"
    assert set(schema["resources"]) == {IMAGE, CLEANUP, "yc-registry:index:FolderMigration"}
    assert set(schema["functions"]) == {GET_IMAGES, GET_IMAGE, "yc-registry:index:getFolderMigration",
                                        "yc-registry:index:verifyMigration"}
    assert set(schema["config"]["variables"]) == {"token", "endpoint", "serviceAccountKeyFile", "folderId",
                                                  "plaintext", "service", "deleteWithHistory", "today"}
    assert schema["config"]["variables"]["token"]["secret"] is True
    assert schema["provider"]["inputProperties"]["token"]["secret"] is True
    for token, resource in schema["resources"].items():
        assert resource["description"], token
        for section in ("inputProperties", "properties"):
            for name, prop in resource[section].items():
                assert prop.get("description"), f"{token}.{section}.{name} has no description"
    for token, function in schema["functions"].items():
        assert function["description"]
        for part in ("inputs", "outputs"):
            for name, prop in function[part]["properties"].items():
                assert prop.get("description"), f"{token}.{part}.{name} has no description"
    refs = {ref.split("/")[-1] for ref in _refs(schema)}
    assert refs <= set(schema["types"])


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_configure_refuses_plaintext_to_a_remote_host(fake_engine: FakeEngine) -> None:
    other = NativePlugin(fake_engine.address, plugin_env())
    try:
        with pytest.raises(grpc.RpcError) as caught:
            other.configure({"endpoint": "example.com:443", "plaintext": True})
        assert "not a loopback address" in str(caught.value.details())
    finally:
        other.close()


def test_configure_accepts_config_variables_and_keeps_the_token_out_of_outputs(
        fake_engine: FakeEngine, registry: Registry) -> None:
    other = NativePlugin(fake_engine.address, plugin_env())
    try:
        other.configure({}, variables={"yc-registry:config:endpoint": registry.server.address,
                                       "yc-registry:config:plaintext": "true",
                                       "yc-registry:config:token": "t1.fake-demo-token"})
        got = other.invoke(GET_IMAGE, {"imageId": registry.images["v1"]})
        assert got["imageId"] == registry.images["v1"]
        assert "fake-demo-token" not in json.dumps(got)
    finally:
        other.close()


# -- functions -----------------------------------------------------------------------------------------------------
def test_get_images_returns_what_the_python_function_returns(plugin: NativePlugin, registry: Registry,
                                                             client: RegistryClient) -> None:
    got = plugin.invoke(GET_IMAGES, {"repositoryName": registry.repository})
    expected = [image.to_dict() for image in find_images(client, repository_name=registry.repository)]
    assert as_json(got["images"]) == as_json(wire(expected))
    assert len(got["images"]) == 5


def test_get_images_by_tag_and_limit(plugin: NativePlugin, registry: Registry, client: RegistryClient) -> None:
    got = plugin.invoke(GET_IMAGES, {"registryId": registry.registry_id, "tag": "latest"})
    assert [image["imageId"] for image in got["images"]] == [registry.images["v2"]]
    limited = plugin.invoke(GET_IMAGES, {"repositoryName": registry.repository, "limit": 2})
    expected = [image.to_dict() for image in find_images(client, repository_name=registry.repository, limit=2)]
    assert as_json(limited["images"]) == as_json(wire(expected))


def test_get_image_returns_what_the_python_function_returns(plugin: NativePlugin, registry: Registry,
                                                            client: RegistryClient) -> None:
    got = plugin.invoke(GET_IMAGE, {"repositoryName": registry.repository, "tag": "latest"})
    expected = find_image(client, repository_name=registry.repository, tag="latest").to_dict()
    assert as_json(got) == as_json(wire(expected))
    assert set(got) == {camel(name) for name in IMAGE_OUTPUT_FIELDS}
    assert "imageId" in got and "image_id" not in got  # the schema's names on the wire
    newest = plugin.invoke(GET_IMAGE, {"repositoryName": registry.repository, "mostRecent": True})
    assert newest["imageId"] == registry.images["newest"]


def invoke_failures(plugin: NativePlugin, tok: str, args: dict[str, Any]) -> list[tuple[str, str]]:
    """An invoke the provider refuses: the protocol's check failures (property, reason), and no return value."""
    reply = plugin.stub.Invoke(provider_pb2.InvokeRequest(tok=tok, args=struct_from(args)), timeout=plugin.timeout)
    assert not struct_to_dict(getattr(reply, "return")), reply
    return [(f.property, f.reason) for f in reply.failures]


def test_get_image_errors_are_the_python_errors(plugin: NativePlugin, registry: Registry) -> None:
    [(field, reason)] = invoke_failures(plugin, GET_IMAGE, {"repositoryName": registry.repository})
    assert field == "repositoryName"
    assert "5 images matched" in reason
    assert "Traceback" not in reason and "Unexpected" not in reason
    [(field, reason)] = invoke_failures(plugin, GET_IMAGE, {"repositoryName": registry.repository, "tag": "nope"})
    assert field == "tag"
    assert 'no image matched tag "nope"' in reason


def test_get_image_refuses_arguments_naming_the_field(plugin: NativePlugin, registry: Registry) -> None:
    [(field, reason)] = invoke_failures(plugin, GET_IMAGE, {"repositoryName": registry.repository,
                                                            "mostRecent": "false"})
    assert field == "mostRecent"
    assert "mostRecent" in reason and "Traceback" not in reason
    [(field, reason)] = invoke_failures(plugin, GET_IMAGE, {"imageId": registry.images["v1"], "colour": "red"})
    assert field == "colour"
    assert "is not an argument of getImage" in reason


def test_get_images_refuses_a_fractional_limit(plugin: NativePlugin, registry: Registry) -> None:
    [(field, reason)] = invoke_failures(plugin, GET_IMAGES, {"repositoryName": registry.repository, "limit": 2.5})
    assert field == "limit"
    assert "limit" in reason and "2.5" in reason


def test_get_images_takes_an_integral_float_limit(plugin: NativePlugin, registry: Registry,
                                                   client: RegistryClient) -> None:
    got = plugin.invoke(GET_IMAGES, {"repositoryName": registry.repository, "limit": 2.0})
    expected = [image.to_dict() for image in find_images(client, repository_name=registry.repository, limit=2)]
    assert len(got["images"]) == 2
    assert as_json(got["images"]) == as_json(wire(expected))


# -- the Image resource --------------------------------------------------------------------------------------------
def test_check_reports_the_same_failures_as_the_rules(plugin: NativePlugin, registry: Registry) -> None:
    bad = {"imageId": registry.images["v1"], "tag": "v1", "deleteTimeout": -1.5}
    reply = plugin.check(urn(IMAGE, "bad"), bad)
    got = [(f.property, f.reason) for f in reply.failures]
    assert got == on_wire(image_rules.check_image(snake_keys(bad)))
    good = plugin.check(urn(IMAGE, "good"), {"repositoryName": registry.repository, "tag": "v1",
                                             "deleteTimeout": 60})
    assert not good.failures
    assert struct_to_dict(good.inputs) == {"repositoryName": registry.repository, "tag": "v1",
                                           "deleteTimeout": 60.0}


def test_check_passes_unknowns_during_preview(plugin: NativePlugin, registry: Registry) -> None:
    """An image_id or repository_name not known yet (an output of another resource) is no failure."""
    reply = plugin.check(urn(IMAGE, "unknown"), {"imageId": UNKNOWN, "deleteTimeout": 60})
    assert not reply.failures
    inputs = struct_to_dict(reply.inputs)
    assert unknown(inputs.pop("imageId")) and inputs == {"deleteTimeout": 60.0}
    by_tag = plugin.check(urn(IMAGE, "unknown"), {"repositoryName": UNKNOWN, "tag": UNKNOWN})
    assert not by_tag.failures
    by_digest = plugin.check(urn(IMAGE, "unknown"), {"repositoryName": UNKNOWN, "digest": UNKNOWN,
                                                     "deleteTimeout": UNKNOWN})
    assert not by_digest.failures, by_digest.failures
    # the known values are still checked
    bad = plugin.check(urn(IMAGE, "unknown"), {"repositoryName": UNKNOWN, "tag": "not a tag"})
    assert [f.property for f in bad.failures] == ["tag"]


def test_create_adopts_and_diff_update_follow_the_rules(plugin: NativePlugin, registry: Registry,
                                                        client: RegistryClient) -> None:
    inputs = {"repositoryName": registry.repository, "tag": "v1"}
    created = plugin.create(urn(IMAGE, "v1"), inputs)
    outs = struct_to_dict(created.properties)
    assert created.id == registry.images["v1"]
    assert as_json(outs) == as_json(wire(image_rules.adopt(client, snake_keys(inputs))))
    assert outs["adoptedBy"] == inputs

    same = plugin.diff(urn(IMAGE, "v1"), created.id, outs, inputs)
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    moved = plugin.diff(urn(IMAGE, "v1"), created.id, outs, {**inputs, "tag": "v2"})
    assert moved.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(moved.replaces) == ["tag"]
    assert moved.detailedDiff["tag"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE

    # the same image named by id instead of by tag: a change, but no replacement (it would delete what it adopts)
    renamed = plugin.diff(urn(IMAGE, "v1"), created.id, outs, {"imageId": registry.images["v1"]})
    assert renamed.changes == provider_pb2.DiffResponse.DIFF_SOME and not list(renamed.replaces)

    longer = {**inputs, "deleteTimeout": 120}
    timed = plugin.diff(urn(IMAGE, "v1"), created.id, outs, longer)
    assert list(timed.diffs) == ["deleteTimeout"] and not list(timed.replaces)
    updated = struct_to_dict(plugin.update(urn(IMAGE, "v1"), created.id, outs, longer).properties)
    assert updated["deleteTimeout"] == 120.0
    assert updated["digest"] == outs["digest"]


def test_a_refresh_after_the_tag_moved_keeps_the_image_and_warns_the_engine(
        plugin: NativePlugin, registry: Registry, fake_engine: FakeEngine) -> None:
    # given an Image adopted by tag "latest" in a repository of its own
    first = add_image(registry.model, registry.registry_id, "moving", tags=("latest",)).id
    inputs = {"repositoryName": f"{registry.registry_id}/moving", "tag": "latest"}
    created = plugin.create(urn(IMAGE, "moving"), inputs)
    # when "latest" is pushed onto a newer image and the engine refreshes the resource
    newer = add_image(registry.model, registry.registry_id, "moving", tags=("latest",)).id
    resource = urn(IMAGE, "moving")
    reply = plugin.read(resource, created.id, struct_to_dict(created.properties), inputs)
    # then the resource stays on the image it adopted, with the user's selector, and says where the tag went
    outs = struct_to_dict(reply.properties)
    assert reply.id == first and outs["imageId"] == first and outs["tagMovedTo"] == newer
    assert struct_to_dict(reply.inputs) == inputs and outs["tags"] == []
    warnings = [entry.message for entry in fake_engine.servicer.logs
                if entry.urn == resource and entry.severity == engine_pb2.WARNING]
    assert any(f"now names image {newer}" in m and first in m for m in warnings), warnings
    # and the next diff against the unchanged program plans nothing (no replace: nothing deleted)
    assert plugin.diff(resource, reply.id, outs, inputs).changes == provider_pb2.DiffResponse.DIFF_NONE


def test_preview_create_touches_nothing(plugin: NativePlugin, registry: Registry) -> None:
    calls = dict(registry.model.calls) if hasattr(registry.model, "calls") else None
    reply = plugin.create(urn(IMAGE, "preview"), {"imageId": registry.images["mid"]}, preview=True)
    assert reply.id == ""
    assert struct_to_dict(reply.properties)["imageId"] == registry.images["mid"]
    if calls is not None:
        assert dict(registry.model.calls) == calls


def test_read_with_only_an_id_imports_the_image(plugin: NativePlugin, registry: Registry,
                                                client: RegistryClient) -> None:
    image_id = registry.images["v2"]
    reply = plugin.read(urn(IMAGE, "imported"), image_id)
    assert reply.id == image_id
    outs = struct_to_dict(reply.properties)
    assert as_json({camel(k): outs[camel(k)] for k in IMAGE_OUTPUT_FIELDS}) == \
        as_json(wire(client.get_image(image_id).to_dict()))
    assert struct_to_dict(reply.inputs) == {"imageId": image_id}
    # the program's inputs for the import (the same id) diff clean against the imported state
    assert plugin.diff(urn(IMAGE, "imported"), image_id, outs, {"imageId": image_id}).changes == \
        provider_pb2.DiffResponse.DIFF_NONE


def test_read_of_a_gone_image_says_so(plugin: NativePlugin) -> None:
    reply = plugin.read(urn(IMAGE, "gone"), "crpnothere0000000000")
    assert reply.id == ""


def test_delete_waits_for_the_operation_and_reports_progress_to_the_engine(
        plugin: NativePlugin, registry: Registry, fake_engine: FakeEngine) -> None:
    image_id = add_image(registry.model, registry.registry_id, "doomed").id  # its own: app stays as seeded
    created = plugin.create(urn(IMAGE, "old"), {"imageId": image_id, "deleteTimeout": 30})
    plugin.new_deployment()  # pulumi destroy: a deployment of its own
    outs = struct_to_dict(created.properties)
    registry.model.knobs.operation_duration = 1.2
    resource = urn(IMAGE, "old")
    try:
        started = time.monotonic()
        plugin.delete(resource, image_id, outs)
        elapsed = time.monotonic() - started
    finally:
        registry.model.knobs.operation_duration = 0.0
    assert elapsed >= 1.0  # the Operation was waited on
    assert image_id not in registry.model.images
    messages = fake_engine.servicer.messages(resource)
    assert any(m.startswith(f"deleting image {image_id}") for m in messages), messages
    (done,) = [m for m in messages if m.startswith(f"deleted image {image_id} (operation ")]
    operation_id = done.split("(operation ", 1)[1].split(",", 1)[0]
    assert operation_id and operation_id != "None", done
    # the "still deleting" messages name the operation the cloud is running
    still = [m for m in messages if m.startswith(f"still deleting image {image_id}")]
    naming = [m for m in still if f"(operation {operation_id})" in m]
    assert len(naming) >= int(1.0 / PROGRESS_INTERVAL) - 2, still
    assert any(m == f"delete of image {image_id} accepted: operation {operation_id}" for m in messages), messages
    # a second delete (the image is gone) succeeds: already gone is not an error
    plugin.delete(resource, image_id, outs)
    assert any("already gone" in m for m in fake_engine.servicer.messages(resource))


def test_custom_delete_timeout_caps_the_wait(plugin: NativePlugin, registry: Registry) -> None:
    # given an adopted image whose delete operation would take 30 s, and customTimeouts.delete of 0.5 s
    image_id = add_image(registry.model, registry.registry_id, "capped").id
    created = plugin.create(urn(IMAGE, "capped"), {"imageId": image_id, "deleteTimeout": 600})
    plugin.new_deployment()
    registry.model.knobs.operation_duration = 30
    try:
        # when the engine deletes it, then the delete fails naming the unfinished operation instead of waiting
        with pytest.raises(grpc.RpcError) as caught:
            plugin.delete(urn(IMAGE, "capped"), image_id, struct_to_dict(created.properties), custom_timeout=0.5)
    finally:
        registry.model.knobs.operation_duration = 0.0
    details = caught.value.details() or ""
    assert f"deleting image {image_id} was not done after 0." in details and "yc operation get" in details
    assert image_id in registry.model.images


def test_secret_inputs_stay_secret(plugin: NativePlugin, registry: Registry) -> None:
    reply = plugin.check(urn(IMAGE, "secret"), {"repositoryName": registry.repository, "tag": secret("v1")})
    wire = reply.inputs.fields["tag"].struct_value.fields
    assert wire["value"].string_value == "v1" and "4dabf18193072939515e22adb298388d" in wire
