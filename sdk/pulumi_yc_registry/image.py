"""The Image resource: adopts one existing Container Registry image; destroying it deletes the image."""

from __future__ import annotations

from typing import Any, Optional

import pulumi
import pulumi.dynamic

from yc_registry_provider.dynamic.image import ImageProvider
from yc_registry_provider.lifecycle.image import OUTPUT_FIELDS

from ._pickling import pickler_restored


def _as_int(value: Any) -> Any:
    return int(value) if isinstance(value, float) else value


def _blob_ints(blob: Any) -> Any:
    if isinstance(blob, dict) and "size" in blob:
        return {**blob, "size": _as_int(blob["size"])}
    return blob


class Image(pulumi.dynamic.Resource, module="yc-registry", name="Image"):
    """An existing image, adopted by ``image_id``, or by ``repository_name`` with ``tag`` or ``digest``.

    Nothing is created in the cloud; destroy (or a replacement) deletes the image and waits for it.
    The resource is pinned to the image id it adopted: a tag moved or removed in the cloud never replaces or
    deletes anything; a refresh updates ``tags``, sets ``tag_moved_to`` (the image the tag names now) and warns.
    Only a change of the inputs replaces it. A second Image on the same image (or a renamed one) keeps the image
    while that resource stays, but only within one deployment: ``pulumi destroy --target`` on one of two Images
    on the same image deletes the image, as that deployment does not see the other Image.
    """

    image_id: pulumi.Output[str]
    name: pulumi.Output[str]
    digest: pulumi.Output[str]
    compressed_size: pulumi.Output[int]
    config: pulumi.Output[Optional[dict]]
    layers: pulumi.Output[list]
    tags: pulumi.Output[list]
    created_at: pulumi.Output[str]
    registry_id: pulumi.Output[str]
    repository: pulumi.Output[str]
    uri: pulumi.Output[str]
    tag_uris: pulumi.Output[list]
    service: pulumi.Output[str]
    repository_name: pulumi.Output[Optional[str]]
    tag: pulumi.Output[Optional[str]]
    delete_timeout: pulumi.Output[Optional[float]]
    adopted_by: pulumi.Output[dict]
    tag_moved_to: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, image_id: pulumi.Input[Optional[str]] = None,
                 repository_name: pulumi.Input[Optional[str]] = None, tag: pulumi.Input[Optional[str]] = None,
                 digest: pulumi.Input[Optional[str]] = None, delete_timeout: pulumi.Input[Optional[float]] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props: dict[str, Any] = {name: None for name in OUTPUT_FIELDS}  # outputs exist on the object (#2931)
        props.update(image_id=image_id, repository_name=repository_name, tag=tag, digest=digest,
                     delete_timeout=delete_timeout)
        with pickler_restored():
            super().__init__(ImageProvider(), resource_name, props, opts)
        # The engine returns every number as a float: give programs ints.
        self.compressed_size = self.compressed_size.apply(_as_int)
        self.config = self.config.apply(_blob_ints)
        self.layers = self.layers.apply(lambda layers: [_blob_ints(b) for b in layers] if layers else layers)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None) -> "Image":
        """A read-only lookup of the image with this id (it is not deleted on destroy)."""
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return Image(resource_name, opts=merged)


__all__ = ["Image"]
