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

from policy_support import cleanup_outputs, image_outputs, plain_inputs, urn_for
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


def test_package_exports_and_no_yandexcloud():
    import sys
    assert callable(pkg.image_pinned_by_digest)
    assert isinstance(pkg.IMAGE_TAG_RULES, StackValidationPolicy)
    names = [p.name for p in pkg.all_policies()]
    assert names == ["image-pinned-by-digest", "image-max-compressed-size", "image-tag-rules",
                     "image-max-age", "cleanup-needs-keep-rule", "container-registry-sunset"]
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


@pytest.mark.parametrize("name", ["by-digest", "by-tag-and-digest", "by-id"])
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
    r = by_name["by-digest"]
    big = image_outputs(r, compressed_size=3 * 1024 ** 3)
    small = image_outputs(r, compressed_size=100 * 1024 ** 2)
    out = run_stack(p, [(r["type"], "big", big), (r["type"], "small", small)])
    assert len(out) == 1 and out[0][1].endswith("::big") and "3.0 GiB" in out[0][0]
    # configured (numbers arrive as floats from the protobuf Struct)
    assert len(run_stack(p, [(r["type"], "small", small)], {"maxBytes": 50.0 * 1024 ** 2})) == 1
    # unknown during preview: silent
    assert run_stack(p, [(r["type"], "u", dict(small, compressed_size=checks.UNKNOWN))]) == []
    # cleanups are not images
    c = by_name["delete-all"]
    assert run_stack(p, [(c["type"], c["name"], dict(cleanup_outputs(c), compressed_size=10 ** 12))]) == []


# -------------------------------------------------------------- tag rules
def test_tag_rules_latest(by_name):
    p = policies.image_tag_rules()
    assert p.enforcement_level == EnforcementLevel.MANDATORY
    latest = by_name["by-latest"]
    ok = by_name["by-tag"]
    out = run_stack(p, [(latest["type"], latest["name"], image_outputs(latest)),
                        (ok["type"], ok["name"], image_outputs(ok))])
    assert len(out) == 1 and "`latest`" in out[0][0] and out[0][1] == urn_for(latest)
    assert run_stack(p, [(latest["type"], "l", image_outputs(latest))], {"allowLatest": True}) == []
    # inputs alone (outputs unknown at preview) are enough for the latest rule
    assert checks.check_tag_rules(plain_inputs(latest))


def test_tag_rules_pattern(by_name):
    p = policies.image_tag_rules()
    cfg = {"requiredTagPattern": r"v\d+\.\d+\.\d+"}
    odd, ok, dig = by_name["by-odd-tag"], by_name["by-tag"], by_name["by-digest"]
    out = run_stack(p, [(odd["type"], odd["name"], image_outputs(odd)),
                        (ok["type"], ok["name"], image_outputs(ok)),
                        (dig["type"], "dig-ok", image_outputs(dig, tags=["v2.0.0", "latest"])),
                        (dig["type"], "dig-untagged", image_outputs(dig, tags=[]))], cfg)
    assert [u.rsplit("::", 1)[1] for _, u in out] == ["by-odd-tag", "dig-untagged"]
    assert "feature-x" in out[0][0]


# -------------------------------------------------------------- max age
def test_age(by_name):
    p = policies.image_max_age(clock=lambda: NOW)
    r = by_name["by-digest"]
    old = image_outputs(r, created_at="2025-01-01T00:00:00Z")
    new = image_outputs(r, created_at="2026-11-20T10:00:00Z")
    out = run_stack(p, [(r["type"], "old", old), (r["type"], "new", new)])
    assert len(out) == 1 and out[0][1].endswith("::old") and "180" in out[0][0]
    assert len(run_stack(p, [(r["type"], "new", new)], {"maxAgeDays": 3})) == 1
    assert checks.parse_timestamp("2026-11-20T10:00:00.123456789Z").year == 2026
    assert checks.check_max_age({"created_at": "2026-11-20T10:00:00+03:00"}, now=NOW) == []


# -------------------------------------------------------------- cleanup
@pytest.mark.parametrize("name,fires", [("delete-all", True), ("no-keep-rules", True), ("keep-rules", False),
                                        ("untagged-only", False), ("dry-run-delete-all", False)])
def test_cleanup(by_name, name, fires):
    p = policies.cleanup_needs_keep_rule()
    assert p.enforcement_level == EnforcementLevel.MANDATORY
    r = by_name[name]
    for token in sorted(checks.CLEANUP_TYPES):
        assert bool(run_resource(p, token, plain_inputs(r))) is fires


def test_cleanup_config(by_name):
    p = policies.cleanup_needs_keep_rule()
    assert run_resource(p, by_name["delete-all"]["type"], plain_inputs(by_name["delete-all"]),
                        {"allowDeleteAll": True}) == []
    assert run_resource(p, by_name["no-keep-rules"]["type"], plain_inputs(by_name["no-keep-rules"]),
                        {"allowWithoutKeepRules": True}) == []
    assert run_resource(p, by_name["untagged-only"]["type"], plain_inputs(by_name["untagged-only"]),
                        {"untaggedOnlyIsKeepRule": False})
    assert run_resource(p, by_name["dry-run-delete-all"]["type"], plain_inputs(by_name["dry-run-delete-all"]),
                        {"exemptDryRun": False})
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_last": 0}) != []
    assert checks.check_cleanup_keep_rule({"repository_name": "r", "keep_tags": checks.UNKNOWN}) == []


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
