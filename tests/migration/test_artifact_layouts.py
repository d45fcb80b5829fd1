"""The artifact layout is an assumption, so every plausible one is read (backends/cloud_registry_mapping.py):
the version last in ``path``, or ``path`` = the repository with ``name`` = the version, with or without a leading
slash. The fake lays its artifacts out in each (``artifact_layout`` knob); lookups, cleanup, refresh, destroy and
verify_migration give the same answers under every one, over real sockets."""

from __future__ import annotations

import pytest

import pulumi_yc_registry as yc
from harness import ExecutingMocks, FakeCloud, run_program
from yc_registry_provider import resolve_settings
from yc_registry_provider.backends import cloud_registry_mapping as mapping
from yc_registry_provider.backends.cloud_registry import CloudRegistryClient
from yc_registry_provider.backends.service import MigrationBackend
from yc_registry_provider.cleanup import CleanupRules, run_cleanup
from yc_registry_provider.fake import DEMO_FOLDER_ID, add_image
from yc_registry_provider.fake.builders import add_cloud_registry, push_cloud_image
from yc_registry_provider.lifecycle import migration as migration_rules
from yc_registry_provider.lookups import find_image, find_images

LAYOUTS = pytest.mark.parametrize("layout", mapping.LAYOUTS)


def laid_out(cloud: FakeCloud, layout: str) -> tuple[str, dict[str, str]]:
    """Given a Cloud Registry registry laid out as ``layout``: app (v1; untagged; v2+latest) and tools/ci (v1)."""
    cloud.model.cloud_registry.knobs.artifact_layout = layout
    rid = add_cloud_registry(cloud.model, folder_id=DEMO_FOLDER_ID)
    digests = {"v1": push_cloud_image(cloud.model, rid, "app", ["v1"]),
               "untagged": push_cloud_image(cloud.model, rid, "app"),
               "v2": push_cloud_image(cloud.model, rid, "app", ["v2", "latest"]),
               "ci": push_cloud_image(cloud.model, rid, "tools/ci", ["v1"])}
    return rid, digests


def client(cloud: FakeCloud) -> CloudRegistryClient:
    return CloudRegistryClient(resolve_settings({}, cloud.config, {}))


def version_paths(cloud: FakeCloud) -> set[tuple[str, str]]:
    return {(a.path, a.name) for a in cloud.model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"}


def test_the_fake_lays_out_each_layout_as_named(fake_cloud: FakeCloud) -> None:
    seen = {}
    for layout in mapping.LAYOUTS:
        fake_cloud.model.cloud_registry.artifacts.clear()
        laid_out(fake_cloud, layout)
        seen[layout] = {p for p in version_paths(fake_cloud) if p[1] == "latest"}
    assert seen == {"version-in-path": {("/app/latest", "latest")},
                    "version-in-path-no-slash": {("app/latest", "latest")},
                    "version-in-name": {("/app", "latest")},
                    "version-in-name-no-slash": {("app", "latest")}}


@pytest.mark.parametrize("layout", mapping.LAYOUTS)
def test_each_layout_is_recognised_from_a_listing(layout: str) -> None:
    listed = [mapping.VersionArtifact(id=f"a{n}", registry_id="r", path=p.path, name=p.name, manifest_digest=d)
              for n, (repo, tags, d) in enumerate([("app", ["v1", "latest"], "sha256:1"), ("tools/ci", [], "sha256:2")])
              for p in mapping.places_for_image(repo, tags, d, layout) if p.kind == mapping.KIND_ARTIFACT]
    assert mapping.recognise(listed) == layout
    groups = mapping.group_images(listed)
    assert [(g.repository, g.tags) for g in groups] == [("app", ["v1", "latest"]), ("tools/ci", [])]


def test_one_version_per_repository_in_name_layout_is_still_recognised() -> None:
    # path = the repository, name = the version: no two versions share a path, yet the names are not path ends
    listed = [mapping.VersionArtifact(id="a1", registry_id="r", path="/app", name="v1", manifest_digest="sha256:1"),
              mapping.VersionArtifact(id="a2", registry_id="r", path="/tools/ci", name="latest",
                                      manifest_digest="sha256:2")]
    assert mapping.recognise(listed) == "version-in-name"
    assert [(g.repository, g.tags) for g in mapping.group_images(listed)] == [("app", ["v1"]), ("tools/ci", ["latest"])]


@LAYOUTS
def test_lookups_by_tag_digest_and_id_read_every_layout(fake_cloud: FakeCloud, layout: str) -> None:
    rid, digests = laid_out(fake_cloud, layout)
    with client(fake_cloud) as c:
        assert [(i.digest, i.tags) for i in find_images(c, repository_name=f"{rid}/app")] == [
            (digests["v1"], ["v1"]), (digests["untagged"], []), (digests["v2"], ["v2", "latest"])]
        latest = find_image(c, repository_name=f"{rid}/app", tag="latest")
        assert latest.digest == digests["v2"] and latest.name == f"{rid}/app"
        ci = find_image(c, repository_name=f"{rid}/tools/ci", tag="v1")
        assert ci.digest == digests["ci"] and ci.name == f"{rid}/tools/ci"
        untagged = find_image(c, repository_name=f"{rid}/app", digest=digests["untagged"])
        assert find_image(c, image_id=untagged.id).digest == digests["untagged"]
        assert find_image(c, image_id=latest.id).tags == ["v2", "latest"]
        assert c.find_by_digest(rid, digests["ci"]).name == f"{rid}/tools/ci"  # type: ignore[union-attr]


@LAYOUTS
def test_cleanup_deletes_every_artifact_of_a_selected_image_in_every_layout(fake_cloud: FakeCloud, layout: str) -> None:
    rid, digests = laid_out(fake_cloud, layout)
    with client(fake_cloud) as c:
        report = run_cleanup(c, CleanupRules(repository_name=f"{rid}/app", keep_tags=["v1"]))
        assert len(report.deleted) == 2 and report.ok
        left = [(i.name, i.tags) for i in find_images(c, registry_id=rid)]
    assert left == [(f"{rid}/app", ["v1"]), (f"{rid}/tools/ci", ["v1"])]
    assert {d for d in (a.manifest_digest for a in fake_cloud.model.cloud_registry.artifacts.values()) if d} == {
        digests["v1"], digests["ci"]}


@LAYOUTS
def test_an_image_refreshes_and_its_destroy_deletes_all_its_tags_in_every_layout(
        fake_cloud: FakeCloud, clean_yc_env: None, layout: str) -> None:
    rid, digests = laid_out(fake_cloud, layout)
    mocks = ExecutingMocks(fake_cloud.config)
    run_program(lambda: yc.Image("img", repository_name=f"{rid}/app", digest=digests["v2"]), mocks)
    resource = mocks.resources[0]
    found = resource.provider.read(resource.outputs["image_id"], dict(resource.outputs))  # type: ignore[union-attr]
    assert found.outs["tags"] == ["v2", "latest"] and found.outs["digest"] == digests["v2"]
    mocks.destroy()
    assert {a.manifest_digest for a in fake_cloud.model.cloud_registry.artifacts.values() if a.manifest_digest} == {
        digests["v1"], digests["untagged"], digests["ci"]}


@LAYOUTS
def test_a_migrated_folder_verifies_and_reads_in_every_layout(fake_cloud: FakeCloud, layout: str) -> None:
    model = fake_cloud.model
    model.cloud_registry.knobs.artifact_layout = layout
    image = add_image(model, fake_cloud.registry_id, "tools/ci", tags=("v1", "latest"))
    add_image(model, fake_cloud.registry_id, "tools/ci")
    model.cloud_registry.start_folder_migration(DEMO_FOLDER_ID, already_running_for=10)
    with MigrationBackend(resolve_settings({}, fake_cloud.config, {})) as backend:
        checked = migration_rules.verify(backend, folder_id=DEMO_FOLDER_ID)
    assert checked.missing_count == 0 and checked.image_count == 2
    with client(fake_cloud) as c:
        assert find_image(c, repository_name=image.name, tag="latest").tags == ["v1", "latest"]
