"""THE assumption of how Docker images appear as Cloud Registry artifacts, in one module. Pure: no grpc.

Yandex documents the ``Artifact`` message (id, path, name, kind FOLDER|PACKAGE|ARTIFACT, content.docker with
``manifest_digest``) but not how a Docker registry's images are laid out in it, and the message has no tags field.
From the evidence (FIELD-NOTES section 6: lifecycle rules filter by ``version_regexp``, "package version or docker
tag", and by tag status TAGGED/UNTAGGED; dry runs list ``AffectedArtifact{path, version}``, and the docs' one
example, a lifecycle dry run's ``/library/ubuntu/latest``, puts the tag last in the path; Terraform creates FOLDER
``/common-artifacts/some-folder`` in a DOCKER registry) this project assumes, for an image ``<registry>/<repo>``:

* a FOLDER for every leading segment of the repository path: ``/tools`` (name ``tools``) for ``tools/ci``;
* a PACKAGE for the repository itself: path ``/tools/ci``, name ``ci``;
* an ARTIFACT per version: one per tag, or, for an untagged manifest, one named by its digest
  (``sha256:<hex>``); each has ``content.docker.manifest_digest`` = the image digest. So one image with three
  tags is three ARTIFACTs sharing one digest.

Where a version's name sits is hedged: every plausible layout (:data:`LAYOUTS`) is read, and which one a
registry uses is recognised from its own listing (:func:`recognise`, per registry):

* ``version-in-path`` (the default, the docs' example): path ``/tools/ci/<version>``, name ``<version>``;
* ``version-in-name``: path ``/tools/ci`` (the repository), name ``<version>``;
* each with or without the leading slash (``...-no-slash``).

What is certain and what is not: ``registry_id``, ``id``, ``content.docker.manifest_digest`` and
``ArtifactService.Delete(artifact_id)`` are documented; paths, names and kinds are the assumption. Digest-based
lookups and deletes therefore select artifacts by registry and ``manifest_digest`` alone (:func:`has_digest`);
only the repository a digest is grouped under and the tags come from the layout here. ``yc-registry artifacts
--registry-id R`` prints a real registry's raw artifacts and the layout recognised, so a real listing that
disagrees shows at once, and changes this module and nothing else. The embedded fake lays artifacts out with the
same functions (in the layout its ``artifact_layout`` knob names), so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from ..limits import TAG_RE

KIND_FOLDER = "FOLDER"
KIND_PACKAGE = "PACKAGE"
KIND_ARTIFACT = "ARTIFACT"
DIGEST_SEPARATOR = ":"  # a version name holding ':' is a digest (Docker tags cannot hold one)


LAYOUT_IN_PATH = "version-in-path"
LAYOUT_IN_PATH_NO_SLASH = "version-in-path-no-slash"
LAYOUT_IN_NAME = "version-in-name"
LAYOUT_IN_NAME_NO_SLASH = "version-in-name-no-slash"
LAYOUTS = (LAYOUT_IN_PATH, LAYOUT_IN_PATH_NO_SLASH, LAYOUT_IN_NAME, LAYOUT_IN_NAME_NO_SLASH)
DEFAULT_LAYOUT = LAYOUT_IN_PATH
LAYOUT_HELP = {
    LAYOUT_IN_PATH: "path /<repository>/<version>, name <version> (the documented dry-run example)",
    LAYOUT_IN_PATH_NO_SLASH: "path <repository>/<version>, name <version>",
    LAYOUT_IN_NAME: "path /<repository>, name <version>",
    LAYOUT_IN_NAME_NO_SLASH: "path <repository>, name <version>",
}


def check_layout(layout: str) -> str:
    """A layout name from :data:`LAYOUTS`; ValueError naming the choices otherwise."""
    if layout not in LAYOUTS:
        raise ValueError(f"artifact layout must be one of {', '.join(LAYOUTS)} (got {layout!r})")
    return layout


def _in_name(layout: str) -> bool:
    return layout in (LAYOUT_IN_NAME, LAYOUT_IN_NAME_NO_SLASH)


def _slash(layout: str) -> str:
    return "" if layout.endswith("no-slash") else "/"


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


def version_place(repository: str, version: str, layout: str = DEFAULT_LAYOUT) -> ArtifactPlace:
    """The ARTIFACT of one version (a tag, or a digest) of ``repository``, laid out as ``layout`` says."""
    tag = None if DIGEST_SEPARATOR in version else version
    path = _slash(layout) + (repository if _in_name(layout) else f"{repository}/{version}")
    return ArtifactPlace(path=path, name=version, kind=KIND_ARTIFACT, tag=tag)


def container_places(repository: str, layout: str = DEFAULT_LAYOUT) -> list[ArtifactPlace]:
    """The FOLDERs of the repository's leading path segments, then its PACKAGE."""
    parts = repository.split("/")
    slash = _slash(layout)
    places = [ArtifactPlace(path=slash + "/".join(parts[: n + 1]), name=parts[n], kind=KIND_FOLDER)
              for n in range(len(parts) - 1)]
    places.append(ArtifactPlace(path=slash + repository, name=parts[-1], kind=KIND_PACKAGE))
    return places


def places_for_image(repository: str, tags: Sequence[str], digest: str,
                     layout: str = DEFAULT_LAYOUT) -> list[ArtifactPlace]:
    """Every artifact one Docker image is assumed to appear as (containers first, then one per version)."""
    return container_places(repository, layout) + [version_place(repository, v, layout)
                                                   for v in versions(tags, digest)]


def has_digest(manifest_digest: str, digest: str) -> bool:
    """Whether an artifact is (a version of) the image with ``digest``: the documented field, no layout."""
    return bool(manifest_digest) and manifest_digest == digest


def read_place(path: str, name: str, layout: str) -> tuple[str, str]:
    """(repository, version) of a version artifact read under ``layout``; a leading '/' or none, either way."""
    bare = path.strip("/")
    if _in_name(layout):
        return bare, name
    head, _, last = bare.rpartition("/")
    return head, last or name


def repository_of(path: str, name: str = "", layout: str = DEFAULT_LAYOUT) -> str:
    """The repository a version artifact belongs to under ``layout``."""
    return read_place(path, name, layout)[0]


def tag_of(name: str) -> str | None:
    """The tag a version name stands for; None for a digest-named (untagged) version."""
    if DIGEST_SEPARATOR in name or not TAG_RE.fullmatch(name):
        return None
    return name


def recognise(artifacts: Iterable["VersionArtifact"]) -> str | None:
    """The layout one registry's version artifacts follow, from the listing itself; None when there are none.

    Versions sharing one path can only be ``version-in-name`` (the path is their repository). Otherwise each
    artifact votes: a path whose last segment is its name (and that has a repository before it) reads as
    ``version-in-path``, any other as ``version-in-name``; a tie keeps the default. The leading slash is
    whatever most paths have. Every layout is read with a slash or without, so a wrong slash guess costs nothing.
    """
    listed = [a for a in artifacts if a.manifest_digest]
    if not listed:
        return None
    paths: dict[str, int] = {}
    in_path = 0
    for artifact in listed:
        bare = artifact.path.strip("/")
        paths[bare] = paths.get(bare, 0) + 1
        head, sep, last = bare.rpartition("/")
        in_path += bool(sep and head and last == artifact.name)
    shared = any(n > 1 for n in paths.values())
    by_name = shared or in_path * 2 < len(listed)
    slashed = sum(a.path.startswith("/") for a in listed) * 2 >= len(listed)
    if by_name:
        return LAYOUT_IN_NAME if slashed else LAYOUT_IN_NAME_NO_SLASH
    return LAYOUT_IN_PATH if slashed else LAYOUT_IN_PATH_NO_SLASH


def layouts_by_registry(artifacts: Iterable["VersionArtifact"]) -> dict[str, str]:
    """The recognised layout of each registry in a listing (the default for one with no version artifacts)."""
    by_registry: dict[str, list[VersionArtifact]] = {}
    for artifact in artifacts:
        by_registry.setdefault(artifact.registry_id, []).append(artifact)
    return {rid: recognise(listed) or DEFAULT_LAYOUT for rid, listed in by_registry.items()}


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
class RawArtifact:
    """An artifact exactly as listed (any kind), for showing a registry's layout to a person."""

    id: str
    kind: str
    path: str
    name: str
    manifest_digest: str
    registry_id: str = ""
    status: str = ""


@dataclass(frozen=True)
class ImageGroup:
    """One Docker image: the version artifacts of one repository sharing one digest."""

    registry_id: str
    repository: str
    digest: str
    artifacts: tuple[VersionArtifact, ...]
    versions: tuple[str, ...] = ()  # the version each artifact stands for, in the same order

    @property
    def image_id(self) -> str:
        """The image's id: the smallest id among its artifacts (any of them finds the image again)."""
        return min(a.id for a in self.artifacts)

    @property
    def tags(self) -> list[str]:
        names = self.versions or tuple(a.name for a in self.artifacts)
        return [t for t in (tag_of(v) for v in names) if t is not None]

    @property
    def created_at(self) -> str:
        return min((a.created_at for a in self.artifacts if a.created_at), default="")


def group_images(artifacts: Iterable[VersionArtifact],
                 layouts: dict[str, str] | None = None) -> list[ImageGroup]:
    """Group version artifacts into images by (registry, repository, digest), in first-seen order; each
    registry read in its layout (``layouts``, else recognised from these artifacts)."""
    listed = [a for a in artifacts if a.manifest_digest]
    layouts = {**layouts_by_registry(listed), **(layouts or {})}
    groups: dict[tuple[str, str, str], list[tuple[VersionArtifact, str]]] = {}
    for artifact in listed:
        repository, version = read_place(artifact.path, artifact.name, layouts[artifact.registry_id])
        groups.setdefault((artifact.registry_id, repository, artifact.manifest_digest), []).append(
            (artifact, version))
    return [ImageGroup(registry_id=k[0], repository=k[1], digest=k[2], artifacts=tuple(a for a, _ in v),
                       versions=tuple(ver for _, ver in v)) for k, v in groups.items()]


__all__ = sorted(["ArtifactPlace", "DEFAULT_LAYOUT", "DIGEST_SEPARATOR", "ImageGroup", "KIND_ARTIFACT", "KIND_FOLDER",
                  "KIND_PACKAGE", "LAYOUTS", "RawArtifact", "LAYOUT_HELP", "LAYOUT_IN_NAME", "LAYOUT_IN_NAME_NO_SLASH",
                  "LAYOUT_IN_PATH", "LAYOUT_IN_PATH_NO_SLASH", "VersionArtifact", "check_layout",
                  "container_places", "group_images", "has_digest", "layouts_by_registry", "places_for_image",
                  "read_place", "recognise", "repository_of", "tag_of", "version_place", "versions"])
