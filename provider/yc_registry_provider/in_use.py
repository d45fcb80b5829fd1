"""Which images workloads run: the ``keep_in_use`` rule's settings, pull references, and matching. Pure: no grpc.

An image is **in use** when a live workload reference names it: by digest (``<host>/<registry>/<repo>@sha256:...``),
or by a tag the image carries at that moment (``<host>/<registry>/<repo>:<tag>``; no tag and no digest means
``latest``). Both registry hosts count (``cr.yandex``, Container Registry's, and ``registry.yandexcloud.net``, Cloud
Registry's): registry ids and paths survive the migration, so either host names the same image.

References are found by scanning the text of a container declaration or a compose file for anything that looks like
a pull reference on one of those hosts (``references_in``). A scan over-approximates (a commented-out line counts
too), which errs on the side of keeping; it needs no YAML parser and reads both formats (``spec.containers[].image``
of ``docker-container-declaration``, ``services.*.image`` of ``docker-compose``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .errors import InvalidArgumentError
from .models import ImageInfo
from .validation import check_id

SOURCES: tuple[str, ...] = ("serverless-containers", "compute", "instance-groups")
"""The workload sources ``keep_in_use`` reads: Serverless Containers revisions, Compute instances' container
metadata, instance groups' instance templates."""
SOURCE_ROLES: dict[str, str] = {"serverless-containers": "serverless.containers.viewer",
                                "compute": "compute.viewer", "instance-groups": "compute.viewer"}
"""The role that lets an account read each source (named when a source cannot be read)."""
REGISTRY_HOSTS: tuple[str, ...] = ("cr.yandex", "registry.yandexcloud.net")
METADATA_KEYS: tuple[str, ...] = ("docker-container-declaration", "docker-compose")
"""The instance (and instance template) metadata keys of the container-optimized image that name images."""

_SEGMENT = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
REFERENCE_RE = re.compile(
    r"(?<![A-Za-z0-9.-])(?P<host>cr\.yandex|registry\.yandexcloud\.net)/"
    rf"(?P<name>{_SEGMENT}(?:/{_SEGMENT})+)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z0-9_+.-]+:[0-9a-fA-F]{32,}))?")


@dataclass(frozen=True)
class KeepInUse:
    """The validated ``keep_in_use`` rule: which sources to read, in which folders (empty: the registry's)."""

    sources: tuple[str, ...] = SOURCES
    folders: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"sources": list(self.sources), "folders": list(self.folders)}

    def describe(self) -> str:
        where = ", ".join(self.folders) if self.folders else "the folder of the registry being cleaned"
        return f"{', '.join(self.sources)} in {where}"


def keep_in_use_from(value: object, field_name: str = "keep_in_use") -> KeepInUse | None:
    """``None``/``False``: off; ``True``: every source in the registry's folder; a mapping ``{sources, folders}``
    (either may be left out: every source, the registry's folder). Errors name the field and the rule."""
    if value is None or value is False:
        return None
    if value is True:
        return KeepInUse()
    if isinstance(value, KeepInUse):
        return value
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(field_name, "must be true, or {sources: [...], folders: [...]} with sources "
                                               f"among {', '.join(SOURCES)}", value)
    unknown = sorted(str(key) for key in value if key not in ("sources", "folders"))
    if unknown:
        raise InvalidArgumentError(field_name, f"has unknown field {', '.join(unknown)} (expected sources and "
                                               "folders)", dict(value))
    sources = _names(f"{field_name}.sources", value.get("sources"), SOURCES)
    for index, source in enumerate(sources):
        if source not in SOURCES:
            raise InvalidArgumentError(f"{field_name}.sources[{index}]", f"must be one of {', '.join(SOURCES)}",
                                       source)
    if value.get("sources") is not None and not sources:
        raise InvalidArgumentError(f"{field_name}.sources", "must name at least one source (to read no workload "
                                                            "at all, leave keep_in_use out)", [])
    folders = _names(f"{field_name}.folders", value.get("folders"), ())
    for index, folder in enumerate(folders):
        check_id(f"{field_name}.folders[{index}]", folder)
    return KeepInUse(sources=tuple(dict.fromkeys(sources)), folders=tuple(dict.fromkeys(folders)))


def _names(field_name: str, value: object, default: Sequence[str]) -> list[str]:
    if value is None:
        return list(default)
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidArgumentError(field_name, "must be a list of strings", value)
    items = list(value)
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise InvalidArgumentError(f"{field_name}[{index}]", "must be a non-empty string", item)
    return items


@dataclass(frozen=True)
class ImageRef:
    """One pull reference: ``name`` is ``<registry_id>/<repository path>``; ``tag`` is ``latest`` when neither a
    tag nor a digest was written."""

    host: str
    name: str
    tag: str | None
    digest: str | None

    @property
    def text(self) -> str:
        return f"{self.host}/{self.name}" + (f":{self.tag}" if self.tag else "") + (
            f"@{self.digest}" if self.digest else "")


def parse_reference(text: str) -> ImageRef | None:
    """The reference ``text`` is (whole), or None when it is not a pull reference on a Yandex registry host."""
    match = REFERENCE_RE.fullmatch(text.strip())
    return None if match is None else _ref(match)


def references_in(text: str) -> list[ImageRef]:
    """Every pull reference on a Yandex registry host found in ``text`` (a declaration, a compose file), in order."""
    return [_ref(match) for match in REFERENCE_RE.finditer(text or "")]


def _ref(match: re.Match[str]) -> ImageRef:
    tag, digest = match.group("tag"), match.group("digest")
    if tag is None and digest is None:
        tag = "latest"
    return ImageRef(host=match.group("host"), name=match.group("name"), tag=tag, digest=digest)


@dataclass(frozen=True)
class Workload:
    """Something that runs images: ``kind`` (serverless-container, instance, instance-group), id and name;
    ``detail`` says which part (a revision id)."""

    kind: str
    id: str
    name: str
    folder_id: str = ""
    detail: str = ""

    def describe(self) -> str:
        extra = f", {self.detail}" if self.detail else ""
        return f"{self.kind} {self.name or '(no name)'} (id {self.id}{extra})"


@dataclass(frozen=True)
class LiveReference:
    """A reference a workload holds now; ``digest`` is the digest the workload resolved it to, when known (a
    Serverless Containers revision records ``image_digest`` at deploy time)."""

    ref: ImageRef
    workload: Workload
    digest: str | None = None


class InUseSet:
    """Every live reference read at one moment; answers which workloads use an image (with its tags now)."""

    def __init__(self, references: Iterable[LiveReference] = ()) -> None:
        self.references = list(references)
        self._by_name: dict[str, list[LiveReference]] = {}
        for live in self.references:
            self._by_name.setdefault(live.ref.name, []).append(live)

    def __len__(self) -> int:
        return len(self.references)

    def users(self, image: ImageInfo) -> list[LiveReference]:
        """The live references naming ``image``: same ``<registry>/<repository>``, and its digest (written or
        resolved) or a tag the image carries in ``image.tags`` (as read now)."""
        found = []
        for live in self._by_name.get(image.name, ()):
            digests = {live.ref.digest, live.digest} - {None}
            if image.digest in digests or (live.ref.tag is not None and live.ref.tag in image.tags):
                found.append(live)
        return found

    def reason(self, image: ImageInfo) -> str | None:
        """Why ``image`` is kept (each workload that uses it and the reference), or None when none does."""
        users = self.users(image)
        if not users:
            return None
        shown = sorted({f"{live.workload.describe()} via {live.ref.text}" for live in users})
        more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
        return "in use by " + "; ".join(shown[:5]) + more + " (keep_in_use)"


__all__ = sorted(["ImageRef", "InUseSet", "KeepInUse", "LiveReference", "METADATA_KEYS", "REFERENCE_RE",
                  "REGISTRY_HOSTS", "SOURCES", "SOURCE_ROLES", "Workload", "keep_in_use_from", "parse_reference",
                  "references_in"])
