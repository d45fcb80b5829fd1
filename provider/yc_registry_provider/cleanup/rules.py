r"""Which images a cleanup deletes: validated rules and a pure selection. No grpc here.

Semantics (any keep rule wins; an image is deleted only when no rule protects it). Every tag pattern is a regular
expression that must match the **whole** tag (``re.fullmatch``): ``v1`` matches the tag ``v1`` only, ``v1\..*``
matches ``v1.0.0``; for "starts with" use ``keep_tag_prefixes``.

- ``keep_tags``: an image with a tag matching any of these patterns is kept.
- ``keep_tag_prefixes``: an image with a tag starting with any of these strings is kept (ECR's ``tagPrefixList``).
- ``keep_last``: the newest N images by ``created_at`` are kept, counted in images (not tags), per repository
  (``image.name``): with a ``registry_id`` scope (or ``recursive``) every repository keeps its own newest N.
- ``keep_rules``: ordered ``{tag_pattern, keep_last}`` entries, as ECR lifecycle rules: each image is claimed by the
  first entry whose pattern matches one of its tags, and each entry keeps the newest ``keep_last`` images it claimed,
  per repository. An image claimed by an entry is not counted by later entries; untagged images are never claimed.
- ``older_than`` (``"30d"``, ``"12h"``; units s, m, h, d, w): images whose age is not strictly greater are kept.
- ``untagged_only``: images that carry any tag are kept.
- ``delete_tags_matching`` with ``tag_match_mode`` (gcr-cleaner's ``-tag-filter-any`` / ``-tag-filter-all``): a
  tagged image is a candidate only when ``any`` of its tags (default) or ``all`` of its tags match one of the
  patterns; other tagged images are kept. It selects **tagged images only**: an untagged image is kept by it (unlike
  gcr-cleaner, which lets untagged images through; a cleanup that should take untagged images names them with a
  cleanup of its own, e.g. ``untagged_only``).
- ``keep_in_use`` (``True``, or ``{sources, folders}``): an image that a live workload runs is kept: a Serverless
  Containers revision, a Compute instance's or an instance group's container declaration / compose file names it
  by digest or by a tag it carries at that moment (``in_use.py``). Decided right before each delete, never from
  the listing alone (``cleanup/freshness.py``); a source that cannot be read stops the cleanup (fail closed).
- No rule at all is refused unless ``delete_all=True``; ``delete_all`` only lifts that refusal, rules given with it
  still protect.
- ``recursive`` (with ``repository_name`` only): the scope is the repository and every repository under
  ``<repository_name>/``.

Images whose ``created_at`` cannot be read are always kept by a rule that looks at dates (``older_than``,
``keep_last``, ``keep_rules``) and do not count towards it.
The re-check right before a delete (:func:`is_protected`) looks at the re-read image's tags and age; ``keep_last``
and the counts of ``keep_rules`` are decided once, on the listing taken at the start of a run (a re-read image whose
tags changed so that a ``keep_rules`` entry now claims it is kept): later pushes are newer and only move
older images further out of the newest N, and the run's own deletes never touch the newest N, so that set changes
only if someone else deletes newer images at the same time, which is not re-checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

from ..errors import InvalidArgumentError
from ..in_use import KeepInUse, keep_in_use_from
from ..models import ImageInfo, parse_rfc3339
from ..validation import check_id, check_repository_name, check_timeout, whole_number

DEFAULT_CONCURRENCY = 10
MAX_CONCURRENCY = 50
OLDER_THAN_RE = re.compile(r"[0-9]+[smhdw]")
MAX_OLDER_THAN = timedelta(days=100 * 365)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
TAG_MATCH_MODES = ("any", "all")
WHOLE_TAG_HINT = r"a pattern must match the whole tag: v1 matches only the tag v1, v1\..* matches v1.0.0"
_RULE_NAMES = ("keep_tags, keep_tag_prefixes, keep_last, keep_rules, older_than, untagged_only, "
               "delete_tags_matching, keep_in_use")


def _check_count(field_name: str, value: object, low: int, high: int | None = None) -> int:
    """An integer in [low, high]; integral floats are accepted (Pulumi sends numbers as floats)."""
    value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(field_name, "must be an integer", value)
    if value < low or (high is not None and value > high):
        rule = f"must be at least {low}" if high is None else f"must be between {low} and {high}"
        raise InvalidArgumentError(field_name, rule, value)
    return value


def parse_older_than(value: object, field_name: str = "older_than") -> timedelta:
    """``"30d"`` -> 30 days; a positive number followed by one of s, m, h, d, w."""
    if not isinstance(value, str) or not OLDER_THAN_RE.fullmatch(value):
        raise InvalidArgumentError(
            field_name, "must be a number and a unit (s, m, h, d, w), e.g. 30d or 12h", value)
    amount = int(value[:-1])
    if amount <= 0:
        raise InvalidArgumentError(field_name, "must be a positive duration", value)
    seconds = amount * _UNIT_SECONDS[value[-1]]
    if seconds > MAX_OLDER_THAN.total_seconds():
        raise InvalidArgumentError(field_name, "must be at most 100 years", value)
    return timedelta(seconds=seconds)


def _string_list(field_name: str, value: object, what: str, hint: str = "") -> list[str]:
    """A list of non-empty strings (a bare string is refused: it would be read as a list of characters)."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidArgumentError(field_name, f"must be a list of {what}s", value)
    items = list(value)
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise InvalidArgumentError(f"{field_name}[{index}]", f"must be a non-empty {what}{hint}", item)
    return items


def compile_pattern(field_name: str, text: object) -> re.Pattern[str]:
    """One whole-tag regular expression (matched with fullmatch); the error names the field."""
    if not isinstance(text, str) or not text:
        raise InvalidArgumentError(field_name, f"must be a non-empty regular expression ({WHOLE_TAG_HINT})", text)
    try:
        return re.compile(text)
    except re.error as exc:
        raise InvalidArgumentError(field_name, f"is not a valid regular expression ({exc})", text) from None


def _compile_patterns(field_name: str, value: object) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    texts = _string_list(field_name, value, "regular expression", f" ({WHOLE_TAG_HINT})")
    return tuple(texts), tuple(compile_pattern(f"{field_name}[{i}]", text) for i, text in enumerate(texts))


@dataclass(frozen=True)
class KeepRule:
    """One ordered rule: keep the newest ``keep_last`` images (per repository) whose tag matches ``tag_pattern``."""

    tag_pattern: str
    keep_last: int
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_pattern("tag_pattern", self.tag_pattern))

    def to_dict(self) -> dict[str, Any]:
        return {"tag_pattern": self.tag_pattern, "keep_last": self.keep_last}


_KEEP_RULE_KEYS = ("tag_pattern", "keep_last")


def _keep_rules(value: object) -> tuple[KeepRule, ...]:
    """Ordered rules from a list of ``{tag_pattern, keep_last}`` mappings (or KeepRule); errors name the entry."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidArgumentError("keep_rules", "must be a list of {tag_pattern, keep_last} entries", value)
    result: list[KeepRule] = []
    for index, item in enumerate(value):
        name = f"keep_rules[{index}]"
        if isinstance(item, KeepRule):
            item = item.to_dict()
        if not isinstance(item, Mapping):
            raise InvalidArgumentError(name, "must be an entry {tag_pattern, keep_last}", item)
        unknown = sorted(str(key) for key in item if key not in _KEEP_RULE_KEYS)
        if unknown:
            raise InvalidArgumentError(name, f"has unknown field {', '.join(unknown)} (expected tag_pattern and "
                                             f"keep_last)", dict(item))
        missing = [key for key in _KEEP_RULE_KEYS if item.get(key) is None]
        if missing:
            raise InvalidArgumentError(f"{name}.{missing[0]}", "is required", dict(item))
        compile_pattern(f"{name}.tag_pattern", item["tag_pattern"])
        keep_last = _check_count(f"{name}.keep_last", item["keep_last"], 1)
        result.append(KeepRule(item["tag_pattern"], keep_last))
    return tuple(result)


@dataclass(frozen=True)
class CleanupRules:
    """Validated inputs of a cleanup; constructing one checks every field (InvalidArgumentError names it)."""

    repository_name: str | None = None
    registry_id: str | None = None
    recursive: bool = False
    keep_tags: Sequence[str] | None = None
    keep_last: int = 0
    older_than: str | None = None
    untagged_only: bool = False
    delete_all: bool = False
    keep_tag_prefixes: Sequence[str] | None = None
    delete_tags_matching: Sequence[str] | None = None
    tag_match_mode: str = "any"
    keep_rules: Sequence[KeepRule | Mapping[str, Any]] | None = None
    keep_in_use: KeepInUse | Mapping[str, Any] | bool | None = None
    dry_run: bool = False
    concurrency: int | None = None
    timeout: float | None = None
    max_age: timedelta | None = field(init=False, default=None, compare=False)
    tag_patterns: tuple[re.Pattern[str], ...] = field(init=False, default=(), repr=False, compare=False)
    delete_patterns: tuple[re.Pattern[str], ...] = field(init=False, default=(), repr=False, compare=False)
    ordered_rules: tuple[KeepRule, ...] = field(init=False, default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        repo = None if self.repository_name in (None, "") else self.repository_name
        registry = None if self.registry_id in (None, "") else self.registry_id
        if (repo is None) == (registry is None):
            raise InvalidArgumentError(
                "repository_name", "exactly one of repository_name or registry_id is required",
                message="invalid repository_name: exactly one of repository_name (one repository) or "
                        "registry_id (every repository of a registry) is required")
        if repo is not None:
            check_repository_name(repo)
            if "/" not in repo:
                raise InvalidArgumentError("repository_name", "must be <registry_id>/<repository path>", repo)
        if registry is not None:
            check_id("registry_id", registry)
        texts, patterns = _compile_patterns("keep_tags", self.keep_tags)
        prefixes = tuple(_string_list("keep_tag_prefixes", self.keep_tag_prefixes, "tag prefix"))
        delete_texts, delete_patterns = _compile_patterns("delete_tags_matching", self.delete_tags_matching)
        if self.tag_match_mode not in TAG_MATCH_MODES:
            raise InvalidArgumentError("tag_match_mode", "must be 'any' or 'all'", self.tag_match_mode)
        ordered = _keep_rules(self.keep_rules)
        in_use = keep_in_use_from(self.keep_in_use)
        keep_last = _check_count("keep_last", self.keep_last, 0)
        max_age = None if self.older_than is None else parse_older_than(self.older_than)
        concurrency = DEFAULT_CONCURRENCY if self.concurrency is None else _check_count(
            "concurrency", self.concurrency, 1, MAX_CONCURRENCY)
        timeout = None if self.timeout is None else check_timeout(self.timeout, "timeout")
        for flag in ("untagged_only", "delete_all", "dry_run", "recursive"):
            if not isinstance(getattr(self, flag), bool):
                raise InvalidArgumentError(flag, "must be true or false", getattr(self, flag))
        if self.recursive and repo is None:
            raise InvalidArgumentError("recursive", "needs repository_name (the prefix of the repositories to "
                                                    "clean); a registry_id scope holds every repository already",
                                       True)
        if delete_patterns and self.untagged_only:
            raise InvalidArgumentError(
                "delete_tags_matching", "cannot be combined with untagged_only, which keeps every tagged image "
                                        "(so no tag filter could select one); set only one of them",
                list(delete_texts))
        values = {"repository_name": repo, "registry_id": registry, "keep_tags": texts, "keep_last": keep_last,
                  "max_age": max_age, "tag_patterns": patterns, "concurrency": concurrency, "timeout": timeout,
                  "keep_tag_prefixes": prefixes, "delete_tags_matching": delete_texts,
                  "delete_patterns": delete_patterns, "keep_rules": ordered, "ordered_rules": ordered,
                  "keep_in_use": in_use}
        for name, value in values.items():
            object.__setattr__(self, name, value)
        if not self.has_rules and not self.delete_all:
            raise InvalidArgumentError(
                "delete_all", "refusing to delete every image",
                message=f"invalid delete_all: no keep rule is set ({_RULE_NAMES}), so this cleanup would delete "
                        f"every image of {self.scope}; set one of those rules, or delete_all=True to confirm")

    @property
    def has_rules(self) -> bool:
        """True when at least one rule that keeps some images is set."""
        return (bool(self.keep_tags) or bool(self.keep_tag_prefixes) or self.keep_last > 0 or bool(self.keep_rules)
                or self.max_age is not None or self.untagged_only or bool(self.delete_tags_matching)
                or self.keep_in_use is not None)

    @property
    def scope(self) -> str:
        """Readable scope: ``repository <name>`` (and those under it) or ``registry <id>``."""
        if self.repository_name and self.recursive:
            return f"repository {self.repository_name} and every repository under {self.repository_name}/"
        return f"repository {self.repository_name}" if self.repository_name else f"registry {self.registry_id}"

    @property
    def listing(self) -> dict[str, str | None]:
        """What to list: the repository, or its registry when ``recursive`` (then :meth:`in_scope` filters)."""
        if self.repository_name and self.recursive:
            return {"repository_name": None, "registry_id": self.repository_name.split("/", 1)[0]}
        return {"repository_name": self.repository_name, "registry_id": self.registry_id}

    def in_scope(self, image: ImageInfo) -> bool:
        """Whether a listed image belongs to the scope (by its name, ``<registry_id>/<repository path>``)."""
        if self.repository_name is None:
            return image.name.startswith(f"{self.registry_id}/")
        return image.name == self.repository_name or (
            self.recursive and image.name.startswith(self.repository_name + "/"))

    @property
    def registry_ids(self) -> list[str]:
        """The registry the scope lies in (``keep_in_use`` reads the workloads of its folder by default)."""
        return [self.registry_id or str(self.repository_name).split("/", 1)[0]]

    @property
    def effective_concurrency(self) -> int:
        """The concurrency to use (validated; defaults to 10)."""
        return int(self.concurrency or DEFAULT_CONCURRENCY)


@dataclass(frozen=True)
class Selection:
    """The result of :func:`select`: images to delete (oldest first) and kept ids with their reasons."""

    selected: list[ImageInfo]
    protected: dict[str, str]

    @property
    def selected_ids(self) -> list[str]:
        return [image.id for image in self.selected]


def _created(image: ImageInfo) -> datetime | None:
    try:
        return parse_rfc3339(image.created_at)
    except (TypeError, ValueError):
        return None


def _matches(patterns: Sequence[re.Pattern[str]], tag: str) -> int | None:
    """Index of the first pattern matching the whole tag, or None."""
    for index, pattern in enumerate(patterns):
        if pattern.fullmatch(tag):
            return index
    return None


def delete_filter_matches(tags: Sequence[str], rules: CleanupRules) -> bool:
    """``tag_match_mode`` any: some tag matches a ``delete_tags_matching`` pattern; all: every tag matches one.
    True without a filter; False for an untagged image under a filter (it selects tagged images only)."""
    if not rules.delete_patterns:
        return True
    if not tags:
        return False
    hits = [_matches(rules.delete_patterns, tag) is not None for tag in tags]
    return all(hits) if rules.tag_match_mode == "all" else any(hits)


def claimed_by(tags: Sequence[str], rules: CleanupRules) -> int | None:
    """The index of the first ``keep_rules`` entry whose pattern matches one of the tags, or None."""
    for index, rule in enumerate(rules.ordered_rules):
        if any(rule.pattern.fullmatch(tag) for tag in tags):
            return index
    return None


def _tag_reasons(image: ImageInfo, rules: CleanupRules) -> list[str]:
    reasons: list[str] = []
    for index, pattern in enumerate(rules.tag_patterns):
        for tag in image.tags:
            if pattern.fullmatch(tag):
                reasons.append(f"tag {tag!r} matches keep_tags[{index}] {pattern.pattern!r}")
                break
    for index, prefix in enumerate(rules.keep_tag_prefixes or ()):
        for tag in image.tags:
            if tag.startswith(prefix):
                reasons.append(f"tag {tag!r} starts with keep_tag_prefixes[{index}] {prefix!r}")
                break
    if rules.untagged_only and image.tags:
        reasons.append("has tags and untagged_only is set")
    if not delete_filter_matches(image.tags, rules):
        if not image.tags:
            reasons.append("untagged, and delete_tags_matching selects tagged images only")
        elif rules.tag_match_mode == "all":
            odd = next(tag for tag in image.tags if _matches(rules.delete_patterns, tag) is None)
            reasons.append(f"tag {odd!r} matches no delete_tags_matching pattern (tag_match_mode all)")
        else:
            reasons.append("no tag matches delete_tags_matching (tag_match_mode any)")
    return reasons


def _age_reason(created: datetime | None, rules: CleanupRules, now: datetime) -> str | None:
    if created is None:
        # Only a rule that looks at dates (older_than, keep_last, keep_rules) cannot be sure about such an image.
        if rules.max_age is not None or rules.keep_last or rules.keep_rules:
            return "created_at cannot be read (older_than / keep_last / keep_rules cannot be applied)"
        return None
    if rules.max_age is not None and now - created <= rules.max_age:
        return f"not older than {rules.older_than} (created {created.isoformat()})"
    return None


def is_protected(image: ImageInfo, rules: CleanupRules, now: datetime | None = None,
                 listed: ImageInfo | None = None) -> str | None:
    """The reason a (re-read) image is kept by its tags or age, or None. ``keep_last`` is not re-checked; with
    ``listed`` (the image as listed), a ``keep_rules`` entry that claims it only since its tags changed keeps it."""
    now = now or datetime.now(timezone.utc)
    reasons = _tag_reasons(image, rules)
    age = _age_reason(_created(image), rules, now)
    if age:
        reasons.append(age)
    if listed is not None and rules.keep_rules and sorted(listed.tags) != sorted(image.tags):
        claim = claimed_by(image.tags, rules)
        if claim is not None and claim != claimed_by(listed.tags, rules):
            reasons.append(f"its tags changed since the listing and now match keep_rules[{claim}] "
                           f"{rules.ordered_rules[claim].tag_pattern!r}")
    return "; ".join(reasons) or None


def select(images: Iterable[ImageInfo], rules: CleanupRules, now: datetime | None = None) -> Selection:
    """Split the images in scope into those to delete (oldest first, ties by id) and those a rule keeps (why)."""
    now = now or datetime.now(timezone.utc)
    dated: list[tuple[datetime | None, ImageInfo]] = []
    seen: set[str] = set()
    for image in images:
        if image.id not in seen and rules.in_scope(image):
            seen.add(image.id)
            dated.append((_created(image), image))
    known = sorted(((c, img) for c, img in dated if c is not None), key=lambda pair: (pair[0], pair[1].id))
    newest: dict[str, int] = {}
    if rules.keep_last:
        per_repo: dict[str, list[str]] = {}
        for _, image in reversed(known):
            ranked = per_repo.setdefault(image.name, [])
            if len(ranked) < rules.keep_last:
                ranked.append(image.id)
                newest[image.id] = len(ranked)
    by_rule: dict[str, tuple[int, int]] = {}  # image id -> (keep_rules index, rank among that rule's newest)
    if rules.keep_rules:
        counted: dict[tuple[int, str], int] = {}
        for _, image in reversed(known):
            claim = claimed_by(image.tags, rules)
            if claim is None:
                continue
            rank = counted.get((claim, image.name), 0) + 1
            counted[(claim, image.name)] = rank
            if rank <= rules.ordered_rules[claim].keep_last:
                by_rule[image.id] = (claim, rank)
    selected: list[ImageInfo] = []
    protected: dict[str, str] = {}
    ordered = known + [(c, img) for c, img in sorted(dated, key=lambda pair: pair[1].id) if c is None]
    for created, image in ordered:
        reasons = _tag_reasons(image, rules)
        if image.id in newest:
            reasons.append(f"among the newest {rules.keep_last} (keep_last; #{newest[image.id]})")
        if image.id in by_rule:
            claim, rank = by_rule[image.id]
            rule = rules.ordered_rules[claim]
            reasons.append(f"among the newest {rule.keep_last} with a tag matching keep_rules[{claim}] "
                           f"{rule.tag_pattern!r} (#{rank})")
        age = _age_reason(created, rules, now)
        if age:
            reasons.append(age)
        if reasons:
            protected[image.id] = "; ".join(reasons)
        else:
            selected.append(image)
    return Selection(selected=selected, protected=protected)


__all__ = sorted(["CleanupRules", "DEFAULT_CONCURRENCY", "KeepRule", "MAX_CONCURRENCY", "Selection",
                  "TAG_MATCH_MODES", "WHOLE_TAG_HINT", "claimed_by", "compile_pattern", "delete_filter_matches",
                  "is_protected", "parse_older_than", "select"])
