"""The fake's workloads over the official stubs: ContainerService, InstanceService, InstanceGroupService."""

from __future__ import annotations

from typing import Iterator

import grpc
import pytest
from yandex.cloud.compute.v1 import instance_service_pb2, instance_service_pb2_grpc
from yandex.cloud.compute.v1.instancegroup import instance_group_service_pb2, instance_group_service_pb2_grpc
from yandex.cloud.endpoint import api_endpoint_service_pb2, api_endpoint_service_pb2_grpc
from yandex.cloud.serverless.containers.v1 import container_pb2, container_service_pb2, container_service_pb2_grpc

from yc_registry_provider.fake import (DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, add_container_revision,
                                       add_image, add_instance, add_instance_group, add_registry)

AUTH = (("authorization", f"Bearer {DEMO_TOKEN}"),)


@pytest.fixture
def world() -> Iterator[tuple[FakeModel, grpc.Channel]]:
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    add_registry(model, "crpw1")
    with FakeServer(model) as server, grpc.insecure_channel(server.address) as channel:
        yield model, channel


def test_list_revisions_by_folder_gives_image_url_digest_and_status(world: tuple[FakeModel, grpc.Channel]) -> None:
    model, channel = world
    # given an image tagged v1 and a container deployed twice
    image = add_image(model, "crpw1", "app", tags=("v1",))
    container_id, first = add_container_revision(model, "cr.yandex/crpw1/app:v1", container="api")
    _, second = add_container_revision(model, "cr.yandex/crpw1/app:v2", container="api", image_digest="")
    stub = container_service_pb2_grpc.ContainerServiceStub(channel)
    # when revisions and containers are listed by folder
    revisions = stub.ListRevisions(container_service_pb2.ListContainersRevisionsRequest(folder_id=DEMO_FOLDER_ID),
                                   metadata=AUTH).revisions
    containers = stub.List(container_service_pb2.ListContainersRequest(folder_id=DEMO_FOLDER_ID),
                           metadata=AUTH).containers
    # then the first revision ran v1's digest and is obsolete now; the second is active
    by_id = {r.id: r for r in revisions}
    assert by_id[first].image.image_url == "cr.yandex/crpw1/app:v1"
    assert by_id[first].image.image_digest == image.digest
    assert by_id[first].status == container_pb2.Revision.Status.OBSOLETE
    assert by_id[second].status == container_pb2.Revision.Status.ACTIVE
    assert [(c.id, c.name) for c in containers] == [(container_id, "api")]
    active = stub.ListRevisions(container_service_pb2.ListContainersRevisionsRequest(
        container_id=container_id, filter='status="ACTIVE"'), metadata=AUTH).revisions
    assert [r.id for r in active] == [second]


def test_instances_list_basic_and_get_full_with_metadata(world: tuple[FakeModel, grpc.Channel]) -> None:
    model, channel = world
    instance_id = add_instance(model, "cr.yandex/crpw1/app:v1", name="vm")
    stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
    listed = stub.List(instance_service_pb2.ListInstancesRequest(folder_id=DEMO_FOLDER_ID), metadata=AUTH).instances
    assert [(i.id, i.name, dict(i.metadata)) for i in listed] == [(instance_id, "vm", {})]
    basic = stub.Get(instance_service_pb2.GetInstanceRequest(instance_id=instance_id), metadata=AUTH)
    full = stub.Get(instance_service_pb2.GetInstanceRequest(instance_id=instance_id,
                                                            view=instance_service_pb2.InstanceView.FULL),
                    metadata=AUTH)
    assert dict(basic.metadata) == {}
    assert "image: cr.yandex/crpw1/app:v1" in full.metadata["docker-container-declaration"]


def test_instance_groups_list_full_has_the_template_metadata(world: tuple[FakeModel, grpc.Channel]) -> None:
    model, channel = world
    group_id = add_instance_group(model, "registry.yandexcloud.net/crpw1/app:v1", name="workers", compose=True)
    stub = instance_group_service_pb2_grpc.InstanceGroupServiceStub(channel)
    request = instance_group_service_pb2.ListInstanceGroupsRequest(folder_id=DEMO_FOLDER_ID,
                                                                   view=instance_group_service_pb2.InstanceGroupView.FULL)
    (group,) = stub.List(request, metadata=AUTH).instance_groups
    assert group.id == group_id and group.name == "workers"
    assert 'image: "registry.yandexcloud.net/crpw1/app:v1"' in group.instance_template.metadata["docker-compose"]


@pytest.mark.parametrize("source, call", [
    ("serverless-containers", lambda ch: container_service_pb2_grpc.ContainerServiceStub(ch).ListRevisions(
        container_service_pb2.ListContainersRevisionsRequest(folder_id=DEMO_FOLDER_ID), metadata=AUTH)),
    ("compute", lambda ch: instance_service_pb2_grpc.InstanceServiceStub(ch).List(
        instance_service_pb2.ListInstancesRequest(folder_id=DEMO_FOLDER_ID), metadata=AUTH)),
    ("instance-groups", lambda ch: instance_group_service_pb2_grpc.InstanceGroupServiceStub(ch).List(
        instance_group_service_pb2.ListInstanceGroupsRequest(folder_id=DEMO_FOLDER_ID), metadata=AUTH)),
])
def test_a_denied_source_answers_permission_denied_naming_the_role(world: tuple[FakeModel, grpc.Channel],
                                                                    source: str, call: object) -> None:
    model, channel = world
    model.workloads.deny(source)
    with pytest.raises(grpc.RpcError) as raised:
        call(channel)  # type: ignore[operator]
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert ".viewer" in (raised.value.details() or "")


def test_discovery_lists_the_workload_endpoints_unless_hidden(world: tuple[FakeModel, grpc.Channel]) -> None:
    model, channel = world
    stub = api_endpoint_service_pb2_grpc.ApiEndpointServiceStub(channel)
    ids = {e.id for e in stub.List(api_endpoint_service_pb2.ListApiEndpointsRequest()).endpoints}
    assert {"serverless-containers", "compute"} <= ids
    model.knobs.hidden_endpoints.add("compute")
    ids = {e.id for e in stub.List(api_endpoint_service_pb2.ListApiEndpointsRequest()).endpoints}
    assert "compute" not in ids and "serverless-containers" in ids


def test_workload_calls_need_a_token(world: tuple[FakeModel, grpc.Channel]) -> None:
    _, channel = world
    with pytest.raises(grpc.RpcError) as raised:
        instance_service_pb2_grpc.InstanceServiceStub(channel).List(
            instance_service_pb2.ListInstancesRequest(folder_id=DEMO_FOLDER_ID))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
