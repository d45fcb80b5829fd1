"""THE assumption of how Docker images appear as Cloud Registry artifacts, in one module. Pure: no grpc.

Yandex documents the ``Artifact`` message (id, path, name, kind FOLDER|PACKAGE|ARTIFACT, content.docker with
``manifest_digest``) but not how a Docker registry's images are laid out in it, and the message has no tags field.
From the evidence (FIELD-NOTES section 6: lifecycle rules filter by ``version_regexp``, "package version or docker
tag", and by tag status TAGGED/UNTAGGED; dry runs list ``AffectedArtifact{path, version}``; Terraform creates FOLDER
``/common-artifacts/some-folder`` in a DOCKER registry) this project assumes, for an image ``<registry>/<repo>``:

* a FOLDER for every leading segment of the repository path: ``/tools`` (name ``tools``) for ``tools/ci``;
* a PACKAGE for the repository itself: path ``/tools/ci``, name ``ci``;
* an ARTIFACT per version: one per tag (path ``/tools/ci/<tag>``, name ``<tag>``), or, for an untagged
  manifest, one named by its digest (``/tools/ci/sha256:<hex>``); each has ``content.docker.manifest_digest``
  = the image digest. So one image with three tags is three ARTIFACTs sharing one digest.

What is certain and what is not: ``registry_id``, ``id``, ``content.docker.manifest_digest`` and
``ArtifactService.Delete(artifact_id)`` are documented; paths, names and kinds are the assumption. Digest-based
lookups and deletes therefore select artifacts by registry and ``manifest_digest`` alone (:func:`has_digest`);
only the repository a digest is grouped under and the tags come from the layout here. A real listing
(``yc cloud-registry artifact list --registry-id ...``) that disagrees changes this module, and nothing else.
The embedded fake lays artifacts out with the same functions, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from ..limits import TAG_RE

KIND_FOLDER = "FOLDER"
KIND_PACKAGE = "PACKAGE"
KIND_ARTIFACT = "ARTIFACT"
DIGEST_SEPARATOR = ":"  # a version name holding ':' is a digest (Docker tags cannot hold one)


@dataclass(frozen=True)
class ArtifactPlace:
    """Where one artifact of an image sits: its ``path``, ``name`` and ``kind``; ``tag`` for a tag's version."""

    path: str
    name: str
    kind: str
    tag: str | None = None


def versions(tags: Sequence[str], digest: str) -> list[str]:
    """The version names of an image: its tags, or its digest when it carries none."""
    return list(tags) if tags else [digest]


def version_place(repository: str, version: str) -> ArtifactPlace:
    """The ARTIFACT of one version (a tag, or a digest) of ``repository``."""
    tag = None if DIGEST_SEPARATOR in version else version
    return ArtifactPlace(path=f"/{repository}/{version}", name=version, kind=KIND_ARTIFACT, tag=tag)


def container_places(repository: str) -> list[ArtifactPlace]:
    """The FOLDERs of the repository's leading path segments, then its PACKAGE."""
    parts = repository.split("/")
    places = [ArtifactPlace(path="/" + "/".join(parts[: n + 1]), name=parts[n], kind=KIND_FOLDER)
              for n in range(len(parts) - 1)]
    places.append(ArtifactPlace(path=f"/{repository}", name=parts[-1], kind=KIND_PACKAGE))
    return places


def places_for_image(repository: str, tags: Sequence[str], digest: str) -> list[ArtifactPlace]:
    """Every artifact one Docker image is assumed to appear as (containers first, then one per version)."""
    return container_places(repository) + [version_place(repository, v) for v in versions(tags, digest)]


def has_digest(manifest_digest: str, digest: str) -> bool:
    """Whether an artifact is (a version of) the image with ``digest``: the documented field, no layout."""
    return bool(manifest_digest) and manifest_digest == digest


def repository_of(path: str) -> str:
    """The repository a version artifact belongs to: its path without the leading '/' and the version."""
    head = path.strip("/").rsplit("/", 1)
    return head[0] if len(head) == 2 else ""


def tag_of(name: str) -> str | None:
    """The tag a version artifact stands for; None for a digest-named (untagged) version."""
    if DIGEST_SEPARATOR in name or not TAG_RE.fullmatch(name):
        return None
    return name


@dataclass(frozen=True)
class VersionArtifact:
    """The fields of an ARTIFACT that the grouping reads (plain values)."""

    id: str
    registry_id: str
    path: str
    name: str
    manifest_digest: str
    created_at: str = ""


@dataclass(frozen=True)
class ImageGroup:
    """One Docker image: the version artifacts of one repository sharing one digest."""

    registry_id: str
    repository: str
    digest: str
    artifacts: tuple[VersionArtifact, ...]

    @property
    def image_id(self) -> str:
        """The image's id: the smallest id among its artifacts (any of them finds the image again)."""
        return min(a.id for a in self.artifacts)

    @property
    def tags(self) -> list[str]:
        return [t for t in (tag_of(a.name) for a in self.artifacts) if t is not None]

    @property
    def created_at(self) -> str:
        return min((a.created_at for a in self.artifacts if a.created_at), default="")


def group_images(artifacts: Iterable[VersionArtifact]) -> list[ImageGroup]:
    """Group version artifacts into images by (registry, repository, digest), in first-seen order."""
    groups: dict[tuple[str, str, str], list[VersionArtifact]] = {}
    for artifact in artifacts:
        if not artifact.manifest_digest:
            continue
        key = (artifact.registry_id, repository_of(artifact.path), artifact.manifest_digest)
        groups.setdefault(key, []).append(artifact)
    return [ImageGroup(registry_id=k[0], repository=k[1], digest=k[2], artifacts=tuple(v))
            for k, v in groups.items()]


__all__ = sorted(["ArtifactPlace", "DIGEST_SEPARATOR", "ImageGroup", "KIND_ARTIFACT", "KIND_FOLDER",
                  "KIND_PACKAGE", "VersionArtifact", "container_places", "group_images", "has_digest",
                  "places_for_image", "repository_of", "tag_of", "version_place", "versions"])
