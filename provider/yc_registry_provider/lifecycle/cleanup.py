"""The ImageCleanup resource's rules: check, create/read/update outputs, diff, delete. Plain dicts in and out.

An ImageCleanup changes nothing in the cloud while it exists. Its outputs are **the plan**: every image a destroy
may delete (``candidate_ids``, all of them, and ``candidate_count``), recomputed at check, create, update and
refresh. The plan is also kept in the inputs, so a refresh or an up that finds other candidates shows the change
(``~ candidateIds``) instead of "unchanged".

The cleanup runs when the resource is deleted by ``pulumi destroy`` (whole stack or ``--target``). Removing it from
the program, or replacing it, during ``pulumi up`` runs nothing unless ``run_on_remove=True`` was set on it: the
engine log names it and says how to run it (``deployment.py`` says how the command is told apart, and what
happens when it cannot be). A destroy deletes at most the images of the last plan, each re-checked: an image the
rules select now but no plan showed is kept and listed ("not in the last plan: refresh, then destroy again"), and
the destroy fails so the resource stays to be destroyed again. ``delete_all=True`` (empty a registry so it can be
deleted) takes whatever the rules select now.

Diff: a move of the scope to **another registry** replaces the resource, so the old registry is emptied when the
old resource goes (with ``run_on_remove``, or by ``pulumi destroy``). Every other change (the rules, ``dry_run``,
``concurrency``, ``timeout``, a scope change inside the same registry, a new plan) updates in place and deletes
nothing.

The resource id is ``cleanup-<repository_name or registry_id>`` of the scope it was created with.

A cleanup spares every image that an Image of the same deployment holds (``lifecycle.image``): removing an
ImageCleanup from the program (its delete runs during ``pulumi up``) never deletes what a remaining Image adopts;
the report lists such images as kept, with the reason.
"""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import Any, Mapping

from ..backends.base import ImageBackend
from ..cleanup import CleanupReport, CleanupRules, ProgressCallback, preview, run_cleanup
from ..cleanup.engine import content_ref, in_use_reader, plan_in_use, preview_images
from ..errors import InvalidArgumentError, NotFoundError
from ..validation import whole_number
from .deployment import UPDATE, Command
from .image import held_reason
from .values import UNKNOWN, DiffPlan, same
from .values import given as _given
from .values import unknown as _unknown

SCOPE_FIELDS: tuple[str, ...] = ("repository_name", "registry_id", "recursive")
RULE_FIELDS: tuple[str, ...] = ("keep_tags", "keep_last", "older_than", "untagged_only", "delete_all",
                                "keep_tag_prefixes", "delete_tags_matching", "tag_match_mode", "keep_rules",
                                "keep_in_use")
BEHAVIOUR_FIELDS: tuple[str, ...] = ("dry_run", "concurrency", "timeout", "run_on_remove")
INPUT_FIELDS: tuple[str, ...] = SCOPE_FIELDS + RULE_FIELDS + BEHAVIOUR_FIELDS
RESULT_FIELDS: tuple[str, ...] = ("candidate_count", "candidate_ids", "candidate_refs", "kept_in_use")
OUTPUT_FIELDS: tuple[str, ...] = INPUT_FIELDS + RESULT_FIELDS
DEFAULTS: dict[str, Any] = {"repository_name": None, "registry_id": None, "keep_tags": [], "keep_last": 0,
                            "older_than": None, "untagged_only": False, "delete_all": False, "dry_run": False,
                            "concurrency": None, "timeout": None, "recursive": False, "keep_tag_prefixes": [],
                            "delete_tags_matching": [], "tag_match_mode": "any", "keep_rules": [],
                            "keep_in_use": None, "run_on_remove": False}
PLAN_FIELD = "candidate_ids"
"""Kept in the inputs too (check, refresh), so that a new plan shows as a change."""
_NOT_RULES = ("run_on_remove",)
_INTS = ("keep_last", "concurrency")
_LISTS = ("keep_tags", "keep_tag_prefixes", "delete_tags_matching", "keep_rules")
# Stand-ins for values not known yet (preview): each passes its own validation and counts as a rule when one.
_PLACEHOLDERS: dict[str, Any] = {"repository_name": "unknown/unknown", "registry_id": "unknown", "keep_tags": ["x"],
                                 "keep_last": 1, "older_than": "1d", "untagged_only": True, "delete_all": True,
                                 "dry_run": False, "concurrency": 1, "timeout": 1.0, "recursive": False,
                                 "keep_tag_prefixes": ["x"], "delete_tags_matching": ["x"], "tag_match_mode": "any",
                                 "keep_rules": [{"tag_pattern": "x", "keep_last": 1}], "keep_in_use": True,
                                 "run_on_remove": False}


def _number(name: str, value: Any) -> Any:
    """The engine sends every number as a float: integral floats become ints where an int is meant."""
    if name in _INTS:
        return whole_number(value)
    if name == "timeout" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if name == "keep_rules" and isinstance(value, list):
        return [{key: whole_number(item) if key == "keep_last" else item for key, item in entry.items()}
                if isinstance(entry, Mapping) else entry for entry in value]
    return value


def normalize_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Only the input fields that are given (``__provider`` and outputs dropped); numbers as the rules mean them."""
    result: dict[str, Any] = {}
    for name in INPUT_FIELDS:
        value = inputs.get(name)
        if not _given(value):
            continue
        if name in _LISTS and isinstance(value, tuple):
            value = list(value)
        result[name] = value if _unknown(value) else _number(name, value)
    return result


def with_defaults(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Every input field, defaults filled in (``keep_tags`` None and [] are the same rule)."""
    given = normalize_inputs(inputs)
    return {name: given.get(name, DEFAULTS[name]) for name in INPUT_FIELDS}


def rules_from(inputs: Mapping[str, Any]) -> CleanupRules:
    """Validated CleanupRules from plain inputs (raises InvalidArgumentError naming the field)."""
    given = normalize_inputs(inputs)
    return CleanupRules(**{name: value for name, value in given.items() if name not in _NOT_RULES})


def check(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The rule the inputs break, as [(field, reason)]; empty when fine.

    No keep rule without ``delete_all=True`` is refused here, before anything runs. Values not known yet
    (preview) are replaced by stand-ins that pass, so the known ones are still checked.
    """
    given = normalize_inputs(inputs)
    for name in _LISTS:  # a list holding values not known yet: stand-ins for those items (and their fields)
        if isinstance(given.get(name), list):
            stand_in = _PLACEHOLDERS[name][0]
            given[name] = [stand_in if _unknown(item) else _known_fields(item, stand_in) for item in given[name]]
    for name in [name for name, value in given.items() if _unknown(value)]:
        given[name] = _PLACEHOLDERS[name]
    if not isinstance(given.pop("run_on_remove", False), bool):
        return [("run_on_remove", "invalid run_on_remove: must be true or false")]
    try:
        CleanupRules(**given)
    except InvalidArgumentError as exc:
        return [(exc.field, str(exc))]
    except TypeError as exc:  # a value of the wrong shape the rules did not anticipate
        return [("keep_tags" if "keep_tags" in str(exc) else "repository_name", f"invalid input: {exc}")]
    return []


def check_scope(backend: ImageBackend, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The scope's registry (and repository) must exist: [(field, reason naming the id and folder)] otherwise.

    Asked at check (preview) once the scope is known, so that a typo fails the preview instead of making a
    cleanup that silently deletes nothing. A destroy does not ask: a scope that went away holds nothing.
    """
    given = normalize_inputs(inputs)
    repo, registry = given.get("repository_name"), given.get("registry_id")
    if _unknown(repo) or (not repo and _unknown(registry)) or not (repo or registry):
        return []
    try:
        backend.check_scope(repository_name=repo, registry_id=None if repo else registry)
    except NotFoundError as exc:
        return [("repository_name" if repo else "registry_id", str(exc))]
    return []


def nothing_selected(outs: Mapping[str, Any]) -> str | None:
    """The warning for a cleanup whose scope exists but whose rules select no image now, else None."""
    if outs.get("candidate_count") != 0:
        return None
    scope = outs.get("repository_name") or outs.get("registry_id")
    return (f"ImageCleanup of {scope}: its rules select no image now, so a destroy would delete nothing; "
            "check the scope and the keep rules if you expected images to go")


def _known_fields(item: Any, stand_in: Any) -> Any:
    """A keep_rules entry with its unknown fields replaced by the stand-in's; anything else unchanged."""
    if isinstance(item, Mapping) and isinstance(stand_in, Mapping):
        return {key: stand_in.get(key, value) if _unknown(value) else value for key, value in item.items()}
    return item


def resource_id(inputs: Mapping[str, Any]) -> str:
    """``cleanup-<repository_name>`` or ``cleanup-<registry_id>``."""
    given = normalize_inputs(inputs)
    return f"cleanup-{given.get('repository_name') or given.get('registry_id')}"


def outputs_for(inputs: Mapping[str, Any], count: int, ids: list[str],
                kept_in_use: Mapping[str, str] | None = None, refs: list[str] | None = None) -> dict[str, Any]:
    """Every input field (absent ones None) plus the plan, what a destroy may delete (``candidate_ids``, and
    ``candidate_refs``: the same images as ``<registry>/<repository>@<digest>``, which survive the move to Cloud
    Registry where the ids do not); ``kept_in_use``: the candidates a workload runs now (image id -> the
    workloads), which a cleanup keeps (keep_in_use)."""
    given = normalize_inputs(inputs)
    outs: dict[str, Any] = {name: given.get(name) for name in INPUT_FIELDS}
    outs["candidate_count"] = count
    outs["candidate_ids"] = list(ids)
    outs["candidate_refs"] = list(refs or [])
    outs["kept_in_use"] = dict(kept_in_use or {})
    return outs


def in_use_now(backend: ImageBackend, inputs: Mapping[str, Any], now: datetime | None = None) -> dict[str, str]:
    """The candidates a workload runs now (id -> the workloads), read with the backend's transport; {} without
    keep_in_use. A source that cannot be read raises WorkloadSourceError (the preview fails, naming the role)."""
    rules = rules_from(inputs)
    if rules.keep_in_use is None:
        return {}
    return plan_in_use(backend, rules, _reader(backend, rules), now=now)


def _reader(backend: ImageBackend, rules: CleanupRules) -> Any:
    if rules.keep_in_use is None:
        return None
    from ..backends.workloads import workloads_for  # gRPC only when a workload must be read

    return in_use_reader(workloads_for(backend), rules)


def candidates(backend: ImageBackend, inputs: Mapping[str, Any], now: datetime | None = None,
               limit: int | None = None) -> tuple[int, list[str]]:
    """How many images a cleanup would delete now and their ids (all, or the first ``limit``); (0, []) for a
    scope that is gone."""
    return preview(backend, rules_from(inputs), now=now, limit=limit)


def plan(backend: ImageBackend, inputs: Mapping[str, Any], now: datetime | None = None) -> tuple[list[str], list[str]]:
    """The plan: (ids, content references) of every image a destroy may delete now, oldest first."""
    images = preview_images(backend, rules_from(inputs), now)
    return [image.id for image in images], [content_ref(image) for image in images]


def with_plan(backend: ImageBackend, inputs: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Checked inputs plus the plan (``candidate_ids``), so that a plan that changed shows as a change; unknown
    while the scope or a rule is not known yet."""
    given = normalize_inputs(inputs)
    if any(_unknown(value) for value in given.values()) or any(
            isinstance(value, list) and any(_unknown(item) for item in value) for value in given.values()):
        return {**given, PLAN_FIELD: UNKNOWN}
    _, ids = candidates(backend, given, now)
    return {**given, PLAN_FIELD: ids}


def create(backend: ImageBackend, inputs: Mapping[str, Any], now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """(id, outputs): nothing changes in the cloud; the outputs show the plan."""
    ids, refs = plan(backend, inputs, now)
    return resource_id(inputs), outputs_for(inputs, len(ids), ids, in_use_now(backend, inputs, now), refs)


def read(backend: ImageBackend, resource_id_: str, props: Mapping[str, Any],
         now: datetime | None = None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Refresh: (id, outputs, inputs) with the plan recomputed (in both, so the engine shows a new plan as a
    change); the resource always stays in state."""
    ids, refs = plan(backend, props, now)
    return (resource_id_ or resource_id(props), outputs_for(props, len(ids), ids, in_use_now(backend, props, now), refs),
            {**normalize_inputs(props), PLAN_FIELD: list(ids)})


def _registry_of(props: Mapping[str, Any]) -> Any:
    """The registry a scope lies in: registry_id, or the first part of repository_name (unknown stays unknown)."""
    repo, registry = props.get("repository_name"), props.get("registry_id")
    if _given(repo):
        return repo.split("/", 1)[0] if isinstance(repo, str) and not _unknown(repo) else UNKNOWN
    return registry


def diff(old_props: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> DiffPlan:
    """Compare inputs (defaults filled in). A move to another registry replaces (the old registry is emptied when
    the old resource goes, as a replaced registry needs); everything else, a scope change inside the same
    registry included, updates in place and deletes nothing: replacing would run the old, maybe wider, cleanup
    during a plain `pulumi up`."""
    old, new = with_defaults(old_props), with_defaults(new_inputs)
    changed = [name for name in INPUT_FIELDS if not same(old[name], new[name])]
    if PLAN_FIELD in new_inputs and PLAN_FIELD in old_props and not same(old_props[PLAN_FIELD],
                                                                         new_inputs[PLAN_FIELD]):
        changed.append(PLAN_FIELD)  # the plan changed (a refresh, or an up that found other candidates)
    moved = any(name in SCOPE_FIELDS for name in changed) and not same(_registry_of(old), _registry_of(new))
    return DiffPlan(changed=changed, replaces=[name for name in changed if name in SCOPE_FIELDS] if moved else [])


def update(backend: ImageBackend, new_inputs: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """In-place update (rules changed): nothing changes in the cloud; candidates recomputed under the new rules."""
    ids, refs = plan(backend, new_inputs, now)
    return outputs_for(new_inputs, len(ids), ids, in_use_now(backend, new_inputs, now), refs)


def cli_command(props: Mapping[str, Any]) -> str:
    """The ``yc-registry cleanup`` command line that runs the same cleanup (its plan first, then the deletes)."""
    given = with_defaults(props)
    words = ["yc-registry", "cleanup"]
    if given["repository_name"]:
        words += ["--repository", given["repository_name"]] + (["--recursive"] if given["recursive"] else [])
    else:
        words += ["--registry", str(given["registry_id"])]
    for name in ("keep_tags", "keep_tag_prefixes", "delete_tags_matching"):
        for item in given[name] or []:
            words += ["--" + name.replace("_", "-"), str(item)]
    for rule in given["keep_rules"] or []:
        words += ["--keep-rule", f"{rule.get('tag_pattern')}={rule.get('keep_last')}"]
    if given["keep_last"]:
        words += ["--keep-last", str(given["keep_last"])]
    if given["older_than"]:
        words += ["--older-than", str(given["older_than"])]
    for flag in ("untagged_only", "delete_all"):
        if given[flag]:
            words.append("--" + flag.replace("_", "-"))
    if given["tag_match_mode"] != "any":
        words += ["--tag-match-mode", str(given["tag_match_mode"])]
    return " ".join(shlex.quote(word) for word in words) + " --yes"


def not_run_notice(props: Mapping[str, Any], command: Command, urn: str = "") -> str | None:
    """Why this delete must not run the cleanup (it left the program during an up), or None when it runs.

    It runs on ``pulumi destroy``, and on any removal when the resource has ``run_on_remove=True``. When the
    command cannot be told (``deployment.UNKNOWN``) it does not run: the safe way."""
    if command.is_destroy or with_defaults(props)["run_on_remove"] is True:
        return None
    scope = props.get("repository_name") or props.get("registry_id")
    who = f"ImageCleanup {urn}" if urn else f"ImageCleanup {resource_id(props)}"
    target = f"pulumi destroy --target '{urn}'" if urn else \
        "pulumi destroy --target <its URN> (pulumi stack --show-urns)"
    why = ("it left the program (or was replaced) during an update" if command.kind == UPDATE else
           "this may not be `pulumi destroy` (could not tell: " + command.how + "), so it is treated as an update")
    return (f"{who} of {scope}: {why}, so its cleanup did NOT run and nothing was deleted. To run it: "
            f"`{cli_command(props)}` (prints its plan first); next time keep it in the program and run `{target}`, "
            f"or set run_on_remove=True on it before removing it. ({command.how})")


def delete(backend: ImageBackend, props: Mapping[str, Any], *, progress: ProgressCallback | None = None,
           now: datetime | None = None) -> CleanupReport:
    """Run the cleanup recorded in ``props``; raises CleanupFailedError (with the summary) unless all went.

    Deletes at most the images of the recorded plan (``candidate_ids``), unless ``delete_all``; the others the
    rules select now are kept (``report.not_in_plan``) and fail the run, so the resource stays for a refresh and
    a second destroy. With ``dry_run`` nothing is deleted and the report says what would have gone. What was
    deleted stays deleted when it fails. Images an Image of this deployment holds are kept (``report.kept``), and
    with ``keep_in_use`` the images a workload runs at the moment of their delete (a source that cannot be read:
    WorkloadSourceError, nothing deleted). Ask :func:`not_run_notice` first: a delete during an up runs nothing
    unless the resource opted in.
    """
    rules = rules_from(props)
    planned = [*(props.get(PLAN_FIELD) or []), *(props.get("candidate_refs") or [])]  # ids, or refs after a migration
    recorded = None if rules.delete_all else [str(item) for item in planned if isinstance(item, str)]
    report = run_cleanup(backend, rules, now=now, progress=progress, spare=held_reason,
                         in_use=_reader(backend, rules), plan=recorded, plan_hint="refresh, then destroy again")
    return report.raise_for_failures()


__all__ = sorted([
    "BEHAVIOUR_FIELDS", "DEFAULTS", "DiffPlan", "INPUT_FIELDS", "OUTPUT_FIELDS", "RESULT_FIELDS", "RULE_FIELDS",
    "SCOPE_FIELDS", "UNKNOWN", "candidates", "check", "check_scope", "cli_command", "create", "delete", "diff",
    "in_use_now", "normalize_inputs", "not_run_notice", "nothing_selected", "PLAN_FIELD", "plan", "with_plan",
    "outputs_for", "read", "resource_id", "rules_from", "update", "with_defaults",
])
