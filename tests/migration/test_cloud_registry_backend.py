"""The Cloud Registry backend and the service picker over real sockets against the fake: lookups, adopt,
delete-and-wait (with_history only when set), cleanup; auto picks Cloud Registry for a migrated registry id."""

from __future__ import annotations

import pytest

import pulumi_yc_registry as yc
from harness import ExecutingMocks, FakeCloud, run_program
from yc_registry_provider import ConfigurationError, resolve_settings
from yc_registry_provider.backends.cloud_registry import CloudRegistryClient
from yc_registry_provider.backends.service import AutoBackend, open_backend
from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.cleanup import CleanupRules, run_cleanup
from yc_registry_provider.fake import DEMO_FOLDER_ID, add_image
from yc_registry_provider.fake.builders import add_cloud_registry, push_cloud_image
from yc_registry_provider.lookups import find_image, find_images


def settings(cloud: FakeCloud, **extra: object) -> object:
    return resolve_settings(dict(extra), cloud.config, {})


def native_registry(cloud: FakeCloud) -> tuple[str, dict[str, str]]:
    """A Cloud Registry registry (never in Container Registry) with app: v1, an untagged one, v2+latest."""
    rid = add_cloud_registry(cloud.model, folder_id=DEMO_FOLDER_ID)
    digests = {"v1": push_cloud_image(cloud.model, rid, "app", ["v1"]),
               "untagged": push_cloud_image(cloud.model, rid, "app"),
               "v2": push_cloud_image(cloud.model, rid, "app", ["v2", "latest"])}
    return rid, digests


def test_cloud_registry_lookups_by_tag_digest_and_id(fake_cloud: FakeCloud) -> None:
    rid, digests = native_registry(fake_cloud)
    with CloudRegistryClient(settings(fake_cloud)) as client:
        images = find_images(client, repository_name=f"{rid}/app")
        assert [i.digest for i in images] == [digests["v1"], digests["untagged"], digests["v2"]]
        latest = find_image(client, repository_name=f"{rid}/app", tag="latest")
        assert latest.tags == ["v2", "latest"] and latest.service == "cloud-registry"
        assert latest.uri == f"registry.yandexcloud.net/{rid}/app@{digests['v2']}"
        by_digest = find_image(client, repository_name=f"{rid}/app", digest=digests["untagged"])
        assert by_digest.tags == [] and find_image(client, image_id=by_digest.id).digest == digests["untagged"]
        assert latest.compressed_size == 10_001_500 and latest.layers[0].size == 10_000_000


def test_delete_removes_every_version_artifact_and_waits_with_history_only_when_set(fake_cloud: FakeCloud) -> None:
    rid, digests = native_registry(fake_cloud)
    model = fake_cloud.model
    model.knobs.operation_duration = 0.2
    with CloudRegistryClient(settings(fake_cloud)) as client:
        latest = find_image(client, repository_name=f"{rid}/app", tag="latest")
        result = client.delete_image(latest.id, timeout=10)
        # both tag artifacts went, after their Operations finished; sent without with_history
        assert not result.already_gone and result.operation_id
        assert not any(a.manifest_digest == digests["v2"] for a in model.cloud_registry.artifacts.values())
        assert [h for _a, h in model.cloud_registry.delete_requests] == [False, False]
        assert client.delete_image(latest.id, timeout=10).already_gone
    model.cloud_registry.knobs.immutable_registries.add(rid)
    with CloudRegistryClient(settings(fake_cloud, delete_with_history=True)) as client:
        v1 = find_image(client, repository_name=f"{rid}/app", tag="v1")
        client.delete_image(v1.id, timeout=10)
    assert model.cloud_registry.delete_requests[-1][1] is True


def test_cleanup_runs_on_cloud_registry(fake_cloud: FakeCloud) -> None:
    rid, digests = native_registry(fake_cloud)
    with CloudRegistryClient(settings(fake_cloud)) as client:
        report = run_cleanup(client, CleanupRules(repository_name=f"{rid}/app", untagged_only=True))
        assert len(report.deleted) == 1
        left = {i.digest for i in find_images(client, repository_name=f"{rid}/app")}
    assert left == {digests["v1"], digests["v2"]}


def test_auto_serves_a_registry_from_container_registry_until_it_has_migrated(fake_cloud: FakeCloud) -> None:
    model = fake_cloud.model
    image = add_image(model, fake_cloud.registry_id, "app", tags=("v1",))
    with AutoBackend(settings(fake_cloud)) as auto:
        assert find_image(auto, repository_name=image.name, tag="v1").service == "container-registry"
    model.cloud_registry.start_folder_migration(DEMO_FOLDER_ID)
    model.cloud_registry.migrations[DEMO_FOLDER_ID].started_at -= 10  # done
    with AutoBackend(settings(fake_cloud)) as auto:
        found = find_image(auto, repository_name=image.name, tag="v1")
        assert found.service == "cloud-registry" and found.digest == image.digest
        # an id adopted before the migration answers with its successor (same registry, same digest)
        successor = find_image(auto, image_id=image.id)
        assert successor.service == "cloud-registry" and successor.id == found.id
        assert [i.service for i in find_images(auto, folder_id=DEMO_FOLDER_ID)] == ["cloud-registry"]
    with RegistryClient(settings(fake_cloud)) as forced:  # what container-registry would still say
        assert find_image(forced, image_id=image.id).service == "container-registry"


def test_the_service_setting_picks_the_backend_and_refuses_anything_else(fake_cloud: FakeCloud) -> None:
    assert isinstance(open_backend(settings(fake_cloud, service="cloud-registry")), CloudRegistryClient)
    assert isinstance(open_backend(settings(fake_cloud, service="container-registry")), RegistryClient)
    assert isinstance(open_backend(resolve_settings({}, fake_cloud.config, {"YC_REGISTRY_SERVICE": "auto"})),
                      AutoBackend)
    with pytest.raises(ConfigurationError, match="container-registry, cloud-registry"):
        resolve_settings({}, {**fake_cloud.config, "yc-registry:service": "cloudregistry"}, {})


def test_an_image_adopted_in_cloud_registry_shows_its_service_and_destroy_deletes_it(
        fake_cloud: FakeCloud, clean_yc_env: None) -> None:
    rid, digests = native_registry(fake_cloud)
    mocks = ExecutingMocks(fake_cloud.config)
    seen: dict[str, object] = {}

    def program() -> None:
        image = yc.Image("img", repository_name=f"{rid}/app", digest=digests["v1"])
        image.service.apply(lambda v: seen.__setitem__("service", v))
        image.uri.apply(lambda v: seen.__setitem__("uri", v))

    run_program(program, mocks)
    assert seen == {"service": "cloud-registry", "uri": f"registry.yandexcloud.net/{rid}/app@{digests['v1']}"}
    mocks.destroy()
    assert not any(a.manifest_digest == digests["v1"] for a in fake_cloud.model.cloud_registry.artifacts.values())


def test_an_image_adopted_before_the_migration_is_refreshed_and_destroyed_where_it_lives_now(
        fake_cloud: FakeCloud, clean_yc_env: None) -> None:
    # given an Image adopted from Container Registry, then the folder migrated
    model = fake_cloud.model
    kept = add_image(model, fake_cloud.registry_id, "app", tags=("v1",))
    adopted = add_image(model, fake_cloud.registry_id, "app", tags=("v2",))
    mocks = ExecutingMocks(fake_cloud.config)
    run_program(lambda: yc.Image("img", repository_name=adopted.name, tag="v2"), mocks)
    assert mocks.resources[0].outputs["service"] == "container-registry"
    model.cloud_registry.start_folder_migration(DEMO_FOLDER_ID, already_running_for=10)
    model.knobs.read_only = True  # Container Registry refuses deletes, as since 2026-11-10
    # when the stack is refreshed, then it reads the successor: same digest, Cloud Registry
    found = mocks.resources[0].provider.read(adopted.id, dict(mocks.resources[0].outputs))  # type: ignore[union-attr]
    assert found.outs["service"] == "cloud-registry" and found.outs["digest"] == adopted.digest
    # when destroyed, then exactly that image goes from Cloud Registry; the other stays; nothing sent to Container Registry
    mocks.destroy()
    digests = {a.manifest_digest for a in model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"}
    assert digests == {kept.digest}
    assert model.calls["ImageService.Delete"] == 0


def test_a_scope_missing_in_cloud_registry_is_named(fake_cloud: FakeCloud) -> None:
    from yc_registry_provider import NotFoundError

    rid, _digests = native_registry(fake_cloud)
    with CloudRegistryClient(settings(fake_cloud)) as client:
        client.check_scope(repository_name=f"{rid}/app")  # there: nothing raised
        with pytest.raises(NotFoundError, match=f"repository {rid}/nope holds no image"):
            client.check_scope(repository_name=f"{rid}/nope")
        with pytest.raises(NotFoundError, match="registry crpnothere does not exist in Cloud Registry"):
            client.check_scope(registry_id="crpnothere")
    with AutoBackend(settings(fake_cloud)) as auto:  # auto asks the service holding the registry
        with pytest.raises(NotFoundError, match=f"repository {rid}/nope holds no image in Cloud Registry"):
            auto.check_scope(repository_name=f"{rid}/nope")


def test_a_cleanup_whose_delete_is_refused_for_one_tag_finishes_the_image_on_retry(fake_cloud: FakeCloud) -> None:
    # given images of 2 and 3 tags, and a server that refuses a Delete beyond 2 unfinished operations: a delete
    # whose artifact with the image's id went while another tag's Delete was refused
    rid = add_cloud_registry(fake_cloud.model, folder_id=DEMO_FOLDER_ID)
    for n in range(8):
        push_cloud_image(fake_cloud.model, rid, "app", [f"b{n}-{k}" for k in range(2 + n % 2)])
    fake_cloud.model.knobs.operation_duration = 0.05
    fake_cloud.model.knobs.max_unfinished_operations = 2
    # when a cleanup deletes them all
    with CloudRegistryClient(settings(fake_cloud)) as client:
        report = run_cleanup(client, CleanupRules(repository_name=f"{rid}/app", delete_all=True, timeout=60))
    # then every tag artifact is gone, and each image counts as deleted (never "already gone" while a tag remains)
    assert fake_cloud.model.calls["CloudRegistry.ArtifactService.Delete"] > 20  # some were refused and sent again
    assert not [a for a in fake_cloud.model.cloud_registry.artifacts.values() if a.manifest_digest]
    assert len(report.deleted) == 8 and report.already_gone == [] and report.ok


def test_a_cleanup_counts_each_tag_artifact_against_its_concurrency(fake_cloud: FakeCloud) -> None:
    # given 12 images of 3 tags (36 artifact Operations), and a server refusing a Delete beyond 6 unfinished
    rid = add_cloud_registry(fake_cloud.model, folder_id=DEMO_FOLDER_ID)
    for n in range(12):
        push_cloud_image(fake_cloud.model, rid, "app", [f"c{n}-{k}" for k in range(3)])
    fake_cloud.model.knobs.operation_duration = 0.05
    fake_cloud.model.knobs.max_unfinished_operations = 6
    # when a cleanup runs with concurrency 6, then no Delete is refused: an image takes one slot per tag artifact
    with CloudRegistryClient(settings(fake_cloud)) as client:
        report = run_cleanup(client, CleanupRules(repository_name=f"{rid}/app", delete_all=True, concurrency=6))
    assert report.ok and len(report.deleted) == 12 and report.retries == 0
    assert fake_cloud.model.calls["CloudRegistry.ArtifactService.Delete"] == 36


def test_a_delete_right_after_a_read_deletes_exactly_the_artifacts_that_read_saw(fake_cloud: FakeCloud) -> None:
    # given an image with tag v1, read (as the cleanup's re-check reads it)
    rid = add_cloud_registry(fake_cloud.model, folder_id=DEMO_FOLDER_ID)
    digest = push_cloud_image(fake_cloud.model, rid, "app", ["v1"])
    with CloudRegistryClient(settings(fake_cloud)) as client:
        image = find_image(client, repository_name=f"{rid}/app", tag="v1")
        assert client.get_image(image.id).tags == ["v1"]
        calls = fake_cloud.model.calls["CloudRegistry.ArtifactService.List"]
        # when a tag "keep" is pushed onto the same digest before the delete
        fake_cloud.model.cloud_registry.push_image(rid, "app", ["keep"], digest)
        client.delete_image(image.id, timeout=10)
        # then the delete read nothing again, took v1 only, and the image lives on under the tag pushed meanwhile
        assert fake_cloud.model.calls["CloudRegistry.ArtifactService.List"] == calls
        assert find_image(client, repository_name=f"{rid}/app", digest=digest).tags == ["keep"]
