"""The fake over a real socket with the raw official stubs: auth, discovery, paging, deletes, knobs, IAM."""

from __future__ import annotations

import time
from typing import Any, Callable

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.protobuf.empty_pb2 import Empty
from yandex.cloud.containerregistry.v1 import image_service_pb2 as images_pb
from yandex.cloud.containerregistry.v1.image_service_pb2_grpc import ImageServiceStub
from yandex.cloud.endpoint.api_endpoint_service_pb2 import ListApiEndpointsRequest
from yandex.cloud.endpoint.api_endpoint_service_pb2_grpc import ApiEndpointServiceStub
from yandex.cloud.iam.v1.iam_token_service_pb2 import CreateIamTokenRequest
from yandex.cloud.iam.v1.iam_token_service_pb2_grpc import IamTokenServiceStub
from yandex.cloud.operation.operation_service_pb2 import CancelOperationRequest, GetOperationRequest
from yandex.cloud.operation.operation_service_pb2_grpc import OperationServiceStub

from yc_registry_provider.fake import (
    DEMO_TOKEN,
    IAM_TOKEN_AUDIENCE,
    FakeModel,
    FakeServer,
    ManualClock,
    Registry,
    add_image,
    add_images,
    add_registry,
)

Metadata = tuple[tuple[str, str], ...]
TIMEOUT = 5


def rpc_error(call: Callable[..., Any], request: Any, **kwargs: Any) -> grpc.RpcError:
    """Make a call that must fail; return its RpcError."""
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=TIMEOUT, **kwargs)
    return caught.value


@pytest.fixture
def registry(fake_model: FakeModel) -> Registry:
    return add_registry(fake_model, folder_id="b1g-test")


@pytest.fixture
def images(fake_channel: grpc.Channel) -> ImageServiceStub:
    return ImageServiceStub(fake_channel)


@pytest.fixture
def operations(fake_channel: grpc.Channel) -> OperationServiceStub:
    return OperationServiceStub(fake_channel)


# ----- auth and discovery -------------------------------------------------------------------------


def test_calls_without_a_valid_bearer_token_are_unauthenticated(
    images: ImageServiceStub, registry: Registry, fake_model: FakeModel
) -> None:
    request = images_pb.ListImagesRequest(registry_id=registry.id)
    assert rpc_error(images.List, request).code() == grpc.StatusCode.UNAUTHENTICATED
    wrong = rpc_error(images.List, request, metadata=(("authorization", "Bearer t1.wrong-secret"),))
    assert wrong.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "t1.wrong-secret" not in (wrong.details() or "")
    assert fake_model.calls["ImageService.List"] == 2


def test_discovery_points_every_service_at_the_server(fake_server: FakeServer, fake_channel: grpc.Channel) -> None:
    response = ApiEndpointServiceStub(fake_channel).List(ListApiEndpointsRequest(), timeout=TIMEOUT)
    found = {endpoint.id: endpoint.address for endpoint in response.endpoints}
    assert {"container-registry", "operation", "iam", "resource-manager", "endpoint"} <= set(found)
    assert set(found.values()) == {fake_server.address}


def test_tls_listener_discovers_its_own_address(fake_model: FakeModel) -> None:
    with FakeServer(fake_model, tls=True) as server:
        credentials = grpc.ssl_channel_credentials(root_certificates=server.root_certificate)
        with grpc.secure_channel(server.tls_address, credentials) as channel:
            response = ApiEndpointServiceStub(channel).List(ListApiEndpointsRequest(), timeout=TIMEOUT)
    assert {endpoint.address for endpoint in response.endpoints} == {server.tls_address}
    assert server.tls_address != server.address


# ----- List ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 100, 1000])
def test_list_pages_through_2345_images(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata, page_size: int
) -> None:
    # given 2,345 images
    seeded = add_images(fake_model, registry.id, "bulk", 2_345)
    # when paging through them with next_page_token
    seen: list[str] = []
    token = ""
    while True:
        page = images.List(
            images_pb.ListImagesRequest(registry_id=registry.id, page_size=page_size, page_token=token),
            metadata=auth_metadata,
            timeout=TIMEOUT,
        )
        assert len(page.images) <= page_size
        seen += [image.id for image in page.images]
        token = page.next_page_token
        if not token:
            break
    # then every image arrives exactly once
    assert seen == [image.id for image in seeded]


def test_list_scope_precedence(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    other = add_registry(fake_model, folder_id="b1g-other")
    app = add_image(fake_model, registry.id, "app")
    add_image(fake_model, registry.id, "worker")
    add_image(fake_model, other.id, "app")
    request = images_pb.ListImagesRequest(repository_name=app.name, registry_id=other.id, folder_id="b1g-other")
    listed = images.List(request, metadata=auth_metadata, timeout=TIMEOUT)
    assert [image.id for image in listed.images] == [app.id]
    by_registry = images.List(
        images_pb.ListImagesRequest(registry_id=registry.id, folder_id="b1g-other"), metadata=auth_metadata, timeout=TIMEOUT
    )
    assert {image.name for image in by_registry.images} == {f"{registry.id}/app", f"{registry.id}/worker"}


def test_list_filter_and_order_by(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    add_images(fake_model, registry.id, "app", 3)
    add_images(fake_model, registry.id, "worker", 2)
    request = images_pb.ListImagesRequest(
        folder_id=registry.folder_id, filter=f'name="{registry.id}/app"', order_by="created_at desc"
    )
    listed = images.List(request, metadata=auth_metadata, timeout=TIMEOUT).images
    assert len(listed) == 3 and {image.name for image in listed} == {f"{registry.id}/app"}
    stamps = [image.created_at.ToDatetime() for image in listed]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({}, "folder_id"),
        ({"registry_id": "r" * 51}, "registry_id"),
        ({"repository_name": "UPPER/case"}, "repository_name"),
        ({"folder_id": "f", "page_size": 1001}, "page_size"),
        ({"folder_id": "f", "page_token": "forged"}, "page_token"),
        ({"folder_id": "f", "order_by": "size desc"}, "order_by"),
        ({"folder_id": "f", "filter": 'digest="sha256:00"'}, "filter"),
    ],
)
def test_invalid_list_requests_name_the_field(
    images: ImageServiceStub, auth_metadata: Metadata, fields: dict[str, Any], named: str
) -> None:
    error = rpc_error(images.List, images_pb.ListImagesRequest(**fields), metadata=auth_metadata)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.details() or "").startswith(f"{named}:")


def test_page_token_reused_with_another_scope_is_invalid(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    add_images(fake_model, registry.id, "app", 3)
    first = images.List(
        images_pb.ListImagesRequest(registry_id=registry.id, page_size=1), metadata=auth_metadata, timeout=TIMEOUT
    )
    reused = images_pb.ListImagesRequest(folder_id=registry.folder_id, page_size=1, page_token=first.next_page_token)
    error = rpc_error(images.List, reused, metadata=auth_metadata)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "different scope" in (error.details() or "")


def test_get_unknown_image_is_not_found(images: ImageServiceStub, auth_metadata: Metadata) -> None:
    error = rpc_error(images.Get, images_pb.GetImageRequest(image_id="crpmissing"), metadata=auth_metadata)
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, "image crpmissing not found")


# ----- Delete and operations ----------------------------------------------------------------------


def test_delete_runs_an_operation_then_the_image_is_gone(
    images: ImageServiceStub,
    operations: OperationServiceStub,
    fake_model: FakeModel,
    fake_clock: ManualClock,
    registry: Registry,
    auth_metadata: Metadata,
) -> None:
    # given an image and 30 s deletes
    image = add_image(fake_model, registry.id, "app", tags=("v1.0.0",))
    fake_model.knobs.operation_duration = 30
    # when it is deleted
    op = images.Delete(images_pb.DeleteImageRequest(image_id=image.id), metadata=auth_metadata, timeout=TIMEOUT)
    # then the operation is pending, carries DeleteImageMetadata, and the image is still there
    metadata = images_pb.DeleteImageMetadata()
    assert not op.done and op.metadata.Unpack(metadata) and metadata.image_id == image.id
    assert images.Get(images_pb.GetImageRequest(image_id=image.id), metadata=auth_metadata, timeout=TIMEOUT).id
    # when time passes
    fake_clock.advance(30)
    done = operations.Get(GetOperationRequest(operation_id=op.id), metadata=auth_metadata, timeout=TIMEOUT)
    # then it is done with an Empty response and the image is gone
    assert done.done and done.WhichOneof("result") == "response" and done.response.Unpack(Empty())
    gone = rpc_error(images.Get, images_pb.GetImageRequest(image_id=image.id), metadata=auth_metadata)
    assert gone.code() == grpc.StatusCode.NOT_FOUND
    assert fake_model.deleted_image_ids == [image.id]


def test_failing_delete_ends_with_an_error_and_the_image_stays(
    images: ImageServiceStub,
    operations: OperationServiceStub,
    fake_model: FakeModel,
    registry: Registry,
    auth_metadata: Metadata,
) -> None:
    image = add_image(fake_model, registry.id, "app")
    fake_model.knobs.failing_images.add(image.id)
    op = images.Delete(images_pb.DeleteImageRequest(image_id=image.id), metadata=auth_metadata, timeout=TIMEOUT)
    polled = operations.Get(GetOperationRequest(operation_id=op.id), metadata=auth_metadata, timeout=TIMEOUT)
    assert polled.done and polled.WhichOneof("result") == "error" and polled.error.code == 13
    assert image.id in fake_model.images


def test_cancel_of_a_pending_delete_keeps_the_image(
    images: ImageServiceStub,
    operations: OperationServiceStub,
    fake_model: FakeModel,
    registry: Registry,
    auth_metadata: Metadata,
) -> None:
    image = add_image(fake_model, registry.id, "app")
    fake_model.knobs.operation_duration = 60
    op = images.Delete(images_pb.DeleteImageRequest(image_id=image.id), metadata=auth_metadata, timeout=TIMEOUT)
    cancelled = operations.Cancel(CancelOperationRequest(operation_id=op.id), metadata=auth_metadata, timeout=TIMEOUT)
    assert cancelled.done and cancelled.error.code == 1 and image.id in fake_model.images


def test_read_only_registry_refuses_deletes(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    image = add_image(fake_model, registry.id, "app")
    fake_model.knobs.read_only = True
    error = rpc_error(images.Delete, images_pb.DeleteImageRequest(image_id=image.id), metadata=auth_metadata)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "read-only" in (error.details() or "")


def test_idempotency_key_returns_the_same_operation(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    image = add_image(fake_model, registry.id, "app")
    fake_model.knobs.operation_duration = 10
    keyed = auth_metadata + (("idempotency-key", "delete-1"),)
    request = images_pb.DeleteImageRequest(image_id=image.id)
    first = images.Delete(request, metadata=keyed, timeout=TIMEOUT)
    retry = images.Delete(request, metadata=keyed, timeout=TIMEOUT)
    assert first.id == retry.id
    assert fake_model.idempotency_keys == ["delete-1", "delete-1"]


# ----- knobs --------------------------------------------------------------------------------------


def test_unavailable_every_nth_call(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    fake_model.knobs.unavailable_every = 3
    codes = []
    for _ in range(6):
        try:
            images.List(images_pb.ListImagesRequest(registry_id=registry.id), metadata=auth_metadata, timeout=TIMEOUT)
            codes.append("OK")
        except grpc.RpcError as error:
            codes.append(error.code().name)
    assert codes == ["OK", "OK", "UNAVAILABLE", "OK", "OK", "UNAVAILABLE"]


def test_resource_exhausted_over_max_unfinished_operations(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    first, second, third = add_images(fake_model, registry.id, "app", 3)
    fake_model.knobs.operation_duration = 60
    fake_model.knobs.max_unfinished_operations = 2
    for image in (first, second):
        images.Delete(images_pb.DeleteImageRequest(image_id=image.id), metadata=auth_metadata, timeout=TIMEOUT)
    error = rpc_error(images.Delete, images_pb.DeleteImageRequest(image_id=third.id), metadata=auth_metadata)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_early_not_found_and_poll_interval_header(
    images: ImageServiceStub,
    operations: OperationServiceStub,
    fake_model: FakeModel,
    registry: Registry,
    auth_metadata: Metadata,
) -> None:
    image = add_image(fake_model, registry.id, "app")
    fake_model.knobs.early_not_found_polls = 2
    fake_model.knobs.poll_interval_header = 0.5
    op, call = images.Delete.with_call(
        images_pb.DeleteImageRequest(image_id=image.id), metadata=auth_metadata, timeout=TIMEOUT
    )
    assert ("x-operation-poll-interval", "0.5") in tuple(call.initial_metadata())
    get = GetOperationRequest(operation_id=op.id)
    for _ in range(2):
        assert rpc_error(operations.Get, get, metadata=auth_metadata).code() == grpc.StatusCode.NOT_FOUND
    polled, call = operations.Get.with_call(get, metadata=auth_metadata, timeout=TIMEOUT)
    assert polled.id == op.id and ("x-operation-poll-interval", "0.5") in tuple(call.trailing_metadata())


def test_latency_slows_every_call(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    fake_model.knobs.latency = 0.2
    started = time.perf_counter()
    images.List(images_pb.ListImagesRequest(registry_id=registry.id), metadata=auth_metadata, timeout=TIMEOUT)
    assert time.perf_counter() - started >= 0.2


def test_twenty_concurrent_calls_are_served_together(
    images: ImageServiceStub, fake_model: FakeModel, registry: Registry, auth_metadata: Metadata
) -> None:
    # given calls that each take 0.5 s in the fake
    fake_model.knobs.latency = 0.5
    request = images_pb.ListImagesRequest(registry_id=registry.id)
    # when twenty are sent at once
    futures = [images.List.future(request, metadata=auth_metadata, timeout=TIMEOUT) for _ in range(20)]
    for future in futures:
        future.result()
    # then they were in the fake at the same time, not queued one after another
    assert fake_model.peak_concurrent_calls == 20


# ----- IAM ----------------------------------------------------------------------------------------


def test_oauth_token_exchange_yields_an_accepted_iam_token(
    fake_channel: grpc.Channel, images: ImageServiceStub, fake_model: FakeModel, registry: Registry
) -> None:
    fake_model.credentials.oauth_tokens.add("y0_test-oauth")
    iam = IamTokenServiceStub(fake_channel)
    response = iam.Create(CreateIamTokenRequest(yandex_passport_oauth_token="y0_test-oauth"), timeout=TIMEOUT)
    assert response.iam_token.startswith("t1.")
    lifetime = response.expires_at.ToSeconds() - fake_model.clock()
    assert 11 * 3600 < lifetime <= 12 * 3600
    images.List(
        images_pb.ListImagesRequest(registry_id=registry.id),
        metadata=(("authorization", f"Bearer {response.iam_token}"),),
        timeout=TIMEOUT,
    )
    unknown = rpc_error(iam.Create, CreateIamTokenRequest(yandex_passport_oauth_token="y0_unknown-secret"))
    assert unknown.code() == grpc.StatusCode.UNAUTHENTICATED and "y0_unknown-secret" not in (unknown.details() or "")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwt(key: rsa.RSAPrivateKey, *, kid: str = "ajekey", iss: str = "ajesa", aud: str = IAM_TOKEN_AUDIENCE,
         exp_in: float = 3600) -> str:
    now = time.time()
    claims = {"iss": iss, "aud": aud, "iat": int(now), "exp": int(now + exp_in)}
    return jwt.encode(claims, key, algorithm="PS256", headers={"kid": kid})


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"kid": "other"}, "kid"),
        ({"iss": "someone-else"}, "iss"),
        ({"aud": "https://example.com"}, "aud"),
        ({"exp_in": -120}, "exp"),
    ],
)
def test_jwt_exchange_checks_kid_iss_aud_and_exp(
    fake_channel: grpc.Channel, fake_model: FakeModel, rsa_key: rsa.RSAPrivateKey, change: dict[str, Any], complaint: str
) -> None:
    public = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    fake_model.register_service_account_key("ajekey", "ajesa", public)
    iam = IamTokenServiceStub(fake_channel)
    good = iam.Create(CreateIamTokenRequest(jwt=_jwt(rsa_key)), timeout=TIMEOUT)
    assert good.iam_token in fake_model.credentials.iam_tokens
    bad_token = _jwt(rsa_key, **change)
    error = rpc_error(iam.Create, CreateIamTokenRequest(jwt=bad_token))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert complaint in (error.details() or "") and bad_token not in (error.details() or "")
