"""Input rules of the API, checked before any call goes out. Pure: no grpc here.

Every failure raises InvalidArgumentError naming the field and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import limits
from .errors import InvalidArgumentError


def _require_str(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentError(field, "must be a string", value)
    return value


def check_id(field: str, value: object, *, required: bool = True) -> str:
    """An id (image, registry, folder): a string of at most 50 characters; required unless said otherwise."""
    text = _require_str(field, value)
    if required and not text:
        raise InvalidArgumentError(field, "is required and must not be empty")
    if len(text) > limits.MAX_ID_LENGTH:
        raise InvalidArgumentError(field, f"must be at most {limits.MAX_ID_LENGTH} characters", value)
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise InvalidArgumentError(field, "must not contain whitespace or control characters", value)
    return text


def check_repository_name(value: object, field: str = "repository_name") -> str:
    """A repository name: `<registry_id>/<path>` matching the documented pattern, the registry part an id."""
    text = _require_str(field, value)
    if not text:
        raise InvalidArgumentError(field, "must not be empty: give <registry_id>/<repository path>, or leave it "
                                          "unset", value)
    if not limits.REPOSITORY_NAME_RE.fullmatch(text):
        raise InvalidArgumentError(
            field, f"must match {limits.REPOSITORY_NAME_PATTERN} (lower-case letters, digits, '.', '_', '-' "
            "between them, path parts separated by '/')", value)
    registry, slash, _path = text.partition("/")
    if not slash:
        raise InvalidArgumentError(field, "must be <registry_id>/<repository path>: the registry part is missing",
                                   value)
    if len(registry) > limits.MAX_ID_LENGTH:
        raise InvalidArgumentError(field, f"its registry part (before the first '/') must be at most "
                                          f"{limits.MAX_ID_LENGTH} characters, like a registry_id", value)
    return text


def check_tag(value: object, field: str = "tag") -> str:
    """A tag as Docker accepts it: up to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'."""
    text = _require_str(field, value)
    if not limits.TAG_RE.fullmatch(text):
        raise InvalidArgumentError(field, f"must match {limits.TAG_PATTERN}", value)
    return text


def check_digest(value: object, field: str = "digest") -> str:
    """A content digest such as sha256:<64 hex>."""
    text = _require_str(field, value)
    if not limits.DIGEST_RE.fullmatch(text):
        raise InvalidArgumentError(field, f"must be <algorithm>:<hex>, e.g. sha256:<64 hex digits> "
                                          f"(pattern {limits.DIGEST_PATTERN})", value)
    return text


def check_lookup(*, image_id: object = None, repository_name: object = None, tag: object = None,
                 digest: object = None, most_recent: object = False) -> None:
    """A lookup of one image says what to look for: image_id, repository_name, tag, digest or most_recent.

    Unset means None: an empty string or another falsy value is checked like any value (and refused), never
    silently dropped from the lookup.
    """
    for field, reason in selector_conflicts(tag=tag is not None, digest=digest is not None,
                                            most_recent=most_recent is True):
        raise InvalidArgumentError(field, reason)
    if image_id is not None:
        check_id("image_id", image_id)
    if repository_name is not None:
        check_repository_name(repository_name)
    if tag is not None:
        check_tag(tag)
    if digest is not None:
        check_digest(digest)
    if not isinstance(most_recent, bool):
        raise InvalidArgumentError("most_recent", "must be true or false", most_recent)
    if image_id is None and repository_name is None and tag is None and digest is None and not most_recent:
        raise InvalidArgumentError(
            "image_id", "give image_id, or repository_name with tag, digest or most_recent=True "
            "(without repository_name the folder is searched)")


def selector_conflicts(*, tag: bool, digest: bool, most_recent: bool = False) -> list[tuple[str, str]]:
    """Selectors that cannot be combined, as [(field, reason)] naming both fields: tag with digest, and tag or
    digest with most_recent. Every front door (lookups, Image, the plugin) asks this before any call."""
    if tag and digest:
        return [("digest", "give tag or digest, not both (tag and digest given): either one names exactly one "
                           "image of a repository")]
    if most_recent and (tag or digest):
        given = "tag" if tag else "digest"
        return [("most_recent", f"give {given} or most_recent, not both ({given} and most_recent given)")]
    return []


def whole_number(value: Any) -> Any:
    """An integral float as an int (the Pulumi engine sends every number as a float); anything else unchanged."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def check_page_size(value: object, field: str = "page_size") -> int:
    value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(field, "must be an integer", value)
    if value < 0 or value > limits.MAX_PAGE_SIZE:
        raise InvalidArgumentError(field, f"must be between 0 and {limits.MAX_PAGE_SIZE}", value)
    return value


def check_limit(value: object, field: str = "limit") -> int:
    value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(field, "must be an integer", value)
    if value < 1:
        raise InvalidArgumentError(field, "must be at least 1", value)
    return value


def check_page_token(value: object, field: str = "page_token") -> str:
    text = _require_str(field, value)
    if len(text) > limits.MAX_PAGE_TOKEN_LENGTH:
        raise InvalidArgumentError(field, f"must be at most {limits.MAX_PAGE_TOKEN_LENGTH} characters", value)
    return text


def check_order_by(value: object, field: str = "order_by") -> str:
    """Comma-separated fields among name, digest, created_at, last_modified, each optionally `asc`/`desc`."""
    text = _require_str(field, value)
    if len(text) > limits.MAX_ORDER_BY_LENGTH:
        raise InvalidArgumentError(field, f"must be at most {limits.MAX_ORDER_BY_LENGTH} characters", value)
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or words[0] not in limits.ORDER_BY_FIELDS or (
                len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise InvalidArgumentError(
                field, "must be a comma-separated list of " + ", ".join(limits.ORDER_BY_FIELDS)
                + " (each optionally followed by asc or desc)", value)
    return text


@dataclass(frozen=True)
class NameFilter:
    """The only filter the API understands: name="<registry_id>/<repository>"."""

    registry_id: str
    repository: str

    @property
    def name(self) -> str:
        return f"{self.registry_id}/{self.repository}"

    def render(self) -> str:
        return f'name="{self.name}"'


def parse_filter(value: object, field: str = "filter") -> NameFilter:
    text = _require_str(field, value)
    rule = 'must be name="<registry_id>/<repository>" (one field, =, value in double quotes)'
    if len(text) > limits.MAX_FILTER_LENGTH:
        raise InvalidArgumentError(field, f"must be at most {limits.MAX_FILTER_LENGTH} characters", value)
    match = limits.FILTER_RE.fullmatch(text)
    if not match:
        raise InvalidArgumentError(field, rule, value)
    name = match.group("value")
    if "/" not in name:
        raise InvalidArgumentError(field, rule, value)
    registry_id, repository = name.split("/", 1)
    check_id(field, registry_id)
    check_repository_name(name, field)
    return NameFilter(registry_id, repository)


def check_timeout(value: object, field: str) -> float:
    """A timeout in seconds: a positive number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError(field, "must be a number of seconds", value)
    if not value > 0 or value != value or value == float("inf"):
        raise InvalidArgumentError(field, "must be a positive finite number of seconds", value)
    return float(value)


@dataclass(frozen=True)
class ListScope:
    """Validated arguments of ImageService.List, with the API's scope precedence applied."""

    repository_name: str = ""
    registry_id: str = ""
    folder_id: str = ""
    filter: str = ""
    order_by: str = ""


def check_list_scope(*, repository_name: str | None = None, registry_id: str | None = None,
                     folder_id: str | None = None, filter: str | None = None,
                     order_by: str | None = None) -> ListScope:
    """Check every List argument; repository_name wins over registry_id, which wins over folder_id.

    Unset means None: an empty string is refused (naming its field), never read as "not given", so that an
    empty repository_name cannot quietly widen a listing to the whole folder.
    """
    repo = check_repository_name(repository_name) if repository_name is not None else ""
    reg = check_id("registry_id", registry_id) if registry_id is not None else ""
    fold = check_id("folder_id", folder_id) if folder_id is not None else ""
    flt = parse_filter(filter).render() if filter is not None else ""
    order = check_order_by(order_by) if order_by is not None else ""
    if not (repo or reg or fold):
        raise InvalidArgumentError(
            "folder_id", "one of repository_name, registry_id or folder_id is required "
            "(set yandex:folderId or YC_FOLDER_ID for the folder)")
    if repo:
        reg, fold = "", ""
    elif reg:
        fold = ""
    return ListScope(repo, reg, fold, flt, order)
