"""Choosing exactly one image (pure)."""

from __future__ import annotations

import pytest

from yc_registry_provider.errors import AmbiguousMatchError, NoMatchError
from yc_registry_provider.models import ImageInfo
from yc_registry_provider.selection import Criteria, newest, select_one


def image(n: int, *tags: str, repo: str = "crp1/app", day: int = 1) -> ImageInfo:
    return ImageInfo(id=f"crpi{n}", name=repo, digest=f"sha256:{n:064x}", compressed_size=n, config=None,
                     layers=[], tags=list(tags), created_at=f"2026-03-{day:02d}T00:00:00Z")


def test_select_by_tag_digest_and_id() -> None:
    images = [image(1, "v1"), image(2, "latest"), image(3)]
    assert select_one(images, Criteria(tag="latest")).id == "crpi2"
    assert select_one(images, Criteria(digest=f"sha256:{3:064x}")).id == "crpi3"
    assert select_one(images, Criteria(image_id="crpi1")).id == "crpi1"


def test_nothing_matched_says_what_was_looked_for() -> None:
    with pytest.raises(NoMatchError, match='no image matched tag "v9" in repository crp1/app'):
        select_one([image(1, "v1")], Criteria(repository_name="crp1/app", tag="v9"))


def test_several_matched_names_them() -> None:
    # given two repositories each with a "latest" tag; when looked up by tag alone
    images = [image(1, "latest"), image(2, "latest", repo="crp1/worker")]
    with pytest.raises(AmbiguousMatchError) as caught:
        select_one(images, Criteria(tag="latest"))
    # then both ids are named
    assert caught.value.image_ids == ["crpi1", "crpi2"]
    assert "crpi1, crpi2" in str(caught.value) and "most_recent" in str(caught.value)


def test_most_recent_takes_the_newest_and_breaks_ties_by_id() -> None:
    images = [image(1, day=5), image(2, day=9), image(3, day=9)]
    assert select_one(images, Criteria(), most_recent=True).id == "crpi3"
    assert newest([]) is None


def test_ambiguity_lists_at_most_ten_ids() -> None:
    with pytest.raises(AmbiguousMatchError, match="and 5 more"):
        select_one([image(n) for n in range(15)], Criteria())
