"""pulumi-policy policies for Yandex Cloud Container Registry images.

One factory per policy (call it to get a fresh policy object, optionally with a
different default enforcement level) plus a ready-made constant.  Import them
into your own pack::

    from pulumi_policy import PolicyPack
    from yc_registry_policies import all_policies, IMAGE_PINNED_BY_DIGEST

    PolicyPack("my-pack", policies=all_policies())

Which policies look at what:

* resource policies (run on inputs, during preview and update):
  ``image-pinned-by-digest``, ``cleanup-needs-keep-rule``,
  ``container-registry-sunset``;
* stack policies (run on outputs; values still unknown during a preview are
  skipped silently, so a new image is checked once it has been read):
  ``image-max-compressed-size``, ``image-tag-rules``, ``image-max-age``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, List, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import checks
from .checks import is_cleanup, is_image

__all__ = [
    "image_pinned_by_digest", "image_max_compressed_size", "image_tag_rules",
    "image_max_age", "cleanup_needs_keep_rule", "container_registry_sunset", "container_registry_migration",
    "all_policies",
    "IMAGE_PINNED_BY_DIGEST", "IMAGE_MAX_COMPRESSED_SIZE", "IMAGE_TAG_RULES",
    "IMAGE_MAX_AGE", "CLEANUP_NEEDS_KEEP_RULE",
]

Clock = Callable[[], _dt.datetime]


def _ignore_resource_types() -> dict:
    """The config both cr.yandex policies take: type tokens not to check."""
    return {"ignoreResourceTypes": {"type": "array", "items": {"type": "string"}, "default": [],
                                    "description": "Resource type tokens not to check."}}


def _report_all(report: ReportViolation, messages: List[str], urn: Optional[str] = None) -> None:
    for m in messages:
        if urn is None:
            report(m)
        else:
            report(m, urn)


def _stack_images(args: StackValidationArgs):
    for r in args.resources:
        if is_image(r.resource_type):
            yield r


# ------------------------------------------------------------------ policies
def image_pinned_by_digest(enforcement_level: EnforcementLevel = EnforcementLevel.ADVISORY
                           ) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if is_image(args.resource_type):
            _report_all(report, checks.check_pinned_by_digest(args.props, args.get_config()))

    return ResourceValidationPolicy(
        name="image-pinned-by-digest",
        description="Container images should be adopted by digest, not by a (movable) tag.",
        validate=validate,
        enforcement_level=enforcement_level,
        config_schema=PolicyConfigSchema(properties={
            "allowedTagPattern": {
                "type": "string",
                "description": "Regex (full match) of tags trusted to be immutable, e.g. "
                               "'v\\d+\\.\\d+\\.\\d+'; images adopted by such a tag are not reported.",
            },
        }),
        remediation_steps="Set `digest=` (or `image_id=`) on the Image.",
    )


def _image_stack_policy(name: str, description: str, enforcement_level: EnforcementLevel,
                        properties: dict, check: Callable[[dict, dict], List[str]]) -> StackValidationPolicy:
    """A stack policy that runs ``check(outputs, config)`` on every Image of the stack."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        cfg = args.get_config()
        for r in _stack_images(args):
            _report_all(report, check(r.props, cfg), r.urn)

    return StackValidationPolicy(name=name, description=description, validate=validate,
                                 enforcement_level=enforcement_level,
                                 config_schema=PolicyConfigSchema(properties=properties))


def image_max_compressed_size(enforcement_level: EnforcementLevel = EnforcementLevel.ADVISORY
                              ) -> StackValidationPolicy:
    return _image_stack_policy(
        "image-max-compressed-size", "Adopted container images must not exceed a maximum compressed size.",
        enforcement_level,
        {"maxBytes": {"type": "integer", "minimum": 0, "default": checks.SIZE_DEFAULTS["maxBytes"],
                      "description": "Largest allowed compressed size in bytes (default 1 GiB)."}},
        checks.check_max_compressed_size)


def image_tag_rules(enforcement_level: EnforcementLevel = EnforcementLevel.MANDATORY
                    ) -> StackValidationPolicy:
    return _image_stack_policy(
        "image-tag-rules",
        "Container image tags must follow the tag rules: `latest` is forbidden unless "
        "allowed, and tags must match the required pattern when one is configured.",
        enforcement_level,
        {"requiredTagPattern": {"type": "string",
                                "description": "Regex that the adoption tag and every registry tag (except "
                                               "`latest`) must fully match, e.g. 'v\\d+\\.\\d+\\.\\d+'. "
                                               "Unset: no pattern."},
         "allowLatest": {"type": "boolean", "default": False,
                         "description": "Allow adopting an image by the tag `latest`."}},
        checks.check_tag_rules)


def image_max_age(enforcement_level: EnforcementLevel = EnforcementLevel.ADVISORY,
                  clock: Optional[Clock] = None) -> StackValidationPolicy:
    return _image_stack_policy(
        "image-max-age", "Adopted container images must not be older than a maximum age.", enforcement_level,
        {"maxAgeDays": {"type": "integer", "minimum": 0, "default": checks.AGE_DEFAULTS["maxAgeDays"],
                        "description": "Largest allowed age in days, from the image's created_at (default 180)."}},
        lambda props, cfg: checks.check_max_age(props, cfg, (clock or checks.utcnow)()))


def cleanup_needs_keep_rule(enforcement_level: EnforcementLevel = EnforcementLevel.MANDATORY
                            ) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if is_cleanup(args.resource_type):
            _report_all(report, checks.check_cleanup_keep_rule(args.props, args.get_config()))

    return ResourceValidationPolicy(
        name="cleanup-needs-keep-rule",
        description="An ImageCleanup must keep something: at least one keep rule (keep_tags, keep_tag_prefixes, "
                    "keep_last, keep_rules, older_than, untagged_only, delete_tags_matching, keep_in_use); "
                    "delete_all=True "
                    "with no keep rule is reported, except on a whole registry (emptied so it can be deleted).",
        validate=validate,
        enforcement_level=enforcement_level,
        config_schema=PolicyConfigSchema(properties={
            "allowDeleteAll": {"type": "boolean", "default": False,
                               "description": "Permit delete_all=True without any keep rule (with keep rules "
                                              "delete_all is never reported: it only lifts the provider's "
                                              "refusal of a cleanup without rules)."},
            "allowEmptyingRegistry": {"type": "boolean", "default": True,
                                      "description": "Permit delete_all=True without keep rules on a registry_id "
                                                     "scope: emptying a whole registry, as a stack that deletes "
                                                     "that registry must (the cloud refuses to delete a registry "
                                                     "holding images). A repository scope is still reported."},
            "allowWithoutKeepRules": {"type": "boolean", "default": False,
                                      "description": "Permit a cleanup (without delete_all) that has no keep "
                                                     "rule this policy counts."},
            "untaggedOnlyIsKeepRule": {"type": "boolean", "default": True,
                                       "description": "untagged_only=True (keeps every tagged image) "
                                                      "counts as a keep rule."},
            "olderThanIsKeepRule": {"type": "boolean", "default": True,
                                    "description": "older_than (e.g. '30d': images not older than that are "
                                                   "kept) counts as a keep rule, as in the provider."},
            "deleteTagsMatchingIsKeepRule": {"type": "boolean", "default": True,
                                             "description": "delete_tags_matching (tagged images whose tags do "
                                                            "not match are kept) counts as a keep rule."},
            "exemptDryRun": {"type": "boolean", "default": True,
                             "description": "Do not report cleanups with dry_run=True (they delete nothing)."},
        }),
        remediation_steps="Add a keep rule to the ImageCleanup: keep_tags=[...] (whole-tag regexes, e.g. "
                          "'v1\\..*'), keep_tag_prefixes=[...], keep_last=N, keep_rules=[{tag_pattern, keep_last}], "
                          "older_than='30d', untagged_only=True or keep_in_use=True.",
    )


def container_registry_sunset(enforcement_level: Optional[EnforcementLevel] = None,
                              sunset_date: Any = None,
                              today: Optional[Callable[[], _dt.date]] = None) -> ResourceValidationPolicy:
    """Reports any resource whose inputs reference ``cr.yandex/``.

    Default enforcement level: advisory before the sunset date, mandatory on and
    after it.  The date is ``sunset_date`` if given, else the environment
    variable ``YC_REGISTRY_SUNSET_DATE`` (ISO date) of the pack's process, else
    2026-12-14.  The level is decided when the policy object is built, i.e.
    when the pack starts (Pulumi starts it on every preview/update); an explicit
    ``enforcementLevel`` in the policy config always wins.
    """
    clock = today or (lambda: checks.utcnow().date())
    day = checks.effective_sunset_date(sunset_date)
    if enforcement_level is None:
        enforcement_level = (EnforcementLevel.MANDATORY if checks.sunset_is_mandatory(day, clock())
                             else EnforcementLevel.ADVISORY)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        _report_all(report, checks.check_container_registry_sunset(
            args.resource_type, args.props, args.get_config(), day, clock()))

    return ResourceValidationPolicy(
        name="container-registry-sunset",
        description="Yandex Container Registry (cr.yandex) is being shut down: "
                    "resources must not reference cr.yandex/ images; use Yandex Cloud Registry.",
        validate=validate,
        enforcement_level=enforcement_level,
        config_schema=PolicyConfigSchema(properties=_ignore_resource_types()),
        remediation_steps="Push the images to Yandex Cloud Registry and replace the cr.yandex/ "
                          "references; see " + checks.SUNSET_DOCS,
        url=checks.CLOUD_REGISTRY_DOCS,
    )


def container_registry_migration(enforcement_level: EnforcementLevel = EnforcementLevel.ADVISORY
                                 ) -> StackValidationPolicy:
    """Says, for every resource referencing ``cr.yandex/``, which of its registries have moved to Cloud Registry
    (from FolderMigration outputs and Images served by Cloud Registry) and which have not; reports a
    FolderMigration with ``disable_redirects=true`` while the stack still references ``cr.yandex/``."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [(r.resource_type, r.name, checks.to_plain(r.props)) for r in args.resources]
        for message, index in checks.check_migration(resources, args.get_config()):
            report(message, args.resources[index].urn)

    return StackValidationPolicy(
        name="container-registry-migration",
        description="The companion of container-registry-sunset on outputs: which cr.yandex/ registries have "
                    "moved to Yandex Cloud Registry, which have not, and redirects disabled too early.",
        validate=validate,
        enforcement_level=enforcement_level,
        config_schema=PolicyConfigSchema(properties=_ignore_resource_types()),
        remediation_steps="Migrate the folder with pulumi_yc_registry.FolderMigration, then point the references "
                          "at registry.yandexcloud.net/<registry_id>/...; keep redirects on until none is left.",
        url=checks.CLOUD_REGISTRY_DOCS,
    )


def all_policies(sunset_date: Any = None) -> list:
    """Fresh instances of every policy, with their default enforcement levels."""
    return [
        image_pinned_by_digest(),
        image_max_compressed_size(),
        image_tag_rules(),
        image_max_age(),
        cleanup_needs_keep_rule(),
        container_registry_sunset(sunset_date=sunset_date),
        container_registry_migration(),
    ]


IMAGE_PINNED_BY_DIGEST = image_pinned_by_digest()
IMAGE_MAX_COMPRESSED_SIZE = image_max_compressed_size()
IMAGE_TAG_RULES = image_tag_rules()
IMAGE_MAX_AGE = image_max_age()
CLEANUP_NEEDS_KEEP_RULE = cleanup_needs_keep_rule()
# No constant for container-registry-sunset: its default level depends on the
# date, so build it with container_registry_sunset() when the pack starts.
