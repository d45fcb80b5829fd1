"""After 2026-12-14, over real sockets against the fake: every world (both services; Container Registry only;
Container Registry gone with each answer) x lookups, an Image adopted before the shutdown, an ImageCleanup's destroy
and the ``yc-registry`` command; each cell counts its calls to the dead service. The real-CLI cells are in
tests/e2e/test_after_shutdown_cli.py, the plugin's invokes in tests/plugin/test_after_shutdown_invokes.py."""

from __future__ import annotations

import io
import json

import pytest

from harness.worlds import BOTH, CONTAINER_ONLY, GONE, World, running_world
from yc_registry_provider import errors
from yc_registry_provider.backends.service import AutoBackend, forget_learnt, served_note
from yc_registry_provider.cli.app import main as yc_registry
from yc_registry_provider.lifecycle import cleanup as cleanup_rules
from yc_registry_provider.lifecycle import image as image_rules
from yc_registry_provider.lookups import find_image


def new_process() -> None:
    """What a new provider process (the next pulumi command) starts with: nothing learnt."""
    forget_learnt()


def adopted_before_the_shutdown(world: World, label: str = "v1") -> dict[str, object]:
    """An Image's state, adopted by repository and digest while Container Registry served."""
    inputs = {"repository_name": world.repository, "digest": world.images[label].digest}
    with AutoBackend(world.settings()) as backend:
        outs = image_rules.adopt(backend, inputs)
    image_rules.begin_deployment()
    new_process()
    return outs


def test_lookups_by_tag_digest_and_id_are_served_by_the_live_service(world: World) -> None:
    # given the world in place
    world.shut_down()
    v1 = world.images["v1"]
    with AutoBackend(world.settings()) as backend:
        # when looked up by tag and by digest, then the live service answers with the same image
        by_tag = find_image(backend, repository_name=world.repository, tag="v1")
        by_digest = find_image(backend, repository_name=world.repository, digest=v1.digest)
        # when looked up by the id the live service gives it, then it answers
        live_id = v1.id if world.name == CONTAINER_ONLY else world.successor_id("v1")
        by_id = find_image(backend, image_id=live_id)
    for found in (by_tag, by_digest, by_id):
        assert (found.service, found.digest, found.tags) == (world.serving, v1.digest, ["v1"])
    # then the dead service was not asked (Container Registry only: Cloud Registry once, to learn it is missing)
    if world.name == CONTAINER_ONLY:
        assert world.dead_calls() == 1
    else:
        assert world.dead_calls() == 0


@pytest.mark.parametrize("name", list(GONE))
def test_a_container_registry_id_after_the_shutdown_is_asked_once_and_named(name: str) -> None:
    # given Container Registry gone: an id only it knew cannot be placed (only registry ids and digests persist)
    with running_world(name) as world:
        world.shut_down()
        with AutoBackend(world.settings()) as backend:
            # when looked up by that id, then no image matches, and Container Registry was asked at most once
            with pytest.raises(errors.NoMatchError, match=world.images["v1"].id):
                find_image(backend, image_id=world.images["v1"].id)
        assert world.dead_calls() <= 1


def test_an_image_adopted_before_the_shutdown_refreshes_onto_its_successor_and_destroy_deletes_it(world: World) -> None:
    # given an Image adopted by digest while Container Registry served; then the world changed
    outs = adopted_before_the_shutdown(world)
    assert outs["service"] == "container-registry"
    world.shut_down()
    v1 = world.images["v1"]
    # when refreshed (a new process), then the resource stays, on the image where it lives now
    with AutoBackend(world.settings()) as backend:
        new_id, refreshed, inputs = image_rules.read(backend, str(outs["image_id"]), outs)
    assert new_id == (v1.id if world.name == CONTAINER_ONLY else world.successor_id("v1"))
    assert (refreshed["service"], refreshed["digest"], refreshed["registry_id"]) == (
        world.serving, v1.digest, world.cloud.registry_id)
    assert inputs == {"repository_name": world.repository, "digest": v1.digest}
    # when `up` runs again with no change, then nothing is replaced
    assert not image_rules.diff(refreshed, inputs).replaces
    # when destroyed from the state written before the refresh (a new process), then that image goes, waited for
    new_process()
    with AutoBackend(world.settings()) as backend:
        result = image_rules.delete(backend, str(outs["image_id"]), outs)
    assert not result.already_gone and result.operation_id
    if world.name == CONTAINER_ONLY:
        assert v1.id not in world.model.images
    else:
        left = {a.manifest_digest for a in world.model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"}
        assert v1.digest not in left and world.images["v2"].digest in left
    assert world.dead_calls() == (2 if world.name == CONTAINER_ONLY else 0)  # Cloud Registry: once per process


def test_an_image_cleanup_destroy_runs_where_the_images_live(world: World) -> None:
    # given an ImageCleanup of the repository keeping the newest image, planned while Container Registry served
    # (its plan names Container Registry image ids, and the same images by <registry>/<repository>@<digest>)
    with AutoBackend(world.settings()) as backend:
        _, props = cleanup_rules.create(backend, {"repository_name": world.repository, "keep_last": 1})
    assert sorted(props["candidate_ids"]) == sorted(world.images[label].id for label in ("untagged", "v1"))
    new_process()
    world.shut_down()
    # when destroyed (a new process), then the two planned images go from the live service (matched by content
    # where the migration gave them new ids), the newest stays
    with AutoBackend(world.settings()) as backend:
        report = cleanup_rules.delete(backend, props)
    assert len(report.deleted) == 2 and not report.already_gone and not report.not_in_plan
    if world.name == CONTAINER_ONLY:
        assert set(i.id for i in world.model.images.values()) == {world.images["v2"].id}
    else:
        left = {a.manifest_digest for a in world.model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"}
        assert left == {world.images["v2"].digest}
    assert world.dead_calls() == (1 if world.name == CONTAINER_ONLY else 0)


def test_the_yc_registry_command_lists_and_cleans_up(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the command's environment aimed at the world
    world.shut_down()
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    # when images are listed as JSON, then the live service's three images are shown
    out, err = io.StringIO(), io.StringIO()
    assert yc_registry(["images", "list", "--repository", world.repository, "--format", "json"], out, err) == 0, \
        err.getvalue()
    listed = json.loads(out.getvalue())
    assert sorted(i["digest"] for i in listed) == sorted(i.digest for i in world.images.values())
    host = "cr.yandex" if world.serving == "container-registry" else "registry.yandexcloud.net"
    assert {i["uri"].split("/", 1)[0] for i in listed} == {host}
    # when cleanup --yes keeps the newest, then it exits 0 and the older two are gone
    new_process()
    out, err = io.StringIO(), io.StringIO()
    assert yc_registry(["cleanup", "--repository", world.repository, "--keep-last", "1", "--yes"], out, err) == 0, \
        err.getvalue()
    if world.name == CONTAINER_ONLY:
        assert set(world.model.images) == {world.images["v2"].id}
    else:
        left = {a.manifest_digest for a in world.model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"}
        assert left == {world.images["v2"].digest}
    assert world.dead_calls() == (2 if world.name == CONTAINER_ONLY else 0)


# -- the table, one row at a time ---------------------------------------------------------------------------------
def test_unavailable_container_registry_is_asked_once_without_retries_when_cloud_registry_can_answer() -> None:
    # given Container Registry answering UNAVAILABLE after the shutdown, and an id Cloud Registry does not have
    with running_world("container-registry-gone-unavailable") as world:
        world.shut_down()
        with AutoBackend(world.settings()) as backend:
            with pytest.raises(errors.NotFoundError):
                backend.get_image("crpnosuchimage")
            with pytest.raises(errors.NotFoundError):
                backend.get_image("crpnosuchimage2")
        # then Container Registry got one call in all (a probe, learnt as gone), never ten retries
        assert world.model.calls["ImageService.Get"] == 1


def test_a_registry_is_placed_with_one_call_per_process() -> None:
    # given a migrated registry and Container Registry gone
    with running_world("container-registry-gone-unimplemented") as world:
        world.shut_down()
        # when three backends (three resource operations of one deployment) look in it
        for _ in range(3):
            with AutoBackend(world.settings()) as backend:
                find_image(backend, repository_name=world.repository, tag="v1")
        # then Cloud Registry was asked about the registry once
        assert world.model.calls["CloudRegistry.RegistryService.Get"] == 1


def test_a_registry_neither_service_knows_fails_naming_it() -> None:
    with running_world("container-registry-gone-unimplemented") as world:
        world.shut_down()
        with AutoBackend(world.settings()) as backend:
            with pytest.raises(errors.NotFoundError, match="registry crpnowhere is in neither service.*UNIMPLEMENTED"):
                find_image(backend, repository_name="crpnowhere/app", tag="v1")


def test_an_endpoint_without_cloud_registry_in_discovery_is_served_by_container_registry() -> None:
    import dataclasses

    with running_world(CONTAINER_ONLY) as world:
        world.model.knobs.cloud_registry_missing = "ABSENT"
        settings = dataclasses.replace(world.settings(), endpoint_explicit=False)
        with AutoBackend(settings) as backend:
            found = find_image(backend, repository_name=world.repository, tag="v1")
        assert found.service == "container-registry" and world.dead_calls() == 0


@pytest.mark.parametrize(("today", "first"), [("2026-12-13", "ImageService.Get"),
                                               ("2026-12-14", "CloudRegistry.ArtifactService.Get")])
def test_from_the_shutdown_date_an_id_is_asked_of_cloud_registry_first(today: str, first: str) -> None:
    # given both services, the folder migrated, and the clock set to a day
    with running_world(BOTH) as world:
        world.shut_down()
        order: list[str] = []
        begin = world.model.begin_call
        world.model.begin_call = lambda method: (order.append(method), begin(method))[1]  # type: ignore[method-assign]
        with AutoBackend(world.settings(today=today)) as backend:
            found = backend.get_image(world.successor_id("v2"))
        # then the first image call went to the service the calendar says
        assert found.service == "cloud-registry"
        assert [m for m in order if m in ("ImageService.Get", "CloudRegistry.ArtifactService.Get")][0] == first


def test_the_served_note_comes_once_per_process_naming_the_service_and_why() -> None:
    with running_world("container-registry-gone-permission-denied") as world:
        world.shut_down()
        outs = {"repository_name": world.repository, "tag": "v1"}
        for _ in range(2):
            with AutoBackend(world.settings()) as backend:
                image_rules.adopt(backend, outs)
        note = served_note()
        assert note is not None and "Cloud Registry served this stack" in note
        assert served_note() is None


def test_a_cleanup_spares_the_successor_of_an_image_an_image_of_the_deployment_still_adopts() -> None:
    # given an Image adopted before the shutdown (its state still holds the Container Registry id), then the shutdown
    with running_world("container-registry-gone-not-found") as world:
        outs = adopted_before_the_shutdown(world)
        world.shut_down()
        # when `up` keeps the Image (a diff without replace) and destroys an ImageCleanup deleting every image
        image_rules.settle_diff(image_rules.diff(outs, dict(outs["adopted_by"])), False, outs)  # type: ignore[arg-type]
        with AutoBackend(world.settings()) as backend:
            report = cleanup_rules.delete(backend, {"repository_name": world.repository, "delete_all": True})
        # then the adopted image's successor is kept, naming why, and the other two go
        assert set(report.kept) == {world.successor_id("v1")}
        left = {a.manifest_digest for a in world.model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"}
        assert left == {world.images["v1"].digest}


def test_verify_migration_after_the_shutdown_says_there_is_no_inventory_left() -> None:
    from yc_registry_provider.backends.service import MigrationBackend
    from yc_registry_provider.lifecycle import migration as migration_rules

    with running_world("container-registry-gone-unimplemented") as world:
        world.shut_down()
        with MigrationBackend(world.settings()) as backend:
            with pytest.raises(errors.FailedPreconditionError,
                               match=f"cannot verify the migration of registry {world.cloud.registry_id}: Container "
                                     "Registry, the inventory to compare with, answered UNIMPLEMENTED"):
                migration_rules.verify(backend, registry_id=world.cloud.registry_id)
