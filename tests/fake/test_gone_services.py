"""The fake plays a service that is gone: Container Registry shut down with each answer, an endpoint without Cloud
Registry; discovery leaves an ABSENT service out; every call to a gone service is still counted."""

from __future__ import annotations

import grpc
import pytest
from yandex.cloud.cloudregistry.v1 import registry_service_pb2 as cloud_registry_service_pb2
from yandex.cloud.cloudregistry.v1 import registry_service_pb2_grpc as cloud_registry_service_pb2_grpc
from yandex.cloud.containerregistry.v1 import image_service_pb2, image_service_pb2_grpc
from yandex.cloud.endpoint import api_endpoint_service_pb2, api_endpoint_service_pb2_grpc

from yc_registry_provider.fake import FakeModel
from yc_registry_provider.fake.__main__ import build_model, parse_args
from yc_registry_provider.fake.model import SHUTDOWN_ANSWERS


def image_get(channel: grpc.Channel, metadata: tuple[tuple[str, str], ...]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        image_service_pb2_grpc.ImageServiceStub(channel).Get(image_service_pb2.GetImageRequest(image_id="crpi1"),
                                                             metadata=metadata, timeout=5)
    return caught.value  # type: ignore[return-value]


def listed_endpoints(channel: grpc.Channel) -> set[str]:
    reply = api_endpoint_service_pb2_grpc.ApiEndpointServiceStub(channel).List(
        api_endpoint_service_pb2.ListApiEndpointsRequest(), timeout=5)
    return {e.id for e in reply.endpoints}


@pytest.mark.parametrize("answer", SHUTDOWN_ANSWERS)
def test_a_shut_down_container_registry_answers_every_call_with_the_chosen_answer(
        answer: str, fake_model: FakeModel, fake_channel: grpc.Channel,
        auth_metadata: tuple[tuple[str, str], ...]) -> None:
    # given Container Registry shut down with an answer
    fake_model.knobs.container_registry_shutdown = answer
    # when an image is read, then that status comes back (ABSENT: what a server without the service says)
    error = image_get(fake_channel, auth_metadata)
    expected = "UNIMPLEMENTED" if answer == "ABSENT" else answer
    assert error.code().name == expected  # type: ignore[attr-defined]
    if answer == "ABSENT":
        assert error.details() == "Method not found!"  # type: ignore[attr-defined]
    # and discovery leaves it out only when ABSENT; the call was counted against Container Registry
    assert ("container-registry" in listed_endpoints(fake_channel)) is (answer != "ABSENT")
    assert fake_model.calls_to("container-registry") == 1


def test_an_endpoint_without_cloud_registry_answers_unimplemented_and_counts_the_call(
        fake_model: FakeModel, fake_channel: grpc.Channel, auth_metadata: tuple[tuple[str, str], ...]) -> None:
    fake_model.knobs.cloud_registry_missing = "UNIMPLEMENTED"
    stub = cloud_registry_service_pb2_grpc.RegistryServiceStub(fake_channel)
    with pytest.raises(grpc.RpcError) as caught:
        stub.Get(cloud_registry_service_pb2.GetRegistryRequest(registry_id="crpr1"), metadata=auth_metadata,
                 timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED  # type: ignore[attr-defined]
    assert fake_model.calls_to("cloud-registry") == 1 and fake_model.calls_to("container-registry") == 0
    assert "cloud-registry" in listed_endpoints(fake_channel)  # only ABSENT leaves discovery
    fake_model.knobs.cloud_registry_missing = "ABSENT"
    assert "cloud-registry" not in listed_endpoints(fake_channel)


def test_the_command_line_sets_the_gone_services_and_refuses_other_answers(capsys: pytest.CaptureFixture[str]) -> None:
    model = build_model(parse_args(["--container-registry-shutdown", "permission-denied",
                                    "--cloud-registry-missing", "Absent"]))
    assert model.knobs.container_registry_shutdown == "PERMISSION_DENIED"
    assert model.knobs.cloud_registry_missing == "ABSENT"
    with pytest.raises(SystemExit) as exited:
        parse_args(["--cloud-registry-missing", "not-found"])
    assert exited.value.code == 2
    assert "--cloud-registry-missing: must be one of unimplemented, absent" in capsys.readouterr().err
