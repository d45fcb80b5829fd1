"""Protobuf messages of containerregistry/v1 to the plain models, and back (for the fake and tests)."""

from __future__ import annotations

from datetime import timezone
from typing import Any

from .models import BlobInfo, ImageInfo, format_rfc3339


def blob_from_proto(blob: Any) -> BlobInfo:
    return BlobInfo(id=blob.id, digest=blob.digest, size=int(blob.size), urls=list(blob.urls))


def image_from_proto(image: Any) -> ImageInfo:
    """An `Image` message as an ImageInfo; created_at as RFC 3339 UTC."""
    created = ""
    if image.HasField("created_at"):
        created = format_rfc3339(image.created_at.ToDatetime(tzinfo=timezone.utc))
    return ImageInfo(
        id=image.id,
        name=image.name,
        digest=image.digest,
        compressed_size=int(image.compressed_size),
        config=blob_from_proto(image.config) if image.HasField("config") else None,
        layers=[blob_from_proto(layer) for layer in image.layers],
        tags=list(image.tags),
        created_at=created,
    )


__all__ = ["blob_from_proto", "image_from_proto"]
