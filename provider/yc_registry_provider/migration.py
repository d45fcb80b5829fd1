"""The migration to Cloud Registry as plain data and rules: dashboards, the completion criteria, progress lines,
failure messages and the verification's arithmetic. Pure: no grpc.

Done means (Yandex's migration tutorial): the overall status is COMPLETED, ``failed == 0`` at every level, and
``completed == total`` for registries, repositories and tags. A COMPLETED status with a failed tag is a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .models import ImageInfo

UNDER_WAY = ("CREATED", "SCHEDULED", "IN_PROGRESS")
LEVELS = ("registries", "repositories", "tags")


@dataclass(frozen=True)
class Counters:
    """MigrationCounters of one level."""

    total: int = 0
    completed: int = 0
    in_progress: int = 0
    created: int = 0
    scheduled: int = 0
    failed: int = 0
    not_found: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class FailedTag:
    """A tag the migration could not move, as the dashboard names it."""

    repository: str
    tag: str
    error_code: str
    error_message: str

    def describe(self, registry_id: str) -> str:
        return f"{registry_id}/{self.repository}:{self.tag} ({self.error_code}: {self.error_message})"


@dataclass(frozen=True)
class RegistryProgress:
    """One registry's entry on the dashboard (the failed and in-progress ones are listed)."""

    registry_id: str
    status: str
    repositories: Counters
    tags: Counters
    failed_tags: tuple[FailedTag, ...] = ()


@dataclass(frozen=True)
class Dashboard:
    """A folder's migration status dashboard."""

    folder_id: str
    status: str
    registries: Counters
    repositories: Counters
    tags: Counters
    top_registries: tuple[RegistryProgress, ...] = ()

    def level(self, name: str) -> Counters:
        return {"registries": self.registries, "repositories": self.repositories, "tags": self.tags}[name]

    @property
    def under_way(self) -> bool:
        return self.status in UNDER_WAY

    @property
    def complete(self) -> bool:
        """The documented completion criteria, all of them."""
        return self.status == "COMPLETED" and all(
            self.level(n).failed == 0 and self.level(n).completed == self.level(n).total for n in LEVELS)

    @property
    def failed(self) -> bool:
        """Finished badly: FAILED, or not under way and not complete (e.g. COMPLETED with failed tags)."""
        return not self.under_way and not self.complete

    def failed_tags(self) -> list[tuple[str, FailedTag]]:
        return [(r.registry_id, t) for r in self.top_registries for t in r.failed_tags]

    def progress_line(self) -> str:
        """e.g. "IN_PROGRESS: registries 1/3, repositories 4/9, tags 812/2000 (failed 0)"."""
        parts = ", ".join(f"{n} {self.level(n).completed}/{self.level(n).total}" for n in LEVELS)
        failed = sum(self.level(n).failed for n in LEVELS)
        return f"{self.status}: {parts}" + (f" (failed: {failed})" if failed else "")

    def failure_message(self, limit: int = 5) -> str:
        """Why the migration did not complete, naming the first failed tags, and what to do next."""
        tags = self.failed_tags()
        named = "; ".join(f"{reg}/{t.repository}:{t.tag} ({t.error_code}: {t.error_message})"
                          for reg, t in tags[:limit])
        more = f" and {len(tags) - limit} more" if len(tags) > limit else ""
        counts = self.progress_line()
        first = f"; first failed tags: {named}{more}" if named else ""
        return (f"the migration of folder {self.folder_id} to Cloud Registry did not complete ({counts}){first}. "
                "What moved stays in Cloud Registry: fix or delete the failed images in Container Registry, then "
                "start the migration again (`pulumi up` after the FolderMigration is replaced, or "
                f"`yc cloud-registry v1 migration start-folder --folder-id {self.folder_id}`); "
                "`yc cloud-registry v1 migration get-folder-migration-status-dashboard` shows every failure")

    def to_outputs(self) -> dict[str, Any]:
        """The counters as resource outputs."""
        return {f"{n}": self.level(n).to_dict() for n in LEVELS}


@dataclass(frozen=True)
class MissingImage:
    """A Container Registry image whose digest is not among the Cloud Registry artifacts of its registry."""

    image_id: str
    name: str
    tags: list[str]
    digest: str

    def to_dict(self) -> dict[str, Any]:
        return {"image_id": self.image_id, "name": self.name, "tags": list(self.tags), "digest": self.digest}


@dataclass(frozen=True)
class Verification:
    """What verify_migration found: every inventoried image, and those missing in Cloud Registry."""

    scope: str
    image_count: int
    registry_ids: list[str]
    missing: list[MissingImage] = field(default_factory=list)
    unmigrated_registry_ids: list[str] = field(default_factory=list)
    tag_count: int = 0         # tags of the inventoried images
    tags_checked: int = 0      # of those, where Cloud Registry shows tags for the registry (visible)
    moved_tags: list[str] = field(default_factory=list)  # "name:tag (digest A in Container Registry, B here)"

    @property
    def missing_count(self) -> int:
        return len(self.missing)

    @property
    def present_count(self) -> int:
        return self.image_count - self.missing_count

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unmigrated_registry_ids and not self.moved_tags

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "image_count": self.image_count, "present_count": self.present_count,
                "missing_count": self.missing_count, "missing": [m.to_dict() for m in self.missing],
                "registry_ids": list(self.registry_ids), "unmigrated_registry_ids": list(self.unmigrated_registry_ids),
                "tag_count": self.tag_count, "tags_checked": self.tags_checked, "moved_tags": list(self.moved_tags)}

    def summary(self, limit: int = 5) -> str:
        named = ", ".join(f"{m.name}@{m.digest} (id {m.image_id}, tags {', '.join(m.tags) or 'none'})"
                          for m in self.missing[:limit])
        more = f" and {self.missing_count - limit} more" if self.missing_count > limit else ""
        text = f"{self.scope}: {self.present_count} of {self.image_count} images present in Cloud Registry"
        if self.unmigrated_registry_ids:
            text += f"; registries not in Cloud Registry: {', '.join(self.unmigrated_registry_ids)}"
        if self.missing:
            text += f"; missing: {named}{more}"
        if self.tag_count:
            same = self.tags_checked - len(self.moved_tags)
            text += (f"; {same} of {self.tags_checked} tags checked are on the same digest "
                     f"({self.tag_count - self.tags_checked} of {self.tag_count} tags not checked: their registry "
                     "shows no tags in Cloud Registry, or is not there)")
            if self.moved_tags:
                text += "; on another digest: " + ", ".join(self.moved_tags[:limit])
        return text


def compare(scope: str, inventory: Iterable[ImageInfo], digests_by_registry: dict[str, set[str] | None],
            tags_by_registry: Mapping[str, Mapping[tuple[str, str], str] | None] | None = None) -> Verification:
    """Check each inventoried image's digest against the digests of the Cloud Registry registry with the same id
    (None: that registry is not in Cloud Registry, so all its images are missing), and each of its tags against
    the digest that tag names in Cloud Registry, where the registry shows tags there (``tags_by_registry``:
    ``(image name, tag) -> digest``; None or empty: not visible, not checked)."""
    images = list(inventory)
    missing = [MissingImage(i.id, i.name, list(i.tags), i.digest) for i in images
               if i.digest not in (digests_by_registry.get(i.registry_id) or set())]
    registry_ids = sorted({i.registry_id for i in images} | set(digests_by_registry))
    unmigrated = sorted(r for r, d in digests_by_registry.items() if d is None)
    checked, moved = 0, []
    for image in images:
        visible = (tags_by_registry or {}).get(image.registry_id)
        for tag in image.tags:
            if not visible:
                continue
            checked += 1
            there = visible.get((image.name, tag))
            if there != image.digest:
                moved.append(f"{image.name}:{tag} ({image.digest} in Container Registry, "
                             f"{there or 'no such tag'} in Cloud Registry)")
    return Verification(scope=scope, image_count=len(images), registry_ids=registry_ids, missing=missing,
                        unmigrated_registry_ids=unmigrated, tag_count=sum(len(i.tags) for i in images),
                        tags_checked=checked, moved_tags=moved)


__all__ = sorted(["Counters", "Dashboard", "FailedTag", "LEVELS", "MissingImage", "RegistryProgress", "UNDER_WAY",
                  "Verification", "compare"])
