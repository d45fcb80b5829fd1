"""Thin gRPC servicers of the fake's workloads (official stubs' servicers over :mod:`workloads_model`):
serverless ContainerService (List, Get, ListRevisions), compute InstanceService (List, Get with view FULL) and
InstanceGroupService (List, view FULL). Methods not faked answer UNIMPLEMENTED (the generated bases do).

Each call is counted, authenticated and gets the ``failing_calls`` knob by the registry model's rules (one token
and one call counter per fake cloud); the workloads themselves live in their own model.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import grpc
from google.protobuf import timestamp_pb2
from yandex.cloud.compute.v1 import instance_pb2, instance_service_pb2, instance_service_pb2_grpc
from yandex.cloud.compute.v1.instancegroup import (instance_group_pb2, instance_group_service_pb2,
                                                   instance_group_service_pb2_grpc)
from yandex.cloud.serverless.containers.v1 import container_pb2, container_service_pb2, container_service_pb2_grpc

from yc_registry_provider.fake import workloads_model as wm
from yc_registry_provider.fake.cloud import FakeModel
from yc_registry_provider.fake.common import FakeError

_R = TypeVar("_R")


def _timestamp(seconds: float) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def _guarded(method: str) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Count, authenticate, apply ``failing_calls``; FakeError -> a gRPC status."""

    def decorate(handler: Callable[..., _R]) -> Callable[..., _R]:
        @functools.wraps(handler)
        def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> _R:
            model: FakeModel = self.model
            authorization = {k: str(v) for k, v in context.invocation_metadata()}.get("authorization")
            try:
                model.begin_call(method)
                model.authenticate(authorization)
                model.injected_failure(method)
                return handler(self, request, context)
            except FakeError as error:
                context.abort(getattr(grpc.StatusCode, error.code), model.error_details(error, authorization))
            raise AssertionError("unreachable: abort raises")

        return wrapper

    return decorate


def container_to_proto(container: wm.Container) -> container_pb2.Container:
    return container_pb2.Container(id=container.id, folder_id=container.folder_id, name=container.name,
                                   created_at=_timestamp(container.created_at),
                                   url=f"https://{container.id}.containers.yandexcloud.net/",
                                   status=container_pb2.Container.Status.ACTIVE)


def revision_to_proto(revision: wm.Revision) -> container_pb2.Revision:
    return container_pb2.Revision(id=revision.id, container_id=revision.container_id,
                                  created_at=_timestamp(revision.created_at),
                                  image=container_pb2.Image(image_url=revision.image_url,
                                                                image_digest=revision.image_digest),
                                  status=container_pb2.Revision.Status.Value(revision.status))


def _status_filter(text: str) -> str | None:
    """ListRevisions' filter: only ``status="<STATUS>"`` is faked (the documented example)."""
    if not text.strip():
        return None
    field, _, value = text.partition("=")
    value = value.strip().strip('"')
    if field.strip() != "status" or value not in container_pb2.Revision.Status.keys():
        raise FakeError("INVALID_ARGUMENT", f'filter: only status="ACTIVE|OBSOLETE|CREATING" is faked, got {text!r}')
    return value


class ContainerServicer(container_service_pb2_grpc.ContainerServiceServicer):
    """serverless.containers.v1.ContainerService: Get, List, ListRevisions."""

    def __init__(self, model: FakeModel) -> None:
        self.model = model

    @property
    def workloads(self) -> wm.WorkloadsModel:
        return self.model.workloads

    @_guarded("ContainerService.Get")
    def Get(self, request: Any, context: grpc.ServicerContext) -> container_pb2.Container:
        container = self.workloads.containers.get(request.container_id)
        if container is None:
            raise FakeError("NOT_FOUND", f"container {request.container_id} not found")
        self.workloads.check_access("serverless-containers", container.folder_id)
        return container_to_proto(container)

    @_guarded("ContainerService.List")
    def List(self, request: Any, context: grpc.ServicerContext) -> container_service_pb2.ListContainersResponse:
        items, token = wm.page(self.workloads.list_containers(request.folder_id), request.page_size,
                               request.page_token)
        return container_service_pb2.ListContainersResponse(containers=[container_to_proto(c) for c in items],
                                                            next_page_token=token)

    @_guarded("ContainerService.ListRevisions")
    def ListRevisions(self, request: Any,
                      context: grpc.ServicerContext) -> container_service_pb2.ListContainersRevisionsResponse:
        revisions = self.workloads.list_revisions(folder_id=request.folder_id, container_id=request.container_id,
                                                  status=_status_filter(request.filter))
        items, token = wm.page(revisions, request.page_size, request.page_token)
        return container_service_pb2.ListContainersRevisionsResponse(
            revisions=[revision_to_proto(r) for r in items], next_page_token=token)


def instance_to_proto(instance: wm.Instance, full: bool) -> instance_pb2.Instance:
    """An instance; its metadata only with view FULL (BASIC, the default, leaves it out)."""
    return instance_pb2.Instance(id=instance.id, folder_id=instance.folder_id, name=instance.name,
                                 created_at=_timestamp(instance.created_at),
                                 status=instance_pb2.Instance.Status.Value(instance.status),
                                 metadata=instance.metadata if full else {})


class InstanceServicer(instance_service_pb2_grpc.InstanceServiceServicer):
    """compute.v1.InstanceService: List (no view field: metadata left out) and Get (view FULL: with metadata)."""

    def __init__(self, model: FakeModel) -> None:
        self.model = model

    @_guarded("InstanceService.List")
    def List(self, request: Any, context: grpc.ServicerContext) -> instance_service_pb2.ListInstancesResponse:
        items, token = wm.page(self.model.workloads.list_instances(request.folder_id), request.page_size,
                               request.page_token)
        full = self.model.workloads.knobs.list_instance_metadata
        return instance_service_pb2.ListInstancesResponse(instances=[instance_to_proto(i, full) for i in items],
                                                          next_page_token=token)

    @_guarded("InstanceService.Get")
    def Get(self, request: Any, context: grpc.ServicerContext) -> instance_pb2.Instance:
        instance = self.model.workloads.get_instance(request.instance_id)
        return instance_to_proto(instance, request.view == instance_service_pb2.InstanceView.FULL)


def group_to_proto(group: wm.InstanceGroup, full: bool) -> instance_group_pb2.InstanceGroup:
    """An instance group; its instance template's metadata only with view FULL."""
    template = instance_group_pb2.InstanceTemplate(metadata=group.metadata if full else {})
    return instance_group_pb2.InstanceGroup(id=group.id, folder_id=group.folder_id, name=group.name,
                                            created_at=_timestamp(group.created_at), instance_template=template,
                                            status=instance_group_pb2.InstanceGroup.Status.Value(group.status))


class InstanceGroupServicer(instance_group_service_pb2_grpc.InstanceGroupServiceServicer):
    """compute.v1.instancegroup.InstanceGroupService: List (view FULL: with the template's metadata)."""

    def __init__(self, model: FakeModel) -> None:
        self.model = model

    @_guarded("InstanceGroupService.List")
    def List(self, request: Any,
             context: grpc.ServicerContext) -> instance_group_service_pb2.ListInstanceGroupsResponse:
        items, token = wm.page(self.model.workloads.list_instance_groups(request.folder_id), request.page_size,
                               request.page_token)
        full = request.view == instance_group_service_pb2.InstanceGroupView.FULL
        return instance_group_service_pb2.ListInstanceGroupsResponse(
            instance_groups=[group_to_proto(g, full) for g in items], next_page_token=token)


def add_workload_servicers(model: FakeModel, server: grpc.Server) -> None:
    """Register the three workload services on ``server``."""
    container_service_pb2_grpc.add_ContainerServiceServicer_to_server(ContainerServicer(model), server)  # type: ignore[abstract]
    instance_service_pb2_grpc.add_InstanceServiceServicer_to_server(InstanceServicer(model), server)  # type: ignore[abstract]
    instance_group_service_pb2_grpc.add_InstanceGroupServiceServicer_to_server(InstanceGroupServicer(model), server)  # type: ignore[abstract]


__all__ = ["ContainerServicer", "InstanceGroupServicer", "InstanceServicer", "add_workload_servicers"]
