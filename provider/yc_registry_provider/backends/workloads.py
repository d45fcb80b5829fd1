"""WorkloadsClient: reads what workloads run, for the ``keep_in_use`` cleanup rule (all calls through transport.py).

Sources (``in_use.SOURCES``), each read per folder:

- ``serverless-containers``: ``ContainerService.List`` (names) and ``ContainerService.ListRevisions`` by folder;
  every revision not OBSOLETE holds its ``image.image_url`` and the ``image.image_digest`` it was deployed with.
- ``compute``: ``InstanceService.List``; the request has no view, and the documented default view (BASIC) leaves
  metadata out, so an instance listed without metadata is read again with ``InstanceService.Get(view=FULL)``.
  Its ``docker-container-declaration`` / ``docker-compose`` metadata names the images. Every instance counts,
  stopped ones too (a start pulls the same references again).
- ``instance-groups``: ``InstanceGroupService.List(view=FULL)``, the instance template's metadata.

Fail closed: a source that cannot be read (PERMISSION_DENIED, no endpoint in discovery, UNAVAILABLE past the
transport's budget, ...) raises :class:`~yc_registry_provider.errors.WorkloadSourceError` naming the source and
the role that reads it; the cleanup then deletes nothing.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator

from yandex.cloud.cloudregistry.v1 import registry_service_pb2 as cloud_registry_service_pb2
from yandex.cloud.compute.v1 import instance_service_pb2
from yandex.cloud.compute.v1.instancegroup import instance_group_service_pb2
from yandex.cloud.containerregistry.v1 import registry_service_pb2
from yandex.cloud.serverless.containers.v1 import container_pb2, container_service_pb2

from .. import errors
from ..in_use import (METADATA_KEYS, SOURCE_ROLES, InUseSet, KeepInUse, LiveReference, Workload, parse_reference,
                      references_in)
from ..limits import MAX_PAGE_SIZE
from ..models import CLOUD_REGISTRY, CONTAINER_REGISTRY
from ._client import ServiceClient

OBSOLETE = container_pb2.Revision.Status.OBSOLETE
READERS = 8
"""Calls of one in-use read in flight at once (sources side by side; instances read with view FULL side by side)."""


class WorkloadsClient(ServiceClient):
    """Reads live image references from Serverless Containers, Compute instances and instance groups."""

    service = "workloads"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._folders: dict[str, str] = {}
        self._lock = threading.Lock()
        # which service holds a registry, as the image backend decided it (backends/service.py); None: ask both
        self.placement: Callable[[str], str] | None = None
        self.reads = 0  # how many times the in-use set was read (benchmarks, tests)

    # -- the folder of a registry ----------------------------------------------------------------------------
    def registry_folder(self, registry_id: str, *, deadline: float | None = None) -> str:
        """The folder of ``registry_id``, from the service ``placement`` says holds it (without one: Cloud Registry
        first, the successor; then Container Registry); cached. Neither answering is a ConfigurationError that says
        to name the folders."""
        with self._lock:
            if registry_id in self._folders:
                return self._folders[registry_id]
        found: str | None = None
        problems = []
        asks: tuple[tuple[str, str, Any], ...] = (
            ("cloud-registry", "Cloud Registry", cloud_registry_service_pb2.GetRegistryRequest(registry_id=registry_id)),
            ("registry", "Container Registry", registry_service_pb2.GetRegistryRequest(registry_id=registry_id)))
        if self.placement is not None:
            held_by = self.placement(registry_id)
            asks = tuple(ask for ask in asks if (ask[0] == "cloud-registry") == (held_by == CLOUD_REGISTRY))
        for service, stub, request in asks:
            try:
                registry, _ = self.transport.call(service, "Get", request, read=True,
                                                  action="RegistryService.Get", deadline=deadline,
                                                  scope=f"registry {registry_id}")
            except errors.RegistryError as exc:
                problems.append(f"{stub}: {type(exc).__name__}")
                continue
            found = registry.folder_id
            break
        if not found:
            raise errors.ConfigurationError(
                f"keep_in_use: cannot tell the folder of registry {registry_id} ({'; '.join(problems)}), so it "
                "cannot tell which workloads to read; name them in keep_in_use.folders")
        with self._lock:
            self._folders[registry_id] = found
        return found

    # -- reading ---------------------------------------------------------------------------------------------
    def read(self, keep: KeepInUse, registry_ids: list[str], *, timeout: float | None = None) -> InUseSet:
        """Every live reference of ``keep.sources`` in ``keep.folders`` (default: the registries' folders).
        Raises WorkloadSourceError when a source cannot be read."""
        deadline = None if timeout is None else time.monotonic() + timeout
        folders = list(keep.folders) or list(dict.fromkeys(
            self.registry_folder(registry_id, deadline=deadline) for registry_id in registry_ids))
        jobs = [(folder, source) for folder in folders for source in keep.sources]
        # the sources are read side by side: a read is as slow as its slowest source, not their sum
        with ThreadPoolExecutor(max_workers=min(len(jobs), READERS), thread_name_prefix="yc-workloads") as pool:
            futures = [pool.submit(self._source, source, folder, deadline) for folder, source in jobs]
            references: list[LiveReference] = []
            for (folder, source), future in zip(jobs, futures):
                try:
                    references.extend(future.result())
                except errors.RegistryError as exc:
                    role = SOURCE_ROLES[source]
                    raise errors.WorkloadSourceError(
                        f"keep_in_use could not read {source} in folder {folder} ({type(exc).__name__}: {exc}); "
                        f"nothing is deleted while a workload source cannot be read: grant the account {role} on "
                        f"folder {folder}, or leave {source!r} out of keep_in_use.sources to clean without it",
                        source=source, role=role, cause=exc) from exc
        with self._lock:
            self.reads += 1
        return InUseSet(references)

    def _source(self, source: str, folder: str, deadline: float | None) -> list[LiveReference]:
        if source == "serverless-containers":
            return self._containers(folder, deadline)
        if source == "compute":
            return self._instances(folder, deadline)
        return self._instance_groups(folder, deadline)

    def _pages(self, service: str, method: str, action: str, build: Any, field: str, folder: str,
               deadline: float | None) -> Iterator[Any]:
        token = ""
        while True:
            response, _ = self.transport.call(service, method, build(token), read=True, action=action,
                                              deadline=deadline, scope=f"folder {folder}")
            yield from getattr(response, field)
            token = response.next_page_token
            if not token:
                return

    def _containers(self, folder: str, deadline: float | None) -> list[LiveReference]:
        names = {c.id: c.name for c in self._pages(
            "container", "List", "ContainerService.List",
            lambda token: container_service_pb2.ListContainersRequest(folder_id=folder, page_size=MAX_PAGE_SIZE,
                                                                      page_token=token),
            "containers", folder, deadline)}
        found = []
        for revision in self._pages(
                "container", "ListRevisions", "ContainerService.ListRevisions",
                lambda token: container_service_pb2.ListContainersRevisionsRequest(
                    folder_id=folder, page_size=MAX_PAGE_SIZE, page_token=token),
                "revisions", folder, deadline):
            if revision.status == OBSOLETE:
                continue
            ref = parse_reference(revision.image.image_url)
            if ref is None:
                continue  # an image from another registry (Docker Hub, ...): none of ours
            workload = Workload("serverless-container", revision.container_id,
                                names.get(revision.container_id, ""), folder, f"revision {revision.id}")
            found.append(LiveReference(ref, workload, revision.image.image_digest or None))
        return found

    def _instances(self, folder: str, deadline: float | None) -> list[LiveReference]:
        listed = list(self._pages(
            "instance", "List", "InstanceService.List",
            lambda token: instance_service_pb2.ListInstancesRequest(folder_id=folder, page_size=MAX_PAGE_SIZE,
                                                                    page_token=token),
            "instances", folder, deadline))

        def metadata_of(instance: Any) -> dict[str, str] | None:
            if instance.metadata:
                return dict(instance.metadata)
            try:  # listed in the BASIC view: read it with its metadata
                full, _ = self.transport.call(
                    "instance", "Get", instance_service_pb2.GetInstanceRequest(
                        instance_id=instance.id, view=instance_service_pb2.InstanceView.FULL),
                    read=True, action="InstanceService.Get", deadline=deadline, scope=f"instance {instance.id}")
            except errors.NotFoundError:
                return None  # deleted since the listing: it runs nothing
            return dict(full.metadata)

        if not listed:
            return []
        with ThreadPoolExecutor(max_workers=min(len(listed), READERS), thread_name_prefix="yc-instances") as pool:
            metadatas = list(pool.map(metadata_of, listed))
        found: list[LiveReference] = []
        for instance, metadata in zip(listed, metadatas):
            if metadata is None:
                continue
            workload = Workload("instance", instance.id, instance.name, folder)
            found.extend(LiveReference(ref, workload) for key in METADATA_KEYS
                         for ref in references_in(metadata.get(key, "")))
        return found

    def _instance_groups(self, folder: str, deadline: float | None) -> list[LiveReference]:
        found: list[LiveReference] = []
        for group in self._pages(
                "instance-group", "List", "InstanceGroupService.List",
                lambda token: instance_group_service_pb2.ListInstanceGroupsRequest(
                    folder_id=folder, page_size=MAX_PAGE_SIZE, page_token=token,
                    view=instance_group_service_pb2.InstanceGroupView.FULL),
                "instance_groups", folder, deadline):
            metadata = dict(group.instance_template.metadata)
            workload = Workload("instance-group", group.id, group.name, folder)
            found.extend(LiveReference(ref, workload) for key in METADATA_KEYS
                         for ref in references_in(metadata.get(key, "")))
        return found



def workloads_for(backend: Any) -> WorkloadsClient:
    """A WorkloadsClient on the same settings and transport as an image backend (its owner closes the transport),
    so every front door that has a backend can read workloads without new configuration."""
    transport = getattr(backend, "transport", None)
    settings = getattr(backend, "settings", None)
    if transport is None or settings is None:
        raise errors.ConfigurationError(
            f"keep_in_use needs to read workloads, and the backend {type(backend).__name__} has no transport to read "
            "them with; pass a WorkloadsClient")
    client = WorkloadsClient(settings, transport=transport)
    client.placement = _placement(backend)
    return client


def _placement(backend: Any) -> Callable[[str], str] | None:
    """Which service holds a registry, as the backend's service decision says (``AutoBackend.in_cloud_registry``,
    or the one service a forced backend serves); None when the backend cannot say."""
    if hasattr(backend, "in_cloud_registry"):
        return lambda registry_id: CLOUD_REGISTRY if backend.in_cloud_registry(registry_id) else CONTAINER_REGISTRY
    if getattr(backend, "service", None) in (CLOUD_REGISTRY, CONTAINER_REGISTRY):
        service = str(backend.service)
        return lambda registry_id: service
    return None


__all__ = ["WorkloadsClient", "workloads_for"]
