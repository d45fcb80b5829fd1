"""State and rules of the fake Cloud Registry (cloudregistry/v1): registries, artifacts, migrations. No gRPC.

It shares the Container Registry model's clock, lock, ids and operations (one OperationService serves both), and
reads that model's registries and images to migrate them. Docker images are laid out as artifacts exactly as
``yc_registry_provider.backends.cloud_registry_mapping`` assumes (one module holds that assumption).

What it had to assume (the documentation leaves it open) is written down in ``ASSUMPTIONS.md``, section
"Cloud Registry and the migration".
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable

from yc_registry_provider.backends import cloud_registry_mapping as mapping
from yc_registry_provider.fake import cloudregistry_limits as limits
from yc_registry_provider.fake.common import INTERNAL_CODE, FakeError, Operation, OperationError, SharedState

DEFAULT_CLOUD_ID = "b1g-fake-cloud"
STAGES = ("CREATED", "SCHEDULED", "IN_PROGRESS")
FINISHED = "FINISHED"


def _invalid(field_name: str, what: str) -> Exception:
    return FakeError("INVALID_ARGUMENT", f"{field_name}: {what}")


def _check_id(field_name: str, value: str, *, required: bool = False) -> None:
    if required and not value:
        raise _invalid(field_name, "required, got an empty string")
    if len(value) > limits.MAX_ID_LENGTH:
        raise _invalid(field_name, f"length {len(value)} exceeds the maximum of {limits.MAX_ID_LENGTH}")


def _check_paging(page_size: int, page_token: str) -> int:
    if not 0 <= page_size <= limits.MAX_PAGE_SIZE:
        raise _invalid("page_size", f"{page_size} is outside 0..{limits.MAX_PAGE_SIZE}")
    if len(page_token) > limits.MAX_PAGE_TOKEN_LENGTH:
        raise _invalid("page_token", f"length {len(page_token)} exceeds the maximum of {limits.MAX_PAGE_TOKEN_LENGTH}")
    return page_size or limits.DEFAULT_PAGE_SIZE


def _parse_filter(field_name: str, expected: str, text: str) -> tuple[str, str] | None:
    """``name = "x"`` / ``name != "x"`` as (op, value); None when empty."""
    if not text.strip():
        return None
    match = limits.FILTER_RE.fullmatch(text)
    if match is None or match.group("field") != expected:
        raise _invalid(field_name, f'expected {expected} = "<value>" or {expected} != "<value>", got {text!r}')
    return match.group("op"), match.group("value")


def _matches(rule: tuple[str, str] | None, value: str) -> bool:
    if rule is None:
        return True
    op, wanted = rule
    return (value == wanted) if op == "=" else (value != wanted)


@dataclass
class CloudRegistry:
    """A Cloud Registry registry; migrated ones keep their Container Registry id."""

    id: str
    folder_id: str
    name: str
    created_at: float
    status: str = "ACTIVE"         # CREATING | ACTIVE | DELETING
    kind: str = "DOCKER"
    type: str = "LOCAL"
    redirects: bool = False        # cr.yandex traffic redirected here (migrated registries only)
    migrated: bool = False


@dataclass
class Artifact:
    """A FOLDER, PACKAGE or ARTIFACT; versions carry the Docker manifest digest, config and layers."""

    id: str
    registry_id: str
    path: str
    name: str
    kind: str
    created_at: float
    modified_at: float
    status: str = "ACTIVE"         # CREATING | ACTIVE | DELETING (DELETED ones are removed)
    manifest_digest: str = ""
    config: tuple[str, int] | None = None
    layers: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class MigrationUnit:
    """One version (a tag, or an untagged manifest) of one Container Registry image to move."""

    registry_id: str
    repository: str
    version: str
    image_id: str
    digest: str
    config: tuple[str, int] | None
    layers: tuple[tuple[str, int], ...]
    created_at: float
    failure: tuple[str, str] | None = None  # (error_code, error_message) from the failing_tags knob

    @property
    def key(self) -> str:
        return f"{self.registry_id}/{self.repository}:{self.version}"


@dataclass
class Migration:
    """A folder's migration: its snapshot of units (grouped by registry, then repository) and its timing."""

    folder_id: str
    cloud_id: str
    started_at: float
    disable_redirects: bool
    registry_ids: tuple[str, ...]
    units: list[MigrationUnit]
    operation_id: str
    stage_seconds: float
    tags_per_second: float
    status_when_tags_fail: str
    applied: int = 0
    registry_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    repository_ranges: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


@dataclass
class MigrationKnobs:
    """Speed and faults of the Cloud Registry side, changeable while the server runs."""

    stage_seconds: float = 0.05        # how long CREATED and then SCHEDULED last
    tags_per_second: float = 20_000.0  # versions moved per second while IN_PROGRESS
    failing_tags: dict[str, tuple[str, str]] = field(default_factory=dict)  # "reg/repo:tag" -> (code, message)
    status_when_tags_fail: str = "FAILED"  # or "COMPLETED": the overall status once done with failed tags
    operation_seconds: float = 0.0     # StartFolder / Toggle* operations finish after this
    # StartFolder's Operation lasts the whole migration and, when tags failed, ends with error code 13
    # "migration of folder F failed for N tag(s)" naming none of them (the dashboard's top_failed_tags do)
    start_operation_spans_migration: bool = False
    immutable_registries: set[str] = field(default_factory=set)  # deletes there need with_history
    # where a version's name sits (cloud_registry_mapping.LAYOUTS); set it before anything is pushed or migrated
    artifact_layout: str = mapping.DEFAULT_LAYOUT


@dataclass(frozen=True)
class Counters:
    """MigrationCounters."""

    total: int = 0
    completed: int = 0
    in_progress: int = 0
    created: int = 0
    scheduled: int = 0
    failed: int = 0
    not_found: int = 0

    @classmethod
    def of(cls, statuses: Iterable[str]) -> "Counters":
        seen = collections.Counter(statuses)
        return cls(total=sum(seen.values()), completed=seen["COMPLETED"], in_progress=seen["IN_PROGRESS"],
                   created=seen["CREATED"], scheduled=seen["SCHEDULED"], failed=seen["FAILED"])

    def plus(self, other: "Counters") -> "Counters":
        return Counters(*(a + b for a, b in zip(self.__dict__.values(), other.__dict__.values())))


@dataclass(frozen=True)
class RepositoryStatus:
    repository_name: str
    status: str
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class TagStatus:
    repository_name: str
    tag: str
    status: str
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class RegistryDashboard:
    registry_id: str
    status: str
    repositories: Counters
    tags: Counters
    top_failed_repositories: list[RepositoryStatus]
    top_failed_tags: list[TagStatus]
    top_in_progress_repositories: list[RepositoryStatus]


@dataclass(frozen=True)
class Dashboard:
    """A folder's (or cloud's) migration status dashboard."""

    id: str
    status: str
    registries: Counters
    repositories: Counters
    tags: Counters
    top_failed_registries: list[RegistryDashboard]
    top_in_progress_registries: list[RegistryDashboard]


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_page_token: str


def _limits(given: dict[str, int]) -> dict[str, int]:
    result = {}
    for name in limits.DASHBOARD_LIMIT_FIELDS:
        value = int(given.get(name, 0))
        if not 0 <= value <= limits.MAX_DASHBOARD_LIMIT:
            raise _invalid(name, f"{value} is outside 0..{limits.MAX_DASHBOARD_LIMIT}")
        result[name] = value or limits.DEFAULT_DASHBOARD_LIMIT
    return result


class CloudRegistryModel:
    """Registries, artifacts and migrations of the fake Cloud Registry; thread-safe under the shared lock."""

    def __init__(self, container_registry: SharedState) -> None:
        self.cr = container_registry
        self.knobs = MigrationKnobs()
        self.registries: dict[str, CloudRegistry] = {}
        self.artifacts: dict[str, Artifact] = {}
        self.migrations: dict[str, Migration] = {}  # folder id -> its latest migration
        self.folder_clouds: dict[str, str] = {}
        self.deleted_artifact_ids: list[str] = []
        self.delete_requests: list[tuple[str, bool]] = []  # (artifact_id, with_history) as received
        self._by_place: dict[tuple[str, str, str, bool], str] = {}  # (registry, path, name, is a version) -> id
        self._pending_deletes: dict[str, str] = {}
        self._issued_tokens: collections.OrderedDict[str, None] = collections.OrderedDict()

    @property
    def _lock(self) -> Any:
        return self.cr._lock

    def cloud_of(self, folder_id: str) -> str:
        return self.folder_clouds.get(folder_id, DEFAULT_CLOUD_ID)

    # ----- seeding -------------------------------------------------------------------------------

    def put_registry(self, registry_id: str, folder_id: str, name: str) -> CloudRegistry:
        """Create a (native, not migrated) Docker registry."""
        _check_id("registry_id", registry_id, required=True)
        with self._lock:
            registry = CloudRegistry(id=registry_id, folder_id=folder_id, name=name, created_at=self.cr.clock())
            self.registries[registry_id] = registry
            return registry

    def push_image(self, registry_id: str, repository: str, tags: Iterable[str], digest: str,
                   config: tuple[str, int] | None = None, layers: Iterable[tuple[str, int]] = (),
                   created_at: float | None = None) -> list[Artifact]:
        """Push a Docker image: its artifacts as the mapping lays them out; a tag moves away from older images."""
        with self._lock:
            if registry_id not in self.registries:
                raise FakeError("NOT_FOUND", f"registry {registry_id} not found in Cloud Registry")
            return self._place(registry_id, repository, list(tags), digest, config, tuple(layers),
                               self.cr.clock() if created_at is None else created_at)

    def _place(self, registry_id: str, repository: str, tags: list[str], digest: str,
               config: tuple[str, int] | None, layers: tuple[tuple[str, int], ...], created_at: float) -> list[Artifact]:
        made = []
        layout = mapping.check_layout(self.knobs.artifact_layout)
        for place in mapping.places_for_image(repository, tags, digest, layout):
            key = (registry_id, place.path, place.name, place.kind == mapping.KIND_ARTIFACT)
            existing = self._by_place.get(key)
            if existing is not None and place.kind != mapping.KIND_ARTIFACT:
                continue
            if existing is not None:  # a tag moving to another image: its version artifact is replaced
                self.artifacts.pop(existing, None)
            artifact = Artifact(id=self.cr.new_id("artifact"), registry_id=registry_id, path=place.path,
                                name=place.name, kind=place.kind, created_at=created_at, modified_at=created_at)
            if place.kind == mapping.KIND_ARTIFACT:
                artifact.manifest_digest, artifact.config, artifact.layers = digest, config, layers
            self.artifacts[artifact.id] = artifact
            self._by_place[key] = artifact.id
            made.append(artifact)
        return made

    # ----- time ------------------------------------------------------------------------------------

    def _stage(self, m: Migration, now: float) -> tuple[str, int]:
        elapsed = now - m.started_at
        if elapsed < m.stage_seconds:
            return "CREATED", 0
        if elapsed < 2 * m.stage_seconds:
            return "SCHEDULED", 0
        done = min(len(m.units), int((elapsed - 2 * m.stage_seconds) * m.tags_per_second))
        return (FINISHED, done) if done >= len(m.units) else ("IN_PROGRESS", done)

    def advance(self) -> float:
        """Carry every migration forward to now: registries appear, versions become artifacts. Returns that now,
        so a dashboard is computed at the very moment the artifacts were brought up to (never ahead of them)."""
        self.cr.advance()
        with self._lock:
            now = self.cr.clock()
            for m in self.migrations.values():
                stage, done = self._stage(m, now)
                if stage == "CREATED":
                    continue
                for registry_id in m.registry_ids:
                    if registry_id not in self.registries:
                        source = self.cr.registries.get(registry_id)
                        self.registries[registry_id] = CloudRegistry(
                            id=registry_id, folder_id=m.folder_id, name=source.name if source else registry_id,
                            created_at=now, status="CREATING", redirects=not m.disable_redirects, migrated=True)
                for unit in m.units[m.applied:done]:
                    if unit.failure is None:
                        self._place(unit.registry_id, unit.repository,
                                    [] if mapping.DIGEST_SEPARATOR in unit.version else [unit.version],
                                    unit.digest, unit.config, unit.layers, unit.created_at)
                m.applied = max(m.applied, done)
                for registry_id, (_a, b) in m.registry_ranges.items():
                    registry = self.registries.get(registry_id)
                    if registry is not None and done >= b and stage != "SCHEDULED":
                        registry.status = "ACTIVE"
        return now

    # ----- RegistryService -----------------------------------------------------------------------

    def get_registry(self, registry_id: str) -> CloudRegistry:
        _check_id("registry_id", registry_id, required=True)
        self.advance()
        with self._lock:
            registry = self.registries.get(registry_id)
        if registry is None:
            raise FakeError("NOT_FOUND", f"registry {registry_id} not found")
        return registry

    def list_registries(self, folder_id: str, page_size: int = 0, page_token: str = "", name_filter: str = "",
                        kinds: Iterable[str] = (), types: Iterable[str] = (), statuses: Iterable[str] = ()) -> Page:
        _check_id("folder_id", folder_id, required=True)
        size = _check_paging(page_size, page_token)
        rule = _parse_filter("name_filter", "name", name_filter)
        kinds, types, statuses = set(kinds), set(types), set(statuses)
        fingerprint = self._fingerprint("registries", folder_id, name_filter, sorted(kinds), sorted(types),
                                        sorted(statuses))
        offset = self._offset(page_token, fingerprint)
        self.advance()
        with self._lock:
            chosen = [r for r in self.registries.values() if r.folder_id == folder_id and _matches(rule, r.name)
                      and (not kinds or r.kind in kinds) and (not types or r.type in types)
                      and (not statuses or r.status in statuses)]
            return self._page(chosen, offset, size, fingerprint)

    # ----- ArtifactService -----------------------------------------------------------------------

    def get_artifact(self, artifact_id: str) -> Artifact:
        _check_id("artifact_id", artifact_id, required=True)
        self.advance()
        with self._lock:
            artifact = self.artifacts.get(artifact_id)
        if artifact is None:
            raise FakeError("NOT_FOUND", f"artifact {artifact_id} not found")
        return artifact

    def get_artifact_by_path(self, registry_id: str, path: str) -> Artifact:
        _check_id("registry_id", registry_id, required=True)
        if not path:
            raise _invalid("path", "required, got an empty string")
        self.advance()
        with self._lock:  # a container first: in the version-in-name layouts versions share their package's path
            at_path = sorted((a for a in self.artifacts.values() if a.registry_id == registry_id and a.path == path),
                             key=lambda a: a.kind == mapping.KIND_ARTIFACT)
            artifact = at_path[0] if at_path else None
        if artifact is None:
            raise FakeError("NOT_FOUND", f"no artifact at path {path!r} in registry {registry_id}")
        return artifact

    def list_artifacts(self, *, folder_id: str = "", registry_id: str = "", page_size: int = 0,
                       page_token: str = "", name_filter: str = "", path_filter: str = "",
                       statuses: Iterable[str] = (), kinds: Iterable[str] = (), registry_kinds: Iterable[str] = (),
                       registry_types: Iterable[str] = (), labels: Iterable[str] = (),
                       created_after: float | None = None, created_before: float | None = None,
                       order_by: str = "") -> Page:
        """ArtifactService.List (ListArtifactsWithFiltersRequest)."""
        _check_id("folder_id", folder_id)
        _check_id("registry_id", registry_id)
        if not (folder_id or registry_id):
            raise _invalid("registry_id", "one of registry_id or folder_id must be set")
        size = _check_paging(page_size, page_token)
        names = _parse_filter("name_filter", "name", name_filter)
        paths = _parse_filter("path_filter", "path", path_filter)
        if list(labels):
            raise FakeError("UNIMPLEMENTED", "labels: the fake does not filter artifacts by labels")
        if len(order_by) > limits.MAX_ORDER_BY_LENGTH:
            raise _invalid("order_by", f"length {len(order_by)} exceeds the maximum of {limits.MAX_ORDER_BY_LENGTH}")
        terms = order_by.split()
        if terms and (len(terms) > 2 or terms[0] not in ("created_at", "name", "path")
                      or (len(terms) == 2 and terms[1].lower() not in ("asc", "desc"))):
            raise _invalid("order_by", f"expected created_at, name or path, optionally asc or desc; got {order_by!r}")
        statuses, kinds = set(statuses), set(kinds)
        registry_kinds, registry_types = set(registry_kinds), set(registry_types)
        fingerprint = self._fingerprint("artifacts", folder_id, registry_id, name_filter, path_filter,
                                        sorted(statuses), sorted(kinds), sorted(registry_kinds),
                                        sorted(registry_types), created_after, created_before, order_by)
        offset = self._offset(page_token, fingerprint)
        self.advance()
        with self._lock:
            if registry_id:
                scope = {registry_id} if registry_id in self.registries else set()
            else:
                scope = {r.id for r in self.registries.values() if r.folder_id == folder_id}
            scope = {rid for rid in scope if (not registry_kinds or self.registries[rid].kind in registry_kinds)
                     and (not registry_types or self.registries[rid].type in registry_types)}
            chosen = [a for a in self.artifacts.values() if a.registry_id in scope and _matches(names, a.name)
                      and _matches(paths, a.path) and (not statuses or a.status in statuses)
                      and (not kinds or a.kind in kinds)
                      and (created_after is None or a.created_at > created_after)
                      and (created_before is None or a.created_at < created_before)]
            if terms:
                chosen.sort(key=lambda a: getattr(a, terms[0]), reverse=len(terms) == 2 and terms[1].lower() == "desc")
            return self._page(chosen, offset, size, fingerprint)

    def delete_artifact(self, artifact_id: str, with_history: bool = False) -> Any:
        """ArtifactService.Delete: an Operation; the artifact is DELETING until it is done, then gone."""
        _check_id("artifact_id", artifact_id, required=True)
        self.advance()
        with self._lock:
            self.delete_requests.append((artifact_id, with_history))
            artifact = self.artifacts.get(artifact_id)
            if artifact is None:
                raise FakeError("NOT_FOUND", f"artifact {artifact_id} not found")
            pending = self._pending_deletes.get(artifact_id)
            if pending is not None:
                return self.cr.operations[pending]
            if artifact.registry_id in self.knobs.immutable_registries and not with_history:
                raise FakeError("FAILED_PRECONDITION", f"artifact {artifact_id} is protected by the immutable "
                                   f"artifacts policy of registry {artifact.registry_id}; delete it with "
                                   "with_history=true")
            if artifact.kind != mapping.KIND_ARTIFACT and any(
                    a.registry_id == artifact.registry_id and a.id != artifact.id
                    and (a.path.startswith(artifact.path + "/") or a.path == artifact.path)
                    for a in self.artifacts.values()):
                raise FakeError("FAILED_PRECONDITION", f"{artifact.kind} {artifact.path} of registry "
                                   f"{artifact.registry_id} is not empty; delete what it holds first")
            limit = self.cr.knobs.max_unfinished_operations  # one OperationService, one limit for both services
            if limit > 0 and self.cr.unfinished_count() >= limit:
                raise FakeError("RESOURCE_EXHAUSTED", f"too many unfinished operations: {self.cr.unfinished_count()} "
                                                      f"of at most {limit}; retry later")
            now = self.cr.clock()
            artifact.status = "DELETING"
            op = Operation(id=self.cr.new_id("operation"), image_id="", created_at=now,
                           done_at=now + self.cr.knobs.operation_duration, modified_at=now,
                           description="Delete artifact", kind="cloudregistry.delete_artifact",
                           metadata={"artifact_id": artifact_id},
                           on_done=lambda: self._forget(artifact_id))
            self._pending_deletes[artifact_id] = op.id
            return self.cr.add_operation(op)

    def _forget(self, artifact_id: str) -> None:
        artifact = self.artifacts.pop(artifact_id, None)
        self._pending_deletes.pop(artifact_id, None)
        if artifact is not None:
            key = (artifact.registry_id, artifact.path, artifact.name, artifact.kind == mapping.KIND_ARTIFACT)
            if self._by_place.get(key) == artifact_id:
                del self._by_place[key]
            self.deleted_artifact_ids.append(artifact_id)

    # ----- MigrationService ----------------------------------------------------------------------

    def start_folder_migration(self, folder_id: str, disable_redirects: bool = False, *,
                               already_running_for: float = 0.0) -> Any:
        """MigrationService.StartFolder; ``already_running_for`` seconds back-dates it (a migration under way)."""
        _check_id("folder_id", folder_id, required=True)
        self.advance()
        with self._lock:
            op = self._start(folder_id, disable_redirects, self.cr.clock() - already_running_for)
        self.advance()
        return op

    def start_cloud_migration(self, cloud_id: str, disable_redirects: bool = False) -> Any:
        """MigrationService.StartCloud: a migration of every folder of the cloud holding registries."""
        _check_id("cloud_id", cloud_id, required=True)
        self.advance()
        with self._lock:
            folders = sorted({r.folder_id for r in self.cr.registries.values() if self.cloud_of(r.folder_id) == cloud_id})
            if not folders:
                raise FakeError("FAILED_PRECONDITION", f"cloud {cloud_id} has no Container Registry registries")
            for folder_id in folders:
                self._refuse_running(folder_id)
            ops = [self._start(folder_id, disable_redirects, self.cr.clock()) for folder_id in folders]
            registry_ids = [rid for op in ops for rid in op.metadata["registry_ids"]]
            first = ops[0]
            first.kind, first.description = "cloudregistry.start_cloud_migration", "Start cloud migration"
            first.metadata = {"cloud_id": cloud_id, "registry_ids": registry_ids}
            return first

    def _refuse_running(self, folder_id: str) -> None:
        current = self.migrations.get(folder_id)
        if current is not None:
            status = self._overall(current, self.cr.clock())
            if status != "FAILED":
                raise FakeError("FAILED_PRECONDITION", f"a migration of folder {folder_id} is already {status} "
                                   f"(operation {current.operation_id}); read GetFolderMigrationStatusDashboard "
                                   "instead of starting another")

    def _start(self, folder_id: str, disable_redirects: bool, started_at: float) -> Any:
        self._refuse_running(folder_id)
        registries = [r for r in self.cr.registries.values() if r.folder_id == folder_id]
        if not registries:
            raise FakeError("FAILED_PRECONDITION", f"folder {folder_id} has no Container Registry registries "
                               "to migrate")
        units: list[MigrationUnit] = []
        m = Migration(folder_id=folder_id, cloud_id=self.cloud_of(folder_id), started_at=started_at,
                      disable_redirects=disable_redirects, registry_ids=tuple(r.id for r in registries), units=units,
                      operation_id=self.cr.new_id("operation"), stage_seconds=self.knobs.stage_seconds,
                      tags_per_second=self.knobs.tags_per_second,
                      status_when_tags_fail=self.knobs.status_when_tags_fail)
        for registry in registries:
            start = len(units)
            images = sorted((i for i in self.cr.images.values() if i.registry_id == registry.id),
                            key=lambda i: (i.repository, i.created_at, i.id))
            for image in images:
                where = (registry.id, image.repository)
                m.repository_ranges.setdefault(where, (len(units), len(units)))
                for version in mapping.versions(image.tags, image.digest):
                    place = mapping.version_place(image.repository, version, self.knobs.artifact_layout)
                    at = self._by_place.get((registry.id, place.path, place.name, True))
                    if at is not None and self.artifacts[at].manifest_digest == image.digest:
                        continue  # already there (a migration that failed before moved it)
                    key = f"{registry.id}/{image.repository}:{version}"
                    units.append(MigrationUnit(
                        registry_id=registry.id, repository=image.repository, version=version, image_id=image.id,
                        digest=image.digest, config=(image.config.digest, image.config.size),
                        layers=tuple((b.digest, b.size) for b in image.layers),
                        created_at=image.created_at.timestamp(), failure=self.knobs.failing_tags.get(key)))
                m.repository_ranges[where] = (m.repository_ranges[where][0], len(units))
            m.registry_ranges[registry.id] = (start, len(units))
        self.migrations[folder_id] = m
        done_at, on_done = self.cr.clock() + self.knobs.operation_seconds, None
        if self.knobs.start_operation_spans_migration:
            done_at = max(done_at, started_at + 2 * m.stage_seconds + len(units) / m.tags_per_second + 0.001)
            on_done = lambda: self._start_outcome(m)  # noqa: E731
        op = Operation(id=m.operation_id, image_id="", created_at=self.cr.clock(), done_at=done_at,
                       modified_at=self.cr.clock(), description="Start folder migration",
                       kind="cloudregistry.start_folder_migration",
                       metadata={"folder_id": folder_id, "registry_ids": list(m.registry_ids)}, on_done=on_done)
        return self.cr.add_operation(op)

    @staticmethod
    def _start_outcome(m: Migration) -> OperationError | None:
        """How a StartFolder Operation spanning the migration ends: an error counting (not naming) failed tags."""
        failed = sum(1 for u in m.units if u.failure)
        if not failed:
            return None
        return OperationError(INTERNAL_CODE, f"migration of folder {m.folder_id} failed for {failed} tag(s)")

    def _unit_status(self, m: Migration, stage: str, done: int, index: int) -> str:
        if index < done:
            return "FAILED" if m.units[index].failure else "COMPLETED"
        if stage in ("CREATED", "SCHEDULED"):
            return stage
        return "IN_PROGRESS" if index == done else "SCHEDULED"

    def _range_status(self, m: Migration, stage: str, done: int, span: tuple[int, int]) -> str:
        start, end = span
        if stage in ("CREATED", "SCHEDULED"):
            return stage
        if done >= end:
            failed = any(u.failure for u in m.units[start:end])
            return m.status_when_tags_fail if failed else "COMPLETED"
        return "IN_PROGRESS" if done >= start else "SCHEDULED"

    def _overall(self, m: Migration, now: float) -> str:
        stage, done = self._stage(m, now)
        return self._range_status(m, stage, done, (0, len(m.units))) if stage == FINISHED else stage

    def _registry_dashboard(self, m: Migration, stage: str, done: int, registry_id: str,
                            lim: dict[str, int]) -> RegistryDashboard:
        span = m.registry_ranges[registry_id]
        repos = [(repo, rspan) for (rid, repo), rspan in m.repository_ranges.items() if rid == registry_id]
        repo_statuses = [RepositoryStatus(repo, self._range_status(m, stage, done, rspan)) for repo, rspan in repos]
        tags = [(u, self._unit_status(m, stage, done, n)) for n, u in enumerate(m.units) if span[0] <= n < span[1]]
        failed_tags = [TagStatus(u.repository, u.version, s, *(u.failure or ("", ""))) for u, s in tags if s == "FAILED"]
        failed_repos = []
        for status in repo_statuses:
            if status.status == "FAILED" or any(t.repository_name == status.repository_name for t in failed_tags):
                first = next(t for t in failed_tags if t.repository_name == status.repository_name)
                failed_repos.append(RepositoryStatus(status.repository_name, status.status, first.error_code,
                                                     first.error_message))
        return RegistryDashboard(
            registry_id=registry_id, status=self._range_status(m, stage, done, span),
            repositories=Counters.of(s.status for s in repo_statuses), tags=Counters.of(s for _u, s in tags),
            top_failed_repositories=failed_repos[:lim["failed_repositories_limit"]],
            top_failed_tags=failed_tags[:lim["failed_tags_limit"]],
            top_in_progress_repositories=[s for s in repo_statuses if s.status == "IN_PROGRESS"][
                :lim["in_progress_repositories_limit"]])

    def _dashboard(self, dashboard_id: str, migrations: list[Migration], lim: dict[str, int],
                   now: float) -> Dashboard:
        boards: list[RegistryDashboard] = []
        statuses = []
        for m in migrations:
            stage, done = self._stage(m, now)
            statuses.append(self._overall(m, now))
            boards.extend(self._registry_dashboard(m, stage, done, rid, lim) for rid in m.registry_ids)
        unfinished = [s for s in statuses if s in STAGES]
        status = (min(unfinished, key=STAGES.index) if unfinished
                  else ("FAILED" if "FAILED" in statuses else "COMPLETED"))
        repositories, tags = Counters(), Counters()
        for board in boards:
            repositories, tags = repositories.plus(board.repositories), tags.plus(board.tags)
        return Dashboard(
            id=dashboard_id, status=status, registries=Counters.of(b.status for b in boards),
            repositories=repositories, tags=tags,
            top_failed_registries=[b for b in boards if b.status == "FAILED" or b.tags.failed][
                :lim["failed_registries_limit"]],
            top_in_progress_registries=[b for b in boards if b.status == "IN_PROGRESS"][
                :lim["in_progress_registries_limit"]])

    def folder_dashboard(self, folder_id: str, **given: int) -> Dashboard:
        """MigrationService.GetFolderMigrationStatusDashboard."""
        _check_id("folder_id", folder_id, required=True)
        lim = _limits(given)
        with self._lock:
            now = self.advance()
            m = self.migrations.get(folder_id)
            if m is None:
                raise FakeError("NOT_FOUND", f"folder {folder_id} has no migration; start one with StartFolder")
            return self._dashboard(folder_id, [m], lim, now)

    def cloud_dashboard(self, cloud_id: str, **given: int) -> Dashboard:
        """MigrationService.GetCloudMigrationStatusDashboard: every folder migration of the cloud together."""
        _check_id("cloud_id", cloud_id, required=True)
        lim = _limits(given)
        with self._lock:
            now = self.advance()
            chosen = [m for m in self.migrations.values() if m.cloud_id == cloud_id]
            if not chosen:
                raise FakeError("NOT_FOUND", f"cloud {cloud_id} has no migration; start one with StartCloud")
            return self._dashboard(cloud_id, chosen, lim, now)

    def toggle_redirects(self, *, registry_id: str = "", folder_id: str = "", cloud_id: str = "",
                         enabled: bool) -> Any:
        """MigrationService.Toggle{Registry,Folder,Cloud}Redirects on migrated registries; an Operation."""
        for name, value in (("registry_id", registry_id), ("folder_id", folder_id), ("cloud_id", cloud_id)):
            _check_id(name, value)
        self.advance()
        with self._lock:
            if registry_id:
                registry = self.registries.get(registry_id)
                if registry is None or not registry.migrated:
                    raise FakeError("NOT_FOUND", f"registry {registry_id} was not migrated to Cloud Registry")
                chosen, subject = [registry], {"registry_id": registry_id}
            elif folder_id:
                chosen = [r for r in self.registries.values() if r.migrated and r.folder_id == folder_id]
                subject = {"folder_id": folder_id}
            else:
                chosen = [r for r in self.registries.values() if r.migrated and self.cloud_of(r.folder_id) == cloud_id]
                subject = {"cloud_id": cloud_id}
            if not chosen:
                (name, value), = subject.items()
                raise FakeError("NOT_FOUND", f"no migrated registries in {name.removesuffix('_id')} {value}")
            for registry in chosen:
                registry.redirects = enabled
            now = self.cr.clock()
            op = Operation(id=self.cr.new_id("operation"), image_id="", created_at=now,
                           done_at=now + self.knobs.operation_seconds, modified_at=now,
                           description="Toggle redirects", kind="cloudregistry.toggle_redirects",
                           metadata={**subject, "registry_ids": [r.id for r in chosen], "enabled": enabled})
            return self.cr.add_operation(op)

    # ----- paging ----------------------------------------------------------------------------------

    @staticmethod
    def _fingerprint(*parts: object) -> str:
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    def _offset(self, token: str, fingerprint: str) -> int:
        if not token:
            return 0
        with self._lock:
            issued = token in self._issued_tokens
        if not issued:
            raise _invalid("page_token", "not a token this service issued; pass next_page_token back unchanged")
        try:
            offset_text, _, seen = base64.urlsafe_b64decode(token).decode().partition(":")
            offset = int(offset_text)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise _invalid("page_token", "not a token this service issued") from None
        if seen != fingerprint:
            raise _invalid("page_token", "was issued for a different request (scope or filters)")
        return offset

    def _page(self, chosen: list[Any], offset: int, size: int, fingerprint: str) -> Page:
        token = ""
        if offset + size < len(chosen):
            token = base64.urlsafe_b64encode(f"{offset + size}:{fingerprint}".encode()).decode()
            self._issued_tokens[token] = None
            while len(self._issued_tokens) > 100_000:
                self._issued_tokens.popitem(last=False)
        return Page(items=chosen[offset: offset + size], next_page_token=token)


__all__ = sorted(["Artifact", "CloudRegistry", "CloudRegistryModel", "Counters", "DEFAULT_CLOUD_ID", "Dashboard",
                  "Migration", "MigrationKnobs", "MigrationUnit", "Page", "RegistryDashboard", "RepositoryStatus",
                  "TagStatus"])
