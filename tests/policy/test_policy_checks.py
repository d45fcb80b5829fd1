"""Each policy's validator called directly (no analyzer process)."""

from __future__ import annotations

import datetime as dt

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    PolicyCustomTimeouts,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy_support import is_image_res, plain_inputs, urn_for
from yc_registry_policies import checks, policies
import yc_registry_policies as pkg

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def run_resource(policy: ResourceValidationPolicy, res_type: str, props, config=None):
    msgs = []
    args = ResourceValidationArgs(res_type, props, f"urn:pulumi:dev::demo::{res_type}::x", "x", OPTS, None,
                                  config)
    policy.validate(args, lambda m, urn=None: msgs.append(m))
    return msgs


def run_stack(policy: StackValidationPolicy, resources, config=None):
    """resources: [(type, name, outputs)] -> [(message, urn)]"""
    out = []
    prs = [PolicyResource(t, props, f"urn:pulumi:dev::demo::{t}::{n}", n, OPTS, None, None, [], {})
           for t, n, props in resources]
    policy.validate(StackValidationArgs(prs, config), lambda m, urn=None: out.append((m, urn)))
    return out


def captured(by_name, *names):
    """(type, name, captured outputs) of the named captured resources; no names: every one."""
    return [(r["type"], r["name"], r["outputs"]) for r in
            ([by_name[n] for n in names] if names else by_name.values())]


def images(by_name):
    return captured(by_name, *[n for n, r in by_name.items() if is_image_res(r)])


def fired_names(out):
    return sorted({u.rsplit("::", 1)[1] for _, u in out})


UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"  # the engine's marker for an unknown boolean


def test_package_exports_and_no_yandexcloud():
    import sys
    assert callable(pkg.image_pinned_by_digest)
    assert isinstance(pkg.IMAGE_TAG_RULES, StackValidationPolicy)
    names = [p.name for p in pkg.all_policies()]
    assert names == ["image-pinned-by-digest", "image-max-compressed-size", "image-tag-rules",
                     "image-max-age", "cleanup-needs-keep-rule", "container-registry-sunset",
                     "container-registry-migration"]
    for p in pkg.all_policies():
        assert p.config_schema is not None and p.config_schema.properties
        assert p.enforcement_level is not None
    assert "yandexcloud" not in sys.modules


def test_types_cover_dynamic_and_native_tokens():
    assert checks.is_image("pulumi-python:dynamic/yc-registry:Image")
    assert checks.is_image("yc-registry:index:Image")
    assert checks.is_cleanup("pulumi-python:dynamic/yc-registry:ImageCleanup")
    assert checks.is_cleanup("yc-registry:index:ImageCleanup")
    assert not checks.is_image("pulumi-python:dynamic/yc-registry:ImageCleanup")


# ----------------------------------------------------------- pinned by digest
@pytest.mark.parametrize("token", sorted(checks.IMAGE_TYPES))
def test_pinned_fires_on_tag_only(by_name, token):
    p = policies.image_pinned_by_digest()
    msgs = run_resource(p, token, plain_inputs(by_name["by-tag"]))
    assert len(msgs) == 1 and "digest" in msgs[0] and "v1.2.3" in msgs[0]


@pytest.mark.parametrize("name", ["by-digest", "by-id"])
def test_pinned_silent_when_pinned(by_name, name):
    p = policies.image_pinned_by_digest()
    assert run_resource(p, by_name[name]["type"], plain_inputs(by_name[name])) == []


def test_pinned_allowed_tag_pattern_and_other_types(by_name):
    p = policies.image_pinned_by_digest()
    r = by_name["by-tag"]
    assert run_resource(p, r["type"], plain_inputs(r), {"allowedTagPattern": r"v\d+\.\d+\.\d+"}) == []
    assert run_resource(p, "kubernetes:apps/v1:Deployment", plain_inputs(r)) == []
    # a digest that is unknown during preview is a pin we cannot see yet: skip
    assert checks.check_pinned_by_digest({"tag": "v1", "digest": checks.UNKNOWN}) == []
    assert checks.check_pinned_by_digest({"tag": "v1", "digest": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}) == []


# -------------------------------------------------------------- max size
def test_size(by_name):
    p = policies.image_max_compressed_size()
    # the captured stack: only by-digest (2 GiB as the fake reports it) is over the default 1 GiB
    out = run_stack(p, captured(by_name))
    assert fired_names(out) == ["by-digest"]
    assert "2.0 GiB" in out[0][0] and out[0][1] == urn_for(by_name["by-digest"])
    # configured (numbers arrive as floats from the protobuf Struct): 50 MiB exactly is not above it
    out = run_stack(p, images(by_name), {"maxBytes": 50.0 * 1024 ** 2})
    assert fired_names(out) == ["by-digest", "by-latest", "by-odd-tag"]
    # unknown during preview: silent
    r = by_name["by-digest"]
    assert run_stack(p, [(r["type"], "u", dict(r["outputs"], compressed_size=checks.UNKNOWN))]) == []
    # cleanups are not images
    c = by_name["delete-all"]
    assert run_stack(p, [(c["type"], c["name"], dict(c["outputs"], compressed_size=10 ** 12))]) == []


# -------------------------------------------------------------- tag rules
def test_tag_rules_latest(by_name):
    p = policies.image_tag_rules()
    assert p.enforcement_level == EnforcementLevel.MANDATORY
    latest = by_name["by-latest"]
    assert latest["outputs"]["tags"] == ["latest"]
    out = run_stack(p, captured(by_name))
    assert len(out) == 1 and "`latest`" in out[0][0] and out[0][1] == urn_for(latest)
    assert run_stack(p, captured(by_name), {"allowLatest": True}) == []
    # inputs alone (outputs unknown at preview) are enough for the latest rule
    assert checks.check_tag_rules(plain_inputs(latest))


def test_tag_rules_pattern(by_name):
    p = policies.image_tag_rules()
    cfg = {"requiredTagPattern": r"v\d+\.\d+\.\d+"}
    out = run_stack(p, images(by_name), cfg)
    # by-latest: adopted by `latest` and no versioned tag; by-odd-tag: feature-x; by-digest-untagged: no tag
    assert fired_names(out) == ["by-digest-untagged", "by-latest", "by-odd-tag"]
    by = {u.rsplit("::", 1)[1]: m for m, u in out}
    assert "feature-x" in by["by-odd-tag"] and "no tag matching" in by["by-digest-untagged"]
    out = run_stack(p, images(by_name), dict(cfg, allowLatest=True))
    assert fired_names(out) == ["by-digest-untagged", "by-latest", "by-odd-tag"]
    assert all("`latest`" not in m for m, _ in out)
    # `latest` next to a matching tag is fine once allowed (a variant of the captured 2 GiB image)
    dig = by_name["by-digest"]
    assert run_stack(p, [(dig["type"], "dig", dict(dig["outputs"], tags=["v2.0.0", "latest"]))],
                     dict(cfg, allowLatest=True)) == []


# -------------------------------------------------------------- max age
def test_age(by_name):
    p = policies.image_max_age(clock=lambda: NOW)
    # captured created_at values: 2023-03-15 (by-latest) and 2025-06-01 (by-odd-tag) are over 180 days
    out = run_stack(p, captured(by_name))
    assert fired_names(out) == ["by-latest", "by-odd-tag"]
    assert all("180" in m for m, _ in out)
    assert "2023-03-15T12:00:00Z" in dict((u.rsplit("::", 1)[1], m) for m, u in out)["by-latest"]
    # by-digest-untagged was created 2 days before NOW, everything else earlier
    assert fired_names(run_stack(p, images(by_name), {"maxAgeDays": 3})) == sorted(
        n for n, r in by_name.items() if is_image_res(r) and n != "by-digest-untagged")
    assert checks.parse_timestamp("2026-11-20T10:00:00.123456789Z").year == 2026
    assert checks.check_max_age({"created_at": "2026-11-20T10:00:00+03:00"}, now=NOW) == []


# -------------------------------------------------------------- cleanup
@pytest.mark.parametrize("name,fires", [("delete-all", True), ("keep-rules", False),
                                        ("delete-all-with-keep-rules", False), ("older-than-only", False),
                                        ("untagged-only", False), ("dry-run-delete-all", False)])
def test_cleanup(by_name, name, fires):
    p = policies.cleanup_needs_keep_rule()
    assert p.enforcement_level == EnforcementLevel.MANDATORY
    r = by_name[name]
    for token in sorted(checks.CLEANUP_TYPES):
        assert bool(run_resource(p, token, plain_inputs(r))) is fires


def test_cleanup_delete_all_message_names_scope(by_name):
    p = policies.cleanup_needs_keep_rule()
    r = by_name["delete-all"]
    [msg] = run_resource(p, r["type"], plain_inputs(r))
    assert "every image in repository crp0123456789abcdefg/app would be deleted" in msg
    assert "?" not in msg
    # what the provider would delete: the whole repository, as captured
    assert r["outputs"]["candidate_count"] == len({x["outputs"]["image_id"] for x in by_name.values()
                                                   if is_image_res(x)
                                                   and x["outputs"]["name"] == "crp0123456789abcdefg/app"})


def test_cleanup_delete_all_with_rules_is_not_reported(by_name):
    """delete_all only lifts the provider's refusal of a rule-less cleanup: rules given with it still keep."""
    p = policies.cleanup_needs_keep_rule()
    r = by_name["delete-all-with-keep-rules"]
    # the provider agrees: the images the keep_tags rule matches are not candidates
    assert r["outputs"]["candidate_count"] < by_name["delete-all"]["outputs"]["candidate_count"]
    assert run_resource(p, r["type"], plain_inputs(r)) == []
    assert run_resource(p, r["type"], plain_inputs(r), {"allowDeleteAll": False}) == []
    # delete_all with only a rule the config does not count: reported, naming the rule that still protects
    variant = dict(plain_inputs(by_name["older-than-only"]), delete_all=True)
    [msg] = run_resource(p, r["type"], variant, {"olderThanIsKeepRule": False})
    assert "delete_all only lifts" in msg and "older_than 30d still protects" in msg
    assert "every image" not in msg and "repository crp0123456789abcdefg/web" in msg
    assert run_resource(p, r["type"], variant) == []


def test_cleanup_older_than_is_a_keep_rule(by_name):
    p = policies.cleanup_needs_keep_rule()
    r = by_name["older-than-only"]
    # the provider keeps what is not older than 30d (the captured candidate is the 2025 image only)
    assert r["outputs"]["candidate_ids"] == [by_name["by-odd-tag"]["outputs"]["image_id"]]
    assert run_resource(p, r["type"], plain_inputs(r)) == []
    assert run_resource(p, r["type"], plain_inputs(r), {"olderThanIsKeepRule": True}) == []
    [msg] = run_resource(p, r["type"], plain_inputs(r), {"olderThanIsKeepRule": False})
    assert "repository crp0123456789abcdefg/web has no counted keep rule" in msg
    assert "olderThanIsKeepRule=false" in msg
    assert run_resource(p, r["type"], plain_inputs(r),
                        {"olderThanIsKeepRule": False, "allowWithoutKeepRules": True}) == []


def test_cleanup_config(by_name):
    p = policies.cleanup_needs_keep_rule()
    assert run_resource(p, by_name["delete-all"]["type"], plain_inputs(by_name["delete-all"]),
                        {"allowDeleteAll": True}) == []
    # allowWithoutKeepRules does not cover delete_all=True (allowDeleteAll does)
    assert run_resource(p, by_name["delete-all"]["type"], plain_inputs(by_name["delete-all"]),
                        {"allowWithoutKeepRules": True})
    msgs = run_resource(p, by_name["untagged-only"]["type"], plain_inputs(by_name["untagged-only"]),
                        {"untaggedOnlyIsKeepRule": False})
    assert len(msgs) == 1 and "ImageCleanup of registry crp0123456789abcdefg " in msgs[0]
    assert run_resource(p, by_name["dry-run-delete-all"]["type"], plain_inputs(by_name["dry-run-delete-all"]),
                        {"exemptDryRun": False})
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_last": 0}) != []
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_tags": checks.UNKNOWN}) == []
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_last": 2.0}) == []


@pytest.mark.parametrize("unknown", [checks.UNKNOWN, UNKNOWN_BOOL])
def test_cleanup_unknown_delete_all_is_silent(by_name, unknown):
    """delete_all computed elsewhere (unknown at preview): no rule, but it may be confirmed: stay silent."""
    p = policies.cleanup_needs_keep_rule()
    r = by_name["delete-all"]
    inputs = dict(plain_inputs(r), delete_all=unknown)
    assert run_resource(p, r["type"], inputs) == []
    assert checks.check_cleanup_keep_rule(inputs) == []
    # an unknown dry_run could be True: silent too while exemptDryRun
    assert checks.check_cleanup_keep_rule(dict(plain_inputs(r), dry_run=unknown)) == []


# -------------------------------------------------------------- sunset
DEPLOYMENT = {
    "metadata": {"name": "web"},
    "spec": {"template": {"spec": {"containers": [
        {"name": "sidecar", "image": "nginx:1.27"},
        {"name": "web", "image": "cr.yandex/crp0123456789abcdefg/web:v3"},
    ]}}},
}


def test_find_cr_yandex_refs():
    assert checks.find_cr_yandex_refs(DEPLOYMENT) == [
        ("spec.template.spec.containers[1].image", "cr.yandex/crp0123456789abcdefg/web:v3")]
    assert checks.find_cr_yandex_refs({"a": "https://cr.yandex/v2/x", "b": "notcr.yandex/x",
                                       "c": "cr.yandex.example/x", "__provider": "cr.yandex/x"}) == [
        ("a", "https://cr.yandex/v2/x")]
    assert checks.find_cr_yandex_refs(["x", {"k": ['{"image":"cr.yandex/r/a:1"}']}]) == [
        ("[1].k[0]", '{"image":"cr.yandex/r/a:1"}')]
    assert checks.image_ref('{"image":"cr.yandex/r/a:1"}') == "cr.yandex/r/a:1"


def test_sunset_levels_and_message():
    before = policies.container_registry_sunset(today=lambda: dt.date(2026, 12, 13))
    after = policies.container_registry_sunset(today=lambda: dt.date(2026, 12, 14))
    assert before.enforcement_level == EnforcementLevel.ADVISORY
    assert after.enforcement_level == EnforcementLevel.MANDATORY
    custom = policies.container_registry_sunset(sunset_date="2027-06-01", today=lambda: dt.date(2026, 12, 20))
    assert custom.enforcement_level == EnforcementLevel.ADVISORY
    msgs = run_resource(before, "kubernetes:apps/v1:Deployment", DEPLOYMENT)
    assert len(msgs) == 1
    assert "Cloud Registry" in msgs[0] and "shuts down on 2026-12-14" in msgs[0]
    assert "cr.yandex/crp0123456789abcdefg/web:v3" in msgs[0]
    assert "was shut down" in run_resource(after, "kubernetes:apps/v1:Deployment", DEPLOYMENT)[0]
    assert run_resource(before, "kubernetes:apps/v1:Deployment", DEPLOYMENT,
                        {"ignoreResourceTypes": ["kubernetes:apps/v1:Deployment"]}) == []
    assert run_resource(before, "kubernetes:apps/v1:Deployment",
                        {"spec": {"image": "registry.example.com/app:v1"}}) == []


def test_sunset_env(monkeypatch):
    monkeypatch.setenv(checks.SUNSET_DATE_ENV, "2000-01-01")
    assert policies.container_registry_sunset().enforcement_level == EnforcementLevel.MANDATORY
    monkeypatch.setenv(checks.SUNSET_DATE_ENV, "2999-01-01")
    assert policies.container_registry_sunset().enforcement_level == EnforcementLevel.ADVISORY


def test_own_resources_do_not_trip_sunset(by_name):
    p = policies.container_registry_sunset()
    for r in by_name.values():
        assert run_resource(p, r["type"], plain_inputs(r)) == []


def test_cleanup_emptying_a_whole_registry_passes_by_default_and_is_configurable():
    """A registry_id scope with delete_all and no keep rule (the README's and examples/cleanup-on-destroy's
    cleanup: a registry the stack deletes must be empty first) passes as shipped; a repository scope does not."""
    p = policies.cleanup_needs_keep_rule()
    registry_wide = {"registry_id": "crp123", "delete_all": True, "dry_run": False}
    assert run_resource(p, sorted(checks.CLEANUP_TYPES)[0], registry_wide) == []
    [msg] = run_resource(p, sorted(checks.CLEANUP_TYPES)[0], registry_wide, {"allowEmptyingRegistry": False})
    assert "every image in registry crp123 would be deleted" in msg
    assert run_resource(p, sorted(checks.CLEANUP_TYPES)[0], {"repository_name": "crp123/app", "delete_all": True})


def test_cleanup_peer_rules_are_keep_rules(by_name):
    """keep_tag_prefixes, keep_rules and delete_tags_matching keep some images, as the provider applies them."""
    p = policies.cleanup_needs_keep_rule()
    for name in ("prefixes-and-ordered-rules", "delete-tags-matching"):
        r = by_name[name]
        # the provider agrees: it keeps some images of the repository
        assert r["outputs"]["candidate_count"] < by_name["delete-all"]["outputs"]["candidate_count"]
        assert run_resource(p, r["type"], plain_inputs(r)) == []
    r = by_name["delete-tags-matching"]
    [msg] = run_resource(p, r["type"], plain_inputs(r), {"deleteTagsMatchingIsKeepRule": False})
    assert "no counted keep rule" in msg and "deleteTagsMatchingIsKeepRule=false" in msg
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_rules": [{"tag_pattern": "v.*",
                                                                                   "keep_last": 2.0}]}) == []
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_rules": [{"tag_pattern": "v.*",
                                                                                   "keep_last": 0}]}) != []
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_rules": [checks.UNKNOWN]}) == []
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_tag_prefixes": ["v"]}) == []
    [msg] = checks.check_cleanup_keep_rule({"repository_name": "r"})
    assert "keep_tag_prefixes" in msg and "keep_rules" in msg and r"v1\..*" in msg
    # the native plugin's camelCase names, nested ones included, decide the same
    assert checks.check_cleanup_keep_rule({"repositoryName": "r", "keepRules": [{"tagPattern": "v.*",
                                                                                 "keepLast": 2}]}) == []
    assert checks.check_cleanup_keep_rule({"repositoryName": "r", "keepRules": [{"tagPattern": "v.*",
                                                                                 "keepLast": 0}]}) != []


def test_native_camel_case_properties_are_read_like_the_dynamic_ones():
    # given the native plugin's camelCase names for the same cleanup and image
    cleanup = {"repositoryName": "crp1/app", "deleteAll": True}
    kept = {"repositoryName": "crp1/app", "deleteAll": True, "keepTags": ["release-.*"]}
    image = {"repositoryName": "crp1/app", "tag": "latest", "compressedSize": 2 * 1024 ** 3}
    # then the checks decide as they do for the snake_case names
    assert checks.check_cleanup_keep_rule(cleanup) == checks.check_cleanup_keep_rule(
        {"repository_name": "crp1/app", "delete_all": True}) != []
    assert checks.check_cleanup_keep_rule(kept) == []
    assert checks.check_max_compressed_size(image) != []


# -------------------------------------------------------------- migration
MIGRATED, LEFT = "crpmigrated0000000001", "crpleft00000000000001"
FOLDER_MIGRATION = "pulumi-python:dynamic/yc-registry:FolderMigration"


def migration_stack(disable_redirects=False, status="COMPLETED"):
    return [
        (FOLDER_MIGRATION, "folder", {"folder_id": "b1g", "status": status, "registry_ids": [MIGRATED],
                                      "disable_redirects": disable_redirects}),
        ("kubernetes:apps/v1:Deployment", "web", {"spec": {"image": f"cr.yandex/{MIGRATED}/web:v3"}}),
        ("kubernetes:apps/v1:Deployment", "job", {"spec": {"image": f"cr.yandex/{LEFT}/job:v1"}}),
        ("kubernetes:apps/v1:Deployment", "new", {"spec": {"image": f"registry.yandexcloud.net/{MIGRATED}/web:v3"}}),
    ]


def test_migration_tells_migrated_registries_from_those_left():
    out = run_stack(policies.container_registry_migration(), migration_stack())
    by = {u.rsplit("::", 1)[1]: m for m, u in out}
    assert sorted(by) == ["job", "web"]
    assert f"migrated to Cloud Registry: {MIGRATED} (by FolderMigration folder)" in by["web"]
    assert "registry.yandexcloud.net/<registry_id>/" in by["web"] and "NOT migrated" not in by["web"]
    assert f"NOT migrated: {LEFT}" in by["job"] and "FolderMigration" in by["job"]
    # a migration not completed yet migrates nothing
    out = run_stack(policies.container_registry_migration(), migration_stack(status="IN_PROGRESS"))
    assert all("NOT migrated" in m for m, _u in out)


def test_an_image_served_by_cloud_registry_marks_its_registry_migrated():
    stack = migration_stack()[1:2] + [("yc-registry:index:Image", "img", {"service": "cloud-registry",
                                                                           "registry_id": MIGRATED})]
    [(message, _urn)] = run_stack(policies.container_registry_migration(), stack)
    assert f"{MIGRATED} (by Image img)" in message


def test_disabled_redirects_with_cr_yandex_references_left_are_reported_on_the_migration():
    out = run_stack(policies.container_registry_migration(), migration_stack(disable_redirects=True))
    on_migration = [m for m, u in out if u.endswith("::folder")]
    assert len(on_migration) == 1 and "disable_redirects=true" in on_migration[0]
    assert "web, job" in on_migration[0]
    clean = [s for s in migration_stack(disable_redirects=True) if s[1] in ("folder", "new")]
    assert run_stack(policies.container_registry_migration(), clean) == []


def test_own_resources_do_not_trip_migration(by_name):
    assert run_stack(policies.container_registry_migration(), captured(by_name)) == []


def test_migration_reads_the_native_plugins_camel_case_names():
    native = [("yc-registry:index:FolderMigration", "folder", {"folderId": "b1g", "status": "COMPLETED",
                                                                "registryIds": [MIGRATED], "disableRedirects": True}),
              ("kubernetes:apps/v1:Deployment", "web", {"spec": {"image": f"cr.yandex/{MIGRATED}/web:v3"}})]
    out = run_stack(policies.container_registry_migration(), native)
    assert any(f"{MIGRATED} (by FolderMigration folder)" in m for m, _u in out)
    assert any("disable_redirects=true" in m and "of folder b1g" in m for m, _u in out)


def test_keep_in_use_counts_as_a_keep_rule():
    """keep_in_use keeps the images a workload runs: the policy counts it, in the dynamic and the native form."""
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_in_use": True}) == []
    assert checks.check_cleanup_keep_rule({"repositoryName": "r", "keepInUse": {}}) == []
    assert checks.check_cleanup_keep_rule({"repositoryName": "r",
                                           "keepInUse": {"sources": ["compute"]}}) == []
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_in_use": checks.UNKNOWN}) == []
    [msg] = checks.check_cleanup_keep_rule({"repository_name": "r", "keep_in_use": False})
    assert "keep_in_use=True" in msg
