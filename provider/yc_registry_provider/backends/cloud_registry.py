"""CloudRegistryClient: the Cloud Registry (cloudregistry/v1) implementation of ImageBackend, and the migration calls.

Images are read from ``ArtifactService.List`` and grouped into Docker images as ``cloud_registry_mapping`` assumes;
digest-based work (finding an image by digest, deleting one) selects artifacts by registry and
``content.docker.manifest_digest``, the documented fields, so only tags and repository names ride on the
assumption. A delete sends ``ArtifactService.Delete`` for every version artifact of the image and waits for each
Operation; ``with_history`` only when the user set ``yc-registry:deleteWithHistory``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone
from typing import Any, Callable, Iterable, Iterator, TypeVar

from google.protobuf import timestamp_pb2
from yandex.cloud.cloudregistry.v1 import (artifact_pb2, artifact_service_pb2, migration_service_pb2,
                                           registry_pb2, registry_service_pb2)

from .. import errors, validation
from ..limits import DEFAULT_DELETE_TIMEOUT, MAX_PAGE_SIZE
from ..migration import Counters, Dashboard, FailedTag, RegistryProgress
from ..models import CLOUD_REGISTRY, BlobInfo, ImageInfo, format_rfc3339
from ..operations import PollStats, hinted_interval, wait_operation
from . import cloud_registry_mapping as mapping
from ._client import ServiceClient
from .base import DeleteResult
from .container_registry import SEND_ONCE

log = logging.getLogger(__name__)

ARTIFACT_KIND = artifact_pb2.Artifact.Kind.Value(mapping.KIND_ARTIFACT)
REUSE_READ = 2.0  # seconds a get_image's artifacts stand for the delete that follows it (the cleanup re-reads <= 1 s)
MAX_REMEMBERED_READS = 1000
DELETE_THREADS = 64  # an image's artifact Deletes and waits run together on these
T = TypeVar("T")
DASHBOARD_LIMIT = 10  # failed tags / registries / repositories asked for (the API allows 0..100)
_STATUS_NAMES = {0: "UNSPECIFIED", 1: "CREATED", 2: "SCHEDULED", 3: "IN_PROGRESS", 4: "COMPLETED", 5: "FAILED"}


def _rfc3339(stamp: timestamp_pb2.Timestamp, present: bool) -> str:
    return format_rfc3339(stamp.ToDatetime(tzinfo=timezone.utc)) if present else ""


def _version(artifact: Any) -> mapping.VersionArtifact:
    return mapping.VersionArtifact(id=artifact.id, registry_id=artifact.registry_id, path=artifact.path,
                                   name=artifact.name, manifest_digest=artifact.content.docker.manifest_digest,
                                   created_at=_rfc3339(artifact.created_at, artifact.HasField("created_at")))


def _image(group: mapping.ImageGroup, manifest: Any) -> ImageInfo:
    """One image group as an ImageInfo; sizes from the manifest's descriptors (config + layers)."""
    config = None
    layers: list[BlobInfo] = []
    if manifest is not None and manifest.HasField("image_manifest"):
        image_manifest = manifest.image_manifest
        if image_manifest.HasField("config"):
            config = BlobInfo(id="", digest=image_manifest.config.digest, size=int(image_manifest.config.size))
        layers = [BlobInfo(id="", digest=layer.digest, size=int(layer.size)) for layer in image_manifest.layers]
    name = f"{group.registry_id}/{group.repository}" if group.repository else group.registry_id
    return ImageInfo(id=group.image_id, name=name, digest=group.digest,
                     compressed_size=sum(layer.size for layer in layers) + (config.size if config else 0),
                     config=config, layers=layers, tags=group.tags, created_at=group.created_at,
                     service=CLOUD_REGISTRY)


def _counters(message: Any) -> Counters:
    return Counters(total=message.total, completed=message.completed, in_progress=message.in_progress,
                    created=message.created, scheduled=message.scheduled, failed=message.failed,
                    not_found=message.not_found)


def dashboard_from_proto(message: Any) -> Dashboard:
    """A FolderMigrationStatusDashboard as the plain Dashboard the migration rules read."""
    registries = []
    for board in list(message.top_failed_registries) + list(message.top_in_progress_registries):
        registries.append(RegistryProgress(
            registry_id=board.registry_id, status=_STATUS_NAMES.get(board.status, "UNSPECIFIED"),
            repositories=_counters(board.progress.repositories), tags=_counters(board.progress.tags),
            failed_tags=tuple(FailedTag(repository=t.repository_name, tag=t.tag, error_code=t.error_code,
                                        error_message=t.error_message) for t in board.top_failed_tags)))
    return Dashboard(folder_id=message.folder_id, status=_STATUS_NAMES.get(message.status, "UNSPECIFIED"),
                     registries=_counters(message.progress.registries),
                     repositories=_counters(message.progress.repositories), tags=_counters(message.progress.tags),
                     top_registries=tuple(registries))


class CloudRegistryClient(ServiceClient):
    """Lists, reads and deletes Docker images held as Cloud Registry artifacts; runs and reads migrations."""

    service = CLOUD_REGISTRY

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_lock = threading.Lock()
        self._reads: dict[str, tuple[float, list[Any]]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._leftovers: dict[str, list[Any]] = {}  # image id -> its artifacts whose Delete was refused

    # -- registries -------------------------------------------------------------------------------
    def registry_status(self, registry_id: str, *, deadline: float | None = None) -> str | None:
        """The registry's status (ACTIVE, CREATING, ...) in Cloud Registry, or None when it has no such registry."""
        registry_id = validation.check_id("registry_id", registry_id)
        try:
            response, _ = self.transport.call(
                "cloud-registry", "Get", registry_service_pb2.GetRegistryRequest(registry_id=registry_id), read=True,
                action="RegistryService.Get", scope=f"registry {registry_id}", deadline=deadline)
        except errors.NotFoundError:
            return None
        return str(registry_pb2.Registry.Status.Name(response.status))

    def registry_ids(self, folder_id: str, *, active_only: bool = True) -> list[str]:
        """Ids of the folder's Docker registries (only the ACTIVE ones unless told otherwise)."""
        folder_id = validation.check_id("folder_id", folder_id)
        found: list[str] = []
        token = ""
        while True:
            request = registry_service_pb2.ListRegistriesRequest(
                folder_id=folder_id, page_size=MAX_PAGE_SIZE, page_token=token,
                kind=[registry_pb2.Registry.Kind.Value("DOCKER")])
            response, _ = self.transport.call("cloud-registry", "List", request, read=True,
                                              action="RegistryService.List", scope=f"folder {folder_id}")
            found.extend(r.id for r in response.registries
                         if not active_only or r.status == registry_pb2.Registry.Status.Value("ACTIVE"))
            token = response.next_page_token
            if not token:
                return found

    # -- artifacts --------------------------------------------------------------------------------
    def _artifacts(self, *, registry_id: str = "", folder_id: str = "", deadline: float | None = None) -> Iterator[Any]:
        """Every version artifact (kind ARTIFACT) of a registry or folder, 1,000 a page."""
        token = ""
        subject = f"registry {registry_id}" if registry_id else f"folder {folder_id}"
        while True:
            request = artifact_service_pb2.ListArtifactsWithFiltersRequest(
                registry_id=registry_id, folder_id="" if registry_id else folder_id, page_size=MAX_PAGE_SIZE,
                page_token=token, kind=[ARTIFACT_KIND])
            response, _ = self.transport.call("artifact", "List", request, read=True, action="ArtifactService.List",
                                              scope=subject, deadline=deadline)
            yield from response.artifacts
            token = response.next_page_token
            if not token:
                return

    def _images(self, artifacts: Iterable[Any], layouts: dict[str, str] | None = None) -> list[ImageInfo]:
        """Version artifacts grouped into images, each registry read in its layout (recognised from these
        artifacts unless ``layouts`` says, from a whole registry's listing)."""
        manifests: dict[str, Any] = {}
        versions = []
        for artifact in artifacts:
            if not artifact.content.docker.manifest_digest:
                continue
            versions.append(_version(artifact))
            manifests.setdefault(artifact.id, artifact.content.docker)
        return [_image(group, manifests.get(group.artifacts[0].id))
                for group in mapping.group_images(versions, layouts)]

    def _registry_versions(self, registry_id: str, deadline: float | None) -> tuple[list[Any], str]:
        """A registry's whole listing of version artifacts, and the layout recognised from it."""
        listed = list(self._artifacts(registry_id=registry_id, deadline=deadline))
        layout = mapping.recognise(_version(a) for a in listed if a.content.docker.manifest_digest)
        return listed, layout or mapping.DEFAULT_LAYOUT

    def raw_artifacts(self, registry_id: str, *, path: str | None = None,
                      timeout: float | None = None) -> tuple[list[mapping.RawArtifact], str | None]:
        """Every artifact of a registry (FOLDERs and PACKAGEs too; under ``path`` when given), as listed, and the
        layout recognised from its version artifacts (None when it holds none): what `yc-registry artifacts`
        prints, so a user with a real registry can confirm or correct the mapping in one command."""
        registry_id = validation.check_id("registry_id", registry_id)
        deadline = None if timeout is None else time.monotonic() + validation.check_timeout(timeout, "timeout")
        found: list[mapping.RawArtifact] = []
        token = ""
        while True:
            request = artifact_service_pb2.ListArtifactsWithFiltersRequest(
                registry_id=registry_id, page_size=MAX_PAGE_SIZE, page_token=token)
            response, _ = self.transport.call("artifact", "List", request, read=True, action="ArtifactService.List",
                                              scope=f"registry {registry_id}", deadline=deadline)
            found.extend(mapping.RawArtifact(
                id=a.id, kind=artifact_pb2.Artifact.Kind.Name(a.kind), path=a.path, name=a.name,
                manifest_digest=a.content.docker.manifest_digest, registry_id=a.registry_id,
                status=artifact_pb2.Artifact.Status.Name(a.status)) for a in response.artifacts)
            token = response.next_page_token
            if not token:
                break
        layout = mapping.recognise(mapping.VersionArtifact(id=a.id, registry_id=a.registry_id, path=a.path,
                                                           name=a.name, manifest_digest=a.manifest_digest)
                                   for a in found if a.kind == mapping.KIND_ARTIFACT)
        if path:
            bare = path.strip("/")
            found = [a for a in found if a.path.strip("/") == bare or a.path.strip("/").startswith(bare + "/")]
        return found, layout

    def digests(self, registry_id: str, *, timeout: float | None = None) -> set[str]:
        """Every manifest digest present in a registry: digest-based, independent of the path layout."""
        registry_id = validation.check_id("registry_id", registry_id)
        deadline = None if timeout is None else time.monotonic() + timeout
        return {a.content.docker.manifest_digest for a in self._artifacts(registry_id=registry_id, deadline=deadline)
                if a.content.docker.manifest_digest}

    def list_images(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    folder_id: str | None = None, filter: str | None = None, order_by: str | None = None,
                    page_size: int | None = None, limit: int | None = None,
                    timeout: float | None = None) -> Iterator[ImageInfo]:
        """The Docker images of a scope (repository > registry > folder), in creation order unless ``order_by``.

        Tags of one image may sit on different pages, so the whole scope is read before the first image is given.
        """
        scope = validation.check_list_scope(
            repository_name=repository_name, registry_id=registry_id,
            folder_id=folder_id or (None if (repository_name or registry_id) else self.settings.folder_id),
            filter=filter, order_by=order_by)
        if page_size is not None:
            validation.check_page_size(page_size)
        wanted = validation.check_limit(limit) if limit is not None else None
        deadline = None if timeout is None else time.monotonic() + validation.check_timeout(timeout, "timeout")
        return self._listed(scope, wanted, deadline)

    def _listed(self, scope: validation.ListScope, wanted: int | None, deadline: float | None) -> Iterator[ImageInfo]:
        repository = scope.repository_name
        if scope.filter:
            repository = validation.parse_filter(scope.filter).name if not repository else repository
        registry_id = repository.split("/", 1)[0] if repository else scope.registry_id
        images = self._images(self._artifacts(registry_id=registry_id, folder_id=scope.folder_id, deadline=deadline))
        if repository:
            images = [image for image in images if image.name == repository]
        for term in reversed([t.split() for t in scope.order_by.split(",")] if scope.order_by else []):
            key = {"name": lambda i: i.name, "digest": lambda i: i.digest}.get(term[0], lambda i: i.created_at)
            images.sort(key=key, reverse=len(term) == 2 and term[1].lower() == "desc")
        yield from images[:wanted] if wanted is not None else images

    def check_scope(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    timeout: float | None = None) -> None:
        """NotFoundError naming the id when the registry is not in Cloud Registry, or the repository holds no image."""
        repository = validation.check_repository_name(repository_name) if repository_name else None
        registry = repository.split("/", 1)[0] if repository else validation.check_id("registry_id", registry_id)
        deadline = None if timeout is None else time.monotonic() + validation.check_timeout(timeout, "timeout")
        if self.registry_status(registry, deadline=deadline) is None:
            raise errors.NotFoundError(
                f"registry {registry} does not exist in Cloud Registry; check "
                f"{'repository_name' if repository else 'registry_id'} (or whether these credentials can see it)",
                code="NOT_FOUND")
        if repository and not any(True for _ in self._listed(validation.ListScope(repository_name=repository), 1,
                                                             deadline)):
            raise errors.NotFoundError(f"repository {repository} holds no image in Cloud Registry registry "
                                       f"{registry}; check repository_name", code="NOT_FOUND")

    def _group_of(self, artifact: Any, deadline: float | None) -> tuple[ImageInfo, list[Any]]:
        """The image an artifact is a version of (same registry and digest, documented; same repository, assumed),
        and its version artifacts."""
        digest = artifact.content.docker.manifest_digest
        if not digest:
            raise errors.NotFoundError(f"artifact {artifact.id} of registry {artifact.registry_id} is a "
                                       f"{artifact_pb2.Artifact.Kind.Name(artifact.kind)}, not a Docker image version",
                                       code="NOT_FOUND", image_id=artifact.id)
        listed, layout = self._registry_versions(artifact.registry_id, deadline)
        same = [a for a in listed if mapping.has_digest(a.content.docker.manifest_digest, digest)]
        if not any(a.id == artifact.id for a in same):
            same.append(artifact)
        repository = mapping.repository_of(artifact.path, artifact.name, layout)
        images = self._images(same, {artifact.registry_id: layout})
        chosen = ([i for i in images if i.repository == repository] or images)[0]
        return chosen, [a for a in same if mapping.repository_of(a.path, a.name, layout) == chosen.repository]

    def _get_artifact(self, artifact_id: str, deadline: float | None) -> Any:
        response, _ = self.transport.call(
            "artifact", "Get", artifact_service_pb2.GetArtifactRequest(artifact_id=artifact_id), read=True,
            action="ArtifactService.Get", image_id=artifact_id, deadline=deadline)
        return response

    def get_image(self, image_id: str, *, timeout: float | None = None) -> ImageInfo:
        """The image one of whose version artifacts has this id; NotFoundError when there is none. Its version
        artifacts are remembered for ``REUSE_READ`` seconds: a delete right after this read (the cleanup's
        re-check) deletes exactly the artifacts it saw, without reading the registry again."""
        image_id = validation.check_id("image_id", image_id)
        deadline = None if timeout is None else time.monotonic() + validation.check_timeout(timeout, "timeout")
        try:
            artifact = self._get_artifact(image_id, deadline)
        except errors.NotFoundError:
            artifact = self._leftover(image_id, deadline)
            if artifact is None:
                raise
        image, versions = self._group_of(artifact, deadline)
        with self._read_lock:
            self._reads[image_id] = (time.monotonic(), versions)
            while len(self._reads) > MAX_REMEMBERED_READS:
                self._reads.pop(next(iter(self._reads)))
        return image

    def _leftover(self, image_id: str, deadline: float | None) -> Any | None:
        """An artifact of this image whose Delete was refused while its others (the one with the image's id among
        them) went: the image is still there. None when none is left (then it is really gone)."""
        with self._read_lock:
            left = list(self._leftovers.get(image_id, ()))
        for artifact in left:
            try:
                return self._get_artifact(artifact.id, deadline)
            except errors.NotFoundError:
                continue
        with self._read_lock:
            self._leftovers.pop(image_id, None)
        return None

    def _recalled(self, image_id: str) -> list[Any] | None:
        """The version artifacts the last get_image of this id saw, if that was at most REUSE_READ seconds ago."""
        with self._read_lock:
            read = self._reads.pop(image_id, None)
        return read[1] if read is not None and time.monotonic() - read[0] <= REUSE_READ else None

    def _executor(self) -> ThreadPoolExecutor:
        with self._read_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=DELETE_THREADS, thread_name_prefix="yc-artifacts")
            return self._pool

    def close(self) -> None:
        with self._read_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        super().close()

    def locate_image(self, image_id: str, *, registry_id: str | None = None, digest: str | None = None,
                     repository: str | None = None, service: str | None = None,
                     timeout: float | None = None) -> ImageInfo:
        """An adopted image by id, else (an id from Container Registry) its successor: same registry and digest."""
        try:
            return self.get_image(image_id, timeout=timeout)
        except errors.NotFoundError:
            found = self.find_by_digest(registry_id, digest, repository, exact=True) if registry_id and digest else None
            if found is None:
                raise
            return found

    def find_by_digest(self, registry_id: str, digest: str, repository: str | None = None, *,
                       exact: bool = False) -> ImageInfo | None:
        """The image with ``digest`` (matched whole) in a registry, or None: digest-based. With ``repository`` the
        one in that repository, else (unless ``exact``) one in another repository of the registry."""
        listed, layout = self._registry_versions(registry_id, None)
        images = self._images((a for a in listed if mapping.has_digest(a.content.docker.manifest_digest, digest)),
                              {registry_id: layout})
        if repository is not None:
            images = [i for i in images if i.repository == repository] or ([] if exact else images)
        return images[0] if images else None

    def delete_image(self, image_id: str, *, timeout: float | None = None,
                     on_started: Callable[[str], None] | None = None, retry_send: bool = True,
                     first_poll: float | None = None, with_history: bool | None = None) -> DeleteResult:
        """Delete every version artifact of the image and wait for each Operation, all within ``timeout``.

        The artifacts are those a get_image of this id saw just before (the cleanup's re-check), else read now;
        one already DELETING is not sent again. Their Deletes go out together; when some are refused, those are
        remembered (so the image is still found by its id, even once the artifact with that id is gone, and the
        cleanup's retry finishes it) and the first refusal is raised. The Operations are waited on together, each
        first polled ``first_poll`` after its own Delete's answer; the result's poll figures are those of the
        Operation that took the most polls (a cleanup places the next first polls from them)."""
        image_id = validation.check_id("image_id", image_id)
        limit = validation.check_timeout(timeout, "timeout") if timeout is not None else DEFAULT_DELETE_TIMEOUT
        deadline = time.monotonic() + limit
        history = self.settings.delete_with_history if with_history is None else bool(with_history)
        versions = self._recalled(image_id)
        if versions is None:
            try:
                _image, versions = self._group_of(self._get_artifact(image_id, deadline), deadline)
            except errors.NotFoundError:
                return DeleteResult(image_id=image_id, operation_id=None, already_gone=True)
        deleting = artifact_pb2.Artifact.Status.Value("DELETING")
        versions = [a for a in versions if a.status != deleting]  # a delete already under way: not sent twice
        outcomes = self._together(lambda a: self._send_delete(a, image_id, history, deadline, retry_send),
                                  versions, raise_first=False)
        refused = [(a, o) for a, o in zip(versions, outcomes) if isinstance(o, BaseException)]
        with self._read_lock:
            if refused:  # remembered, so the image is found again by its id even when that artifact is gone
                self._leftovers[image_id] = [a for a, _ in refused]
            else:
                self._leftovers.pop(image_id, None)
        if refused:
            raise refused[0][1]
        sent = [o for o in outcomes if not isinstance(o, BaseException)]
        operations = [op for op in sent if op is not None]  # (operation id, hint, when its answer came)
        if not operations:
            return DeleteResult(image_id=image_id, operation_id=None, already_gone=True)
        if on_started is not None:
            on_started(operations[0][0])
        seen = [PollStats() for _ in operations]

        def wait(n: int) -> None:
            operation_id, hint, answered = operations[n]
            if hint is None:
                return
            # each first poll lands ``first_poll`` after its own Delete's answer (the last one came later)
            own_first = None if first_poll is None else max(0.0, first_poll - (time.monotonic() - answered))
            try:
                wait_operation(self.transport, operation_id, timeout=max(0.001, deadline - time.monotonic()),
                               image_id=image_id, policy=self.wait_policy, hint=None if hint < 0 else hint,
                               first_poll=own_first, stats=seen[n])
            except errors.OperationFailedError as exc:
                if exc.error_code != 5:  # NOT_FOUND inside: someone else deleted that artifact first
                    raise

        self._together(wait, range(len(operations)))
        slowest = max(seen, key=lambda stats: stats.polls)  # what the cleanup learns its first poll from
        return DeleteResult(image_id=image_id, operation_id=operations[0][0], already_gone=False,
                            polls=slowest.polls, pending_after=slowest.pending_after, done_after=slowest.done_after)

    def _send_delete(self, artifact: Any, image_id: str, history: bool, deadline: float,
                     retry_send: bool) -> tuple[str, float | None, float] | None:
        """One ArtifactService.Delete: (operation id, poll hint or None when already done, when it answered),
        None when the artifact is already gone."""
        try:
            operation, headers = self.transport.call(
                "artifact", "Delete", artifact_service_pb2.DeleteArtifactRequest(
                    artifact_id=artifact.id, with_history=history), read=False, action="ArtifactService.Delete",
                image_id=artifact.id, idempotency_key=str(uuid.uuid4()), deadline=deadline,
                retry=None if retry_send else SEND_ONCE)
        except errors.NotFoundError:
            return None
        if operation.done and operation.HasField("error"):
            raise errors.OperationFailedError(
                f"operation {operation.id} deleting artifact {artifact.id} ({artifact.path}) of image {image_id} "
                f"failed: code {operation.error.code}: {operation.error.message}", operation_id=operation.id,
                image_id=image_id, error_code=operation.error.code, error_message=operation.error.message)
        hint = None if operation.done else hinted_interval(headers, self.wait_policy) or -1.0
        return operation.id, hint, time.monotonic()

    def _together(self, work: Callable[[Any], T], items: Iterable[Any],
                  raise_first: bool = True) -> list[Any]:
        """``work`` on every item at once (the first inline, the rest on the client's threads); every one is let
        finish, then the first error is raised (or, with ``raise_first=False``, each error is returned in its
        item's place)."""
        items = list(items)
        pending = [self._executor().submit(work, item) for item in items[1:]]
        results: list[Any] = []
        try:
            results.append(work(items[0]) if items else None)
        except Exception as exc:  # noqa: BLE001 - raised below, once the others are done
            results.append(exc)
        for future in pending:
            try:
                results.append(future.result())
            except Exception as exc:  # noqa: BLE001
                results.append(exc)
        results = results[:len(items)]
        errors_seen = [r for r in results if isinstance(r, BaseException)]
        if raise_first and errors_seen:
            raise errors_seen[0]
        return results

    # -- migration --------------------------------------------------------------------------------
    def folder_dashboard(self, folder_id: str, *, deadline: float | None = None) -> Dashboard | None:
        """The folder's migration dashboard, or None when the folder was never migrated."""
        folder_id = validation.check_id("folder_id", folder_id)
        request = migration_service_pb2.GetFolderMigrationStatusDashboardRequest(
            folder_id=folder_id, failed_registries_limit=DASHBOARD_LIMIT, in_progress_registries_limit=DASHBOARD_LIMIT,
            failed_repositories_limit=DASHBOARD_LIMIT, failed_tags_limit=DASHBOARD_LIMIT,
            in_progress_repositories_limit=DASHBOARD_LIMIT)
        try:
            response, _ = self.transport.call("migration", "GetFolderMigrationStatusDashboard", request, read=True,
                                              action="MigrationService.GetFolderMigrationStatusDashboard",
                                              scope=f"folder {folder_id}", deadline=deadline)
        except errors.NotFoundError:
            return None
        board = dashboard_from_proto(response)
        return None if board.status == "UNSPECIFIED" else board

    def start_folder_migration(self, folder_id: str, *, disable_redirects: bool = False,
                               timeout: float = DEFAULT_DELETE_TIMEOUT) -> list[str]:
        """StartFolder, sent once (a start is never repeated blindly), then wait for its Operation; the registry ids."""
        folder_id = validation.check_id("folder_id", folder_id)
        operation, headers = self.transport.call(
            "migration", "StartFolder", migration_service_pb2.StartFolderMigrationRequest(
                folder_id=folder_id, disable_redirects=disable_redirects), read=False,
            action="MigrationService.StartFolder", scope=f"folder {folder_id}", idempotency_key=str(uuid.uuid4()),
            retry=SEND_ONCE, deadline=time.monotonic() + timeout)
        metadata = migration_service_pb2.StartFolderMigrationMetadata()
        operation.metadata.Unpack(metadata)
        if operation.done and operation.HasField("error"):
            raise errors.OperationFailedError(
                f"operation {operation.id} starting the migration of folder {folder_id} failed: code "
                f"{operation.error.code}: {operation.error.message}", operation_id=operation.id,
                error_code=operation.error.code, error_message=operation.error.message)
        if not operation.done:
            wait_operation(self.transport, operation.id, timeout=timeout, policy=self.wait_policy,
                           hint=hinted_interval(headers, self.wait_policy))
        return list(metadata.registry_ids)

    def toggle_folder_redirects(self, folder_id: str, *, enabled: bool, timeout: float = 600.0) -> None:
        """ToggleFolderRedirects (cr.yandex traffic to Cloud Registry, or not) and wait for its Operation."""
        folder_id = validation.check_id("folder_id", folder_id)
        operation, headers = self.transport.call(
            "migration", "ToggleFolderRedirects", migration_service_pb2.ToggleFolderRedirectsRequest(
                folder_id=folder_id, enabled=enabled), read=False, action="MigrationService.ToggleFolderRedirects",
            scope=f"folder {folder_id}", idempotency_key=str(uuid.uuid4()), deadline=time.monotonic() + timeout)
        if not operation.done:
            wait_operation(self.transport, operation.id, timeout=timeout, policy=self.wait_policy,
                           hint=hinted_interval(headers, self.wait_policy))


__all__ = ["CloudRegistryClient", "dashboard_from_proto"]
