"""Which images a cleanup deletes: validated rules and a pure selection. No grpc here.

Semantics (any keep rule wins; an image is deleted only when no rule protects it):

- ``keep_tags``: regular expressions matched against *whole* tags (``re.fullmatch``); an image with any
  matching tag is kept.
- ``keep_last``: the newest N images by ``created_at`` are kept, counted in images (not tags), per repository
  (``image.name``): with a ``registry_id`` scope every repository keeps its own newest N.
- ``older_than`` (``"30d"``, ``"12h"``; units s, m, h, d, w): images whose age is not strictly greater are kept.
- ``untagged_only``: images that carry any tag are kept.
- No rule at all is refused unless ``delete_all=True``; ``delete_all`` only lifts that refusal, rules given with it
  still protect.

Images whose ``created_at`` cannot be read are always kept (and do not count towards ``keep_last``).
The re-check right before a delete (:func:`is_protected`) looks at the re-read image's tags and age only;
``keep_last`` is decided once, on the listing taken at the start of a run: later pushes are newer and only move
older images further out of the newest N, and the run's own deletes never touch the newest N, so that set changes
only if someone else deletes newer images at the same time, which is not re-checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence

from ..errors import InvalidArgumentError
from ..models import ImageInfo, parse_rfc3339
from ..validation import check_id, check_repository_name, check_timeout, whole_number

DEFAULT_CONCURRENCY = 10
MAX_CONCURRENCY = 50
OLDER_THAN_RE = re.compile(r"[0-9]+[smhdw]")
MAX_OLDER_THAN = timedelta(days=100 * 365)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RULE_NAMES = "keep_tags, keep_last, older_than, untagged_only"


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


def _compile_keep_tags(value: object) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    if value is None:
        return (), ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidArgumentError("keep_tags", "must be a list of regular expressions", value)
    texts: list[str] = []
    patterns: list[re.Pattern[str]] = []
    for index, item in enumerate(value):
        name = f"keep_tags[{index}]"
        if not isinstance(item, str) or not item:
            raise InvalidArgumentError(name, "must be a non-empty regular expression", item)
        try:
            patterns.append(re.compile(item))
        except re.error as exc:
            raise InvalidArgumentError(name, f"is not a valid regular expression ({exc})", item) from None
        texts.append(item)
    return tuple(texts), tuple(patterns)


@dataclass(frozen=True)
class CleanupRules:
    """Validated inputs of a cleanup; constructing one checks every field (InvalidArgumentError names it)."""

    repository_name: str | None = None
    registry_id: str | None = None
    keep_tags: Sequence[str] | None = None
    keep_last: int = 0
    older_than: str | None = None
    untagged_only: bool = False
    delete_all: bool = False
    dry_run: bool = False
    concurrency: int | None = None
    timeout: float | None = None
    max_age: timedelta | None = field(init=False, default=None, compare=False)
    tag_patterns: tuple[re.Pattern[str], ...] = field(init=False, default=(), repr=False, compare=False)

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
        texts, patterns = _compile_keep_tags(self.keep_tags)
        keep_last = _check_count("keep_last", self.keep_last, 0)
        max_age = None if self.older_than is None else parse_older_than(self.older_than)
        concurrency = DEFAULT_CONCURRENCY if self.concurrency is None else _check_count(
            "concurrency", self.concurrency, 1, MAX_CONCURRENCY)
        timeout = None if self.timeout is None else check_timeout(self.timeout, "timeout")
        for flag in ("untagged_only", "delete_all", "dry_run"):
            if not isinstance(getattr(self, flag), bool):
                raise InvalidArgumentError(flag, "must be true or false", getattr(self, flag))
        values = {"repository_name": repo, "registry_id": registry, "keep_tags": texts, "keep_last": keep_last,
                  "max_age": max_age, "tag_patterns": patterns, "concurrency": concurrency, "timeout": timeout}
        for name, value in values.items():
            object.__setattr__(self, name, value)
        if not self.has_rules and not self.delete_all:
            raise InvalidArgumentError(
                "delete_all", "refusing to delete every image",
                message=f"invalid delete_all: no keep rule is set ({_RULE_NAMES}), so this cleanup would delete "
                        f"every image of {self.scope}; set one of those rules, or delete_all=True to confirm")

    @property
    def has_rules(self) -> bool:
        """True when at least one keep rule is set."""
        return bool(self.keep_tags) or self.keep_last > 0 or self.max_age is not None or self.untagged_only

    @property
    def scope(self) -> str:
        """Readable scope: ``repository <name>`` or ``registry <id>``."""
        return f"repository {self.repository_name}" if self.repository_name else f"registry {self.registry_id}"

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


def _tag_reasons(image: ImageInfo, rules: CleanupRules) -> list[str]:
    reasons: list[str] = []
    for index, pattern in enumerate(rules.tag_patterns):
        for tag in image.tags:
            if pattern.fullmatch(tag):
                reasons.append(f"tag {tag!r} matches keep_tags[{index}] {pattern.pattern!r}")
                break
    if rules.untagged_only and image.tags:
        reasons.append("has tags and untagged_only is set")
    return reasons


def _age_reason(created: datetime | None, rules: CleanupRules, now: datetime) -> str | None:
    if created is None:
        # Only a rule that looks at dates (older_than, keep_last) cannot be sure about such an image: keep it then.
        if rules.max_age is not None or rules.keep_last:
            return "created_at cannot be read (older_than / keep_last cannot be applied)"
        return None
    if rules.max_age is not None and now - created <= rules.max_age:
        return f"not older than {rules.older_than} (created {created.isoformat()})"
    return None


def is_protected(image: ImageInfo, rules: CleanupRules, now: datetime | None = None) -> str | None:
    """The reason a (re-read) image is kept by its tags or age, or None; ``keep_last`` is not re-checked here."""
    now = now or datetime.now(timezone.utc)
    reasons = _tag_reasons(image, rules)
    age = _age_reason(_created(image), rules, now)
    if age:
        reasons.append(age)
    return "; ".join(reasons) or None


def select(images: Iterable[ImageInfo], rules: CleanupRules, now: datetime | None = None) -> Selection:
    """Split images into those to delete (oldest first, ties by id) and those a rule keeps (with why)."""
    now = now or datetime.now(timezone.utc)
    dated: list[tuple[datetime | None, ImageInfo]] = []
    seen: set[str] = set()
    for image in images:
        if image.id not in seen:
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
    selected: list[ImageInfo] = []
    protected: dict[str, str] = {}
    ordered = known + [(c, img) for c, img in sorted(dated, key=lambda pair: pair[1].id) if c is None]
    for created, image in ordered:
        reasons = _tag_reasons(image, rules)
        if image.id in newest:
            reasons.append(f"among the newest {rules.keep_last} (keep_last; #{newest[image.id]})")
        age = _age_reason(created, rules, now)
        if age:
            reasons.append(age)
        if reasons:
            protected[image.id] = "; ".join(reasons)
        else:
            selected.append(image)
    return Selection(selected=selected, protected=protected)


__all__ = sorted(["CleanupRules", "DEFAULT_CONCURRENCY", "MAX_CONCURRENCY", "Selection", "is_protected",
                  "parse_older_than", "select"])
