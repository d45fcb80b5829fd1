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
