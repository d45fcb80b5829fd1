"""Pure checks behind the yc-registry policies.

Everything here works on plain ``dict``/``list``/``str`` values and has no
dependency on ``pulumi_policy`` (nor on ``yandexcloud``), so it can be unit
tested, or reused from another policy framework, without the policy SDK.
Each ``check_*`` function returns a list of violation messages (empty when the
resource complies).  Values that are unknown during a preview are represented
by the :data:`UNKNOWN` marker (see :func:`to_plain`); checks skip what they
cannot decide instead of failing.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

# --------------------------------------------------------------------------
# Resource type tokens (dynamic-provider flavour and the native-plugin flavour)
# --------------------------------------------------------------------------
IMAGE_TYPES = frozenset({
    "pulumi-python:dynamic/yc-registry:Image",
    "yc-registry:index:Image",
})
CLEANUP_TYPES = frozenset({
    "pulumi-python:dynamic/yc-registry:ImageCleanup",
    "yc-registry:index:ImageCleanup",
})


def is_image(resource_type: str) -> bool:
    return resource_type in IMAGE_TYPES


def is_cleanup(resource_type: str) -> bool:
    return resource_type in CLEANUP_TYPES


# --------------------------------------------------------------------------
# Unknown values (pulumi preview)
# --------------------------------------------------------------------------
class _Unknown:
    """Marker for a value that is not known yet (computed during preview)."""

    _instance: Optional["_Unknown"] = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # an unknown is never "set and truthy" by accident
        return False


UNKNOWN: Any = _Unknown()

# The sentinels the Pulumi engine uses for unknown values (same strings as in
# pulumi_policy.proxy; copied so this module does not need pulumi_policy).
UNKNOWN_SENTINELS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in UNKNOWN_SENTINELS)


def _raw(value: Any) -> Any:
    """Unwrap pulumi_policy's unknown-checking proxies without tripping them."""
    if isinstance(value, (Mapping, Sequence)) and not isinstance(value, (str, bytes)):
        try:
            return value["__target"]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return value
    return value


def to_plain(value: Any) -> Any:
    """Turn resource properties (possibly pulumi_policy proxies) into plain
    dicts/lists, with unknown values replaced by :data:`UNKNOWN`."""
    value = _raw(value)
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [to_plain(v) for v in value]
    return value


_UPPER = re.compile(r"[A-Z]")


def provider_props(value: Any) -> Any:
    """A yc-registry resource's properties as plain values under the provider's snake_case names.

    The native plugin's schema names them in camelCase (``repositoryName``, ``keepTags``); the dynamic resources
    in snake_case (``repository_name``): the checks read one spelling, whichever flavour the stack uses.
    """
    plain = to_plain(value)

    def rename(item: Any) -> Any:
        if isinstance(item, dict):
            return {_UPPER.sub(lambda m: "_" + m.group(0).lower(), k): rename(v) for k, v in item.items()}
        if isinstance(item, list):
            return [rename(v) for v in item]
        return item

    return rename(plain)


# --------------------------------------------------------------------------
# Config helpers
# --------------------------------------------------------------------------
def merged_config(defaults: Mapping[str, Any], config: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Defaults overlaid with the user's config (the Python analyzer does not
    fill schema defaults in itself; the CLI may or may not have)."""
    out = dict(defaults)
    for k, v in (config or {}).items():
        if k == "enforcementLevel":
            continue
        if v is not None:
            out[k] = v
    return out


def _as_int(value: Any, name: str) -> int:
    # Config arrives through a protobuf Struct: numbers come back as floats.
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"config {name!r} must be an integer, got {value!r}") from exc


def _is_set(value: Any) -> bool:
    return value is not None and value != "" and not is_unknown(value)


# --------------------------------------------------------------------------
# image-pinned-by-digest
# --------------------------------------------------------------------------
PINNED_DEFAULTS: Dict[str, Any] = {"allowedTagPattern": None}


def check_pinned_by_digest(inputs: Mapping[str, Any], config: Optional[Mapping[str, Any]] = None) -> List[str]:
    """An Image adopted by ``tag`` without a ``digest``/``image_id`` pin."""
    cfg = merged_config(PINNED_DEFAULTS, config)
    inputs = provider_props(inputs)
    tag = inputs.get("tag")
    if not _is_set(tag):
        return []
    if _is_set(inputs.get("digest")) or _is_set(inputs.get("image_id")):
        return []
    if is_unknown(inputs.get("digest")) or is_unknown(inputs.get("image_id")):
        return []  # a pin that is computed elsewhere: cannot tell yet
    pattern = cfg.get("allowedTagPattern")
    if pattern and re.fullmatch(pattern, str(tag)):
        return []
    repo = inputs.get("repository_name") or "?"
    return [
        f"image {repo}:{tag} is adopted by tag; tags move, so the image this stack "
        f"depends on can change underneath it. Pin it with `digest` (or `image_id`)."
    ]


# --------------------------------------------------------------------------
# image-max-compressed-size
# --------------------------------------------------------------------------
SIZE_DEFAULTS: Dict[str, Any] = {"maxBytes": 1024 ** 3}


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def _image_label(outputs: Mapping[str, Any]) -> str:
    for key in ("uri", "name", "repository_name", "image_id"):
        v = outputs.get(key)
        if _is_set(v):
            return str(v)
    return "image"


def check_max_compressed_size(outputs: Mapping[str, Any], config: Optional[Mapping[str, Any]] = None) -> List[str]:
    cfg = merged_config(SIZE_DEFAULTS, config)
    limit = _as_int(cfg["maxBytes"], "maxBytes")
    outputs = provider_props(outputs)
    size = outputs.get("compressed_size")
    if not _is_set(size) or isinstance(size, bool):
        return []
    try:
        size = int(size)
    except (TypeError, ValueError):
        return []
    if size <= limit:
        return []
    return [
        f"{_image_label(outputs)} is {size} bytes compressed ({_human(size)}), above the "
        f"configured maximum of {limit} bytes ({_human(limit)})."
    ]


# --------------------------------------------------------------------------
# image-tag-rules
# --------------------------------------------------------------------------
TAG_DEFAULTS: Dict[str, Any] = {"requiredTagPattern": None, "allowLatest": False}


def check_tag_rules(props: Mapping[str, Any], config: Optional[Mapping[str, Any]] = None) -> List[str]:
    """``props``: an Image's outputs (which repeat its inputs) or just its inputs.

    * the tag the image is adopted by (``tag``) must not be ``latest`` unless
      ``allowLatest``;
    * with ``requiredTagPattern``, the adoption tag and every tag the registry
      reports (``tags``) must fully match it (``latest`` is exempt when
      allowed), and an image pinned by digest must carry at least one
      matching tag.
    """
    cfg = merged_config(TAG_DEFAULTS, config)
    allow_latest = bool(cfg.get("allowLatest"))
    pattern = cfg.get("requiredTagPattern") or None
    props = provider_props(props)
    label = _image_label(props)
    msgs: List[str] = []

    tag = props.get("tag")
    if _is_set(tag) and tag == "latest" and not allow_latest:
        msgs.append(f"{label} is adopted by the tag `latest`, which is forbidden "
                    f"(set allowLatest to permit it); use a versioned tag and pin the digest.")

    if pattern:
        rx = re.compile(pattern)
        seen: List[str] = [str(tag)] if _is_set(tag) else []
        reg_tags = props.get("tags")
        if isinstance(reg_tags, list):
            seen.extend(str(t) for t in reg_tags if _is_set(t))
        # `latest` is governed by the rule above, never by the pattern.
        checked = [t for t in dict.fromkeys(seen) if t != "latest"]
        bad = [t for t in checked if not rx.fullmatch(t)]
        if bad:
            msgs.append(f"{label} has tag(s) {', '.join(bad)} not matching the required "
                        f"pattern {pattern!r}.")
        elif not checked and (isinstance(reg_tags, list) or _is_set(tag)):
            msgs.append(f"{label} has no tag matching the required pattern {pattern!r}.")
    return msgs


# --------------------------------------------------------------------------
# image-max-age
# --------------------------------------------------------------------------
AGE_DEFAULTS: Dict[str, Any] = {"maxAgeDays": 180}


def parse_timestamp(value: str) -> _dt.datetime:
    """RFC 3339 (``2026-11-20T10:00:00Z``, fractional seconds, offsets)."""
    s = value.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", s)
    if m and m.group(2):  # Python 3.10's fromisoformat takes exactly 3 or 6 fractional digits: make it 6
        s = m.group(1) + "." + (m.group(2)[1:] + "000000")[:6] + m.group(3)
    ts = _dt.datetime.fromisoformat(s)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=_dt.timezone.utc)
    return ts


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def check_max_age(outputs: Mapping[str, Any], config: Optional[Mapping[str, Any]] = None,
                  now: Optional[_dt.datetime] = None) -> List[str]:
    cfg = merged_config(AGE_DEFAULTS, config)
    max_days = _as_int(cfg["maxAgeDays"], "maxAgeDays")
    outputs = provider_props(outputs)
    created = outputs.get("created_at")
    if not _is_set(created):
        return []
    try:
        ts = parse_timestamp(str(created))
    except ValueError:
        return [f"{_image_label(outputs)} has an unreadable created_at {created!r}."]
    now = now or utcnow()
    age = now - ts
    if age <= _dt.timedelta(days=max_days):
        return []
    return [f"{_image_label(outputs)} was created {age.days} days ago ({created}), "
            f"more than the configured maximum of {max_days} days; rebuild it."]


# --------------------------------------------------------------------------
# cleanup-needs-keep-rule
# --------------------------------------------------------------------------
CLEANUP_DEFAULTS: Dict[str, Any] = {
    "allowDeleteAll": False,
    "allowEmptyingRegistry": True,
    "allowWithoutKeepRules": False,
    "untaggedOnlyIsKeepRule": True,
    "olderThanIsKeepRule": True,
    "deleteTagsMatchingIsKeepRule": True,
    "exemptDryRun": True,
}

# The provider's keep rules (yc_registry_provider.cleanup.rules): any of them protects an image; with none,
# the provider refuses unless delete_all=True, which only lifts that refusal (rules given with it still
# protect). Tag patterns match whole tags; delete_tags_matching keeps every untagged image and the tagged
# images its filter does not match.
CLEANUP_RULE_NAMES = ("keep_tags", "keep_tag_prefixes", "keep_last", "keep_rules", "older_than", "untagged_only",
                      "delete_tags_matching", "keep_in_use")
# Rules that count as keep rules only while their config switch is on.
_SWITCHES = (("older_than", "olderThanIsKeepRule"), ("untagged_only", "untaggedOnlyIsKeepRule"),
             ("delete_tags_matching", "deleteTagsMatchingIsKeepRule"))


def _counted_rule_names(cfg: Mapping[str, Any]) -> List[str]:
    off = {name for name, switch in _SWITCHES if not cfg.get(switch)}
    return [name for name in CLEANUP_RULE_NAMES if name not in off]


def cleanup_scope(inputs: Mapping[str, Any]) -> str:
    """``repository <name>`` or ``registry <id>``, as the provider words an ImageCleanup's scope."""
    repo, registry = inputs.get("repository_name"), inputs.get("registry_id")
    if _is_set(repo):
        return f"repository {repo}"
    if _is_set(registry):
        return f"registry {registry}"
    if is_unknown(repo):
        return "a repository not known yet"
    if is_unknown(registry):
        return "a registry not known yet"
    return "an unspecified scope"


def _cleanup_rules(inputs: Mapping[str, Any], cfg: Mapping[str, Any]
                   ) -> Tuple[List[str], List[str], List[str]]:
    """``(counted, not_counted, unknown)``: the keep rules given, described (``keep_last 5``), split into
    those this policy counts as keep rules and those the config excludes; and the names of rules whose
    value is not known yet (preview)."""
    counted: List[str] = []
    excluded: List[str] = []
    unknown: List[str] = []
    for list_name in ("keep_tags", "keep_tag_prefixes"):
        values = inputs.get(list_name)
        if is_unknown(values):
            unknown.append(list_name)
        elif isinstance(values, list) and any(_is_set(t) or is_unknown(t) for t in values):
            shown = ", ".join("?" if is_unknown(t) else str(t) for t in values if _is_set(t) or is_unknown(t))
            counted.append(f"{list_name} [{shown}]")
    keep_rules = inputs.get("keep_rules")
    if is_unknown(keep_rules):
        unknown.append("keep_rules")
    elif isinstance(keep_rules, list):
        entries = [entry for entry in keep_rules if is_unknown(entry) or (
            isinstance(entry, Mapping) and (is_unknown(entry.get("keep_last"))
                                            or (_number(entry.get("keep_last")) or 0) > 0))]
        if any(not isinstance(entry, Mapping) or is_unknown(entry.get("keep_last")) for entry in entries):
            unknown.append("keep_rules")
        elif entries:
            counted.append("keep_rules [" + ", ".join(
                f"{entry.get('tag_pattern')}={_whole(entry.get('keep_last'))}" for entry in entries) + "]")
    keep_in_use = inputs.get("keep_in_use")  # True, or {sources, folders} ({} = every source): keeps running images
    if is_unknown(keep_in_use):
        unknown.append("keep_in_use")
    elif keep_in_use is True or isinstance(keep_in_use, Mapping):
        sources = keep_in_use.get("sources") if isinstance(keep_in_use, Mapping) else None
        shown = ", ".join(str(x) for x in sources) if isinstance(sources, list) and sources else "every source"
        counted.append(f"keep_in_use [{shown}]")
    keep_last = inputs.get("keep_last")
    if is_unknown(keep_last):
        unknown.append("keep_last")
    elif not isinstance(keep_last, bool) and (_number(keep_last) or 0) > 0:
        n = _number(keep_last)
        counted.append(f"keep_last {int(n) if n is not None and float(n).is_integer() else keep_last}")
    for name, switch in _SWITCHES:
        value = inputs.get(name)
        if is_unknown(value):
            if cfg.get(switch):
                unknown.append(name)
            continue
        if name == "older_than":
            if not _is_set(value):
                continue
            text = f"older_than {value}"
        elif name == "delete_tags_matching":
            if not (isinstance(value, list) and any(_is_set(t) or is_unknown(t) for t in value)):
                continue
            if any(is_unknown(t) for t in value) and cfg.get(switch):
                unknown.append(name)
                continue
            text = f"delete_tags_matching [{', '.join(str(t) for t in value if _is_set(t))}]"
        else:
            if value is not True:
                continue
            text = "untagged_only"
        (counted if cfg.get(switch) else excluded).append(text)
    return counted, excluded, unknown


def check_cleanup_keep_rule(inputs: Mapping[str, Any], config: Optional[Mapping[str, Any]] = None) -> List[str]:
    """An ImageCleanup must keep something: at least one keep rule (``keep_tags``, ``keep_tag_prefixes``,
    ``keep_last > 0``, ``keep_rules``, ``older_than``, ``untagged_only``, ``delete_tags_matching``, ``keep_in_use``;
    ``older_than``, ``untagged_only`` and ``delete_tags_matching`` can be excluded by config).

    ``delete_all=True`` only lifts the provider's refusal of a cleanup without rules, so it is reported only
    when no rule is given (and ``allowDeleteAll`` is false), and not for a ``registry_id`` scope unless
    ``allowEmptyingRegistry`` is false: emptying a whole registry is how a stack deletes a registry it owns.
    Values unknown during a preview that could decide the outcome (a rule, ``delete_all``, ``dry_run``) make the check stay silent.
    """
    cfg = merged_config(CLEANUP_DEFAULTS, config)
    inputs = provider_props(inputs)
    scope = cleanup_scope(inputs)
    if cfg.get("exemptDryRun") and (inputs.get("dry_run") is True or is_unknown(inputs.get("dry_run"))):
        return []
    counted, excluded, unknown = _cleanup_rules(inputs, cfg)
    if counted or unknown:
        return []  # it keeps something (or may, once the unknown values are known)
    delete_all = inputs.get("delete_all")
    if is_unknown(delete_all):
        return []  # cannot tell during preview
    not_counted = ""
    if excluded:
        switches = [s for n, s in _SWITCHES if any(e.startswith(n) for e in excluded)]
        not_counted = (f" ({' and '.join(excluded)} still protect{'s' if len(excluded) == 1 else ''} some "
                       f"images, but {', '.join(f'{s}=false' for s in switches)} so this policy does not "
                       f"count {'it' if len(excluded) == 1 else 'them'})")
    if delete_all is True:
        if cfg.get("allowDeleteAll"):
            return []
        if cfg.get("allowEmptyingRegistry") and not _is_set(inputs.get("repository_name")) \
                and _is_set(inputs.get("registry_id")):
            return []  # emptying a whole registry: what a stack deleting that registry needs (it must be empty)
        if excluded:
            return [f"ImageCleanup of {scope} sets delete_all=True with no counted keep rule{not_counted}; "
                    f"delete_all only lifts the provider's refusal of a cleanup without rules. Add keep_tags "
                    f"and/or keep_last, or set allowDeleteAll to permit it."]
        return [f"ImageCleanup of {scope} sets delete_all=True and no keep rule: every image in {scope} "
                f"would be deleted when it is destroyed. Add a keep rule ({', '.join(_counted_rule_names(cfg))}) "
                f"instead, or set allowDeleteAll to permit it."]
    if cfg.get("allowWithoutKeepRules"):
        return []
    hints = {"keep_tags": "keep_tags (regexes that must match the whole tag, e.g. 'v1\\..*' for v1.0.0)",
             "keep_tag_prefixes": "keep_tag_prefixes (tag prefixes to keep)",
             "keep_last": "keep_last (number of newest images to keep)",
             "keep_rules": "keep_rules ([{tag_pattern, keep_last}], newest N per pattern)",
             "delete_tags_matching": "delete_tags_matching (regexes of the tags to delete)",
             "older_than": "older_than (e.g. '30d': younger images are kept)",
             "untagged_only": "untagged_only=True (tagged images are kept)",
             "keep_in_use": "keep_in_use=True (images a workload runs are kept)"}
    wanted = [hints[n] for n in _counted_rule_names(cfg)]
    what = "no counted keep rule" if excluded else "no keep rule"
    return [f"ImageCleanup of {scope} has {what}{not_counted}: set {', '.join(wanted[:-1])} "
            f"and/or {wanted[-1]}."]


def _whole(v: Any) -> Any:
    n = _number(v)
    return int(n) if n is not None and float(n).is_integer() else v


def _number(v: Any) -> Optional[float]:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------
# container-registry-sunset
# --------------------------------------------------------------------------
DEFAULT_SUNSET_DATE = _dt.date(2026, 12, 14)
SUNSET_DATE_ENV = "YC_REGISTRY_SUNSET_DATE"
SUNSET_DEFAULTS: Dict[str, Any] = {"ignoreResourceTypes": []}
CLOUD_REGISTRY_DOCS = "https://yandex.cloud/en/docs/cloud-registry/"
SUNSET_DOCS = "https://yandex.cloud/en/docs/container-registry/sunset"

_CR_RE = re.compile(r"(?<![A-Za-z0-9.-])cr\.yandex/")


def references_cr_yandex(s: str) -> bool:
    return bool(_CR_RE.search(s))


def find_cr_yandex_refs(value: Any, path: str = "", skip_keys: Callable[[str], bool] = None
                        ) -> List[Tuple[str, str]]:
    """All ``(path, string)`` pairs in a nested value whose string references
    ``cr.yandex/``.  Paths look like ``spec.template.containers[0].image``.
    Keys starting with ``__`` (e.g. a dynamic resource's pickled
    ``__provider``) are skipped."""
    skip = skip_keys or (lambda k: k.startswith("__"))
    found: List[Tuple[str, str]] = []

    def walk(v: Any, p: str) -> None:
        v = _raw(v)
        if isinstance(v, str):
            if v not in UNKNOWN_SENTINELS and references_cr_yandex(v):
                found.append((p or "<value>", v))
        elif isinstance(v, Mapping):
            for k, sub in v.items():
                k = str(k)
                if skip(k):
                    continue
                walk(sub, f"{p}.{k}" if p else k)
        elif isinstance(v, Sequence) and not isinstance(v, (bytes, bytearray)):
            for i, sub in enumerate(v):
                walk(sub, f"{p}[{i}]")

    walk(value, path)
    return found


def parse_date(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value).strip()[:10])


def effective_sunset_date(sunset_date: Any = None) -> _dt.date:
    """The factory argument, else ``$YC_REGISTRY_SUNSET_DATE``, else 2026-12-14."""
    if sunset_date is not None:
        return parse_date(sunset_date)
    env = os.environ.get(SUNSET_DATE_ENV)
    if env:
        return parse_date(env)
    return DEFAULT_SUNSET_DATE


def sunset_is_mandatory(sunset_date: Any = None, today: Optional[_dt.date] = None) -> bool:
    """Advisory before the sunset date, mandatory on and after it."""
    today = today or utcnow().date()
    return today >= effective_sunset_date(sunset_date)


_REF_RE = re.compile(r"cr\.yandex/[^\s\"'`,;)\]}]*")


def image_ref(s: str, limit: int = 160) -> str:
    """The ``cr.yandex/...`` reference inside a string (not the whole string,
    which might be a large JSON document or hold something sensitive)."""
    m = _REF_RE.search(s)
    ref = m.group(0) if m else s
    return ref if len(ref) <= limit else ref[: limit - 3] + "..."


def check_container_registry_sunset(resource_type: str, inputs: Mapping[str, Any],
                                    config: Optional[Mapping[str, Any]] = None,
                                    sunset_date: Any = None,
                                    today: Optional[_dt.date] = None) -> List[str]:
    cfg = merged_config(SUNSET_DEFAULTS, config)
    if resource_type in set(cfg.get("ignoreResourceTypes") or []):
        return []
    refs = find_cr_yandex_refs(inputs)
    if not refs:
        return []
    day = effective_sunset_date(sunset_date)
    today = today or utcnow().date()
    when = (f"was shut down on {day.isoformat()}" if today >= day
            else f"shuts down on {day.isoformat()} (read-only since 2026-11-10)")
    where = "; ".join(f"{p} ({image_ref(s)})" for p, s in refs[:5])
    more = f" (and {len(refs) - 5} more)" if len(refs) > 5 else ""
    return [f"references Yandex Container Registry images (cr.yandex/): {where}{more}. "
            f"Container Registry {when}; move the images to Yandex Cloud Registry "
            f"({CLOUD_REGISTRY_DOCS}) and update these references. See {SUNSET_DOCS}."]


# --------------------------------------------------------------------------
# container-registry-migration (stack: which registries moved to Cloud Registry)
# --------------------------------------------------------------------------
MIGRATION_TYPES = frozenset({
    "pulumi-python:dynamic/yc-registry:FolderMigration",
    "yc-registry:index:FolderMigration",
})
MIGRATION_DEFAULTS: Dict[str, Any] = {"ignoreResourceTypes": []}
CLOUD_REGISTRY_HOST = "registry.yandexcloud.net"
_CR_REGISTRY_RE = re.compile(r"(?<![A-Za-z0-9.-])cr\.yandex/([a-z0-9]+)")


def is_migration(resource_type: str) -> bool:
    return resource_type in MIGRATION_TYPES


def _ours(resource_type: str) -> bool:
    return is_image(resource_type) or is_cleanup(resource_type) or is_migration(resource_type)


def migrated_registries(resources: Sequence[Tuple[str, str, Mapping[str, Any]]]) -> Dict[str, str]:
    """Registry id -> what says it moved: a completed FolderMigration's registry_ids, or an Image (or a lookup
    result fed into one) that Cloud Registry served (``service`` = cloud-registry). Unknown values are skipped."""
    moved: Dict[str, str] = {}
    for resource_type, name, props in resources:
        if not _ours(resource_type):
            continue
        props = provider_props(props)  # snake_case, whichever flavour (dynamic or native camelCase)
        if is_migration(resource_type) and props.get("status") == "COMPLETED":
            for registry_id in props.get("registry_ids") or []:
                if isinstance(registry_id, str) and not is_unknown(registry_id):
                    moved.setdefault(registry_id, f"FolderMigration {name}")
        elif is_image(resource_type) and props.get("service") == "cloud-registry":
            registry_id = props.get("registry_id")
            if isinstance(registry_id, str) and not is_unknown(registry_id):
                moved.setdefault(registry_id, f"Image {name}")
    return moved


def check_migration(resources: Sequence[Tuple[str, str, Mapping[str, Any]]],
                    config: Optional[Mapping[str, Any]] = None) -> List[Tuple[str, int]]:
    """(message, index of the resource) for every resource referencing cr.yandex/, telling for each registry
    whether it has moved to Cloud Registry; and for every FolderMigration with disable_redirects=true while the
    stack still references cr.yandex/ addresses."""
    cfg = merged_config(MIGRATION_DEFAULTS, config)
    ignored = set(cfg.get("ignoreResourceTypes") or [])
    moved = migrated_registries(resources)
    found: List[Tuple[str, int]] = []
    referencing: List[str] = []
    for index, (resource_type, name, props) in enumerate(resources):
        if _ours(resource_type) or resource_type in ignored:
            continue
        refs = find_cr_yandex_refs(props)
        if not refs:
            continue
        referencing.append(name)
        registries = sorted({m.group(1) for _p, s in refs for m in _CR_REGISTRY_RE.finditer(s)})
        done = [r for r in registries if r in moved]
        left = [r for r in registries if r not in moved]
        parts = []
        if done:
            parts.append("migrated to Cloud Registry: " + ", ".join(f"{r} (by {moved[r]})" for r in done)
                         + f"; pull them as {CLOUD_REGISTRY_HOST}/<registry_id>/... (cr.yandex/ reaches them "
                           "only through the migration's redirects)")
        if left:
            parts.append("NOT migrated: " + ", ".join(left) + "; add a FolderMigration of their folder "
                         "(pulumi_yc_registry.FolderMigration) before 2026-12-14")
        where = "; ".join(f"{p} ({image_ref(s)})" for p, s in refs[:5])
        found.append((f"references cr.yandex/ ({where}): registries " + ". Registries ".join(parts) + ".", index))
    if referencing:
        for index, (resource_type, name, props) in enumerate(resources):
            props = provider_props(props) if is_migration(resource_type) else {}
            if is_migration(resource_type) and props.get("disable_redirects") is True:
                shown = ", ".join(referencing[:5]) + (f" and {len(referencing) - 5} more" if len(referencing) > 5
                                                      else "")
                found.append((f"FolderMigration {name} of folder {props.get('folder_id')} has "
                              f"disable_redirects=true while the stack still references cr.yandex/ addresses "
                              f"({shown}): without redirects those keep reading Container Registry, which shuts "
                              f"down on 2026-12-14; move them to {CLOUD_REGISTRY_HOST}/ first, or keep the "
                              "redirects on", index))
    return found
