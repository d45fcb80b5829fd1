"""The native plugin's ImageCleanup over the ResourceProvider protocol: nothing changes while it exists, the
outputs show what a destroy would delete, the cleanup runs at Delete (lifecycle.cleanup, as the dynamic one)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import grpc
import pytest
from pulumi.runtime.proto import engine_pb2, provider_pb2

from yc_registry_provider import RegistryClient, resolve_settings
from yc_registry_provider.errors import SUNSET_EXPLANATION
from yc_registry_provider.fake import add_image, add_registry
from yc_registry_provider.lifecycle import cleanup as cleanup_rules
from yc_registry_provider.lifecycle.values import unknown

from plugin_support import UNKNOWN, FakeEngine, NativePlugin, Registry, camel, on_wire, snake_keys, struct_to_dict, urn, wire

CLEANUP = "yc-registry:index:ImageCleanup"
NOW = datetime.now(timezone.utc)


@pytest.fixture
def cloud(registry: Registry) -> Iterator[Registry]:
    """The module's fake, its knobs reset after each test."""
    yield registry
    registry.reset_knobs()


def checked(plugin: NativePlugin, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    reply = plugin.check(urn(CLEANUP, name), inputs)
    assert not reply.failures, reply.failures
    return struct_to_dict(reply.inputs)


def create(plugin: NativePlugin, name: str, **inputs: Any) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """Check then Create, as the engine does on `pulumi up` (snake_case keywords, camelCase on the wire)."""
    news = checked(plugin, name, wire(inputs))
    reply = plugin.create(urn(CLEANUP, name), news)
    return news, reply.id, struct_to_dict(reply.properties)


def remaining(cloud: Registry, ids: list[str]) -> list[str]:
    return [image_id for image_id in ids if image_id in cloud.model.images]


# -- Check ---------------------------------------------------------------------------------------------------
def test_check_reports_the_rules_failures(plugin: NativePlugin, cloud: Registry) -> None:
    for bad in ({"repositoryName": f"{cloud.registry_id}/app"},
                {"registryId": cloud.registry_id, "olderThan": "soon"},
                {"repositoryName": "crp1/app", "keepTags": ["ok", "("]}):
        reply = plugin.check(urn(CLEANUP, "bad"), bad)
        got = [(f.property, f.reason) for f in reply.failures]
        assert got and got == on_wire(cleanup_rules.check(snake_keys(bad))), bad
    assert "deleteAll" in [f.property for f in plugin.check(urn(CLEANUP, "all"),
                                                             {"repositoryName": "crp1/app"}).failures]


def test_check_passes_unknowns_and_checks_the_known(plugin: NativePlugin) -> None:
    """During preview a value not known yet (e.g. the id of a registry created in the same run) is no failure."""
    reply = plugin.check(urn(CLEANUP, "u"), {"registryId": UNKNOWN, "keepLast": 2})
    assert not reply.failures
    inputs = struct_to_dict(reply.inputs)
    # (the plan, kept in the inputs, is not known either)
    assert unknown(inputs.pop("registryId")) and unknown(inputs.pop("candidateIds")) and inputs == {"keepLast": 2}
    reply = plugin.check(urn(CLEANUP, "u"), {"repositoryName": UNKNOWN, "keepTags": [UNKNOWN]})
    assert not reply.failures
    # values that would break a rule if taken literally (a number, a duration) pass too while unknown
    reply = plugin.check(urn(CLEANUP, "u"), {"registryId": UNKNOWN, "keepLast": UNKNOWN, "olderThan": UNKNOWN,
                                             "concurrency": UNKNOWN})
    assert not reply.failures, reply.failures
    still_bad = plugin.check(urn(CLEANUP, "u"), {"registryId": UNKNOWN, "olderThan": "soon"})
    assert [f.property for f in still_bad.failures] == ["olderThan"]


# -- Create, Read ----------------------------------------------------------------------------------------------
def test_create_shows_candidates_and_deletes_nothing(plugin: NativePlugin, cloud: Registry,
                                                     fake_engine: FakeEngine) -> None:
    repo, ids = cloud.repository_with(("release-1",), (), ("dev",), (), ("release-2",), ("latest",))
    before = set(cloud.model.images)
    inputs, id_, outs = create(plugin, "create", repository_name=repo, keep_tags=["release-.*"], keep_last=1)
    assert id_ == f"cleanup-{repo}"
    assert outs["candidateCount"] == 3 and outs["candidateIds"] == [ids[1], ids[2], ids[3]]
    assert outs["keepTags"] == ["release-.*"] and outs["keepLast"] == 1 and outs.get("registryId") is None
    assert set(cloud.model.images) == before
    # the same outputs the dynamic ImageCleanup computes (one implementation of the rule)
    with RegistryClient(resolve_settings({}, {}, cloud.env)) as client:
        expected_id, expected = cleanup_rules.create(client, snake_keys(inputs))
    assert id_ == expected_id
    assert wire({k: v for k, v in expected.items() if v is not None}) == outs
    assert any("3 images would be deleted on destroy" in m
               for m in fake_engine.servicer.messages(urn(CLEANUP, "create")))


def test_preview_create_asks_nothing_and_leaves_candidates_unknown(plugin: NativePlugin, cloud: Registry) -> None:
    repo, ids = cloud.repository_with((), ())
    reply = plugin.create(urn(CLEANUP, "preview"), {"repositoryName": repo, "deleteAll": True}, preview=True)
    outs = struct_to_dict(reply.properties)
    assert reply.id == ""
    assert unknown(outs["candidateCount"]) and unknown(outs["candidateIds"])
    assert outs["repositoryName"] == repo and outs["deleteAll"] is True
    assert remaining(cloud, ids) == ids


def test_read_refreshes_the_candidates(plugin: NativePlugin, cloud: Registry) -> None:
    repo, ids = cloud.repository_with((), ())
    _, id_, outs = create(plugin, "read", repository_name=repo, untagged_only=True)
    assert outs["candidateIds"] == ids
    # another untagged image arrives and one is deleted out of band: a refresh shows it
    new = add_image(cloud.model, cloud.registry_id, repo.split("/", 1)[1], created_at=NOW - timedelta(days=1)).id
    cloud.model.delete_image(ids[0])
    reply = plugin.read(urn(CLEANUP, "read"), id_, outs)
    refreshed = struct_to_dict(reply.properties)
    assert reply.id == id_
    assert refreshed["candidateCount"] == 2 and refreshed["candidateIds"] == [ids[1], new]
    # and the refreshed plan goes into the inputs too, so the engine shows a changed plan as a change
    assert struct_to_dict(reply.inputs) == {"repositoryName": repo, "untaggedOnly": True,
                                            "candidateIds": [ids[1], new]}
    assert remaining(cloud, [ids[1], new]) == [ids[1], new]


# -- Diff, Update --------------------------------------------------------------------------------------------
def test_rule_change_updates_in_place_and_deletes_nothing(plugin: NativePlugin, cloud: Registry) -> None:
    repo, ids = cloud.repository_with(("v1",), (), ("v2",), ())
    inputs, id_, outs = create(plugin, "rules", repository_name=repo, untagged_only=True, keep_last=0,
                               concurrency=4, timeout=30)
    assert outs["candidateIds"] == [ids[1], ids[3]]
    same = plugin.diff(urn(CLEANUP, "rules"), id_, outs, inputs)  # numbers come back as floats: still the same
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    news = checked(plugin, "rules", {"repositoryName": repo, "keepLast": 1, "dryRun": True})
    reply = plugin.diff(urn(CLEANUP, "rules"), id_, outs, news)
    assert reply.changes == provider_pb2.DiffResponse.DIFF_SOME and not list(reply.replaces)
    assert set(reply.diffs) >= {"keepLast", "untaggedOnly", "dryRun"}
    assert all(d.kind == provider_pb2.PropertyDiff.UPDATE for d in reply.detailedDiff.values())
    updated = struct_to_dict(plugin.update(urn(CLEANUP, "rules"), id_, outs, news).properties)
    assert updated["candidateIds"] == ids[:3] and updated["candidateCount"] == 3
    assert updated["dryRun"] is True and updated["keepLast"] == 1 and not updated.get("untaggedOnly")
    assert remaining(cloud, ids) == ids


def test_a_move_to_another_registry_replaces_and_a_move_inside_one_updates(plugin: NativePlugin,
                                                                          cloud: Registry) -> None:
    # given a cleanup of one repository
    repo, _ = cloud.repository_with(())
    other, _ = cloud.repository_with(())
    _, id_, outs = create(plugin, "scope", repository_name=repo, delete_all=True)
    # when it moves to another registry (or one not known yet), then it is replaced: the old scope is emptied
    for news in ({"repositoryName": "crpelsewhere/app", "deleteAll": True},
                 {"repositoryName": UNKNOWN, "deleteAll": True}):
        reply = plugin.diff(urn(CLEANUP, "scope"), id_, outs, news)
        assert list(reply.replaces) == ["repositoryName"], news
        assert reply.detailedDiff["repositoryName"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE
        assert not reply.deleteBeforeReplace
    # when it moves inside the same registry (another repository, or the whole registry), then it updates in
    # place: replacing would run the old cleanup during a plain `pulumi up`
    for news in ({"repositoryName": other, "deleteAll": True},
                 {"registryId": cloud.registry_id, "deleteAll": True}):
        reply = plugin.diff(urn(CLEANUP, "scope"), id_, outs, news)
        assert reply.changes == provider_pb2.DiffResponse.DIFF_SOME and list(reply.replaces) == [], news


# -- Delete (destroy) ------------------------------------------------------------------------------------------
def test_delete_empties_exactly_the_selected_and_reports_to_the_engine(plugin: NativePlugin, cloud: Registry,
                                                                       fake_engine: FakeEngine) -> None:
    repo, ids = cloud.repository_with(("release-1",), (), ("dev",), (), ("latest",), ())
    _, bystanders = cloud.repository_with((), ())
    resource = urn(CLEANUP, "destroy")
    _, id_, outs = create(plugin, "destroy", repository_name=repo, keep_tags=["release-.*", "latest"],
                          concurrency=2)
    assert outs["candidateCount"] == 4
    assert remaining(cloud, ids) == ids
    plugin.delete(resource, id_, outs)
    assert remaining(cloud, ids) == [ids[0], ids[4]]
    assert remaining(cloud, bystanders) == bystanders
    # the cleanup's progress reached the engine's log, against this resource's URN
    logged = [entry for entry in fake_engine.servicer.logs if entry.urn == resource]
    messages = [entry.message for entry in logged]
    assert any(m.startswith(f"cleanup of repository {repo}: deleting 4 images") for m in messages), messages
    (done,) = [entry for entry in logged if entry.message.startswith(f"Cleanup of repository {repo}: 4 of 6")]
    assert "deleted 4, already gone 0, skipped 0, failed 0" in done.message
    assert done.severity == engine_pb2.INFO
    assert not any(repo in m for m in fake_engine.servicer.messages(urn(CLEANUP, "create")))
    # a second destroy (nothing left to select) is fine and deletes nothing more
    plugin.delete(resource, id_, outs)
    assert remaining(cloud, ids) == [ids[0], ids[4]]


def test_delete_of_a_registry_scope_keeps_last_per_repository(plugin: NativePlugin, cloud: Registry) -> None:
    other = add_registry(cloud.model, name="scoped")
    kept, gone = [], []
    for path in ("api", "web"):
        ids = [add_image(cloud.model, other.id, path, created_at=NOW - timedelta(days=10 - n)).id for n in range(3)]
        gone += ids[:2]
        kept.append(ids[2])
    _, id_, outs = create(plugin, "registry", registry_id=other.id, keep_last=1)
    assert id_ == f"cleanup-{other.id}" and outs["candidateCount"] == 4
    plugin.delete(urn(CLEANUP, "registry"), id_, outs)
    assert remaining(cloud, gone) == [] and remaining(cloud, kept) == kept


def test_dry_run_delete_deletes_nothing_and_says_what_would_go(plugin: NativePlugin, cloud: Registry,
                                                               fake_engine: FakeEngine) -> None:
    repo, ids = cloud.repository_with((), ())
    resource = urn(CLEANUP, "dry")
    _, id_, outs = create(plugin, "dry", repository_name=repo, delete_all=True, dry_run=True)
    assert outs["candidateCount"] == 2
    plugin.delete(resource, id_, outs)
    assert remaining(cloud, ids) == ids
    (line,) = [m for m in fake_engine.servicer.messages(resource) if m.startswith(f"Cleanup of repository {repo}")]
    assert "(dry run)" in line and "would delete 2" in line and "nothing deleted" in line


def test_read_only_registry_fails_the_delete_with_the_sunset_explanation(plugin: NativePlugin,
                                                                         cloud: Registry) -> None:
    repo, ids = cloud.repository_with((), (), ())
    _, id_, outs = create(plugin, "sunset", repository_name=repo, delete_all=True)
    cloud.model.knobs.read_only = True
    with pytest.raises(grpc.RpcError) as caught:
        plugin.delete(urn(CLEANUP, "sunset"), id_, outs)
    details = caught.value.details()
    assert SUNSET_EXPLANATION in details, details
    assert "deleted 0" in details and "stopped at the first refusal" in details
    assert "run the cleanup again" not in details  # advice that cannot help a read-only registry
    assert remaining(cloud, ids) == ids


def test_the_peer_rules_travel_in_camel_case_and_decide_the_delete(plugin: NativePlugin, cloud: Registry) -> None:
    # given ordered keep rules (nested objects on the wire) and a tag filter
    repo, ids = cloud.repository_with(("release-1",), ("release-2",), ("pr-1",), ("pr-2", "keep"), ())
    bad = plugin.check(urn(CLEANUP, "bad"), {"repositoryName": repo,
                                               "keepRules": [{"tagPattern": "(", "keepLast": 1}]})
    assert [f.property for f in bad.failures] == ["keepRules[0].tagPattern"]
    _, id_, outs = create(plugin, "peer", repository_name=repo, keep_rules=[{"tag_pattern": "release-.*",
                                                                             "keep_last": 1}],
                          delete_tags_matching=["release-.*", "pr-.*"], tag_match_mode="all")
    assert outs["keepRules"] == [{"tagPattern": "release-.*", "keepLast": 1}] and outs["tagMatchMode"] == "all"
    # when it is destroyed
    plugin.delete(urn(CLEANUP, "peer"), id_, outs)
    # then the newest release stays, pr-2 stays (its tag "keep" matches no filter), the untagged image stays (the
    # filter selects tagged images only), the others go
    assert remaining(cloud, ids) == [ids[1], ids[3], ids[4]]


def test_keep_in_use_travels_as_keep_in_use_and_keeps_what_a_workload_runs(plugin: NativePlugin,
                                                                           cloud: Registry) -> None:
    # given a repository whose oldest image an instance runs by tag
    from yc_registry_provider.fake import add_instance

    repo, ids = cloud.repository_with(("v1",), ("v2",), ("v3",))
    instance_id = add_instance(cloud.model, f"cr.yandex/{repo}:v1", name="vm-plugin")
    # when a cleanup with keepInUse {} (every source) is created: the plan names the workload
    _, id_, outs = create(plugin, "in-use", repository_name=repo, keep_last=1, keep_in_use={})
    assert outs["keepInUse"] == {} and outs["candidateCount"] == 2
    assert list(outs["keptInUse"]) == [ids[0]] and f"instance vm-plugin (id {instance_id})" in outs["keptInUse"][ids[0]]
    # and destroyed: the image the instance runs stays
    plugin.delete(urn(CLEANUP, "in-use"), id_, outs)
    assert remaining(cloud, ids) == [ids[0], ids[2]]
