"""The one place that picks the registry service: ``yc-registry:service`` / ``YC_REGISTRY_SERVICE``.

``container-registry`` and ``cloud-registry`` force one service. ``auto`` (the default) places each registry id by
asking Cloud Registry once: a registry ACTIVE there (a migration that finished, or a registry made there) is served by
Cloud Registry, any other by Container Registry. What every answer of either service means is the table
:data:`ANSWERS` (written out in docs/ARCHITECTURE.md, "Which service answers"): a service that is missing (shut
down, or never there, as on an endpoint that serves Container Registry only) is not the product's error, and no
retry budget is spent on one while the other can answer. From :data:`SHUTDOWN_DATE` (by the clock, or the
``today`` setting) ``auto`` asks Cloud Registry first for whatever it cannot place by registry id.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable, Iterator, Mapping, TypeVar

from .. import errors, validation
from ..config import Settings, resolve_settings
from ..migration import Dashboard
from ..models import CLOUD_REGISTRY, CONTAINER_REGISTRY, ImageInfo
from ..retry import RetryPolicy
from ..transport import RetryNotice, Transport
from .base import DeleteResult, ImageBackend
from .cloud_registry import CloudRegistryClient
from .container_registry import RegistryClient

SHUTDOWN_DATE = date(2026, 12, 14)
"""Container Registry shuts down: from this day ``auto`` asks Cloud Registry first."""
ABSENT = "absent from endpoint discovery"
# The table: which answer of which service means that service is missing, so that the other one serves.
ANSWERS: dict[str, dict[str, str]] = {
    CLOUD_REGISTRY: {
        "UNIMPLEMENTED": "Container Registry serves (an endpoint without Cloud Registry)",
        ABSENT: "Container Registry serves (an endpoint without Cloud Registry)",
    },
    CONTAINER_REGISTRY: {
        "UNIMPLEMENTED": "Cloud Registry serves (Container Registry shut down)",
        ABSENT: "Cloud Registry serves (Container Registry shut down)",
        "UNAVAILABLE": "Cloud Registry serves; asked once, never retried while Cloud Registry can answer",
        "PERMISSION_DENIED": "Cloud Registry serves a migrated registry (never asked for one)",
        "NOT_FOUND": "Cloud Registry serves an id whose registry is ACTIVE there (its successor, by digest)",
    },
}
PROBE = RetryPolicy(max_attempts=1)
"""Asking Container Registry about something Cloud Registry has already answered for: sent once, never retried."""
_SERVICE_NAMES = {CLOUD_REGISTRY: "Cloud Registry", CONTAINER_REGISTRY: "Container Registry"}
T = TypeVar("T")


def gone_answer(exc: BaseException) -> str | None:
    """The answer in ``exc`` that says a service is missing (a key of ``ANSWERS[service]``), or None."""
    if isinstance(exc, errors.ServiceNotListedError):
        return ABSENT
    code = getattr(exc, "code", None)
    if code in ("UNIMPLEMENTED", "UNAVAILABLE", "PERMISSION_DENIED", "NOT_FOUND"):
        return str(code)
    return None


def cloud_first(settings: Settings) -> bool:
    """Whether ``auto`` asks Cloud Registry first for what it cannot place by registry id: from 2026-12-14."""
    return settings.current_date() >= SHUTDOWN_DATE


# -- what this process has learnt (one deployment: one provider process) -------------------------------------------
@dataclass
class _Learnt:
    """Per endpoint: which service is missing (and the answer that showed it), which registries Cloud Registry holds
    (ACTIVE: a migration never goes back), which services served."""

    gone: dict[str, str] = field(default_factory=dict)
    in_cloud: set[str] = field(default_factory=set)
    served: set[str] = field(default_factory=set)
    placing: dict[str, threading.Lock] = field(default_factory=dict)  # registry id -> held while it is being placed

    def placing_lock(self, registry_id: str) -> threading.Lock:
        with _learnt_lock:
            return self.placing.setdefault(registry_id, threading.Lock())


_learnt: dict[str, _Learnt] = {}
_learnt_lock = threading.Lock()
_announced = False


def _learnt_for(settings: Settings) -> _Learnt:
    with _learnt_lock:
        return _learnt.setdefault(settings.endpoint, _Learnt())


def forget_learnt() -> None:
    """Forget what this process learnt about services and registries (tests that reuse one process)."""
    global _announced
    with _learnt_lock:
        _learnt.clear()
        _announced = False


def served_note() -> str | None:
    """Once per process (one deployment), after a service has served: which one, and why the other did not."""
    global _announced
    with _learnt_lock:
        if _announced:
            return None
        served = set().union(*(k.served for k in _learnt.values())) if _learnt else set()
        gone = {svc: answer for k in _learnt.values() for svc, answer in k.gone.items()}
        if not served:
            return None
        _announced = True
    names = " and ".join(_SERVICE_NAMES[s] for s in (CONTAINER_REGISTRY, CLOUD_REGISTRY) if s in served)
    why = "; ".join(f"{_SERVICE_NAMES[svc]} answered {answer}: {ANSWERS[svc][answer]}" for svc, answer in
                    sorted(gone.items()))
    return f"yc-registry: {names} served this stack" + (f" ({why})" if why else "")


class _ProbeTransport:
    """The shared transport, sending each call once: for asking a service another one has already answered for."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def call(self, *args: Any, **kw: Any) -> Any:
        kw["retry"] = PROBE
        return self._transport.call(*args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


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
        self.container_probe = RegistryClient(settings, transport=_ProbeTransport(self.transport),  # type: ignore[arg-type]
                                              **wait)
        self.cloud = CloudRegistryClient(settings, transport=self.transport, **wait)
        self._lock = threading.Lock()
        self._learnt = _learnt_for(settings)
        self._served: dict[str, bool] = {}  # registry id -> in Cloud Registry (not ACTIVE there: this backend only)
        self._service_of: dict[str, str] = {}  # image id -> the service that answered for it (saves a Get on delete)

    def _seen(self, images: Iterator[ImageInfo]) -> Iterator[ImageInfo]:
        for image in images:
            yield self._record(image)

    def _record(self, image: ImageInfo) -> ImageInfo:
        with self._lock:
            self._service_of[image.id] = image.service
        with _learnt_lock:
            self._learnt.served.add(image.service)
        return image

    def __enter__(self) -> "AutoBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    # -- the table ----------------------------------------------------------------------------------------------
    def gone(self, service: str) -> str | None:
        """The answer that showed ``service`` missing at this endpoint (this process), or None."""
        with _learnt_lock:
            return self._learnt.gone.get(service)

    def _learn_gone(self, service: str, answer: str) -> None:
        with _learnt_lock:
            self._learnt.gone.setdefault(service, answer)

    def _container(self, work: Callable[[RegistryClient], T], *, probe: bool) -> T:
        """Ask Container Registry (once, when ``probe``: another service has answered); an answer saying it is
        missing is learnt (UNIMPLEMENTED, absent; UNAVAILABLE and PERMISSION_DENIED too on a probe) and raised."""
        try:
            return work(self.container_probe if probe else self.container)
        except (errors.ApiError, errors.TransientError, errors.ServiceNotListedError) as exc:
            answer = gone_answer(exc)
            if answer in ("UNIMPLEMENTED", ABSENT) or (probe and answer in ("UNAVAILABLE", "PERMISSION_DENIED")):
                self._learn_gone(CONTAINER_REGISTRY, str(answer))
            raise

    def in_cloud_registry(self, registry_id: str) -> bool:
        """Whether Cloud Registry serves this registry id (ACTIVE there): at most one call per registry per process
        once it is there, one per backend while it is not; none when Cloud Registry is missing at this endpoint."""
        with self._learnt.placing_lock(registry_id):  # concurrent resource operations place a registry once
            return self._place(registry_id)

    def _place(self, registry_id: str) -> bool:
        with _learnt_lock:
            if registry_id in self._learnt.in_cloud:
                return True
        with self._lock:
            known = self._served.get(registry_id)
        if known is not None:
            return known
        if self.gone(CLOUD_REGISTRY):
            return False
        try:
            served = self.cloud.registry_status(registry_id) == "ACTIVE"
        except errors.PermissionDeniedError:
            served = False  # no Cloud Registry role: Container Registry it is
        except (errors.ApiError, errors.ServiceNotListedError) as exc:
            answer = gone_answer(exc)
            if answer not in ("UNIMPLEMENTED", ABSENT):
                raise
            self._learn_gone(CLOUD_REGISTRY, str(answer))
            served = False
        with self._lock:
            self._served[registry_id] = served
        if served:
            with _learnt_lock:
                self._learnt.in_cloud.add(registry_id)
        return served

    def backend_for(self, registry_id: str) -> ImageBackend:
        """The service holding the registry; a registry that is not in Cloud Registry while Container Registry is
        missing is in neither: NotFoundError naming it."""
        if self.in_cloud_registry(registry_id):
            return self.cloud
        gone = self.gone(CONTAINER_REGISTRY)
        if gone:
            raise self._in_neither(registry_id, gone)
        return _Guarded(self)

    def _in_neither(self, registry_id: str, container_answer: str) -> errors.NotFoundError:
        cloud = self.gone(CLOUD_REGISTRY)
        said = f"Cloud Registry answered {cloud}" if cloud else "Cloud Registry has no such registry"
        return errors.NotFoundError(
            f"registry {registry_id} is in neither service: Container Registry answered {container_answer} (it shut "
            f"down on 2026-12-14) and {said}; check the registry id, or whether its folder was migrated "
            "(verify_migration)", code="NOT_FOUND")

    # -- reads --------------------------------------------------------------------------------------------------
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
        in_cloud: set[str] = set()
        if not self.gone(CLOUD_REGISTRY):
            try:
                in_cloud = set(self.cloud.registry_ids(folder_id))
            except errors.PermissionDeniedError:
                pass
            except (errors.ApiError, errors.ServiceNotListedError) as exc:
                answer = gone_answer(exc)
                if answer not in ("UNIMPLEMENTED", ABSENT):
                    raise
                self._learn_gone(CLOUD_REGISTRY, str(answer))
        if not in_cloud:
            gone = self.gone(CONTAINER_REGISTRY)
            if gone:
                raise errors.NotFoundError(
                    f"folder {folder_id} holds no Cloud Registry registry, and Container Registry answered {gone} "
                    "(it shut down on 2026-12-14); check folder_id, or whether the folder was migrated",
                    code="NOT_FOUND")
            yield from self._container(lambda c: c.list_images(folder_id=folder_id, **args), probe=False)
            return
        with _learnt_lock:
            self._learnt.in_cloud.update(in_cloud)
        limit = args.pop("limit", None)
        cloud = self.cloud.list_images(folder_id=folder_id, **args)
        yield from itertools.islice(itertools.chain(cloud, self._container_rest(folder_id, in_cloud, args)), limit)

    def _container_rest(self, folder_id: str, in_cloud: set[str], args: dict[str, Any]) -> Iterator[ImageInfo]:
        """The folder's images in registries Cloud Registry does not hold; none when Container Registry is missing
        (Cloud Registry has answered for the folder: Container Registry is asked once, without retries, from the
        shutdown date)."""
        if self.gone(CONTAINER_REGISTRY):
            return
        try:
            for image in self._container(lambda c: c.list_images(folder_id=folder_id, **args),
                                         probe=cloud_first(self.settings)):
                if image.registry_id not in in_cloud:
                    yield image
        except (errors.ApiError, errors.TransientError, errors.ServiceNotListedError) as exc:
            if gone_answer(exc) is None:
                raise
            self._learn_gone(CONTAINER_REGISTRY, str(gone_answer(exc)))

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
        registry, same digest) in Cloud Registry; an id Container Registry does not know is tried as an artifact.
        From the shutdown date (or once Container Registry is known missing) Cloud Registry is asked first."""
        validation.check_id("image_id", image_id)
        with self._lock:
            known = self._service_of.get(image_id)
        if known == CLOUD_REGISTRY:
            return self._record(self.cloud.get_image(image_id, timeout=timeout))
        if known == CONTAINER_REGISTRY:
            return self._record(self.container.get_image(image_id, timeout=timeout))
        if self.gone(CLOUD_REGISTRY):
            return self._record(self._container(lambda c: c.get_image(image_id, timeout=timeout), probe=False))
        if self.gone(CONTAINER_REGISTRY) or cloud_first(self.settings):
            try:
                return self._record(self.cloud.get_image(image_id, timeout=timeout))
            except errors.NotFoundError:
                if self.gone(CONTAINER_REGISTRY):
                    raise
            except (errors.ApiError, errors.ServiceNotListedError) as exc:
                if gone_answer(exc) not in ("UNIMPLEMENTED", ABSENT):
                    raise
                self._learn_gone(CLOUD_REGISTRY, str(gone_answer(exc)))
            image = self._container_image(image_id, timeout, probe=not self.gone(CLOUD_REGISTRY))
        else:
            try:
                image = self._container_image(image_id, timeout, probe=False)
            except errors.NotFoundError:
                return self._record(self.cloud.get_image(image_id, timeout=timeout))
        return self._record(self._where_it_lives(image_id, image))

    def _container_image(self, image_id: str, timeout: float | None, *, probe: bool) -> ImageInfo:
        """Container Registry's image. An answer saying it is missing: Cloud Registry is asked (unless it already
        was: ``probe``); an outage Container Registry is not known for is raised as it is, anything else is
        NotFoundError (the id is in neither service)."""
        try:
            return self._container(lambda c: c.get_image(image_id, timeout=timeout), probe=probe)
        except errors.NotFoundError:
            raise
        except (errors.ApiError, errors.TransientError, errors.ServiceNotListedError) as exc:
            answer = gone_answer(exc)
            if answer is None:
                raise
            if not probe and not self.gone(CLOUD_REGISTRY):
                try:
                    return self.cloud.get_image(image_id, timeout=timeout)
                except errors.NotFoundError:
                    pass
            if not self.gone(CONTAINER_REGISTRY):
                raise  # UNAVAILABLE or PERMISSION_DENIED while Container Registry serves: say so, not "not found"
            raise errors.NotFoundError(
                f"image {image_id} is not in Cloud Registry, and Container Registry answered {answer} (it shut down "
                "on 2026-12-14)", code="NOT_FOUND", image_id=image_id) from None

    def _where_it_lives(self, image_id: str, image: ImageInfo) -> ImageInfo:
        """Container Registry's ``image``, or its successor when its registry is ACTIVE in Cloud Registry."""
        if image.service == CLOUD_REGISTRY or not self.in_cloud_registry(image.registry_id):
            return image
        successor = self.cloud.find_by_digest(image.registry_id, image.digest, image.repository)
        if successor is None:
            raise errors.NotFoundError(
                f"image {image_id} ({image.uri}) is not in Cloud Registry, where its registry {image.registry_id} "
                "has moved; check the migration with verify_migration(registry_id=...)", code="NOT_FOUND",
                image_id=image_id)
        return successor

    def locate_image(self, image_id: str, *, registry_id: str | None = None, digest: str | None = None,
                     repository: str | None = None, service: str | None = None,
                     timeout: float | None = None) -> ImageInfo:
        """The image an Image resource adopted, where it lives now, from what its state records.

        With the registry id and digest recorded, the registry is placed (one Cloud Registry call per registry per
        process) and a migrated one answers with the successor (same registry id, the whole digest) without asking
        Container Registry. NotFoundError only when the image exists in neither service; an image the migration
        left behind in Container Registry is FailedPreconditionError (never dropped from state).
        """
        if not (registry_id and digest):
            return self.get_image(image_id, timeout=timeout)
        if service == CLOUD_REGISTRY or self.in_cloud_registry(registry_id):
            if service == CLOUD_REGISTRY:
                try:
                    return self._record(self.cloud.get_image(image_id, timeout=timeout))
                except errors.NotFoundError:
                    pass  # that version artifact went; another version of the same image may stay
            successor = self.cloud.find_by_digest(registry_id, digest, repository, exact=True)
            if successor is not None:
                return self._record(successor)
            if service == CLOUD_REGISTRY or self.gone(CONTAINER_REGISTRY):
                raise errors.NotFoundError(f"image {image_id} ({registry_id}/{repository}@{digest}) is not in "
                                           "Cloud Registry", code="NOT_FOUND", image_id=image_id)
            return self._left_behind(image_id, registry_id, timeout)
        if self.gone(CONTAINER_REGISTRY):
            raise self._in_neither(registry_id, str(self.gone(CONTAINER_REGISTRY)))
        try:
            return self._record(self._container(lambda c: c.get_image(image_id, timeout=timeout), probe=False))
        except errors.NotFoundError:
            raise
        except (errors.ApiError, errors.ServiceNotListedError) as exc:
            if gone_answer(exc) not in ("UNIMPLEMENTED", ABSENT):
                raise
            raise self._in_neither(registry_id, str(gone_answer(exc))) from None

    def _left_behind(self, image_id: str, registry_id: str, timeout: float | None) -> ImageInfo:
        """Registry moved, image not in Cloud Registry: Container Registry (asked once) still holding it means the
        migration left it behind (an error that keeps the resource); anything else means it is gone."""
        try:
            image = self._container(lambda c: c.get_image(image_id, timeout=timeout), probe=True)
        except (errors.ApiError, errors.TransientError, errors.ServiceNotListedError) as exc:
            if gone_answer(exc) is None:
                raise
            raise errors.NotFoundError(
                f"image {image_id} is not in Cloud Registry, where its registry {registry_id} has moved, and "
                f"Container Registry answered {gone_answer(exc)}", code="NOT_FOUND", image_id=image_id) from None
        raise errors.FailedPreconditionError(
            f"image {image_id} ({image.uri}) is still in Container Registry but not in Cloud Registry, where its "
            f"registry {registry_id} has moved: the migration left it behind. Check it with "
            f"verify_migration(registry_id={registry_id!r}) and migrate the folder again (README: After 2026-12-14); "
            "this resource stays in state until then", code="FAILED_PRECONDITION", image_id=image_id)

    # -- delete -------------------------------------------------------------------------------------------------
    def delete_image(self, image_id: str, *, timeout: float | None = None,
                     on_started: Callable[[str], None] | None = None, retry_send: bool = True,
                     first_poll: float | None = None) -> DeleteResult:
        """Delete where the image lives now (its successor in Cloud Registry after a migration)."""
        with self._lock:
            known = self._service_of.get(image_id)
        if known is not None:  # listed, read or located by this backend just now
            backend: ImageBackend = self.cloud if known == CLOUD_REGISTRY else self.container
            return backend.delete_image(image_id, timeout=timeout, on_started=on_started, retry_send=retry_send,
                                        first_poll=first_poll)
        try:
            image = self.get_image(image_id, timeout=timeout)
        except errors.NotFoundError:
            return DeleteResult(image_id=image_id, operation_id=None, already_gone=True)
        backend = self.cloud if image.service == CLOUD_REGISTRY else self.container
        result = backend.delete_image(image.id, timeout=timeout, on_started=on_started, retry_send=retry_send,
                                      first_poll=first_poll)
        return replace(result, image_id=image_id)


class _Guarded:
    """Container Registry for a registry Cloud Registry does not hold; an answer saying Container Registry is
    missing becomes NotFoundError naming the registry (it is in neither service)."""

    def __init__(self, auto: AutoBackend) -> None:
        self._auto = auto

    def list_images(self, **kw: Any) -> Iterator[ImageInfo]:
        images = self._auto.container.list_images(**kw)  # checks the arguments now, pages on demand

        def pages() -> Iterator[ImageInfo]:
            try:
                yield from images
            except (errors.ApiError, errors.ServiceNotListedError) as exc:
                raise self._translated(kw, exc) from None
        return pages()

    def check_scope(self, **kw: Any) -> None:
        self._guard(kw, lambda: self._auto.container.check_scope(**kw))

    def _guard(self, kw: Mapping[str, Any], work: Callable[[], T]) -> T:
        try:
            return work()
        except (errors.ApiError, errors.ServiceNotListedError) as exc:
            raise self._translated(kw, exc) from None

    def _translated(self, kw: Mapping[str, Any], exc: Exception) -> Exception:
        answer = gone_answer(exc)
        if answer not in ("UNIMPLEMENTED", ABSENT):
            return exc
        self._auto._learn_gone(CONTAINER_REGISTRY, str(answer))
        owner = str(kw.get("repository_name") or kw.get("registry_id") or "").split("/", 1)[0]
        return self._auto._in_neither(owner, str(answer))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._auto.container, name)


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
        """Every Container Registry image of the scope (ImageService.List); once Container Registry is gone there is
        no inventory to verify against, and the error says so."""
        images = self.container.list_images(folder_id=folder_id, registry_id=registry_id)
        scope = f"registry {registry_id}" if registry_id else f"folder {folder_id}"

        def listed() -> Iterator[ImageInfo]:
            try:
                yield from images
            except (errors.ApiError, errors.TransientError, errors.ServiceNotListedError) as exc:
                answer = gone_answer(exc)
                if answer not in ("UNIMPLEMENTED", ABSENT, "NOT_FOUND", "PERMISSION_DENIED", "UNAVAILABLE"):
                    raise
                raise errors.FailedPreconditionError(
                    f"cannot verify the migration of {scope}: Container Registry, the inventory to compare with, "
                    f"answered {answer} (it shut down on 2026-12-14); what Cloud Registry holds is all there is "
                    f"now: {exc}", code="FAILED_PRECONDITION") from None
        return listed()

    def cloud_digests(self, registry_id: str) -> set[str] | None:
        """The manifest digests of the Cloud Registry registry with this id; None when it is not there."""
        if self.cloud.registry_status(registry_id) is None:
            return None
        return self.cloud.digests(registry_id)


def migration_backend_from_config(config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None, *,
                                  on_retry: RetryNotice | None = None, **explicit: Any) -> MigrationBackend:
    return MigrationBackend(resolve_settings(explicit, config, env), on_retry=on_retry)


__all__ = sorted(["ABSENT", "ANSWERS", "AutoBackend", "MigrationBackend", "PROBE", "SHUTDOWN_DATE", "backend_from_config",
                  "cloud_first", "forget_learnt", "gone_answer", "migration_backend_from_config", "open_backend",
                  "served_note"])
