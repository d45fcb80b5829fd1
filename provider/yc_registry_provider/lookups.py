"""Lookups over an ImageBackend: list images of a scope, find exactly one. No Pulumi here.

A tag or a digest is unique inside one repository, so a lookup by either in a repository stops
paging at the first match: finding a tag among 10,000 images costs at most 10 List calls.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from . import validation
from .backends.base import ImageBackend
from .errors import NoMatchError, NotFoundError
from .models import ImageInfo
from .selection import Criteria, select_one


def find_images(backend: ImageBackend, *, repository_name: str | None = None, registry_id: str | None = None,
                folder_id: str | None = None, filter: str | None = None, order_by: str | None = None,
                tag: str | None = None, limit: int | None = None) -> list[ImageInfo]:
    """Images of a scope (repository > registry > folder), optionally only those carrying ``tag``, at most ``limit``.

    A registry or repository that does not exist is a NotFoundError naming it and its folder, not an empty list.
    """
    wanted = validation.check_limit(limit) if limit is not None else None
    if tag is not None:
        validation.check_tag(tag)
    found = _listed(backend, repository_name, registry_id, folder_id, filter, order_by, tag, wanted)
    if not found and (repository_name is not None or registry_id is not None):
        backend.check_scope(repository_name=repository_name, registry_id=None if repository_name else registry_id)
    return found


def _listed(backend: ImageBackend, repository_name: str | None, registry_id: str | None, folder_id: str | None,
            filter: str | None, order_by: str | None, tag: str | None, wanted: int | None) -> list[ImageInfo]:
    if tag is None:
        return list(backend.list_images(repository_name=repository_name, registry_id=registry_id,
                                        folder_id=folder_id, filter=filter, order_by=order_by, limit=wanted))
    found: list[ImageInfo] = []
    for image in backend.list_images(repository_name=repository_name, registry_id=registry_id, folder_id=folder_id,
                                     filter=filter, order_by=order_by):
        if tag in image.tags:
            found.append(image)
            if repository_name or (wanted is not None and len(found) >= wanted):
                break  # a tag is unique within a repository
    return found


def _first_match(images: Iterator[ImageInfo], criteria: Criteria) -> list[ImageInfo]:
    """Stop at the first match: the caller knows at most one can exist."""
    for image in images:
        if criteria.matches(image):
            return [image]
    return []


def find_image(backend: ImageBackend, *, image_id: str | None = None, repository_name: str | None = None,
               tag: str | None = None, digest: str | None = None, most_recent: bool = False,
               folder_id: str | None = None) -> ImageInfo:
    """Exactly one image: by id (checked against any other criteria given), or by tag/digest/recency in a scope.

    Without repository_name the folder (argument, else the backend's settings) is searched.
    Raises NoMatchError or AmbiguousMatchError (naming the ids).
    """
    validation.check_lookup(image_id=image_id, repository_name=repository_name, tag=tag, digest=digest,
                            most_recent=most_recent)
    criteria = Criteria(image_id=image_id or None, repository_name=repository_name or None, tag=tag or None,
                        digest=digest or None)
    if criteria.image_id:
        try:
            image = backend.get_image(criteria.image_id)
        except NotFoundError:
            raise NoMatchError(f"no image matched {criteria.describe()}: image {criteria.image_id} does not exist "
                               "or these credentials cannot see it") from None
        # the backend may answer with the image's successor in Cloud Registry (a new id): the id it gave wins
        return select_one([image], replace(criteria, image_id=image.id))
    images = backend.list_images(repository_name=criteria.repository_name,
                                 folder_id=None if criteria.repository_name else folder_id)
    try:
        if criteria.unique:
            return select_one(_first_match(images, criteria), criteria)
        return select_one(images, criteria, most_recent=most_recent)
    except NoMatchError:
        if criteria.repository_name:  # say so when the repository (or its registry) itself does not exist
            backend.check_scope(repository_name=criteria.repository_name)
        raise


__all__ = sorted(["find_image", "find_images"])
