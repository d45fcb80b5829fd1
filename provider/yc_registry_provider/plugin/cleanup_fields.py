"""ImageCleanup for the native plugin: its field names and descriptions, and a thin adapter over ``cleanup``.

The rules themselves live in ``yc_registry_provider.cleanup`` (CleanupRules, run_cleanup); this module only maps
plain input dicts onto them, as the dynamic ImageCleanup does, so both front doors share one implementation.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..backend import ImageBackend
from ..cleanup import CleanupRules, ProgressCallback, run_cleanup
from ..cleanup.engine import PREVIEW_IDS
from ..errors import InvalidArgumentError
from ..lifecycle.image import UNKNOWN

INPUT_FIELDS: tuple[str, ...] = ("repository_name", "registry_id", "keep_tags", "keep_last", "older_than",
                                 "untagged_only", "delete_all", "dry_run", "concurrency", "timeout")
RESULT_FIELDS: tuple[str, ...] = ("candidate_count", "candidate_ids")
OUTPUT_FIELDS: tuple[str, ...] = INPUT_FIELDS + RESULT_FIELDS
REQUIRED_OUTPUTS: tuple[str, ...] = RESULT_FIELDS
_INTS = ("keep_last", "concurrency")

INPUT_SPECS: dict[str, dict[str, Any]] = {
    "repository_name": {"type": "string", "description": "Clean one repository, <registry_id>/<repository path> "
                                                         "(give this or registry_id)."},
    "registry_id": {"type": "string", "description": "Clean every repository of this registry; keep_last counts "
                                                     "per repository."},
    "keep_tags": {"type": "array", "items": {"type": "string"},
                  "description": "Regular expressions matched against whole tags; an image with a matching tag "
                                 "is kept."},
    "keep_last": {"type": "integer", "description": "Keep the newest N images of each repository."},
    "older_than": {"type": "string", "description": "Keep images not older than this (30d, 12h; units s, m, h, "
                                                    "d, w)."},
    "untagged_only": {"type": "boolean", "description": "Keep every image that carries a tag."},
    "delete_all": {"type": "boolean", "description": "Confirm deleting every image when no keep rule is set."},
    "dry_run": {"type": "boolean", "description": "Only report what would be deleted; delete nothing."},
    "concurrency": {"type": "integer", "description": "Deletes in flight at once (1 to 50, default 10); halves "
                                                      "when throttled."},
    "timeout": {"type": "number", "description": "Seconds the whole cleanup may take; images not started in "
                                                 "time are reported."},
}
OUTPUT_SPECS: dict[str, dict[str, Any]] = {
    "candidate_count": {"type": "integer", "description": "How many images the rules selected on the last run "
                                                          "(deleted, or would be with dry_run)."},
    "candidate_ids": {"type": "array", "items": {"type": "string"},
                      "description": f"The first {PREVIEW_IDS} selected image ids, oldest first."},
}


def normalize(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Only the given input fields; integral floats (the engine's numbers) as ints where an int is meant."""
    result: dict[str, Any] = {}
    for name in INPUT_FIELDS:
        value = inputs.get(name)
        if value is None or value == "":
            continue
        if name in _INTS and isinstance(value, float) and value.is_integer():
            value = int(value)
        result[name] = value
    return result


def _has_unknowns(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_unknowns(item) for item in value)
    return False


def rules_from(inputs: Mapping[str, Any]) -> CleanupRules:
    """CleanupRules from plain inputs (raises InvalidArgumentError naming the field)."""
    return CleanupRules(**normalize(inputs))


def check(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The rule the inputs break, as [(field, reason)]; inputs not known yet (preview) pass."""
    given = normalize(inputs)
    if any(_has_unknowns(value) for value in given.values()):
        return []
    try:
        rules_from(given)
    except InvalidArgumentError as exc:
        return [(exc.field.split("[", 1)[0], str(exc))]
    return []


def changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Input fields whose value differs (numbers compared as numbers)."""
    old, new = normalize(olds), normalize(news)
    return [name for name in INPUT_FIELDS if old.get(name) != new.get(name)]


def run(backend: ImageBackend, inputs: Mapping[str, Any], progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Run the cleanup (or the dry run) and return the outputs; raises CleanupFailedError unless all went."""
    rules = rules_from(inputs)
    report = run_cleanup(backend, rules, progress=progress).raise_for_failures()
    outs: dict[str, Any] = {name: None for name in OUTPUT_FIELDS}
    outs.update(normalize(inputs))
    outs["candidate_count"] = report.selected_count
    outs["candidate_ids"] = list(report.selected[:PREVIEW_IDS])
    return outs


def resource_id(inputs: Mapping[str, Any]) -> str:
    """A readable id: the scope the cleanup works on."""
    given = normalize(inputs)
    return str(given.get("repository_name") or given.get("registry_id") or "cleanup")


__all__ = sorted(["INPUT_FIELDS", "INPUT_SPECS", "OUTPUT_FIELDS", "OUTPUT_SPECS", "REQUIRED_OUTPUTS",
                  "RESULT_FIELDS", "changed", "check", "normalize", "resource_id", "rules_from", "run"])
