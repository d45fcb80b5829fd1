"""The official yandexcloud.SDK, unmodified, works against the fake's TLS listener end to end."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
import yandexcloud
from google.protobuf.empty_pb2 import Empty
from yandex.cloud.containerregistry.v1.image_service_pb2 import (
    DeleteImageMetadata,
    DeleteImageRequest,
    GetImageRequest,
    ListImagesRequest,
)
from yandex.cloud.containerregistry.v1.image_service_pb2_grpc import ImageServiceStub
from yandex.cloud.operation.operation_service_pb2 import GetOperationRequest
from yandex.cloud.operation.operation_service_pb2_grpc import OperationServiceStub
from yandexcloud.operations import OperationResult

from yc_registry_provider.fake import DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, seed_demo


@pytest.fixture
def tls_server() -> Iterator[FakeServer]:
    """A demo-seeded fake on the real clock, with the TLS listener the SDK needs to attach credentials."""
    model = seed_demo(FakeModel())
    model.knobs.operation_duration = 0.3
    with FakeServer(model, tls=True) as server:
        yield server


@pytest.fixture
def sdk(tls_server: FakeServer) -> yandexcloud.SDK:
    """The official SDK pointed at the fake, trusting its self-signed certificate."""
    return yandexcloud.SDK(
        iam_token=DEMO_TOKEN, endpoint=tls_server.tls_address, root_certificates=tls_server.root_certificate
    )


def test_sdk_lists_gets_and_deletes_an_image(tls_server: FakeServer, sdk: yandexcloud.SDK) -> None:
    # given: the SDK's own image client, discovered through ApiEndpointService
    images = sdk.client(ImageServiceStub)

    # when: it lists the demo folder and gets the first image
    listed = images.List(ListImagesRequest(folder_id=DEMO_FOLDER_ID, page_size=5), timeout=10)
    first = images.Get(GetImageRequest(image_id=listed.images[0].id), timeout=10)

    # then: the image is there, and the bearer token reached the fake
    assert len(listed.images) == 5 and listed.next_page_token
    assert first.id == listed.images[0].id
    assert DEMO_TOKEN in tls_server.model.tokens_seen

    # when: it deletes the image and waits with its own waiter
    operation = images.Delete(DeleteImageRequest(image_id=first.id), timeout=10)
    result = sdk.wait_operation_and_get_result(
        operation, response_type=Empty, meta_type=DeleteImageMetadata, timeout=15
    )

    # then: the operation is done, names the image, and the image is gone
    assert isinstance(result, OperationResult)
    assert result.meta is not None and result.meta.image_id == first.id
    with pytest.raises(grpc.RpcError) as gone:
        images.Get(GetImageRequest(image_id=first.id), timeout=10)
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    assert tls_server.model.deleted_image_ids == [first.id]


def test_sdk_pages_through_a_folder_with_the_fakes_page_tokens(tls_server: FakeServer, sdk: yandexcloud.SDK) -> None:
    # given the SDK's image client and a folder holding more images than a page
    images = sdk.client(ImageServiceStub)
    seen: list[str] = []
    token = ""
    # when it pages with next_page_token until the token is empty
    while True:
        page = images.List(ListImagesRequest(folder_id=DEMO_FOLDER_ID, page_size=3, page_token=token), timeout=10)
        seen.extend(image.id for image in page.images)
        token = page.next_page_token
        if not token:
            break
    # then it saw every image once, and a token the fake never issued is refused as INVALID_ARGUMENT
    assert sorted(seen) == sorted(tls_server.model.images) and len(seen) == len(set(seen)) > 3
    with pytest.raises(grpc.RpcError) as forged:
        images.List(ListImagesRequest(folder_id=DEMO_FOLDER_ID, page_size=3, page_token="Zm9yZ2Vk"), timeout=10)
    assert forged.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in forged.value.details()


def test_sdk_sees_an_early_not_found_on_a_fresh_operation_then_the_operation(tls_server: FakeServer,
                                                                             sdk: yandexcloud.SDK) -> None:
    # given a fake whose fresh operations answer NOT_FOUND to their first 2 polls
    tls_server.model.knobs.early_not_found_polls = 2
    images = sdk.client(ImageServiceStub)
    operations = sdk.client(OperationServiceStub)
    victim = next(iter(tls_server.model.images))
    operation = images.Delete(DeleteImageRequest(image_id=victim), timeout=10)
    # when the SDK's own OperationService stub polls it, then it sees NOT_FOUND twice, then the operation
    codes = []
    for _ in range(2):
        with pytest.raises(grpc.RpcError) as early:
            operations.Get(GetOperationRequest(operation_id=operation.id), timeout=10)
        codes.append(early.value.code())
    assert codes == [grpc.StatusCode.NOT_FOUND] * 2
    assert operations.Get(GetOperationRequest(operation_id=operation.id), timeout=10).id == operation.id


def test_sdk_gets_resource_exhausted_beyond_the_unfinished_operations_limit(tls_server: FakeServer,
                                                                            sdk: yandexcloud.SDK) -> None:
    # given a fake allowing one unfinished operation and slow operations
    tls_server.model.knobs.max_unfinished_operations = 1
    tls_server.model.knobs.operation_duration = 30
    images = sdk.client(ImageServiceStub)
    first, second = list(tls_server.model.images)[:2]
    images.Delete(DeleteImageRequest(image_id=first), timeout=10)
    # when the SDK deletes a second image, then the status is RESOURCE_EXHAUSTED saying why
    with pytest.raises(grpc.RpcError) as throttled:
        images.Delete(DeleteImageRequest(image_id=second), timeout=10)
    assert throttled.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "unfinished operations" in throttled.value.details()
    assert second in tls_server.model.images
