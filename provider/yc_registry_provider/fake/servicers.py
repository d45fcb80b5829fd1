"""Thin gRPC servicers: protobuf <-> :class:`ContainerRegistryModel` calls, :class:`FakeError` -> ``context.abort``."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Callable, TypeVar

import grpc
from google.protobuf import any_pb2, empty_pb2, timestamp_pb2
from google.rpc import status_pb2
from yandex.cloud.containerregistry.v1 import (blob_pb2, image_pb2, image_service_pb2, image_service_pb2_grpc,
                                               registry_pb2, registry_service_pb2, registry_service_pb2_grpc)
from yandex.cloud.endpoint import api_endpoint_pb2, api_endpoint_service_pb2, api_endpoint_service_pb2_grpc
from yandex.cloud.iam.v1 import iam_token_service_pb2, iam_token_service_pb2_grpc
from yandex.cloud.operation import operation_pb2, operation_service_pb2, operation_service_pb2_grpc

from yc_registry_provider.fake import registries
from yc_registry_provider.fake.common import FakeError, Operation
from yc_registry_provider.fake.model import Blob, ContainerRegistryModel, Image, Registry

ENDPOINT_IDS = ("container-registry", "cloud-registry", "operation", "iam", "resource-manager", "endpoint",
                "serverless-containers", "compute")
# Operation kind -> its metadata message; other services register theirs (cloudregistry_servicers.py).
OPERATION_METADATA: dict[str, Callable[[Operation], Any]] = {}
POLL_INTERVAL_HEADER = "x-operation-poll-interval"

_R = TypeVar("_R")


def _timestamp(value: datetime | float) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    if isinstance(value, datetime):
        stamp.FromDatetime(value)
    else:
        stamp.FromNanoseconds(int(value * 1e9))
    return stamp


def _metadata(context: grpc.ServicerContext) -> dict[str, str]:
    return {key: str(value) for key, value in context.invocation_metadata()}


def _guarded(method: str, *, auth: bool = True) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Count the call, apply knobs, check the bearer token, and turn FakeError into a gRPC status."""

    def decorate(handler: Callable[..., _R]) -> Callable[..., _R]:
        @functools.wraps(handler)
        def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> _R:
            model: ContainerRegistryModel = self.model
            authorization = _metadata(context).get("authorization")
            try:
                model.begin_call(method)
                if auth:
                    model.authenticate(authorization)
                model.injected_failure(method)
                return handler(self, request, context)
            except FakeError as error:
                context.abort(getattr(grpc.StatusCode, error.code), model.error_details(error, authorization))
                raise  # unreachable: abort raises

        return wrapper

    return decorate


def blob_to_proto(blob: Blob) -> blob_pb2.Blob:
    """Model blob -> containerregistry.v1.Blob."""
    return blob_pb2.Blob(id=blob.id, digest=blob.digest, size=blob.size, urls=list(blob.urls))


def image_to_proto(image: Image) -> image_pb2.Image:
    """Model image -> containerregistry.v1.Image."""
    return image_pb2.Image(
        id=image.id,
        name=image.name,
        digest=image.digest,
        compressed_size=image.compressed_size,
        config=blob_to_proto(image.config),
        layers=[blob_to_proto(layer) for layer in image.layers],
        tags=list(image.tags),
        created_at=_timestamp(image.created_at),
    )


def operation_to_proto(op: Operation) -> operation_pb2.Operation:
    """Model operation -> operation.Operation with DeleteImageMetadata; once done, error xor Empty (an error may
    show earlier, during a rollback)."""
    metadata = any_pb2.Any()
    build = OPERATION_METADATA.get(op.kind)
    metadata.Pack(build(op) if build else image_service_pb2.DeleteImageMetadata(image_id=op.image_id))
    message = operation_pb2.Operation(
        id=op.id,
        description=op.description,
        created_at=_timestamp(op.created_at),
        created_by=op.created_by,
        modified_at=_timestamp(op.modified_at),
        done=op.done,
        metadata=metadata,
    )
    if op.error is not None:  # once done; or before, while the cloud rolls a failed delete back
        message.error.CopyFrom(status_pb2.Status(code=op.error.code, message=op.error.message))
    elif op.done:
        message.response.Pack(empty_pb2.Empty())
    return message


def _send_poll_interval(model: ContainerRegistryModel, context: grpc.ServicerContext) -> None:
    interval = model.knobs.poll_interval_header
    if interval is not None:
        pair = ((POLL_INTERVAL_HEADER, f"{interval:g}"),)
        context.send_initial_metadata(pair)
        context.set_trailing_metadata(pair)


class ImageServicer(image_service_pb2_grpc.ImageServiceServicer):
    """containerregistry.v1.ImageService over the model."""

    def __init__(self, model: ContainerRegistryModel) -> None:
        self.model = model

    @_guarded("ImageService.List")
    def List(
        self, request: image_service_pb2.ListImagesRequest, context: grpc.ServicerContext
    ) -> image_service_pb2.ListImagesResponse:
        page = self.model.list_images(
            registry_id=request.registry_id,
            repository_name=request.repository_name,
            folder_id=request.folder_id,
            page_size=request.page_size,
            page_token=request.page_token,
            filter=request.filter,
            order_by=request.order_by,
        )
        return image_service_pb2.ListImagesResponse(
            images=[image_to_proto(image) for image in page.images], next_page_token=page.next_page_token
        )

    @_guarded("ImageService.Get")
    def Get(self, request: image_service_pb2.GetImageRequest, context: grpc.ServicerContext) -> image_pb2.Image:
        return image_to_proto(self.model.get_image(request.image_id))

    @_guarded("ImageService.Delete")
    def Delete(
        self, request: image_service_pb2.DeleteImageRequest, context: grpc.ServicerContext
    ) -> operation_pb2.Operation:
        key = _metadata(context).get("idempotency-key")
        op = self.model.delete_image(request.image_id, idempotency_key=key)
        _send_poll_interval(self.model, context)
        return operation_to_proto(op)


def registry_to_proto(registry: Registry) -> registry_pb2.Registry:
    """Model registry -> containerregistry.v1.Registry (always ACTIVE)."""
    return registry_pb2.Registry(id=registry.id, folder_id=registry.folder_id, name=registry.name,
                                 status=registry_pb2.Registry.Status.ACTIVE)


class RegistryServicer(registry_service_pb2_grpc.RegistryServiceServicer):
    """containerregistry.v1.RegistryService Get and List over the model (the rest answers UNIMPLEMENTED)."""

    def __init__(self, model: ContainerRegistryModel) -> None:
        self.model = model

    @_guarded("RegistryService.Get")
    def Get(self, request: registry_service_pb2.GetRegistryRequest,
            context: grpc.ServicerContext) -> registry_pb2.Registry:
        return registry_to_proto(registries.get_registry(self.model, request.registry_id))

    @_guarded("RegistryService.List")
    def List(self, request: registry_service_pb2.ListRegistriesRequest,
             context: grpc.ServicerContext) -> registry_service_pb2.ListRegistriesResponse:
        page = registries.list_registries(self.model, folder_id=request.folder_id, page_size=request.page_size,
                                          page_token=request.page_token, filter=request.filter)
        return registry_service_pb2.ListRegistriesResponse(
            registries=[registry_to_proto(r) for r in page.registries], next_page_token=page.next_page_token)


class OperationServicer(operation_service_pb2_grpc.OperationServiceServicer):
    """operation.OperationService over the model's delete operations."""

    def __init__(self, model: ContainerRegistryModel) -> None:
        self.model = model

    @_guarded("OperationService.Get")
    def Get(
        self, request: operation_service_pb2.GetOperationRequest, context: grpc.ServicerContext
    ) -> operation_pb2.Operation:
        op = self.model.get_operation(request.operation_id)
        _send_poll_interval(self.model, context)
        return operation_to_proto(op)

    @_guarded("OperationService.Cancel")
    def Cancel(
        self, request: operation_service_pb2.CancelOperationRequest, context: grpc.ServicerContext
    ) -> operation_pb2.Operation:
        return operation_to_proto(self.model.cancel_operation(request.operation_id))


class ApiEndpointServicer(api_endpoint_service_pb2_grpc.ApiEndpointServiceServicer):
    """endpoint.ApiEndpointService: every service lives at this listener's own address."""

    def __init__(self, model: ContainerRegistryModel, address: str) -> None:
        self.model = model
        self.address = address

    def _endpoints(self) -> list[api_endpoint_pb2.ApiEndpoint]:
        absent = self.model.absent_services() | self.model.knobs.hidden_endpoints
        return [api_endpoint_pb2.ApiEndpoint(id=eid, address=self.address) for eid in ENDPOINT_IDS if eid not in absent]

    @_guarded("ApiEndpointService.List", auth=False)
    def List(
        self, request: api_endpoint_service_pb2.ListApiEndpointsRequest, context: grpc.ServicerContext
    ) -> api_endpoint_service_pb2.ListApiEndpointsResponse:
        return api_endpoint_service_pb2.ListApiEndpointsResponse(endpoints=self._endpoints())

    @_guarded("ApiEndpointService.Get", auth=False)
    def Get(
        self, request: api_endpoint_service_pb2.GetApiEndpointRequest, context: grpc.ServicerContext
    ) -> api_endpoint_pb2.ApiEndpoint:
        for endpoint in self._endpoints():
            if endpoint.id == request.api_endpoint_id:
                return endpoint
        listed = ", ".join(e.id for e in self._endpoints())
        raise FakeError("NOT_FOUND", f"api_endpoint_id: {request.api_endpoint_id!r} is not one of {listed}")


class IamTokenServicer(iam_token_service_pb2_grpc.IamTokenServiceServicer):
    """iam.v1.IamTokenService.Create: OAuth token or service-account JWT -> a fresh 12 h IAM token."""

    def __init__(self, model: ContainerRegistryModel) -> None:
        self.model = model

    @_guarded("IamTokenService.Create", auth=False)
    def Create(
        self, request: iam_token_service_pb2.CreateIamTokenRequest, context: grpc.ServicerContext
    ) -> iam_token_service_pb2.CreateIamTokenResponse:
        which = request.WhichOneof("identity")
        if which == "yandex_passport_oauth_token":
            token, expires = self.model.exchange_oauth_token(request.yandex_passport_oauth_token)
        elif which == "jwt":
            token, expires = self.model.exchange_jwt(request.jwt)
        else:
            raise FakeError("INVALID_ARGUMENT", "identity: set one of yandex_passport_oauth_token or jwt")
        return iam_token_service_pb2.CreateIamTokenResponse(iam_token=token, expires_at=_timestamp(expires))

    def CreateForServiceAccount(
        self, request: iam_token_service_pb2.CreateIamTokenForServiceAccountRequest, context: grpc.ServicerContext
    ) -> iam_token_service_pb2.CreateIamTokenResponse:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "IamTokenService.CreateForServiceAccount: not faked")
        raise AssertionError("unreachable")

    def Revoke(
        self, request: iam_token_service_pb2.RevokeIamTokenRequest, context: grpc.ServicerContext
    ) -> iam_token_service_pb2.RevokeIamTokenResponse:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "IamTokenService.Revoke: not faked")
        raise AssertionError("unreachable")
