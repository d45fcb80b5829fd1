"""The fake Cloud Registry: migration timeline and counters, artifacts as the mapping lays them out, limits, knobs;
and the official SDK's cloudregistry stubs against it on a channel of our own (SDK.client() refuses them)."""

from __future__ import annotations

from collections.abc import Iterator

import time

import grpc
import pytest
from yandex.cloud.cloudregistry.v1 import (artifact_service_pb2, artifact_service_pb2_grpc, migration_pb2,
                                           migration_service_pb2, migration_service_pb2_grpc, registry_service_pb2,
                                           registry_service_pb2_grpc)
from yandex.cloud.endpoint import api_endpoint_service_pb2, api_endpoint_service_pb2_grpc
from yandex.cloud.operation import operation_service_pb2, operation_service_pb2_grpc

from yc_registry_provider.fake import FakeError, FakeModel, FakeServer, ManualClock, add_image, add_images, add_registry

AUTH = (("authorization", "Bearer t1.fake-demo-token"),)
FOLDER = "b1g-migrating"


def seeded(model: FakeModel, images: int = 3) -> str:
    """One registry in FOLDER: app with tags v1+latest, and ``images`` untagged images in tools/ci."""
    registry = add_registry(model, folder_id=FOLDER)
    add_image(model, registry.id, "app", tags=("v1", "latest"))
    add_images(model, registry.id, "tools/ci", images)
    return registry.id


def test_a_migration_walks_created_scheduled_in_progress_completed(fake_model: FakeModel,
                                                                    fake_clock: ManualClock) -> None:
    # given a folder with 2 tags and 3 untagged images, moving 2 versions a second
    registry_id = seeded(fake_model)
    cloud = fake_model.cloud_registry
    cloud.knobs.stage_seconds, cloud.knobs.tags_per_second = 1.0, 2.0
    # when it starts
    op = cloud.start_folder_migration(FOLDER)
    # then it is CREATED, names the registry, and nothing is in Cloud Registry yet
    assert op.metadata["registry_ids"] == [registry_id] and cloud.folder_dashboard(FOLDER).status == "CREATED"
    assert registry_id not in cloud.registries
    fake_clock.advance(1.0)
    assert cloud.folder_dashboard(FOLDER).status == "SCHEDULED"
    assert cloud.registries[registry_id].status == "CREATING"
    fake_clock.advance(3.0)  # 2 s in progress: 4 of 5 versions done
    board = cloud.folder_dashboard(FOLDER)
    assert board.status == "IN_PROGRESS" and (board.tags.total, board.tags.completed, board.tags.in_progress) == (5, 4, 1)
    fake_clock.advance(1.0)
    board = cloud.folder_dashboard(FOLDER)
    assert board.status == "COMPLETED" and board.tags.completed == 5 and board.repositories.completed == 2
    assert board.registries.completed == 1 and cloud.registries[registry_id].status == "ACTIVE"
    # and every image is there, its digest on version artifacts laid out as the mapping says
    digests = {a.manifest_digest for a in cloud.artifacts.values() if a.kind == "ARTIFACT"}
    assert digests == {i.digest for i in fake_model.images.values()}
    paths = {a.path: a.kind for a in cloud.artifacts.values()}
    assert paths["/tools"] == "FOLDER" and paths["/tools/ci"] == "PACKAGE" and paths["/app/latest"] == "ARTIFACT"


def test_a_failing_tag_fails_with_its_code_and_message_and_never_arrives(fake_model: FakeModel,
                                                                         fake_clock: ManualClock) -> None:
    registry_id = seeded(fake_model)
    cloud = fake_model.cloud_registry
    cloud.knobs.failing_tags[f"{registry_id}/app:latest"] = ("LAYER_UNREADABLE", "blob sha256:1 is corrupt")
    cloud.start_folder_migration(FOLDER)
    fake_clock.advance(10)
    board = cloud.folder_dashboard(FOLDER, failed_tags_limit=5)
    assert board.status == "FAILED" and board.tags.failed == 1 and board.tags.completed == 4
    tag = board.top_failed_registries[0].top_failed_tags[0]
    assert (tag.repository_name, tag.tag, tag.error_code, tag.error_message) == (
        "app", "latest", "LAYER_UNREADABLE", "blob sha256:1 is corrupt")
    assert not any(a.path == "/app/latest" for a in cloud.artifacts.values())
    # the knob that shows a COMPLETED status with a failed tag
    cloud.knobs.status_when_tags_fail = "COMPLETED"
    cloud.start_folder_migration(FOLDER)  # after FAILED it starts again with only what is missing
    fake_clock.advance(10)
    board = cloud.folder_dashboard(FOLDER)
    assert board.status == "COMPLETED" and board.tags.failed == 1 and board.tags.total == 1


def test_a_second_start_is_refused_while_one_runs_or_completed(fake_model: FakeModel, fake_clock: ManualClock) -> None:
    seeded(fake_model)
    cloud = fake_model.cloud_registry
    cloud.start_folder_migration(FOLDER, already_running_for=0.07)  # the knob: a migration under way
    assert cloud.folder_dashboard(FOLDER).status == "SCHEDULED"
    with pytest.raises(FakeError, match="already SCHEDULED") as refused:
        cloud.start_folder_migration(FOLDER)
    assert refused.value.code == "FAILED_PRECONDITION"
    fake_clock.advance(10)
    with pytest.raises(FakeError, match="already COMPLETED"):
        cloud.start_folder_migration(FOLDER)


def test_limits_and_missing_things_are_refused_naming_the_field(fake_model: FakeModel) -> None:
    seeded(fake_model)
    cloud = fake_model.cloud_registry
    cases = [
        (lambda: cloud.folder_dashboard(FOLDER, failed_tags_limit=101), "INVALID_ARGUMENT", "failed_tags_limit"),
        (lambda: cloud.folder_dashboard("b1g-never"), "NOT_FOUND", "has no migration"),
        (lambda: cloud.list_artifacts(registry_id="r", page_size=1001), "INVALID_ARGUMENT", "page_size"),
        (lambda: cloud.list_artifacts(), "INVALID_ARGUMENT", "registry_id"),
        (lambda: cloud.list_artifacts(registry_id="r", name_filter="name ~ 'x'"), "INVALID_ARGUMENT", "name_filter"),
        (lambda: cloud.list_artifacts(registry_id="r", order_by="x" * 257), "INVALID_ARGUMENT", "order_by"),
        (lambda: cloud.get_artifact("a" * 51), "INVALID_ARGUMENT", "artifact_id"),
        (lambda: cloud.list_registries(""), "INVALID_ARGUMENT", "folder_id"),
        (lambda: cloud.start_folder_migration("b1g-empty"), "FAILED_PRECONDITION", "no Container Registry"),
    ]
    for call, code, said in cases:
        with pytest.raises(FakeError, match=said) as refused:
            call()
        assert refused.value.code == code


def test_an_immutable_registry_deletes_only_with_history(fake_model: FakeModel, fake_clock: ManualClock) -> None:
    registry_id = seeded(fake_model)
    cloud = fake_model.cloud_registry
    cloud.start_folder_migration(FOLDER)
    fake_clock.advance(10)
    cloud.advance()  # state read directly: carry the migration forward first
    cloud.knobs.immutable_registries.add(registry_id)
    version = next(a for a in cloud.artifacts.values() if a.path == "/app/v1")
    with pytest.raises(FakeError, match="with_history"):
        cloud.delete_artifact(version.id)
    op = cloud.delete_artifact(version.id, with_history=True)
    assert cloud.artifacts[version.id].status == "DELETING"
    fake_clock.advance(0.001)
    cloud.advance()
    assert fake_model.operations[op.id].done and version.id not in cloud.artifacts
    assert cloud.delete_requests == [(version.id, False), (version.id, True)]


# -- the official stubs, on a channel of our own ---------------------------------------------------------------
@pytest.fixture
def migrated_server() -> Iterator[tuple[FakeServer, str]]:
    model = FakeModel()
    model.accept_iam_token("t1.fake-demo-token")
    registry_id = seeded(model, images=1500)
    model.knobs.operation_duration = 0.2
    with FakeServer(model) as server:
        yield server, registry_id


def test_official_stubs_discover_migrate_page_and_delete(migrated_server: tuple[FakeServer, str]) -> None:
    server, registry_id = migrated_server
    with grpc.insecure_channel(server.address) as channel:
        # given discovery lists cloud-registry
        endpoints = api_endpoint_service_pb2_grpc.ApiEndpointServiceStub(channel).List(
            api_endpoint_service_pb2.ListApiEndpointsRequest(), timeout=5)
        assert "cloud-registry" in {e.id for e in endpoints.endpoints}
        migration = migration_service_pb2_grpc.MigrationServiceStub(channel)
        artifacts = artifact_service_pb2_grpc.ArtifactServiceStub(channel)
        registries = registry_service_pb2_grpc.RegistryServiceStub(channel)
        operations = operation_service_pb2_grpc.OperationServiceStub(channel)
        # when the folder migrates
        started = migration.StartFolder(migration_service_pb2.StartFolderMigrationRequest(folder_id=FOLDER),
                                        metadata=AUTH, timeout=5)
        meta = migration_service_pb2.StartFolderMigrationMetadata()
        assert started.metadata.Unpack(meta) and list(meta.registry_ids) == [registry_id]
        for _ in range(200):
            board = migration.GetFolderMigrationStatusDashboard(
                migration_service_pb2.GetFolderMigrationStatusDashboardRequest(folder_id=FOLDER), metadata=AUTH,
                timeout=5)
            if board.status == migration_pb2.COMPLETED:
                break
            time.sleep(0.02)
        # then the registry is there with its id, and paging brings every artifact back (1,000 a page at most)
        assert board.progress.tags.completed == board.progress.tags.total == 1502
        got = registries.Get(registry_service_pb2.GetRegistryRequest(registry_id=registry_id), metadata=AUTH, timeout=5)
        assert got.id == registry_id
        seen, token = [], ""
        while True:
            page = artifacts.List(artifact_service_pb2.ListArtifactsWithFiltersRequest(
                registry_id=registry_id, page_size=1000, page_token=token, kind=[3]), metadata=AUTH, timeout=5)
            seen.extend(page.artifacts)
            token = page.next_page_token
            if not token:
                break
        assert len(seen) == 1502 and all(a.content.docker.manifest_digest for a in seen)
        by_path = artifacts.GetByPath(artifact_service_pb2.GetArtifactByPathRequest(
            registry_id=registry_id, path="/app/v1"), metadata=AUTH, timeout=5)
        # when one is deleted, the Operation finishes later on the same OperationService
        op = artifacts.Delete(artifact_service_pb2.DeleteArtifactRequest(artifact_id=by_path.id), metadata=AUTH,
                              timeout=5)
        assert not op.done
        deleted = artifact_service_pb2.DeleteArtifactMetadata()
        assert op.metadata.Unpack(deleted) and deleted.artifact_id == by_path.id
        for _ in range(100):
            if operations.Get(operation_service_pb2.GetOperationRequest(operation_id=op.id), metadata=AUTH,
                              timeout=5).done:
                break
            time.sleep(0.05)
        with pytest.raises(grpc.RpcError) as gone:
            artifacts.Get(artifact_service_pb2.GetArtifactRequest(artifact_id=by_path.id), metadata=AUTH, timeout=5)
        assert gone.value.code() == grpc.StatusCode.NOT_FOUND
        # and a bad limit is INVALID_ARGUMENT naming it
        with pytest.raises(grpc.RpcError) as bad:
            migration.GetFolderMigrationStatusDashboard(migration_service_pb2.GetFolderMigrationStatusDashboardRequest(
                folder_id=FOLDER, failed_tags_limit=101), metadata=AUTH, timeout=5)
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "failed_tags_limit" in (bad.value.details() or "")


def test_the_sdk_client_refuses_cloudregistry_stubs_which_is_why_we_build_our_own() -> None:
    # the trap FIELD-NOTES section 6 names: if a future yandexcloud learns cloudregistry, this test says so
    import yandexcloud

    sdk = yandexcloud.SDK(iam_token="t1.fake-demo-token", endpoint="127.0.0.1:1")
    with pytest.raises(RuntimeError, match="Unknown service"):
        sdk.client(artifact_service_pb2_grpc.ArtifactServiceStub)


class TickingClock:
    """Every reading is later than the last: shows state read at one moment and reported at another."""

    def __init__(self) -> None:
        self.now = 1_767_225_600.0

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def test_a_dashboard_never_runs_ahead_of_the_artifacts_it_reports() -> None:
    # given a clock that moves on every reading, and a migration of 40 versions at 100 a second
    model = FakeModel(clock=TickingClock())
    seeded(model, images=38)
    cloud = model.cloud_registry
    cloud.knobs.tags_per_second = 100.0
    cloud.start_folder_migration(FOLDER)
    # when the dashboard is read until the migration is no longer under way
    board = cloud.folder_dashboard(FOLDER)
    while board.status in ("CREATED", "SCHEDULED", "IN_PROGRESS"):
        versions = sum(1 for a in cloud.artifacts.values() if a.kind == "ARTIFACT")
        assert versions >= board.tags.completed  # what it calls completed is there
        board = cloud.folder_dashboard(FOLDER)
    # then every version it reports completed is already an artifact (no advance() in between)
    assert board.status == "COMPLETED"
    assert sum(1 for a in cloud.artifacts.values() if a.kind == "ARTIFACT") == board.tags.completed == 40
