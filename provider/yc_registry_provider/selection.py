"""Choosing exactly one image from candidates, by id, tag, digest or recency. Pure: no grpc.

Shared by the lookups, the dynamic Image resource and (later) the native plugin, so every front door
answers "nothing matched" and "several matched" with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .errors import AmbiguousMatchError, NoMatchError
from .models import ImageInfo

MAX_NAMED_IDS = 10  # an ambiguity error names at most this many ids


@dataclass(frozen=True)
class Criteria:
    """What an image must have to match; unset fields match anything."""

    image_id: str | None = None
    repository_name: str | None = None
    tag: str | None = None
    digest: str | None = None

    def matches(self, image: ImageInfo) -> bool:
        """True when the image satisfies every set criterion."""
        return ((not self.image_id or image.id == self.image_id)
                and (not self.repository_name or image.name == self.repository_name)
                and (not self.tag or self.tag in image.tags)
                and (not self.digest or image.digest == self.digest))

    def describe(self) -> str:
        """A human phrase such as `tag "latest" in repository crp1/app`."""
        parts = []
        if self.image_id:
            parts.append(f"id {self.image_id}")
        if self.tag:
            parts.append(f'tag "{self.tag}"')
        if self.digest:
            parts.append(f"digest {self.digest}")
        what = " and ".join(parts) if parts else "any image"
        where = f" in repository {self.repository_name}" if self.repository_name else ""
        return what + where

    @property
    def unique(self) -> bool:
        """True when at most one image of a repository can match (an id, or a tag/digest in one repository)."""
        return bool(self.image_id) or bool(self.repository_name and (self.tag or self.digest))


def newest(images: Iterable[ImageInfo]) -> ImageInfo | None:
    """The image created last (ties broken by id, so the answer is stable), or None."""
    best: ImageInfo | None = None
    for image in images:
        if best is None or (image.created_datetime, image.id) > (best.created_datetime, best.id):
            best = image
    return best


def select_one(candidates: Iterable[ImageInfo], criteria: Criteria, *, most_recent: bool = False) -> ImageInfo:
    """The single candidate matching ``criteria`` (the newest one when ``most_recent``).

    NoMatchError when none matches; AmbiguousMatchError naming the ids when several do.
    """
    matched = [image for image in candidates if criteria.matches(image)]
    if not matched:
        raise NoMatchError(f"no image matched {criteria.describe()}")
    if most_recent:
        chosen = newest(matched)
        assert chosen is not None
        return chosen
    if len(matched) > 1:
        ids = [image.id for image in matched]
        shown = ", ".join(ids[:MAX_NAMED_IDS]) + (f" and {len(ids) - MAX_NAMED_IDS} more" if len(ids) > MAX_NAMED_IDS
                                                   else "")
        raise AmbiguousMatchError(
            f"{len(ids)} images matched {criteria.describe()}: {shown}; narrow the lookup with a digest or "
            "an image_id, or pass most_recent=True to take the newest", ids)
    return matched[0]


__all__ = sorted(["Criteria", "MAX_NAMED_IDS", "newest", "select_one"])
