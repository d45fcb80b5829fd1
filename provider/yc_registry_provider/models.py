"""Plain data the rest of the project passes around: no grpc, no protobuf.

ImageInfo carries every field of the API's Image plus what programs need to use it
(registry_id, repository path, pull URIs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .limits import CLOUD_REGISTRY_HOST, REGISTRY_HOST


CONTAINER_REGISTRY = "container-registry"
CLOUD_REGISTRY = "cloud-registry"


@dataclass(frozen=True)
class BlobInfo:
    """A layer or config blob of an image."""

    id: str
    digest: str
    size: int
    urls: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "digest": self.digest, "size": self.size, "urls": list(self.urls)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BlobInfo":
        return cls(id=str(data.get("id", "")), digest=str(data.get("digest", "")),
                   size=int(data.get("size", 0) or 0), urls=[str(u) for u in data.get("urls", []) or []])


@dataclass(frozen=True)
class ImageInfo:
    """One image, as a lookup returns it and as an Image resource records it."""

    id: str
    name: str
    digest: str
    compressed_size: int
    config: BlobInfo | None
    layers: list[BlobInfo]
    tags: list[str]
    created_at: str  # RFC 3339, UTC, e.g. 2026-11-20T10:00:00Z
    service: str = CONTAINER_REGISTRY  # which service served it: container-registry or cloud-registry

    @property
    def host(self) -> str:
        """The Docker host to pull from: cr.yandex, or registry.yandexcloud.net for Cloud Registry."""
        return CLOUD_REGISTRY_HOST if self.service == CLOUD_REGISTRY else REGISTRY_HOST

    @property
    def registry_id(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def repository(self) -> str:
        """The repository path inside the registry (the name without the registry id)."""
        return self.name.split("/", 1)[1] if "/" in self.name else ""

    @property
    def uri(self) -> str:
        return f"{self.host}/{self.name}@{self.digest}"

    @property
    def tag_uris(self) -> list[str]:
        return [f"{self.host}/{self.name}:{tag}" for tag in self.tags]

    @property
    def created_datetime(self) -> datetime:
        return parse_rfc3339(self.created_at)

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain JSON-able values (the resource outputs and the lookup results)."""
        return {
            "image_id": self.id,
            "name": self.name,
            "digest": self.digest,
            "compressed_size": int(self.compressed_size),
            "config": self.config.to_dict() if self.config else None,
            "layers": [layer.to_dict() for layer in self.layers],
            "tags": list(self.tags),
            "created_at": self.created_at,
            "registry_id": self.registry_id,
            "repository": self.repository,
            "uri": self.uri,
            "tag_uris": self.tag_uris,
            "service": self.service,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ImageInfo":
        config = data.get("config")
        return cls(
            id=str(data.get("image_id") or data.get("id") or ""),
            name=str(data.get("name", "")),
            digest=str(data.get("digest", "")),
            compressed_size=int(data.get("compressed_size", 0) or 0),
            config=BlobInfo.from_dict(config) if config else None,
            layers=[BlobInfo.from_dict(layer) for layer in data.get("layers", []) or []],
            tags=[str(t) for t in data.get("tags", []) or []],
            created_at=str(data.get("created_at", "")),
            service=str(data.get("service") or CONTAINER_REGISTRY),
        )


# The output names of an image, in one place (the dynamic resource, the lookups, the schema use them).
IMAGE_OUTPUT_FIELDS: tuple[str, ...] = (
    "image_id", "name", "digest", "compressed_size", "config", "layers", "tags", "created_at",
    "registry_id", "repository", "uri", "tag_uris", "service",
)


def format_rfc3339(moment: datetime) -> str:
    """UTC, second precision unless there is a fraction: 2026-11-20T10:00:00Z."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


_FRACTION_RE = re.compile(r"\.(\d+)")


def parse_rfc3339(text: str) -> datetime:
    """RFC 3339 to an aware datetime; any fraction length (Python 3.10's fromisoformat takes only 3 or 6 digits)."""
    text = _FRACTION_RE.sub(lambda m: "." + (m.group(1) + "000000")[:6], text.replace("Z", "+00:00"), count=1)
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


__all__ = sorted(["BlobInfo", "CLOUD_REGISTRY", "CONTAINER_REGISTRY", "IMAGE_OUTPUT_FIELDS", "ImageInfo", "format_rfc3339", "parse_rfc3339"])
