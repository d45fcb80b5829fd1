"""The one place that picks the registry service: ``yc-registry:service`` / ``YC_REGISTRY_SERVICE``.

``container-registry`` and ``cloud-registry`` force one service. ``auto`` (the default) asks Cloud Registry about
each registry id: one that is there and ACTIVE (a migration that finished, or a registry made there) is served by
Cloud Registry, any other by Container Registry. So a program written for Container Registry keeps working after
its folder migrates, without a change; every ImageInfo says which service served it (``service``).
"""

from __future__ import annotations

import itertools
from dataclasses import replace
import threading
from typing import Any, Callable, Iterator, Mapping

from .. import errors, validation
from ..config import Settings, resolve_settings
from ..migration import Dashboard
from ..models import ImageInfo
from ..transport import RetryNotice, Transport
from .base import DeleteResult, ImageBackend
from .cloud_registry import CloudRegistryClient
from .container_registry import RegistryClient


class AutoBackend:
    """Container Registry and Cloud Registry on one transport; each registry id is served by the service holding it."""

    service = "auto"

    def __init__(self, settings: Settings, *, transport: Transport | None = None, **options: Any) -> None:
        self.settings = settings
        self.transport = transport or Transport(settings, **{k: v for k, v in options.items()
                                                             if k in ("retry", "call_timeout", "root_certificates",
                                                                      "on_retry")})
        wait = {"wait": options["wait"]} if "wait" in options else {}
        self.container = RegistryClient(settings, transport=self.transport, **wait)
        self.cloud = CloudRegistryClient(settings, transport=self.transport, **wait)
        self._lock = threading.Lock()
        self._served: dict[str, bool] = {}
        self._service_of: dict[str, str] = {}  # image id -> the service that answered for it (saves a Get on delete)

    def _seen(self, images: Iterator[ImageInfo]) -> Iterator[ImageInfo]:
        for image in images:
            with self._lock:
                self._service_of[image.id] = image.service
            yield image

    def __enter__(self) -> "AutoBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    def in_cloud_registry(self, registry_id: str) -> bool:
        """Whether Cloud Registry serves this registry id (ACTIVE there); asked once per backend."""
        with self._lock:
            known = self._served.get(registry_id)
        if known is not None:
            return known
        try:
            served = self.cloud.registry_status(registry_id) == "ACTIVE"
        except (errors.PermissionDeniedError, errors.ConfigurationError):
            served = False  # no Cloud Registry role, or no cloud-registry endpoint: Container Registry it is
        with self._lock:
            self._served[registry_id] = served
        return served

    def backend_for(self, registry_id: str) -> ImageBackend:
        return self.cloud if self.in_cloud_registry(registry_id) else self.container

    def list_images(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    folder_id: str | None = None, filter: str | None = None, order_by: str | None = None,
                    page_size: int | None = None, limit: int | None = None,
                    timeout: float | None = None) -> Iterator[ImageInfo]:
        """A repository or registry from its service; a folder from both (Cloud Registry's registries first)."""
        scope = validation.check_list_scope(
            repository_name=repository_name, registry_id=registry_id,
            folder_id=folder_id or (None if (repository_name or registry_id) else self.settings.folder_id),
            filter=filter, order_by=order_by)
        args: dict[str, Any] = dict(filter=filter, order_by=order_by, page_size=page_size, limit=limit,
                                    timeout=timeout)
        if scope.repository_name or scope.registry_id:
            owner = (scope.repository_name.split("/", 1)[0] if scope.repository_name else scope.registry_id)
            return self._seen(self.backend_for(owner).list_images(repository_name=repository_name,
                                                                  registry_id=registry_id, **args))
        return self._seen(self._folder(scope.folder_id, args))

    def _folder(self, folder_id: str, args: dict[str, Any]) -> Iterator[ImageInfo]:
        try:
            in_cloud = set(self.cloud.registry_ids(folder_id))
        except (errors.PermissionDeniedError, errors.ConfigurationError):
            in_cloud = set()
        if not in_cloud:
            yield from self.container.list_images(folder_id=folder_id, **args)
            return
        limit = args.pop("limit", None)
        cloud = self.cloud.list_images(folder_id=folder_id, **args)
        rest = (i for i in self.container.list_images(folder_id=folder_id, **args) if i.registry_id not in in_cloud)
        yield from itertools.islice(itertools.chain(cloud, rest), limit)

    def check_scope(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    timeout: float | None = None) -> None:
        """The scope's service says whether the registry (and the repository) exists."""
        owner = repository_name.split("/", 1)[0] if repository_name else registry_id
        if isinstance(owner, str) and owner:
            validation.check_id("registry_id", owner)
            self.backend_for(owner).check_scope(repository_name=repository_name, registry_id=registry_id,
                                                timeout=timeout)
            return
        self.container.check_scope(repository_name=repository_name, registry_id=registry_id, timeout=timeout)

    def get_image(self, image_id: str, *, timeout: float | None = None) -> ImageInfo:
        """By id: a Container Registry image whose registry has migrated is answered by its successor (same
        registry, same digest) in Cloud Registry; an id Container Registry does not know is tried as an artifact."""
        if self._service_of.get(image_id) == self.cloud.service:
            return self.cloud.get_image(image_id, timeout=timeout)
        try:
            image = self.container.get_image(image_id, timeout=timeout)
        except errors.NotFoundError:
            return self.cloud.get_image(image_id, timeout=timeout)
        if not self.in_cloud_registry(image.registry_id):
            with self._lock:
                self._service_of[image.id] = image.service
            return image
        successor = self.cloud.find_by_digest(image.registry_id, image.digest, image.repository)
        if successor is None:
            raise errors.NotFoundError(
                f"image {image_id} ({image.uri}) is not in Cloud Registry, where its registry {image.registry_id} "
                "has moved; check the migration with verify_migration(registry_id=...)", code="NOT_FOUND",
                image_id=image_id)
        return successor

    def delete_image(self, image_id: str, *, timeout: float | None = None,
                     on_started: Callable[[str], None] | None = None, retry_send: bool = True,
                     first_poll: float | None = None) -> DeleteResult:
        """Delete where the image lives now (its successor in Cloud Registry after a migration)."""
        with self._lock:
            known = self._service_of.get(image_id)
        if known == self.container.service:  # listed or read from Container Registry by this backend just now
            return self.container.delete_image(image_id, timeout=timeout, on_started=on_started,
                                               retry_send=retry_send, first_poll=first_poll)
        try:
            image = self.get_image(image_id, timeout=timeout)
        except errors.NotFoundError:
            return DeleteResult(image_id=image_id, operation_id=None, already_gone=True)
        backend = self.cloud if image.service == self.cloud.service else self.container
        result = backend.delete_image(image.id, timeout=timeout, on_started=on_started, retry_send=retry_send,
                                      first_poll=first_poll)
        return replace(result, image_id=image_id)


def open_backend(settings: Settings, **options: Any) -> Any:  # an ImageBackend, closable
    """The backend the settings ask for (``settings.service``); close it after use."""
    if settings.service == "container-registry":
        return RegistryClient(settings, **options)
    if settings.service == "cloud-registry":
        return CloudRegistryClient(settings, **options)
    return AutoBackend(settings, **options)


def backend_from_config(config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None, *,
                        on_retry: RetryNotice | None = None, **explicit: Any) -> Any:
    """A backend from explicit arguments, then Pulumi config, then the environment; ``on_retry`` is told when a
    call is being retried."""
    return open_backend(resolve_settings(explicit, config, env), on_retry=on_retry)


class MigrationBackend:
    """What a migration needs, whatever ``service`` says: Container Registry for the inventory, Cloud Registry for
    the migration and its artifacts, on one transport (``lifecycle.migration`` calls it)."""

    def __init__(self, settings: Settings, *, transport: Transport | None = None,
                 on_retry: RetryNotice | None = None) -> None:
        self.settings = settings
        self.transport = transport or Transport(settings, on_retry=on_retry)
        self.container = RegistryClient(settings, transport=self.transport)
        self.cloud = CloudRegistryClient(settings, transport=self.transport)

    def __enter__(self) -> "MigrationBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    def folder_dashboard(self, folder_id: str) -> Dashboard | None:
        return self.cloud.folder_dashboard(folder_id)

    def start_folder_migration(self, folder_id: str, *, disable_redirects: bool, timeout: float) -> list[str]:
        return self.cloud.start_folder_migration(folder_id, disable_redirects=disable_redirects, timeout=timeout)

    def toggle_folder_redirects(self, folder_id: str, *, enabled: bool) -> None:
        self.cloud.toggle_folder_redirects(folder_id, enabled=enabled)

    def cloud_registry_ids(self, folder_id: str) -> list[str]:
        return self.cloud.registry_ids(folder_id, active_only=False)

    def inventory(self, *, folder_id: str | None = None, registry_id: str | None = None) -> Iterator[ImageInfo]:
        """Every Container Registry image of the scope (ImageService.List)."""
        return self.container.list_images(folder_id=folder_id, registry_id=registry_id)

    def container_registry_ids(self, folder_id: str) -> list[str]:
        """The folder's Container Registry registries (what a migration of the folder moves)."""
        return self.container.registry_ids(folder_id)

    def cloud_tags(self, registry_id: str) -> dict[tuple[str, str], str] | None:
        """(image name, tag) -> digest as the Cloud Registry registry with this id shows them; None when it is not
        there (tags as artifacts are this project's assumption: backends/cloud_registry_mapping.py)."""
        if self.cloud.registry_status(registry_id) is None:
            return None
        return {(image.name, tag): image.digest for image in self.cloud.list_images(registry_id=registry_id)
                for tag in image.tags}

    def cloud_digests(self, registry_id: str) -> set[str] | None:
        """The manifest digests of the Cloud Registry registry with this id; None when it is not there."""
        if self.cloud.registry_status(registry_id) is None:
            return None
        return self.cloud.digests(registry_id)


def migration_backend_from_config(config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None, *,
                                  on_retry: RetryNotice | None = None, **explicit: Any) -> MigrationBackend:
    return MigrationBackend(resolve_settings(explicit, config, env), on_retry=on_retry)


__all__ = ["AutoBackend", "MigrationBackend", "backend_from_config", "migration_backend_from_config", "open_backend"]
