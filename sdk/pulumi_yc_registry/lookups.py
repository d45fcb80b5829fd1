"""Lookups for programs: get_images / get_image (plain values) and their *_output forms (Inputs in, Outputs out).

They run during preview and up. Credentials and the folder come from ``yc-registry:*`` / ``yandex:*`` config,
then ``YC_*`` environment variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
from pulumi.runtime.config import get_config

from yc_registry_provider.backends.service import backend_from_config
from yc_registry_provider.dynamic._config import config_keys
from yc_registry_provider.lookups import find_image, find_images
from yc_registry_provider.models import ImageInfo


@dataclass(frozen=True)
class GetImagesResult:
    """What get_images found, in the API's order."""

    images: list[ImageInfo] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [image.id for image in self.images]


def program_config() -> dict[str, Any]:
    """The namespaced config keys the provider reads, from the running program's stack config."""
    values = {key: get_config(key) for key in config_keys()}
    return {key: value for key, value in values.items() if value is not None}


def _retry_notice(message: str) -> None:
    """A lookup is being retried: a warning in the engine log of the running program."""
    pulumi.log.warn(f"yc-registry: {message}")


def _client() -> Any:
    """The backend the stack's ``yc-registry:service`` picks (auto: Cloud Registry for a migrated registry)."""
    return backend_from_config(program_config(), on_retry=_retry_notice)


def get_images(*, repository_name: Optional[str] = None, registry_id: Optional[str] = None,
               folder_id: Optional[str] = None, filter: Optional[str] = None, order_by: Optional[str] = None,
               tag: Optional[str] = None, limit: Optional[int] = None) -> GetImagesResult:
    """Images of a repository, registry or folder (default: yandex:folderId / YC_FOLDER_ID), optionally by tag."""
    with _client() as backend:
        images = find_images(backend, repository_name=repository_name, registry_id=registry_id,
                             folder_id=folder_id, filter=filter, order_by=order_by, tag=tag,
                             limit=limit)
    return GetImagesResult(images=images)


def get_image(*, image_id: Optional[str] = None, repository_name: Optional[str] = None, tag: Optional[str] = None,
              digest: Optional[str] = None, most_recent: bool = False) -> ImageInfo:
    """Exactly one image, by id, or by tag / digest / most_recent in a repository (else in the folder).

    Raises NoMatchError when nothing matched, AmbiguousMatchError (naming the ids) when several did.
    """
    with _client() as backend:
        return find_image(backend, image_id=image_id, repository_name=repository_name, tag=tag, digest=digest,
                          most_recent=most_recent)


def get_images_output(*, repository_name: pulumi.Input[Optional[str]] = None,
                      registry_id: pulumi.Input[Optional[str]] = None,
                      folder_id: pulumi.Input[Optional[str]] = None, filter: pulumi.Input[Optional[str]] = None,
                      order_by: pulumi.Input[Optional[str]] = None, tag: pulumi.Input[Optional[str]] = None,
                      limit: pulumi.Input[Optional[int]] = None) -> pulumi.Output[GetImagesResult]:
    """get_images taking Inputs, returning an Output."""
    args: pulumi.Output[dict[str, Any]] = pulumi.Output.from_input({"repository_name": repository_name, "registry_id": registry_id,
                                     "folder_id": folder_id, "filter": filter, "order_by": order_by, "tag": tag,
                                     "limit": limit})  # type: ignore[arg-type]
    return args.apply(lambda a: get_images(**a))


def get_image_output(*, image_id: pulumi.Input[Optional[str]] = None,
                     repository_name: pulumi.Input[Optional[str]] = None, tag: pulumi.Input[Optional[str]] = None,
                     digest: pulumi.Input[Optional[str]] = None,
                     most_recent: pulumi.Input[bool] = False) -> pulumi.Output[ImageInfo]:
    """get_image taking Inputs, returning an Output."""
    args: pulumi.Output[dict[str, Any]] = pulumi.Output.from_input({"image_id": image_id, "repository_name": repository_name, "tag": tag,
                                     "digest": digest, "most_recent": most_recent})  # type: ignore[arg-type]
    return args.apply(lambda a: get_image(**a))


__all__ = sorted(["GetImagesResult", "get_image", "get_image_output", "get_images", "get_images_output",
                  "program_config"])
