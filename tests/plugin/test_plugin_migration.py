"""The native plugin's FolderMigration and its invokes over the ResourceProvider protocol: the same rules as the
dynamic resource (lifecycle.migration), camelCase on the wire, progress to the engine's log against the URN."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from plugin_support import FakeEngine, NativePlugin, Registry, struct_to_dict, urn
from pulumi.runtime.proto import provider_pb2

from yc_registry_provider.fake import DEMO_FOLDER_ID, add_image, add_registry

MIGRATION = "yc-registry:index:FolderMigration"


def create(plugin: NativePlugin, name: str, **inputs: Any) -> tuple[str, dict[str, Any]]:
    reply = plugin.check(urn(MIGRATION, name), inputs)
    assert not reply.failures, reply.failures
    created = plugin.create(urn(MIGRATION, name), struct_to_dict(reply.inputs))
    return created.id, struct_to_dict(created.properties)


def test_bad_inputs_are_refused_by_check_before_any_call(plugin: NativePlugin, registry: Registry) -> None:
    calls = sum(registry.model.calls.values())
    reply = plugin.check(urn(MIGRATION, "bad"), {"timeout": -1, "disableRedirects": "yes"})
    fields = {f.property for f in reply.failures}
    assert fields == {"folderId", "timeout", "disableRedirects"}
    assert sum(registry.model.calls.values()) == calls


def test_folder_migration_is_started_once_adopted_after_verified_and_delete_changes_nothing(
        plugin: NativePlugin, registry: Registry, fake_engine: FakeEngine) -> None:
    # given a folder never migrated
    before = plugin.invoke("yc-registry:index:getFolderMigration", {"folderId": DEMO_FOLDER_ID})
    assert before["exists"] is False and before["status"] == "NOT_STARTED"
    # when a FolderMigration is created
    resource_id, outs = create(plugin, "first", folderId=DEMO_FOLDER_ID, timeout=60)
    # then it started the migration, which completed, and all 5 images are verified in Cloud Registry
    assert resource_id == DEMO_FOLDER_ID and outs["status"] == "COMPLETED" and outs["startedHere"] is True
    assert outs["registryIds"] == [registry.registry_id] and outs["missingCount"] == 0
    messages = fake_engine.servicer.messages(urn(MIGRATION, "first"))
    assert any("EVERY registry of the folder moves" in m for m in messages)
    assert any("COMPLETED: registries 1/1, repositories 1/1, tags 6/6" in m for m in messages)
    # when a second resource names the same folder, then it adopts the completed migration: never a second start
    _id, second = create(plugin, "second", folderId=DEMO_FOLDER_ID)
    assert second["startedHere"] is False and second["status"] == "COMPLETED"
    assert registry.model.calls["CloudRegistry.MigrationService.StartFolder"] == 1
    # and the invokes read the same state
    after = plugin.invoke("yc-registry:index:getFolderMigration", {"folderId": DEMO_FOLDER_ID})
    assert after["complete"] is True and after["tags"]["completed"] == 6
    checked = plugin.invoke("yc-registry:index:verifyMigration", {"registryId": registry.registry_id})
    assert checked["missingCount"] == 0 and checked["imageCount"] == 5
    # when deleted, then nothing changes in the cloud, and the log says so
    artifacts = dict(registry.model.cloud_registry.artifacts)
    plugin.stub.Delete(provider_pb2.DeleteRequest(urn=urn(MIGRATION, "first"), id=resource_id,
                                                  properties=_struct(outs)), timeout=30)
    assert registry.model.cloud_registry.artifacts == artifacts
    assert any("nothing changed in the cloud" in m for m in fake_engine.servicer.messages(urn(MIGRATION, "first")))


def test_a_start_operation_ending_with_an_error_names_the_failed_tags_on_create_and_in_the_invoke(
        plugin: NativePlugin, registry: Registry) -> None:
    # given a folder of its own whose StartFolder Operation ends with "failed for 1 tag(s)" (naming none), while
    # the dashboard's top_failed_tags names app:broken
    folder = "b1g-start-fails"
    other = add_registry(registry.model, folder_id=folder, name="start-fails").id
    add_image(registry.model, other, "app", tags=("ok",))
    add_image(registry.model, other, "app", tags=("broken",))
    knobs = registry.model.cloud_registry.knobs
    knobs.start_operation_spans_migration = True
    knobs.failing_tags[f"{other}/app:broken"] = ("BLOB_UNKNOWN", "layer sha256:ab missing")
    named = f"{other}/app:broken (BLOB_UNKNOWN: layer sha256:ab missing)"
    try:
        # when the plugin creates a FolderMigration of it
        reply = plugin.check(urn(MIGRATION, "fails"), {"folderId": folder, "timeout": 60})
        with pytest.raises(grpc.RpcError) as caught:
            plugin.create(urn(MIGRATION, "fails"), struct_to_dict(reply.inputs))
        # then the create fails naming the tag, and getFolderMigration names it too
        assert named in caught.value.details() and "failed for 1 tag(s)" in caught.value.details()
        found = plugin.invoke("yc-registry:index:getFolderMigration", {"folderId": folder})
        assert found["failedTags"] == [named]
    finally:
        knobs.start_operation_spans_migration = False
        knobs.failing_tags.clear()


def test_an_invoke_with_a_wrong_argument_names_it(plugin: NativePlugin) -> None:
    reply = plugin.stub.Invoke(provider_pb2.InvokeRequest(tok="yc-registry:index:verifyMigration",
                                                          args=_struct({"folderId": "f", "registryId": "r"})),
                               timeout=30)
    assert [f.property for f in reply.failures] == ["folderId"]
    assert "exactly one of folderId or registryId" in reply.failures[0].reason


def _struct(values: dict[str, Any]) -> Any:
    from harness import struct_from

    return struct_from(values)
