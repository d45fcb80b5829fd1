"""ImageCleanup driven exactly as the engine drives it: a real `python -m pulumi.dynamic` process, Configure'd at
the embedded fake, fed registrations captured from a program under mocks. The plugin's stderr (the channel the
engine forwards to the CLI) is captured to check that progress reaches the user."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from harness import DynamicPlugin, FakeCloud, RecordingMocks, run_program
from harness.plugin import UNKNOWN, urn
from pulumi_yc_registry import Image
from pulumi_yc_registry.cleanup import ImageCleanup
from yc_registry_provider.fake import DEMO_TOKEN, add_image

TYPE = "pulumi-python:dynamic/yc-registry:ImageCleanup"
IMAGE_TYPE = "pulumi-python:dynamic/yc-registry:Image"
URN = urn(TYPE, "cleanup")
NOW = datetime.now(timezone.utc)


# -- fixtures and builders ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plugin(dynamic_plugin: DynamicPlugin) -> DynamicPlugin:
    """The module's dynamic plugin process (stderr captured: what the engine would show the user)."""
    return dynamic_plugin


@pytest.fixture
def cloud(module_cloud: FakeCloud) -> Iterator[FakeCloud]:
    """The module's fake, with its knobs reset after each test."""
    yield module_cloud
    module_cloud.reset_knobs()


def registered(**kwargs: Any) -> dict[str, Any]:
    """The inputs of ``ImageCleanup("cleanup", **kwargs)`` exactly as pulumi.dynamic.Resource registers them."""
    mocks = RecordingMocks()
    run_program(lambda: ImageCleanup("cleanup", **kwargs), mocks)
    (resource,) = mocks.resources
    assert resource.typ == TYPE
    return resource.inputs


def create(plugin: DynamicPlugin, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """Check then Create, as the engine does on `pulumi up`; returns (checked inputs, create response)."""
    inputs, failures = plugin.check(URN, {}, registered(**kwargs))
    assert failures == []
    return inputs, plugin.create(URN, inputs)


def remaining(cloud: FakeCloud, ids: list[str]) -> list[str]:
    return [image_id for image_id in ids if image_id in cloud.model.images]


# -- Check --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", ["registry", "repository"])
def test_check_fails_the_preview_for_a_scope_that_does_not_exist(plugin: DynamicPlugin, cloud: FakeCloud,
                                                                 scope: str) -> None:
    # given a registry id with a typo, or a repository never pushed to in an existing registry
    kwargs = ({"registry_id": "crpnosuchregistry"} if scope == "registry"
              else {"repository_name": f"{cloud.registry_id}/never-pushed"})
    # when the engine checks the cleanup (preview)
    _inputs, failures = plugin.check(URN, {}, registered(delete_all=True, **kwargs))
    # then it fails naming the missing id and the folder
    (field, reason), = failures
    assert field == ("registry_id" if scope == "registry" else "repository_name")
    assert ("crpnosuchregistry" if scope == "registry" else f"{cloud.registry_id}/never-pushed") in reason
    assert "folder b1g-fake-folder" in reason


def test_a_cleanup_that_selects_nothing_warns_in_the_engine_log(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    # given a repository whose images are all kept by the rules
    repo, _ids = cloud.repository_with(("v1",), ("v2",))
    # when the cleanup is created
    _inputs, response = create(plugin, repository_name=repo, keep_tags=["v.*"])
    # then it selects nothing and says so as a warning on the channel the CLI shows
    assert response.properties["candidate_count"] == 0
    assert plugin.stderr_containing(f"warning: yc-registry ImageCleanup: ImageCleanup of {repo}: its rules select "
                                    "no image now")


def test_check_normalizes_and_keeps_provider(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    repo, _ids = cloud.repository_with(("v1",))
    news = registered(repository_name=repo, keep_last=3, keep_tags=["v.*"], timeout=60)
    inputs, failures = plugin.check(URN, {}, news)
    assert failures == []
    assert inputs == {"repository_name": repo, "keep_last": 3, "keep_tags": ["v.*"], "untagged_only": False,
                      "delete_all": False, "dry_run": False, "timeout": 60, "tag_match_mode": "any",
                      "recursive": False, "run_on_remove": False, "candidate_ids": [],
                      "__provider": news["__provider"]}


@pytest.mark.parametrize("kwargs, field", [
    ({"keep_last": 1}, "repository_name"),
    ({"repository_name": "crp1/app", "registry_id": "crp1", "keep_last": 1}, "repository_name"),
    ({"repository_name": "crp1/app"}, "delete_all"),
    ({"registry_id": "crp1"}, "delete_all"),
    ({"repository_name": "crp1/Bad_Name", "keep_last": 1}, "repository_name"),
    ({"registry_id": "x" * 51, "keep_last": 1}, "registry_id"),
    ({"repository_name": "crp1/app", "keep_last": -1}, "keep_last"),
    ({"repository_name": "crp1/app", "older_than": "3 days"}, "older_than"),
    ({"repository_name": "crp1/app", "keep_tags": ["ok", "("]}, "keep_tags[1]"),
    ({"repository_name": "crp1/app", "delete_all": True, "concurrency": 99}, "concurrency"),
    ({"repository_name": "crp1/app", "delete_all": True, "timeout": -5}, "timeout"),
])
def test_check_refuses_naming_the_field(plugin: DynamicPlugin, kwargs: dict[str, Any], field: str) -> None:
    _, failures = plugin.check(URN, {}, registered(**kwargs))
    assert [prop for prop, _ in failures] == [field], failures


def test_check_refusal_of_no_rule_explains(plugin: DynamicPlugin) -> None:
    _, failures = plugin.check(URN, {}, registered(registry_id="crp1"))
    (reason,) = [why for _, why in failures]
    assert "would delete every image of registry crp1" in reason and "delete_all" in reason


def test_check_lets_unknowns_pass_but_checks_the_known(plugin: DynamicPlugin) -> None:
    news = registered(registry_id="crp1", keep_last=2)
    _, failures = plugin.check(URN, {}, {**news, "registry_id": UNKNOWN})
    assert failures == []
    _, failures = plugin.check(URN, {}, {**news, "registry_id": UNKNOWN, "older_than": "soon"})
    assert [prop for prop, _ in failures] == ["older_than"]


# -- Create and Read ------------------------------------------------------------------------------------
def test_create_shows_candidates_and_deletes_nothing(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    # given six images: two tagged release, the rest not
    repo, ids = cloud.repository_with(("release-1",), (), ("dev",), (), ("release-2",), ("latest",))
    before = set(cloud.model.images)
    # when created with keep_tags release-* and keep_last 1
    _, created = create(plugin, repository_name=repo, keep_tags=["release-.*"], keep_last=1)
    # then the outputs show what a destroy would delete (oldest first); nothing is deleted
    outs = created.properties
    assert created.id == f"cleanup-{repo}"
    assert outs["candidate_count"] == 3 and outs["candidate_ids"] == [ids[1], ids[2], ids[3]]
    assert outs["keep_tags"] == ["release-.*"] and outs["keep_last"] == 1 and outs.get("registry_id") is None
    assert "__provider" in outs
    assert set(cloud.model.images) == before


def test_read_refreshes_the_candidates(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    repo, ids = cloud.repository_with((), ())
    inputs, created = create(plugin, repository_name=repo, untagged_only=True)
    assert created.properties["candidate_count"] == 2
    # when another untagged image arrives and one is deleted out of band, then a refresh shows it
    path = repo.split("/", 1)[1]
    new = add_image(cloud.model, cloud.registry_id, path, created_at=NOW - timedelta(days=1)).id
    cloud.model.delete_image(ids[0])
    read = plugin.read(URN, created.id, created.properties)
    assert read.id == created.id
    assert read.properties["candidate_count"] == 2 and read.properties["candidate_ids"] == [ids[1], new]
    assert read.inputs is not None and read.inputs["repository_name"] == repo and read.inputs["untagged_only"]
    # and a scope with nothing left reads as zero candidates, the resource staying in state
    cloud.model.delete_image(ids[1])
    cloud.model.delete_image(new)
    empty = plugin.read(URN, created.id, created.properties)
    assert empty.id == created.id and empty.properties["candidate_count"] == 0


# -- Diff and Update ------------------------------------------------------------------------------------
def test_diff_no_change_despite_float_numbers(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    repo, _ = cloud.repository_with(())
    inputs, created = create(plugin, repository_name=repo, keep_last=2, concurrency=4, timeout=30)
    reply = plugin.diff(URN, created.id, created.properties, inputs)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_NONE and list(reply.replaces) == []


def test_rule_change_updates_in_place_and_deletes_nothing(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    repo, ids = cloud.repository_with(("v1",), (), ("v2",), ())
    _, created = create(plugin, repository_name=repo, untagged_only=True)
    assert created.properties["candidate_ids"] == [ids[1], ids[3]]
    news, _ = plugin.check(URN, {}, registered(repository_name=repo, keep_last=1, dry_run=True))
    reply = plugin.diff(URN, created.id, created.properties, news)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_SOME and list(reply.replaces) == []
    updated = plugin.update(URN, created.id, created.properties, news)
    assert updated.properties["candidate_ids"] == ids[:3] and updated.properties["dry_run"] is True
    assert updated.properties["untagged_only"] is False and updated.properties["keep_last"] == 1
    assert remaining(cloud, ids) == ids


def test_a_move_to_another_registry_replaces_and_a_move_inside_one_updates(plugin: DynamicPlugin,
                                                                          cloud: FakeCloud) -> None:
    repo, _ = cloud.repository_with(())
    other, _ = cloud.repository_with(())
    _, created = create(plugin, repository_name=repo, delete_all=True)
    elsewhere, _ = plugin.check(URN, {}, registered(repository_name="crpelsewhere/app", delete_all=True))
    reply = plugin.diff(URN, created.id, created.properties, elsewhere)
    assert list(reply.replaces) == ["repository_name"] and not reply.deleteBeforeReplace
    unknown = {**elsewhere, "repository_name": UNKNOWN}
    assert list(plugin.diff(URN, created.id, created.properties, unknown).replaces) == ["repository_name"]
    inside, _ = plugin.check(URN, {}, registered(repository_name=other, delete_all=True))
    reply = plugin.diff(URN, created.id, created.properties, inside)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_SOME and list(reply.replaces) == []


# -- Delete -----------------------------------------------------------------------------------------------
def test_delete_empties_exactly_the_selected_and_reports_progress(plugin: DynamicPlugin,
                                                                  cloud: FakeCloud) -> None:
    # given a repository with protected and unprotected images, and another repository
    repo, ids = cloud.repository_with(("release-1",), (), ("dev",), (), ("latest",), ())
    _, bystanders = cloud.repository_with((), ())
    _, created = create(plugin, repository_name=repo, keep_tags=["release-.*", "latest"], concurrency=2)
    assert created.properties["candidate_count"] == 4
    # when destroyed
    plugin.delete(URN, created.id, created.properties)
    # then exactly the candidates are gone, the protected and the other repository's images stay
    assert remaining(cloud, ids) == [ids[0], ids[4]]
    assert remaining(cloud, bystanders) == bystanders
    # and progress reached the plugin's stderr (forwarded by the engine to the CLI)
    assert plugin.stderr_containing(f"info: yc-registry ImageCleanup: cleanup of repository {repo}: deleting 4 images")
    (done,) = plugin.stderr_containing(f"Cleanup of repository {repo}: 4 of 6 images selected")
    assert done.startswith("info: ") and "deleted 4, already gone 0, skipped 0, failed 0" in done
    # and a second destroy (nothing left to select) is fine
    plugin.delete(URN, created.id, created.properties)


def test_a_cleanup_removed_during_up_deletes_nothing_and_says_how_to_run_it(plugin: DynamicPlugin,
                                                                           cloud: FakeCloud) -> None:
    # given a stack with an ImageCleanup (delete_all), made by `pulumi up`
    repo, ids = cloud.repository_with((), ("v1",), ())
    _, cleanup = create(plugin, repository_name=repo, delete_all=True)
    # when the next `pulumi up` (the plugin's parent runs `pulumi up`) deletes it, removed from the program
    plugin.new_deployment(command="up")
    plugin.delete(URN, cleanup.id, cleanup.properties)
    # then no image went, and the warning names it and the command that runs it
    assert remaining(cloud, ids) == ids
    (warning,) = [line for line in plugin.stderr_containing("its cleanup did NOT run") if line.startswith("warning: ")]
    assert f"yc-registry cleanup --repository {repo} --delete-all --yes" in warning
    assert "pulumi destroy --target" in warning and "run_on_remove=True" in warning
    # and the same delete under `pulumi destroy` runs it
    plugin.new_deployment(command="destroy")
    plugin.delete(URN, cleanup.id, cleanup.properties)
    assert remaining(cloud, ids) == []


def test_a_delete_whose_command_cannot_be_told_deletes_nothing(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    # given a cleanup, and a plugin with no `pulumi` process above it that served no program call
    repo, ids = cloud.repository_with((), ())
    _, cleanup = create(plugin, repository_name=repo, delete_all=True)
    plugin.new_deployment(command=None)
    # when it is deleted / then nothing goes (the safe way) and the warning says it could not tell
    plugin.delete(URN, cleanup.id, cleanup.properties)
    assert remaining(cloud, ids) == ids
    assert plugin.stderr_containing("could not tell")
    plugin.new_deployment(command="destroy")


def test_a_cleanup_removed_during_up_that_opted_in_spares_what_a_remaining_image_adopts(plugin: DynamicPlugin,
                                                                          cloud: FakeCloud) -> None:
    # given a stack with an ImageCleanup (delete_all) and an Image adopting one image of the same repository
    repo, ids = cloud.repository_with((), ("v1",), ())
    _, cleanup = create(plugin, repository_name=repo, delete_all=True, run_on_remove=True)
    mocks = RecordingMocks()
    run_program(lambda: Image("kept", repository_name=repo, tag="v1"), mocks)
    image_urn = urn(IMAGE_TYPE, "kept")
    image_inputs, _ = plugin.check(image_urn, {}, mocks.resources[0].inputs)
    image = plugin.create(image_urn, image_inputs)
    # when the next `pulumi up` keeps the Image (its diff) and deletes the ImageCleanup removed from the program
    plugin.new_deployment(command="up")
    assert plugin.diff(image_urn, image.id, image.properties, image_inputs).changes == \
        provider_pb2.DiffResponse.DIFF_NONE
    plugin.delete(URN, cleanup.id, cleanup.properties)
    # then the images nobody adopts are gone, the adopted one stays, and the report says it was kept and why
    assert remaining(cloud, ids) == [ids[1]]
    (done,) = plugin.stderr_containing(f"Cleanup of repository {repo}: 3 of 3 images selected")
    assert "deleted 2," in done and f"kept 1 selected: {ids[1]} (an Image of this deployment still adopts it)" in done
    plugin.new_deployment(command="destroy")  # the module's plugin serves destroys again


def test_delete_of_a_registry_scope_with_keep_last_per_repository(plugin: DynamicPlugin,
                                                                   cloud: FakeCloud) -> None:
    from yc_registry_provider.fake import add_registry

    registry = add_registry(cloud.model, name="scoped")
    kept, gone = [], []
    for path in ("api", "web"):
        ids = [add_image(cloud.model, registry.id, path, created_at=NOW - timedelta(days=10 - n)).id for n in range(3)]
        gone += ids[:2]
        kept.append(ids[2])
    _, created = create(plugin, registry_id=registry.id, keep_last=1)
    assert created.id == f"cleanup-{registry.id}" and created.properties["candidate_count"] == 4
    plugin.delete(URN, created.id, created.properties)
    assert remaining(cloud, gone) == [] and remaining(cloud, kept) == kept


def test_dry_run_deletes_nothing_and_says_what_would_go(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    repo, ids = cloud.repository_with((), ())
    _, created = create(plugin, repository_name=repo, delete_all=True, dry_run=True)
    plugin.delete(URN, created.id, created.properties)
    assert remaining(cloud, ids) == ids
    (line,) = plugin.stderr_containing(f"Cleanup of repository {repo} (dry run)")
    assert "would delete 2" in line and "nothing deleted" in line


def test_read_only_registry_explains_and_deletes_nothing(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    repo, ids = cloud.repository_with((), (), ())
    _, created = create(plugin, repository_name=repo, delete_all=True)
    cloud.model.knobs.read_only = True
    with pytest.raises(grpc.RpcError) as caught:
        plugin.delete(URN, created.id, created.properties)
    # then the Delete RPC fails (the engine keeps the resource in state) with the plain explanation
    details = caught.value.details()
    assert "CleanupFailedError" in details and "read-only since 2026-11-10" in details
    assert "deleted 0" in details and "stopped at the first refusal" in details
    assert "run the cleanup again" not in details  # advice that cannot help a read-only registry
    assert remaining(cloud, ids) == ids


def test_interrupted_cleanup_continues_on_the_next_destroy(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    # given five candidates, one of which the cloud fails to delete
    repo, ids = cloud.repository_with((), (), (), (), ())
    _, created = create(plugin, repository_name=repo, delete_all=True)
    cloud.model.knobs.failing_images.add(ids[2])
    # when destroyed, then it fails with a summary naming the image and why; the others are gone for good
    with pytest.raises(grpc.RpcError) as caught:
        plugin.delete(URN, created.id, created.properties)
    details = caught.value.details()
    assert "deleted 4, already gone 0, skipped 0, failed 1" in details
    assert ids[2] in details and "injected failure" in details
    assert remaining(cloud, ids) == [ids[2]]
    # when the trouble is gone and destroy runs again (same state), then it continues with what is left
    cloud.model.knobs.failing_images.clear()
    plugin.delete(URN, created.id, created.properties)
    assert remaining(cloud, ids) == []


def test_timeout_stops_the_run_and_the_next_run_continues(plugin: DynamicPlugin, cloud: FakeCloud) -> None:
    # given deletes that take 0.3 s each, one at a time, and a 0.5 s timeout
    repo, ids = cloud.repository_with((), (), (), (), (), ())
    _, created = create(plugin, repository_name=repo, delete_all=True, concurrency=1, timeout=0.5)
    cloud.model.knobs.operation_duration = 0.3
    with pytest.raises(grpc.RpcError) as caught:
        plugin.delete(URN, created.id, created.properties)
    details = caught.value.details()
    # images not started in time are "not attempted"; one whose delete operation outlived the deadline "failed"
    assert "the timeout ran out" in details or "not done in time" in details, details
    assert "what was deleted stays deleted; run the cleanup again to continue" in details
    assert remaining(cloud, ids), "a 0.5 s budget cannot delete six 0.3 s deletes one at a time"
    # when run again with fast deletes, then the rest goes
    cloud.model.knobs.operation_duration = 0.0
    plugin.delete(URN, created.id, created.properties)
    assert remaining(cloud, ids) == []


# -- __provider ------------------------------------------------------------------------------------------
def test_provider_is_a_small_token_free_reference() -> None:
    serialized = registered(repository_name="crp1/app", delete_all=True)["__provider"]
    decoded = base64.b64decode(serialized)
    assert len(serialized) < 300
    assert b"yc_registry_provider.dynamic.cleanup" in decoded and b"ImageCleanupProvider" in decoded
    assert DEMO_TOKEN.encode() not in decoded
