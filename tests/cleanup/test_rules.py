"""CleanupRules validation and the pure selection: examples, then hypothesis properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yc_registry_provider.backends.base import DeleteResult
from yc_registry_provider.cleanup import CleanupRules, is_protected, parse_older_than, run_cleanup, select
from yc_registry_provider.errors import InvalidArgumentError, NotFoundError
from yc_registry_provider.models import ImageInfo, format_rfc3339

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
REPO = "crp1/app"


# --- builders ---------------------------------------------------------------------------------------------

def image(image_id: str, *, age: timedelta = timedelta(days=1), tags: tuple[str, ...] = (),
          name: str = REPO) -> ImageInfo:
    """An image created ``age`` before NOW."""
    return ImageInfo(id=image_id, name=name, digest=f"sha256:{image_id}", compressed_size=1, config=None,
                     layers=[], tags=list(tags), created_at=format_rfc3339(NOW - age))


def rules(**overrides: Any) -> CleanupRules:
    """Rules on REPO; pass keep rules (or delete_all=True) as keywords."""
    return CleanupRules(repository_name=overrides.pop("repository_name", REPO), **overrides)


class MemoryBackend:
    """A tiny in-memory ImageBackend: enough for the selection-vs-deletion property."""

    def __init__(self, images: list[ImageInfo]) -> None:
        self.images = {img.id: img for img in images}
        self.deleted: list[str] = []

    def list_images(self, **_: Any) -> Iterator[ImageInfo]:
        return iter(list(self.images.values()))

    def get_image(self, image_id: str, **_: Any) -> ImageInfo:
        if image_id not in self.images:
            raise NotFoundError(f"image {image_id} not found", code="NOT_FOUND", image_id=image_id)
        return self.images[image_id]

    def delete_image(self, image_id: str, **_: Any) -> DeleteResult:
        gone = self.images.pop(image_id, None) is None
        if not gone:
            self.deleted.append(image_id)
        return DeleteResult(image_id, None if gone else f"op-{image_id}", gone)

    def close(self) -> None:
        pass


# --- validation -------------------------------------------------------------------------------------------

def test_no_rule_is_refused_naming_delete_all() -> None:
    # given no keep rule / when the rules are built / then the refusal names delete_all
    with pytest.raises(InvalidArgumentError) as caught:
        rules()
    assert caught.value.field == "delete_all"
    assert "delete_all" in str(caught.value) and REPO in str(caught.value)


def test_delete_all_lifts_the_refusal() -> None:
    # given delete_all / then no rule is needed and every image is selected
    chosen = select([image("a"), image("b", tags=("latest",))], rules(delete_all=True), NOW)
    assert [img.id for img in chosen.selected] == ["a", "b"]


@pytest.mark.parametrize("bad", ["(", "[a-", "*x"])
def test_bad_regex_names_its_index(bad: str) -> None:
    # given a broken second pattern / then the error names keep_tags[1]
    with pytest.raises(InvalidArgumentError) as caught:
        rules(keep_tags=["latest", bad])
    assert caught.value.field == "keep_tags[1]"


def test_keep_tags_as_a_bare_string_is_refused() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        rules(keep_tags="latest")
    assert caught.value.field == "keep_tags"


@pytest.mark.parametrize("field, value", [
    ("keep_last", -1), ("keep_last", 1.5), ("keep_last", True), ("concurrency", 0), ("concurrency", 51),
    ("timeout", 0), ("timeout", -3), ("older_than", "30"), ("older_than", "d30"), ("older_than", "0d"),
    ("older_than", "30 d"), ("older_than", "3y"), ("older_than", "30d\n"), ("older_than", "99999999999d"),
])
def test_out_of_range_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        rules(**{"keep_last": 1, "delete_all": True, field: value})
    assert caught.value.field == field


def test_pulumi_floats_are_accepted_as_integers() -> None:
    # given numbers as Pulumi sends them (floats) / then they become ints
    built = rules(keep_last=3.0, concurrency=5.0)
    assert built.keep_last == 3 and built.concurrency == 5


def test_exactly_one_scope_is_required() -> None:
    with pytest.raises(InvalidArgumentError):
        CleanupRules(keep_last=1)
    with pytest.raises(InvalidArgumentError):
        CleanupRules(repository_name=REPO, registry_id="crp1", keep_last=1)


def test_scope_names_are_validated() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        CleanupRules(repository_name="CRP/App", keep_last=1)
    assert caught.value.field == "repository_name"
    with pytest.raises(InvalidArgumentError) as caught:
        CleanupRules(registry_id="x" * 51, keep_last=1)
    assert caught.value.field == "registry_id"


def test_defaults() -> None:
    built = rules(keep_last=1)
    assert built.concurrency == 10 and built.timeout is None and built.scope == f"repository {REPO}"
    assert CleanupRules(registry_id="crp1", untagged_only=True).scope == "registry crp1"


@pytest.mark.parametrize("text, seconds", [("45s", 45), ("10m", 600), ("12h", 43200), ("30d", 2592000),
                                           ("2w", 1209600)])
def test_older_than_units(text: str, seconds: int) -> None:
    assert parse_older_than(text) == timedelta(seconds=seconds)


# --- selection examples ---------------------------------------------------------------------------------

def test_keep_tags_match_whole_tags_only() -> None:
    # given a pattern "v1" / when tags are v1 and v10 / then only v1 is protected
    chosen = select([image("a", tags=("v1",)), image("b", tags=("v10",))], rules(keep_tags=["v1"]), NOW)
    assert [img.id for img in chosen.selected] == ["b"]
    assert "keep_tags[0]" in chosen.protected["a"]


def test_keep_last_counts_images_not_tags() -> None:
    # given the newest image has three tags / when keep_last=2 / then the two newest images are kept
    images = [image("old", age=timedelta(days=3)), image("mid", age=timedelta(days=2)),
              image("new", age=timedelta(days=1), tags=("a", "b", "c"))]
    chosen = select(images, rules(keep_last=2), NOW)
    assert [img.id for img in chosen.selected] == ["old"]
    assert set(chosen.protected) == {"mid", "new"}


def test_keep_last_applies_per_repository_in_a_registry_scope() -> None:
    images = [image(f"{repo}{n}", age=timedelta(days=n), name=f"crp1/{repo}") for repo in "xy" for n in (1, 2, 3)]
    chosen = select(images, CleanupRules(registry_id="crp1", keep_last=1), NOW)
    assert sorted(chosen.protected) == ["x1", "y1"]


def test_older_than_keeps_young_images() -> None:
    images = [image("young", age=timedelta(hours=11)), image("edge", age=timedelta(hours=12)),
              image("old", age=timedelta(hours=13))]
    chosen = select(images, rules(older_than="12h"), NOW)
    assert [img.id for img in chosen.selected] == ["old"]


def test_untagged_only_keeps_tagged_images() -> None:
    chosen = select([image("t", tags=("x",)), image("u")], rules(untagged_only=True), NOW)
    assert [img.id for img in chosen.selected] == ["u"]
    assert "untagged_only" in chosen.protected["t"]


def test_selection_is_oldest_first_with_ties_by_id() -> None:
    images = [image("c", age=timedelta(days=1)), image("b", age=timedelta(days=5)), image("a", age=timedelta(days=1))]
    chosen = select(images, rules(delete_all=True), NOW)
    assert [img.id for img in chosen.selected] == ["b", "a", "c"]


@pytest.mark.parametrize("date_rule", [{"older_than": "1d"}, {"keep_last": 1}])
def test_an_unreadable_created_at_is_kept_when_a_rule_looks_at_dates(date_rule: dict[str, Any]) -> None:
    broken = replace(image("x"), created_at="")
    chosen = select([broken, image("y"), image("z", age=timedelta(days=5))], rules(**date_rule), NOW)
    assert "x" not in {img.id for img in chosen.selected} and "created_at" in chosen.protected["x"]


def test_an_unreadable_created_at_does_not_keep_an_image_when_no_rule_looks_at_dates() -> None:
    # given delete_all (or tag rules only): the date does not matter, so the image goes like the others
    broken = replace(image("x"), created_at="")
    assert {img.id for img in select([broken, image("y")], rules(delete_all=True), NOW).selected} == {"x", "y"}
    assert "x" in {img.id for img in select([broken], rules(keep_tags=["v.*"]), NOW).selected}


def test_dates_with_any_fraction_length_are_read() -> None:
    short = replace(image("x", age=timedelta(days=3)), created_at=format_rfc3339(NOW - timedelta(days=3, seconds=0.5)))
    assert short.created_at.endswith(".5Z")
    assert [img.id for img in select([short], rules(older_than="2d"), NOW).selected] == ["x"]


def test_is_protected_sees_a_tag_moved_onto_the_image() -> None:
    # given a selected untagged image / when "latest" moves onto it / then the re-check protects it
    built = rules(keep_tags=["latest"], older_than="1d")
    before = image("a", age=timedelta(days=3))
    assert is_protected(before, built, NOW) is None
    assert "latest" in (is_protected(replace(before, tags=["latest"]), built, NOW) or "")


# --- properties -------------------------------------------------------------------------------------------

TAGS = st.sampled_from(["latest", "stable", "v1", "v2", "v10", "dev-1", "dev-2", "main"])


@st.composite
def image_sets(draw: st.DrawFn) -> list[ImageInfo]:
    count = draw(st.integers(0, 25))
    ages = draw(st.lists(st.integers(0, 60 * 24 * 40), min_size=count, max_size=count))
    images = []
    for n, minutes in enumerate(ages):
        tags = draw(st.lists(TAGS, max_size=3, unique=True))
        repo = draw(st.sampled_from(["crp1/app", "crp1/web"]))
        images.append(image(f"img{n:03d}", age=timedelta(minutes=minutes), tags=tuple(tags), name=repo))
    return images


@st.composite
def rule_sets(draw: st.DrawFn) -> CleanupRules:
    return CleanupRules(
        registry_id="crp1",
        keep_tags=draw(st.lists(st.sampled_from(["latest", "v\\d+", "dev-.*", "sta.le"]), max_size=2)),
        keep_last=draw(st.integers(0, 5)),
        older_than=draw(st.sampled_from([None, "1d", "7d", "12h"])),
        untagged_only=draw(st.booleans()),
        delete_all=True,
    )


@settings(max_examples=150, deadline=None)
@given(images=image_sets(), built=rule_sets())
def test_selected_never_protected(images: list[ImageInfo], built: CleanupRules) -> None:
    chosen = select(images, built, NOW)
    selected_ids = {img.id for img in chosen.selected}
    assert selected_ids.isdisjoint(chosen.protected)
    assert selected_ids | set(chosen.protected) == {img.id for img in images}
    for img in chosen.selected:
        assert is_protected(img, built, NOW) is None
        assert not any(p.fullmatch(t) for p in built.tag_patterns for t in img.tags)
        if built.untagged_only:
            assert not img.tags


@settings(max_examples=150, deadline=None)
@given(images=image_sets(), keep_last=st.integers(1, 6))
def test_keep_last_protects_exactly_the_newest_n(images: list[ImageInfo], keep_last: int) -> None:
    chosen = select(images, CleanupRules(registry_id="crp1", keep_last=keep_last), NOW)
    for repo in {img.name for img in images}:
        ranked = sorted((img for img in images if img.name == repo), key=lambda i: (i.created_at, i.id),
                        reverse=True)
        assert {i.id for i in ranked[:keep_last]} == {i.id for i in ranked if i.id in chosen.protected}


@settings(max_examples=80, deadline=None)
@given(images=image_sets(), built=rule_sets())
def test_deleted_equals_selected(images: list[ImageInfo], built: CleanupRules) -> None:
    backend = MemoryBackend(images)
    expected = select(images, built, NOW).selected_ids
    report = run_cleanup(backend, replace(built, concurrency=4), now=NOW, progress=lambda event: None)
    assert report.ok and report.deleted == expected
    assert sorted(backend.deleted) == sorted(expected)
    assert set(backend.images) == {img.id for img in images} - set(expected)


class GoneScope(MemoryBackend):
    """A backend whose registry was deleted already: listing answers NOT_FOUND, as the API does."""

    def list_images(self, **_: Any) -> Iterator[ImageInfo]:
        raise NotFoundError("registry crpgone not found", code="NOT_FOUND")


def test_a_scope_that_is_gone_has_nothing_to_delete() -> None:
    # given a cleanup whose registry no longer exists, when it runs (a destroy), then it succeeds with nothing to do
    report = run_cleanup(GoneScope([]), rules(delete_all=True), now=NOW)
    assert report.ok and report.selected_count == 0 and report.deleted == []


@pytest.mark.parametrize("kwargs,field", [
    ({"now": datetime(2026, 1, 1)}, "now"),                 # naive: ages would compare wrong
    ({"now": "2026-01-01"}, "now"),
    ({"progress": 5}, "progress"),
])
def test_run_arguments_are_checked_before_any_call(kwargs: dict[str, Any], field: str) -> None:
    backend = MemoryBackend([image("a", age=timedelta(days=3))])
    with pytest.raises(InvalidArgumentError) as caught:
        run_cleanup(backend, rules(delete_all=True), **kwargs)
    assert caught.value.field == field and backend.deleted == [] and "a" in backend.images


@pytest.mark.parametrize("scope", [{"repository_name": [], "registry_id": "crp1"},
                                   {"repository_name": 0, "registry_id": "crp1"},
                                   {"repository_name": "app"}])
def test_a_repository_name_of_the_wrong_shape_never_widens_the_scope(scope: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        CleanupRules(delete_all=True, **scope)
    assert caught.value.field == "repository_name"
