"""State of the fake's workloads: Serverless Containers (containers, revisions), Compute instances and instance
groups with their container metadata. Plain dataclasses, no gRPC, and nothing from the registry models.

Who may read which source is a knob (``deny``): a denied source answers PERMISSION_DENIED naming the role.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from yc_registry_provider.fake.common import FakeError

SOURCE_ROLES = {"serverless-containers": "serverless.containers.viewer", "compute": "compute.viewer",
                "instance-groups": "compute.viewer"}
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


@dataclass
class Container:
    id: str
    folder_id: str
    name: str
    created_at: float


@dataclass
class Revision:
    """``status`` ACTIVE (serving), CREATING or OBSOLETE (not used by the container any more)."""

    id: str
    container_id: str
    image_url: str
    image_digest: str
    created_at: float
    status: str = "ACTIVE"


@dataclass
class Instance:
    """A Compute instance; ``metadata`` holds ``docker-container-declaration`` / ``docker-compose`` for COI."""

    id: str
    folder_id: str
    name: str
    metadata: dict[str, str]
    created_at: float
    status: str = "RUNNING"


@dataclass
class InstanceGroup(Instance):
    """An instance group; ``metadata`` is its instance template's."""

    status: str = "ACTIVE"


@dataclass
class WorkloadKnobs:
    """``denied``: sources that answer PERMISSION_DENIED (serverless-containers, compute, instance-groups);
    ``list_instance_metadata``: InstanceService.List answers with metadata (the documented default view leaves it
    out; a real List that includes it is a plausible answer too)."""

    denied: set[str] = field(default_factory=set)
    list_instance_metadata: bool = False


class WorkloadsModel:
    """Containers, revisions, instances and instance groups of one fake cloud; thread-safe."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock: Callable[[], float] = clock or time.time
        self.knobs = WorkloadKnobs()
        self.containers: dict[str, Container] = {}
        self.revisions: dict[str, Revision] = {}
        self.instances: dict[str, Instance] = {}
        self.instance_groups: dict[str, InstanceGroup] = {}
        self._lock = threading.RLock()
        self._counter = 0

    def new_id(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}{self._counter:017d}"

    def deny(self, source: str, denied: bool = True) -> None:
        """Make ``source`` answer PERMISSION_DENIED (or stop doing so)."""
        if source not in SOURCE_ROLES:
            raise ValueError(f"source must be one of {', '.join(SOURCE_ROLES)}, got {source!r}")
        with self._lock:
            (self.knobs.denied.add if denied else self.knobs.denied.discard)(source)

    def check_access(self, source: str, folder_id: str) -> None:
        """PERMISSION_DENIED naming the role when ``source`` is denied."""
        with self._lock:
            denied = source in self.knobs.denied
        if denied:
            raise FakeError("PERMISSION_DENIED", f"the account has no {SOURCE_ROLES[source]} role (or higher) on "
                                                 f"folder {folder_id!r}")

    # ----- changes ---------------------------------------------------------------------------------

    def put_container(self, folder_id: str, name: str) -> Container:
        with self._lock:
            for container in self.containers.values():
                if container.folder_id == folder_id and container.name == name:
                    return container
            container = Container(self.new_id("bba"), folder_id, name, self.clock())
            self.containers[container.id] = container
            return container

    def deploy_revision(self, container_id: str, image_url: str, image_digest: str) -> Revision:
        """A new ACTIVE revision; the container's previous ACTIVE ones become OBSOLETE (as a deploy does)."""
        with self._lock:
            if container_id not in self.containers:
                raise FakeError("NOT_FOUND", f"container {container_id} not found")
            for revision in self.revisions.values():
                if revision.container_id == container_id and revision.status == "ACTIVE":
                    revision.status = "OBSOLETE"
            revision = Revision(self.new_id("bbr"), container_id, image_url, image_digest, self.clock())
            self.revisions[revision.id] = revision
            return revision

    def put_instance(self, folder_id: str, name: str, metadata: dict[str, str]) -> Instance:
        with self._lock:
            instance = Instance(self.new_id("fhm"), folder_id, name, dict(metadata), self.clock())
            self.instances[instance.id] = instance
            return instance

    def put_instance_group(self, folder_id: str, name: str, metadata: dict[str, str]) -> InstanceGroup:
        with self._lock:
            group = InstanceGroup(self.new_id("cl1"), folder_id, name, dict(metadata), self.clock())
            self.instance_groups[group.id] = group
            return group

    def remove(self, workload_id: str) -> None:
        """Delete a container (with its revisions), an instance or an instance group."""
        with self._lock:
            self.containers.pop(workload_id, None)
            for revision_id in [r.id for r in self.revisions.values() if r.container_id == workload_id]:
                del self.revisions[revision_id]
            self.revisions.pop(workload_id, None)
            self.instances.pop(workload_id, None)
            self.instance_groups.pop(workload_id, None)

    # ----- reads ----------------------------------------------------------------------------------

    def list_containers(self, folder_id: str) -> list[Container]:
        _require_folder(folder_id)
        self.check_access("serverless-containers", folder_id)
        with self._lock:
            return [c for c in self.containers.values() if c.folder_id == folder_id]

    def list_revisions(self, *, folder_id: str = "", container_id: str = "", status: str | None = None) -> list[Revision]:
        if bool(folder_id) == bool(container_id):
            raise FakeError("INVALID_ARGUMENT", "id: set exactly one of folder_id or container_id")
        with self._lock:
            if container_id:
                container = self.containers.get(container_id)
                if container is None:
                    raise FakeError("NOT_FOUND", f"container {container_id} not found")
                folder_id = container.folder_id
            ids = {c.id for c in self.containers.values() if c.folder_id == folder_id}
        self.check_access("serverless-containers", folder_id)
        with self._lock:
            return [r for r in self.revisions.values() if r.container_id in ids
                    and (not container_id or r.container_id == container_id) and (status is None or r.status == status)]

    def list_instances(self, folder_id: str) -> list[Instance]:
        _require_folder(folder_id)
        self.check_access("compute", folder_id)
        with self._lock:
            return [i for i in self.instances.values() if i.folder_id == folder_id]

    def get_instance(self, instance_id: str) -> Instance:
        with self._lock:
            instance = self.instances.get(instance_id)
        if instance is None:
            raise FakeError("NOT_FOUND", f"instance {instance_id} not found")
        self.check_access("compute", instance.folder_id)
        return instance

    def list_instance_groups(self, folder_id: str) -> list[InstanceGroup]:
        _require_folder(folder_id)
        self.check_access("instance-groups", folder_id)
        with self._lock:
            return [g for g in self.instance_groups.values() if g.folder_id == folder_id]


def _require_folder(folder_id: str) -> None:
    if not folder_id:
        raise FakeError("INVALID_ARGUMENT", "folder_id: is required")
    if len(folder_id) > 50:
        raise FakeError("INVALID_ARGUMENT", f"folder_id: length {len(folder_id)} exceeds the maximum of 50")


def page(items: list, page_size: int, page_token: str) -> tuple[list, str]:
    """One page of ``items`` (offset tokens); page_size 0 means the default of 100, at most 1000."""
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise FakeError("INVALID_ARGUMENT", f"page_size: must be between 0 and {MAX_PAGE_SIZE}, got {page_size}")
    size = page_size or DEFAULT_PAGE_SIZE
    try:
        offset = int(page_token) if page_token else 0
    except ValueError:
        raise FakeError("INVALID_ARGUMENT", f"page_token: {page_token!r} was not issued by this service") from None
    chunk = items[offset:offset + size]
    return chunk, str(offset + size) if offset + size < len(items) else ""


__all__ = ["Container", "Instance", "InstanceGroup", "Revision", "SOURCE_ROLES", "WorkloadKnobs", "WorkloadsModel",
           "page"]
