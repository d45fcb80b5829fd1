"""Thin gRPC servicers of cloudregistry/v1 over :class:`CloudRegistryModel`: RegistryService, ArtifactService,
MigrationService. Operations they start are served by the one OperationService (servicers.py).

Calls are counted in ``FakeModel.calls`` as ``CloudRegistry.<Service>.<Method>``.
"""

from __future__ import annotations

from typing import Any

import grpc
from yandex.cloud.cloudregistry.v1 import (artifact_pb2, artifact_service_pb2, artifact_service_pb2_grpc,
                                           docker_content_pb2, migration_pb2, migration_service_pb2,
                                           migration_service_pb2_grpc, registry_pb2, registry_service_pb2,
                                           registry_service_pb2_grpc)
from yandex.cloud.operation import operation_pb2

from yc_registry_provider.fake.cloud import FakeModel
from yc_registry_provider.fake.cloudregistry_model import (Artifact, CloudRegistry, Counters, Dashboard,
                                                           RegistryDashboard)
from yc_registry_provider.fake.common import FakeError, Operation
from yc_registry_provider.fake.servicers import OPERATION_METADATA, _guarded, _timestamp, operation_to_proto

_STATUS = migration_pb2.MigrationStatus


def _enum_names(enum: Any, values: Any) -> list[str]:
    return [enum.Name(v) for v in values]


def registry_to_proto(registry: CloudRegistry) -> registry_pb2.Registry:
    return registry_pb2.Registry(
        id=registry.id, folder_id=registry.folder_id, name=registry.name,
        kind=registry_pb2.Registry.Kind.Value(registry.kind), type=registry_pb2.Registry.Type.Value(registry.type),
        status=registry_pb2.Registry.Status.Value(registry.status), created_at=_timestamp(registry.created_at),
        modified_at=_timestamp(registry.created_at))


def artifact_to_proto(artifact: Artifact) -> artifact_pb2.Artifact:
    message = artifact_pb2.Artifact(
        id=artifact.id, registry_id=artifact.registry_id, path=artifact.path, name=artifact.name,
        kind=artifact_pb2.Artifact.Kind.Value(artifact.kind), status=artifact_pb2.Artifact.Status.Value(artifact.status),
        created_at=_timestamp(artifact.created_at), modified_at=_timestamp(artifact.modified_at),
        created_by="fake-user", modified_by="fake-user")
    if artifact.manifest_digest:
        docker = docker_content_pb2.DockerContent(manifest_digest=artifact.manifest_digest)
        docker.image_manifest.layers.extend(docker_content_pb2.Descriptor(digest=d, size=s) for d, s in artifact.layers)
        if artifact.config is not None:
            docker.image_manifest.config.CopyFrom(docker_content_pb2.Descriptor(digest=artifact.config[0],
                                                                                size=artifact.config[1]))
        message.content.docker.CopyFrom(docker)
    return message


def counters_to_proto(counters: Counters) -> migration_pb2.MigrationCounters:
    return migration_pb2.MigrationCounters(**counters.__dict__)


def registry_dashboard_to_proto(board: RegistryDashboard) -> migration_pb2.MigrationStatusDashboard:
    def repo(status: Any) -> migration_pb2.RepositoryMigrationStatus:
        return migration_pb2.RepositoryMigrationStatus(
            repository_name=status.repository_name, status=_STATUS.Value(status.status),
            error_code=status.error_code, error_message=status.error_message)

    return migration_pb2.MigrationStatusDashboard(
        registry_id=board.registry_id, status=_STATUS.Value(board.status),
        progress=migration_pb2.MigrationProgressCounters(repositories=counters_to_proto(board.repositories),
                                                         tags=counters_to_proto(board.tags)),
        top_failed_repositories=[repo(r) for r in board.top_failed_repositories],
        top_failed_tags=[migration_pb2.TagMigrationStatus(
            repository_name=t.repository_name, tag=t.tag, status=_STATUS.Value(t.status), error_code=t.error_code,
            error_message=t.error_message) for t in board.top_failed_tags],
        top_in_progress_repositories=[repo(r) for r in board.top_in_progress_repositories])


def _progress(board: Dashboard) -> migration_service_pb2.CloudMigrationProgressCounters:
    return migration_service_pb2.CloudMigrationProgressCounters(
        registries=counters_to_proto(board.registries), repositories=counters_to_proto(board.repositories),
        tags=counters_to_proto(board.tags))


def _limits(request: Any) -> dict[str, int]:
    return {name: getattr(request, name) for name in ("failed_registries_limit", "in_progress_registries_limit",
                                                      "failed_repositories_limit", "failed_tags_limit",
                                                      "in_progress_repositories_limit")}


OPERATION_METADATA.update({
    "cloudregistry.delete_artifact": lambda op: artifact_service_pb2.DeleteArtifactMetadata(
        artifact_id=op.metadata["artifact_id"]),
    "cloudregistry.start_folder_migration": lambda op: migration_service_pb2.StartFolderMigrationMetadata(
        folder_id=op.metadata["folder_id"], registry_ids=op.metadata["registry_ids"]),
    "cloudregistry.start_cloud_migration": lambda op: migration_service_pb2.StartCloudMigrationMetadata(
        cloud_id=op.metadata["cloud_id"], registry_ids=op.metadata["registry_ids"]),
    "cloudregistry.toggle_redirects": lambda op: (
        migration_service_pb2.ToggleRegistryRedirectsMetadata(registry_id=op.metadata["registry_id"],
                                                              enabled=op.metadata["enabled"])
        if "registry_id" in op.metadata else
        migration_service_pb2.ToggleFolderRedirectsMetadata(folder_id=op.metadata["folder_id"],
                                                            registry_ids=op.metadata["registry_ids"],
                                                            enabled=op.metadata["enabled"])
        if "folder_id" in op.metadata else
        migration_service_pb2.ToggleCloudRedirectsMetadata(cloud_id=op.metadata["cloud_id"],
                                                           registry_ids=op.metadata["registry_ids"],
                                                           enabled=op.metadata["enabled"])),
})


def _operation(model: FakeModel, op: Operation) -> operation_pb2.Operation:
    model.advance()  # an operation due now is answered done
    return operation_to_proto(op)


class CloudRegistryServicer(registry_service_pb2_grpc.RegistryServiceServicer):
    """cloudregistry.v1.RegistryService Get and List (the rest answers UNIMPLEMENTED)."""

    def __init__(self, model: FakeModel) -> None:
        self.model = model

    @_guarded("CloudRegistry.RegistryService.Get")
    def Get(self, request: registry_service_pb2.GetRegistryRequest, context: grpc.ServicerContext) -> Any:
        return registry_to_proto(self.model.cloud_registry.get_registry(request.registry_id))

    @_guarded("CloudRegistry.RegistryService.List")
    def List(self, request: registry_service_pb2.ListRegistriesRequest, context: grpc.ServicerContext) -> Any:
        page = self.model.cloud_registry.list_registries(
            request.folder_id, request.page_size, request.page_token, request.name_filter,
            kinds=_enum_names(registry_pb2.Registry.Kind, request.kind),
            types=_enum_names(registry_pb2.Registry.Type, request.type),
            statuses=_enum_names(registry_pb2.Registry.Status, request.status))
        return registry_service_pb2.ListRegistriesResponse(
            registries=[registry_to_proto(r) for r in page.items], next_page_token=page.next_page_token)


class ArtifactServicer(artifact_service_pb2_grpc.ArtifactServiceServicer):
    """cloudregistry.v1.ArtifactService Get, GetByPath, List, Delete."""

    def __init__(self, model: FakeModel) -> None:
        self.model = model

    @_guarded("CloudRegistry.ArtifactService.Get")
    def Get(self, request: artifact_service_pb2.GetArtifactRequest, context: grpc.ServicerContext) -> Any:
        return artifact_to_proto(self.model.cloud_registry.get_artifact(request.artifact_id))

    @_guarded("CloudRegistry.ArtifactService.GetByPath")
    def GetByPath(self, request: artifact_service_pb2.GetArtifactByPathRequest,
                  context: grpc.ServicerContext) -> Any:
        return artifact_to_proto(self.model.cloud_registry.get_artifact_by_path(request.registry_id, request.path))

    @_guarded("CloudRegistry.ArtifactService.List")
    def List(self, request: artifact_service_pb2.ListArtifactsWithFiltersRequest,
             context: grpc.ServicerContext) -> Any:
        page = self.model.cloud_registry.list_artifacts(
            folder_id=request.folder_id, registry_id=request.registry_id, page_size=request.page_size,
            page_token=request.page_token, name_filter=request.name_filter, path_filter=request.path_filter,
            statuses=_enum_names(artifact_pb2.Artifact.Status, request.status),
            kinds=_enum_names(artifact_pb2.Artifact.Kind, request.kind),
            registry_kinds=_enum_names(registry_pb2.Registry.Kind, request.registry_kind),
            registry_types=_enum_names(registry_pb2.Registry.Type, request.registry_type), labels=list(request.labels),
            created_after=request.created_after.ToNanoseconds() / 1e9 if request.HasField("created_after") else None,
            created_before=request.created_before.ToNanoseconds() / 1e9 if request.HasField("created_before") else None,
            order_by=request.order_by)
        return artifact_service_pb2.ListArtifactsWithFiltersResponse(
            artifacts=[artifact_to_proto(a) for a in page.items], next_page_token=page.next_page_token)

    @_guarded("CloudRegistry.ArtifactService.Delete")
    def Delete(self, request: artifact_service_pb2.DeleteArtifactRequest, context: grpc.ServicerContext) -> Any:
        op = self.model.cloud_registry.delete_artifact(request.artifact_id, request.with_history)
        return _operation(self.model, op)


class MigrationServicer(migration_service_pb2_grpc.MigrationServiceServicer):
    """cloudregistry.v1.MigrationService: start, dashboards, redirects."""

    def __init__(self, model: FakeModel) -> None:
        self.model = model

    @_guarded("CloudRegistry.MigrationService.StartFolder")
    def StartFolder(self, request: migration_service_pb2.StartFolderMigrationRequest,
                    context: grpc.ServicerContext) -> Any:
        op = self.model.cloud_registry.start_folder_migration(request.folder_id, request.disable_redirects)
        return _operation(self.model, op)

    @_guarded("CloudRegistry.MigrationService.StartCloud")
    def StartCloud(self, request: migration_service_pb2.StartCloudMigrationRequest,
                   context: grpc.ServicerContext) -> Any:
        op = self.model.cloud_registry.start_cloud_migration(request.cloud_id, request.disable_redirects)
        return _operation(self.model, op)

    @_guarded("CloudRegistry.MigrationService.GetFolderMigrationStatusDashboard")
    def GetFolderMigrationStatusDashboard(self, request: migration_service_pb2.GetFolderMigrationStatusDashboardRequest,
                                          context: grpc.ServicerContext) -> Any:
        board = self.model.cloud_registry.folder_dashboard(request.folder_id, **_limits(request))
        return migration_service_pb2.FolderMigrationStatusDashboard(
            folder_id=board.id, status=_STATUS.Value(board.status), progress=_progress(board),
            top_failed_registries=[registry_dashboard_to_proto(b) for b in board.top_failed_registries],
            top_in_progress_registries=[registry_dashboard_to_proto(b) for b in board.top_in_progress_registries])

    @_guarded("CloudRegistry.MigrationService.GetCloudMigrationStatusDashboard")
    def GetCloudMigrationStatusDashboard(self, request: migration_service_pb2.GetCloudMigrationStatusDashboardRequest,
                                         context: grpc.ServicerContext) -> Any:
        board = self.model.cloud_registry.cloud_dashboard(request.cloud_id, **_limits(request))
        return migration_service_pb2.CloudMigrationStatusDashboard(
            cloud_id=board.id, status=_STATUS.Value(board.status), progress=_progress(board),
            top_failed_registries=[registry_dashboard_to_proto(b) for b in board.top_failed_registries],
            top_in_progress_registries=[registry_dashboard_to_proto(b) for b in board.top_in_progress_registries])

    @_guarded("CloudRegistry.MigrationService.ToggleRegistryRedirects")
    def ToggleRegistryRedirects(self, request: Any, context: grpc.ServicerContext) -> Any:
        if not request.registry_id:
            raise _required("registry_id")
        return _operation(self.model, self.model.cloud_registry.toggle_redirects(
            registry_id=request.registry_id, enabled=request.enabled))

    @_guarded("CloudRegistry.MigrationService.ToggleFolderRedirects")
    def ToggleFolderRedirects(self, request: Any, context: grpc.ServicerContext) -> Any:
        if not request.folder_id:
            raise _required("folder_id")
        return _operation(self.model, self.model.cloud_registry.toggle_redirects(
            folder_id=request.folder_id, enabled=request.enabled))

    @_guarded("CloudRegistry.MigrationService.ToggleCloudRedirects")
    def ToggleCloudRedirects(self, request: Any, context: grpc.ServicerContext) -> Any:
        if not request.cloud_id:
            raise _required("cloud_id")
        return _operation(self.model, self.model.cloud_registry.toggle_redirects(
            cloud_id=request.cloud_id, enabled=request.enabled))


def _required(name: str) -> Exception:
    return FakeError("INVALID_ARGUMENT", f"{name}: required, got an empty string")


def add_cloud_registry_servicers(model: FakeModel, server: grpc.Server) -> None:
    """Serve cloudregistry.v1 RegistryService, ArtifactService and MigrationService on ``server``."""
    # the methods not faked keep the base class's answer, UNIMPLEMENTED (the stubs mark them abstract)
    registry_service_pb2_grpc.add_RegistryServiceServicer_to_server(
        CloudRegistryServicer(model), server)  # type: ignore[abstract]
    artifact_service_pb2_grpc.add_ArtifactServiceServicer_to_server(
        ArtifactServicer(model), server)  # type: ignore[abstract]
    migration_service_pb2_grpc.add_MigrationServiceServicer_to_server(MigrationServicer(model), server)


__all__ = ["add_cloud_registry_servicers", "artifact_to_proto", "registry_to_proto"]
