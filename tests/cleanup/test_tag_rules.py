"""The rules peers offer: delete_tags_matching with any/all, keep_tag_prefixes, ordered keep_rules, recursive.

Examples first, then hypothesis properties (bounded) checked against oracles written independently of rules.py.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yc_registry_provider.backends.base import DeleteResult
from yc_registry_provider.cleanup import CleanupRules, is_protected, run_cleanup, select
from yc_registry_provider.errors import InvalidArgumentError, NotFoundError
from yc_registry_provider.models import ImageInfo, format_rfc3339

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
REPO = "crp1/app"


# --- builders ---------------------------------------------------------------------------------------------

def image(image_id: str, *, age: int = 1, tags: tuple[str, ...] = (), name: str = REPO) -> ImageInfo:
    """An image created ``age`` hours before NOW."""
    return ImageInfo(id=image_id, name=name, digest=f"sha256:{image_id}", compressed_size=1, config=None,
                     layers=[], tags=list(tags), created_at=format_rfc3339(NOW - timedelta(hours=age)))


def rules(**overrides: Any) -> CleanupRules:
    return CleanupRules(repository_name=overrides.pop("repository_name", REPO), **overrides)


def ids(images: list[ImageInfo]) -> list[str]:
    return [img.id for img in images]


class MemoryBackend:
    """An in-memory ImageBackend that lists what it is asked for (a repository or a registry)."""

    def __init__(self, images: list[ImageInfo]) -> None:
        self.images = {img.id: img for img in images}
        self.deleted: list[str] = []
        self.listed: list[dict[str, Any]] = []

    def list_images(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    **_: Any) -> Iterator[ImageInfo]:
        self.listed.append({"repository_name": repository_name, "registry_id": registry_id})
        return iter([img for img in self.images.values()
                     if (img.name == repository_name if repository_name else img.name.startswith(f"{registry_id}/"))])

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


# --- validation: every input checked before any call, errors name the field and the rule ----------------

@pytest.mark.parametrize("kwargs, field, words", [
    ({"delete_tags_matching": "dev-.*"}, "delete_tags_matching", "list"),
    ({"delete_tags_matching": ["ok", "("]}, "delete_tags_matching[1]", "regular expression"),
    ({"delete_tags_matching": [""]}, "delete_tags_matching[0]", "non-empty"),
    ({"delete_tags_matching": ["x"], "tag_match_mode": "every"}, "tag_match_mode", "'any' or 'all'"),
    ({"delete_tags_matching": ["x"], "untagged_only": True}, "delete_tags_matching", "untagged_only"),
    ({"keep_tag_prefixes": "release-"}, "keep_tag_prefixes", "list"),
    ({"keep_tag_prefixes": ["v", 3]}, "keep_tag_prefixes[1]", "non-empty tag prefix"),
    ({"keep_rules": {"tag_pattern": "v.*", "keep_last": 1}}, "keep_rules", "list"),
    ({"keep_rules": ["v.*=3"]}, "keep_rules[0]", "entry"),
    ({"keep_rules": [{"tag_pattern": "v.*", "keep_last": 1}, {"tag_pattern": "[", "keep_last": 1}]},
     "keep_rules[1].tag_pattern", "regular expression"),
    ({"keep_rules": [{"tag_pattern": "v.*", "keep_last": 0}]}, "keep_rules[0].keep_last", "at least 1"),
    ({"keep_rules": [{"tag_pattern": "v.*", "keep_last": 1.5}]}, "keep_rules[0].keep_last", "integer"),
    ({"keep_rules": [{"tag_pattern": "v.*"}]}, "keep_rules[0].keep_last", "required"),
    ({"keep_rules": [{"pattern": "v.*", "keep_last": 2}]}, "keep_rules[0]", "unknown field pattern"),
    ({"recursive": "yes", "keep_last": 1}, "recursive", "true or false"),
])
def test_bad_rules_name_the_field_and_the_rule(kwargs: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        rules(**kwargs)
    assert caught.value.field == field and words in str(caught.value)


def test_recursive_needs_a_repository() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        CleanupRules(registry_id="crp1", recursive=True, keep_last=1)
    assert caught.value.field == "recursive" and "repository_name" in str(caught.value)


def test_a_bad_rule_sends_nothing() -> None:
    # given a backend / when the rules are invalid / then cleanup_images fails before listing anything
    from yc_registry_provider.cleanup import cleanup_images

    backend = MemoryBackend([image("a")])
    with pytest.raises(InvalidArgumentError):
        cleanup_images(backend=backend, repository_name=REPO, keep_rules=[{"tag_pattern": "(", "keep_last": 1}])
    assert backend.listed == [] and backend.deleted == []


@pytest.mark.parametrize("rule", [{"keep_tag_prefixes": ["v"]}, {"delete_tags_matching": ["dev-.*"]},
                                  {"keep_rules": [{"tag_pattern": "v.*", "keep_last": 1.0}]}])
def test_each_new_rule_counts_as_a_rule(rule: dict[str, Any]) -> None:
    # given only the new rule (no delete_all) / then it is accepted: it keeps some images
    assert rules(**rule).has_rules


def test_keep_tags_help_says_patterns_match_whole_tags() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        rules(keep_tags=[""])
    assert "whole tag" in str(caught.value) and r"v1\..*" in str(caught.value)


# --- examples -------------------------------------------------------------------------------------------

def test_keep_tags_is_whole_tag_and_the_documented_pattern_keeps_v1_0_0() -> None:
    images = [image("a", tags=("v1.0.0",)), image("b", tags=("v1",)), image("c", tags=("v2.0.0",))]
    assert ids(select(images, rules(keep_tags=["v1"]), NOW).selected) == ["a", "c"]
    assert ids(select(images, rules(keep_tags=[r"v1\..*"]), NOW).selected) == ["b", "c"]


def test_keep_tag_prefixes_keeps_tags_starting_with_a_prefix() -> None:
    images = [image("a", tags=("release-1",)), image("b", tags=("pre-release",)), image("c")]
    chosen = select(images, rules(keep_tag_prefixes=["release-"]), NOW)
    assert ids(chosen.selected) == ["b", "c"]
    assert "keep_tag_prefixes[0]" in chosen.protected["a"]


def test_delete_tags_matching_any_and_all() -> None:
    # given an image tagged dev-1 and latest / when the filter matches dev-.* only
    images = [image("mixed", tags=("dev-1", "latest")), image("dev", tags=("dev-2",)), image("rel", tags=("v1",)),
              image("untagged")]
    anyof = select(images, rules(delete_tags_matching=["dev-.*"]), NOW)
    allof = select(images, rules(delete_tags_matching=["dev-.*"], tag_match_mode="all"), NOW)
    # then any: one matching tag is enough; all: latest does not match, so the mixed image stays
    assert sorted(ids(anyof.selected)) == ["dev", "mixed"]
    assert sorted(ids(allof.selected)) == ["dev"]
    # and the untagged image stays under both: the filter selects tagged images only
    assert "untagged, and delete_tags_matching selects tagged images only" in anyof.protected["untagged"]
    assert "untagged" in allof.protected
    assert "'latest' matches no delete_tags_matching" in allof.protected["mixed"]
    assert "no tag matches delete_tags_matching" in anyof.protected["rel"]


def test_ordered_keep_rules_count_each_image_once_for_its_first_rule() -> None:
    # given release images also tagged as builds / when rules are [release-.* keep 1, .* keep 1]
    images = [image("r-old", age=5, tags=("release-1", "build-1")), image("r-new", age=4, tags=("release-2",)),
              image("b-old", age=3, tags=("build-2",)), image("b-new", age=2, tags=("build-3",)),
              image("untagged", age=1)]
    chosen = select(images, rules(keep_rules=[{"tag_pattern": "release-.*", "keep_last": 1},
                                              {"tag_pattern": ".*", "keep_last": 1}]), NOW)
    # then the newest release and the newest other build are kept; r-old counts for the release rule only
    assert sorted(chosen.protected) == ["b-new", "r-new"]
    assert ids(chosen.selected) == ["r-old", "b-old", "untagged"]
    assert "keep_rules[0] 'release-.*' (#1)" in chosen.protected["r-new"]


def test_keep_rules_count_per_repository() -> None:
    images = [image(f"{repo}{n}", age=n, tags=(f"v{n}",), name=f"crp1/{repo}") for repo in "xy" for n in (1, 2)]
    chosen = select(images, CleanupRules(registry_id="crp1", keep_rules=[{"tag_pattern": "v.*", "keep_last": 1}]),
                    NOW)
    assert sorted(chosen.protected) == ["x1", "y1"]


def test_recursive_cleans_the_repository_and_those_under_it_only() -> None:
    # given app, app/api, app/api/v2, application and web in one registry
    images = [image(name.replace("/", "_"), name=f"crp1/{name}")
              for name in ("app", "app/api", "app/api/v2", "application", "web")]
    backend = MemoryBackend(images)
    report = run_cleanup(backend, rules(recursive=True, delete_all=True), now=NOW, progress=lambda e: None)
    # then the registry is listed and only the prefix's repositories are deleted (not "application")
    assert backend.listed == [{"repository_name": None, "registry_id": "crp1"}]
    assert sorted(report.deleted) == ["app", "app_api", "app_api_v2"]
    assert sorted(backend.images) == ["application", "web"]
    assert "every repository under crp1/app/" in report.scope


def test_a_re_read_image_newly_claimed_by_a_keep_rule_is_kept() -> None:
    built = rules(keep_rules=[{"tag_pattern": "release-.*", "keep_last": 5}], older_than="1h")
    listed = image("a", age=3)
    fresh = image("a", age=3, tags=("release-9",))
    assert is_protected(fresh, built, NOW) is None  # without the listing, the counts are not re-checked
    assert "keep_rules[0]" in (is_protected(fresh, built, NOW, listed=listed) or "")
    assert is_protected(listed, built, NOW, listed=listed) is None


def test_the_re_check_applies_the_delete_filter_and_prefixes() -> None:
    built = rules(delete_tags_matching=["dev-.*"], tag_match_mode="all", keep_tag_prefixes=["rel"])
    assert is_protected(image("a", tags=("dev-1",)), built, NOW) is None
    assert "matches no delete_tags_matching" in (is_protected(image("a", tags=("dev-1", "x")), built, NOW) or "")
    assert "keep_tag_prefixes" in (is_protected(image("a", tags=("dev-1", "rel-1")), built, NOW) or "")


# --- properties -------------------------------------------------------------------------------------------

TAGS = ["latest", "v1", "v1.2", "v10", "dev-1", "dev-2", "release-1", "release-2", "main"]
PATTERNS = ["v1", r"v1\..*", "v\\d+", "dev-.*", "release-.*", ".*", "ma.n"]
REPOS = ["crp1/app", "crp1/app/api", "crp1/application", "crp1/web"]


@st.composite
def image_sets(draw: st.DrawFn) -> list[ImageInfo]:
    count = draw(st.integers(0, 20))
    return [image(f"img{n:02d}", age=draw(st.integers(0, 400)), tags=tuple(draw(st.lists(
        st.sampled_from(TAGS), max_size=3, unique=True))), name=draw(st.sampled_from(REPOS))) for n in range(count)]


@st.composite
def rule_sets(draw: st.DrawFn) -> CleanupRules:
    untagged_only = draw(st.booleans())
    return CleanupRules(
        repository_name="crp1/app", recursive=draw(st.booleans()),
        keep_tags=draw(st.lists(st.sampled_from(PATTERNS), max_size=2)),
        keep_tag_prefixes=draw(st.lists(st.sampled_from(["v1", "rel", "dev-", "l"]), max_size=2)),
        keep_last=draw(st.integers(0, 3)),
        keep_rules=draw(st.lists(st.fixed_dictionaries({"tag_pattern": st.sampled_from(PATTERNS),
                                                        "keep_last": st.integers(1, 3)}), max_size=3)),
        older_than=draw(st.sampled_from([None, "12h", "3d"])),
        untagged_only=untagged_only,
        delete_tags_matching=[] if untagged_only else draw(st.lists(st.sampled_from(PATTERNS), max_size=2)),
        tag_match_mode=draw(st.sampled_from(["any", "all"])),
        delete_all=True,
    )


def in_scope(img: ImageInfo, built: CleanupRules) -> bool:
    repo = built.repository_name or ""
    return img.name == repo or (built.recursive and img.name.startswith(repo + "/"))


def kept_by_keep_rules(images: list[ImageInfo], built: CleanupRules) -> set[str]:
    """Oracle of the ordered rules: walk each repository newest first, give each image to its first rule."""
    kept: set[str] = set()
    for repo in {img.name for img in images}:
        left = {i: rule["keep_last"] for i, rule in enumerate(r.to_dict() for r in built.keep_rules)}
        for img in sorted((i for i in images if i.name == repo), key=lambda i: (i.created_at, i.id), reverse=True):
            first = next((i for i, r in enumerate(built.keep_rules)
                          if any(re.fullmatch(r.tag_pattern, t) for t in img.tags)), None)
            if first is not None and left[first] > 0:
                left[first] -= 1
                kept.add(img.id)
    return kept


def filter_matches(img: ImageInfo, built: CleanupRules) -> bool:
    """Oracle of any/all: untagged images never match (the filter selects tagged images only); any = some tag
    matches some pattern; all = every tag does."""
    if not built.delete_tags_matching:
        return True
    if not img.tags:
        return False
    hit = [any(re.fullmatch(p, t) for p in built.delete_tags_matching) for t in img.tags]
    return all(hit) if built.tag_match_mode == "all" else any(hit)


@settings(max_examples=120, deadline=None)
@given(images=image_sets(), built=rule_sets())
def test_deleted_equals_selected(images: list[ImageInfo], built: CleanupRules) -> None:
    backend = MemoryBackend(images)
    expected = select(images, built, NOW).selected_ids
    report = run_cleanup(backend, built, now=NOW, progress=lambda event: None)
    assert report.ok and report.deleted == expected and sorted(backend.deleted) == sorted(expected)


@settings(max_examples=200, deadline=None)
@given(images=image_sets(), built=rule_sets())
def test_no_image_a_keep_rule_protects_is_selected(images: list[ImageInfo], built: CleanupRules) -> None:
    chosen = select(images, built, NOW)
    selected = set(chosen.selected_ids)
    scoped = [img for img in images if in_scope(img, built)]
    assert selected | set(chosen.protected) == {img.id for img in scoped}  # out of scope: neither
    assert selected.isdisjoint(chosen.protected)
    assert selected.isdisjoint(kept_by_keep_rules(scoped, built))
    for img in chosen.selected:
        assert not any(t.startswith(p) for p in built.keep_tag_prefixes or () for t in img.tags)
        assert not any(re.fullmatch(p, t) for p in built.keep_tags or () for t in img.tags)
        assert filter_matches(img, built)
        if built.max_age is not None:
            assert NOW - datetime.fromisoformat(img.created_at.replace("Z", "+00:00")) > built.max_age


@settings(max_examples=200, deadline=None)
@given(images=image_sets(), patterns=st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3),
       mode=st.sampled_from(["any", "all"]))
def test_any_and_all_select_exactly_as_defined(images: list[ImageInfo], patterns: list[str], mode: str) -> None:
    # given the tag filter as the only rule / then the selection is exactly the images the definition picks
    built = CleanupRules(registry_id="crp1", delete_tags_matching=patterns, tag_match_mode=mode)
    chosen = select(images, built, NOW)
    assert set(chosen.selected_ids) == {img.id for img in images if filter_matches(img, built)}


# --- the resource layer (dynamic provider and plugin) takes the same rules -------------------------------

def test_resource_inputs_take_the_new_rules_as_the_engine_sends_them() -> None:
    from yc_registry_provider.lifecycle import cleanup as resource
    from yc_registry_provider.lifecycle.values import UNKNOWN

    # given numbers as floats and tuples, as the engine and programs send them
    inputs = {"repository_name": REPO, "recursive": True, "keep_rules": ({"tag_pattern": "v.*", "keep_last": 2.0},),
              "keep_tag_prefixes": ("rel",), "delete_tags_matching": ["dev-.*"], "tag_match_mode": "all"}
    built = resource.rules_from(inputs)
    assert built.ordered_rules[0].keep_last == 2 and built.recursive and built.keep_tag_prefixes == ("rel",)
    assert resource.check(inputs) == []
    # a value not known yet inside an entry passes; a bad known one is named
    assert resource.check({"repository_name": REPO, "keep_rules": [{"tag_pattern": UNKNOWN, "keep_last": 1}]}) == []
    assert resource.check({"repository_name": REPO, "keep_rules": [UNKNOWN]}) == []
    [(field, message)] = resource.check({"repository_name": REPO, "keep_rules": [{"tag_pattern": "(",
                                                                                  "keep_last": UNKNOWN}]})
    assert field == "keep_rules[0].tag_pattern" and "regular expression" in message
    # a scope widened with recursive inside the same registry updates in place (no cleanup during up)
    plan = resource.diff({"repository_name": REPO, "keep_last": 1}, {"repository_name": REPO, "keep_last": 1,
                                                                     "recursive": True})
    assert plan.changed == ["recursive"] and plan.replaces == []
