"""RegistryClient: the Container Registry implementation of ImageBackend (List, Get, Delete-and-wait)."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Iterator

from yandex.cloud.containerregistry.v1 import image_service_pb2, registry_service_pb2

from .. import errors, validation
from ._client import ServiceClient
from .base import DeleteResult
from ..convert import image_from_proto
from ..limits import DEFAULT_DELETE_TIMEOUT, MAX_PAGE_SIZE
from ..models import ImageInfo
from ..operations import PollStats, hinted_interval, wait_operation
from ..retry import RetryPolicy

log = logging.getLogger(__name__)



SEND_ONCE = RetryPolicy(max_attempts=1)


def _deadline(timeout: float | None) -> float | None:
    """A time.monotonic() deadline ``timeout`` seconds from now (checked), or None."""
    return None if timeout is None else time.monotonic() + validation.check_timeout(timeout, "timeout")


def _scope_name(scope: validation.ListScope) -> str:
    """"repository crp1/app", "registry crp1" or "folder b1g..." (what a listing is about, for messages)."""
    if scope.repository_name:
        return f"repository {scope.repository_name}"
    return f"registry {scope.registry_id}" if scope.registry_id else f"folder {scope.folder_id}"


@dataclass(frozen=True)
class StartedDelete:
    """A sent Delete: the operation to wait for, or ``already_gone`` when the image did not exist."""

    image_id: str
    operation_id: str | None
    already_gone: bool
    done: bool = False
    hint: float | None = None


class RegistryClient(ServiceClient):
    """Lists, reads and deletes images over gRPC; checks every input before any call goes out."""

    service = "container-registry"

    # -- reads ------------------------------------------------------------------------------------
    def list_images(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    folder_id: str | None = None, filter: str | None = None, order_by: str | None = None,
                    page_size: int | None = None, limit: int | None = None,
                    timeout: float | None = None) -> Iterator[ImageInfo]:
        """Lazily iterate the images of a scope (repository > registry > folder), fetching pages on demand.

        Without a scope the folder comes from the settings. Arguments are checked now, before any call.
        ``timeout`` (seconds from now) bounds every page call and its retries.
        """
        scoped = repository_name is not None or registry_id is not None
        scope = validation.check_list_scope(
            repository_name=repository_name, registry_id=registry_id,
            folder_id=folder_id if folder_id is not None or scoped else self.settings.folder_id,
            filter=filter, order_by=order_by)
        size = validation.check_page_size(page_size) if page_size is not None else None
        wanted = validation.check_limit(limit) if limit is not None else None
        if size is None:
            size = MAX_PAGE_SIZE if wanted is None else min(wanted, MAX_PAGE_SIZE)
        return self._pages(scope, size, wanted, _deadline(timeout))

    def _pages(self, scope: validation.ListScope, size: int, wanted: int | None,
               deadline: float | None) -> Iterator[ImageInfo]:
        token = ""
        given = 0
        while True:
            request = image_service_pb2.ListImagesRequest(
                repository_name=scope.repository_name, registry_id=scope.registry_id, folder_id=scope.folder_id,
                filter=scope.filter, order_by=scope.order_by, page_size=size, page_token=token)
            response, _ = self.transport.call("image", "List", request, read=True, action="ImageService.List",
                                              deadline=deadline, scope=_scope_name(scope))
            for image in response.images:
                yield image_from_proto(image)
                given += 1
                if wanted is not None and given >= wanted:
                    return
            token = response.next_page_token
            if not token:
                return

    def get_image(self, image_id: str, *, timeout: float | None = None) -> ImageInfo:
        """One image by id; NotFoundError when it does not exist. ``timeout`` bounds the call and its retries."""
        image_id = validation.check_id("image_id", image_id)
        response, _ = self.transport.call("image", "Get", image_service_pb2.GetImageRequest(image_id=image_id),
                                          read=True, action="ImageService.Get", image_id=image_id,
                                          deadline=_deadline(timeout))
        return image_from_proto(response)

    def check_scope(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    timeout: float | None = None) -> None:
        """NotFoundError naming the id and the folder when the registry (RegistryService.Get) or the repository
        (a repository exists while it holds an image) does not exist; nothing happens when both do."""
        repository = validation.check_repository_name(repository_name) if repository_name else None
        registry = repository.split("/", 1)[0] if repository else validation.check_id("registry_id", registry_id)
        deadline = _deadline(timeout)
        try:
            found, _ = self.transport.call("registry", "Get", registry_service_pb2.GetRegistryRequest(
                registry_id=registry), read=True, action="RegistryService.Get", deadline=deadline,
                scope=f"registry {registry}")
        except errors.NotFoundError:
            raise errors.NotFoundError(
                f"registry {registry} does not exist{self._folder_holds(deadline)}; check "
                f"{'repository_name' if repository else 'registry_id'} (or whether these credentials can see it)",
                code="NOT_FOUND") from None
        if repository and not any(True for _ in self._pages(
                validation.ListScope(repository_name=repository), 1, 1, deadline)):
            raise errors.NotFoundError(
                f"repository {repository} does not exist in registry {registry} (folder {found.folder_id}): "
                "it holds no image (a repository appears with its first push); check repository_name",
                code="NOT_FOUND")

    def _folder_holds(self, deadline: float | None) -> str:
        """" in folder F (which holds ...)" from RegistryService.List of the configured folder, or a hint."""
        folder = self.settings.folder_id
        if not folder:
            return " (set yandex:folderId / YC_FOLDER_ID to have the folder's registries listed here)"
        try:
            response, _ = self.transport.call("registry", "List", registry_service_pb2.ListRegistriesRequest(
                folder_id=folder, page_size=MAX_PAGE_SIZE), read=True, action="RegistryService.List",
                deadline=deadline, scope=f"folder {folder}")
        except errors.RegistryError as exc:
            return f" in folder {folder} (its registries could not be listed: {type(exc).__name__})"
        held = ", ".join(f"{r.id} ({r.name})" for r in response.registries[:10]) or "none"
        return f" in folder {folder}, which holds: {held}"

    def registry_ids(self, folder_id: str) -> list[str]:
        """Ids of the folder's registries (RegistryService.List, first page of 1000)."""
        folder_id = validation.check_id("folder_id", folder_id)
        response, _ = self.transport.call("registry", "List", registry_service_pb2.ListRegistriesRequest(
            folder_id=folder_id, page_size=MAX_PAGE_SIZE), read=True, action="RegistryService.List",
            scope=f"folder {folder_id}")
        return [registry.id for registry in response.registries]

    # -- delete -----------------------------------------------------------------------------------
    def start_delete(self, image_id: str, *, deadline: float | None = None,
                     retry_send: bool = True) -> "StartedDelete":
        """Send Delete, reusing one idempotency key across its retries; say which operation to wait for.

        Nothing is sent once ``deadline`` (time.monotonic) has passed. ``retry_send=False`` sends it once: a caller
        that re-checks the image before every attempt (the cleanup engine) does its own retrying.
        """
        image_id = validation.check_id("image_id", image_id)
        key = str(uuid.uuid4())
        try:
            operation, headers = self.transport.call(
                "image", "Delete", image_service_pb2.DeleteImageRequest(image_id=image_id), read=False,
                action="ImageService.Delete", image_id=image_id, idempotency_key=key, deadline=deadline,
                retry=None if retry_send else SEND_ONCE)
        except errors.NotFoundError:
            return StartedDelete(image_id, None, already_gone=True)
        if operation.done and operation.HasField("error"):
            raise errors.OperationFailedError(
                f"operation {operation.id} deleting image {image_id} failed: code {operation.error.code}: "
                f"{operation.error.message}", operation_id=operation.id, image_id=image_id,
                error_code=operation.error.code, error_message=operation.error.message)
        return StartedDelete(image_id, operation.id, already_gone=False, done=operation.done,
                             hint=hinted_interval(headers, self.wait_policy))

    def delete_image(self, image_id: str, *, timeout: float | None = None,
                     on_started: Callable[[str], None] | None = None, retry_send: bool = True,
                     first_poll: float | None = None) -> DeleteResult:
        """Delete an image and wait until its Operation is done; an image already gone is reported, not raised.

        ``timeout`` bounds everything: sending the Delete (with its retries) and waiting for the Operation.
        ``on_started(operation_id)`` is called once the cloud has accepted the delete (for progress messages).
        ``retry_send=False`` sends the Delete once (see start_delete). ``first_poll`` places the first poll
        (seconds after the Delete's answer); the result says what the wait saw (polls, pending_after, done_after).
        """
        limit = validation.check_timeout(timeout, "timeout") if timeout is not None else DEFAULT_DELETE_TIMEOUT
        started = time.monotonic()
        started_delete = self.start_delete(image_id, deadline=started + limit, retry_send=retry_send)
        operation_id = started_delete.operation_id
        if started_delete.already_gone:
            log.info("image %s was already gone", image_id)
            return DeleteResult(image_id=image_id, operation_id=None, already_gone=True)
        if operation_id is not None and on_started is not None:
            on_started(operation_id)
        stats = PollStats()
        if operation_id is not None and not started_delete.done:
            remaining = max(0.001, limit - (time.monotonic() - started))
            try:
                wait_operation(self.transport, operation_id, timeout=remaining, image_id=image_id,
                               policy=self.wait_policy, hint=started_delete.hint, first_poll=first_poll,
                               stats=stats)
            except errors.OperationFailedError as exc:
                if exc.error_code == 5:  # NOT_FOUND inside the operation: someone else deleted it first
                    return DeleteResult(image_id=image_id, operation_id=operation_id, already_gone=True)
                raise
        return DeleteResult(image_id=image_id, operation_id=operation_id, already_gone=False, polls=stats.polls,
                            pending_after=stats.pending_after, done_after=stats.done_after)


__all__ = ["DEFAULT_DELETE_TIMEOUT", "RegistryClient", "StartedDelete"]
