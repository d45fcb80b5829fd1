"""The pack started as Pulumi starts it (``python -u -m pulumi.policy 127.0.0.1:0
<pack folder>``) and driven over its Analyzer gRPC API, with resources shaped
as pulumi_yc_registry registers them and with the outputs its providers return
(fixtures/registered_resources.json, captured against the embedded fake by
capture_resources.py), plus foreign resources that reference cr.yandex/ images."""

from __future__ import annotations

import datetime as dt

import pytest

from policy_support import Analyzer, analyzer_pb2, is_image_res, stack_resource, stack_resources, urn_for

ADVISORY = analyzer_pb2.EnforcementLevel.Value("ADVISORY")
MANDATORY = analyzer_pb2.EnforcementLevel.Value("MANDATORY")

SERVERLESS = ("yandex:index/serverlessContainer:ServerlessContainer", "api", {
    "name": "api", "memory": 256.0,
    "image": {"url": "cr.yandex/crp0123456789abcdefg/api:v1.4.0", "environment": {"MODE": "prod"}},
})
DEPLOYMENT = ("kubernetes:apps/v1:Deployment", "web", {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"replicas": 2.0, "template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.27"},
        {"name": "web", "image": "cr.yandex/crp0123456789abcdefg/web@sha256:" + "f" * 64},
    ]}}},
})
TASK_JSON = ("aws:ecs/taskDefinition:TaskDefinition", "job", {
    "containerDefinitions": '[{"name":"job","image":"cr.yandex/crp0123456789abcdefg/job:7"}]',
})
CLEAN_FOREIGN = ("kubernetes:apps/v1:Deployment", "clean", {
    "spec": {"template": {"spec": {"containers": [{"name": "x", "image": "registry.example.com/x:v1"}]}}},
})


def names(resp, policy):
    return sorted(d.urn.rsplit("::", 1)[1] for d in resp.diagnostics if d.policyName == policy)


def policy_diags(resp, policy):
    return [d for d in resp.diagnostics if d.policyName == policy]


def analyze_all(analyzer, resources):
    """Analyze each (type, name, inputs); return {name: AnalyzeResponse}."""
    return {n: analyzer.analyze(t, n, inputs) for t, n, inputs in resources}


def fired(responses, policy):
    return sorted(n for n, resp in responses.items() if policy_diags(resp, policy))


def image_names(by_name):
    return sorted(n for n, r in by_name.items() if is_image_res(r))


UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"


@pytest.fixture(autouse=True)
def default_config(analyzer):
    analyzer.configure({})


def test_fixture_shapes(registered):
    types = {r["type"] for r in registered["resources"]}
    assert types == {"pulumi-python:dynamic/yc-registry:Image", "pulumi-python:dynamic/yc-registry:ImageCleanup"}


def test_analyzer_info(analyzer):
    info = analyzer.info()
    assert info.name == "yc-registry-images" and info.supportsConfig
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels["image-pinned-by-digest"] == ADVISORY
    assert levels["image-max-compressed-size"] == ADVISORY
    assert levels["image-tag-rules"] == MANDATORY
    assert levels["image-max-age"] == ADVISORY
    assert levels["cleanup-needs-keep-rule"] == MANDATORY
    today = dt.datetime.now(dt.timezone.utc).date()
    assert levels["container-registry-sunset"] == (MANDATORY if today >= dt.date(2026, 12, 14) else ADVISORY)
    for p in info.policies:
        assert p.configSchema.properties, p.name


def test_image_pinned_by_digest(analyzer, by_name):
    res = analyze_all(analyzer, [(r["type"], r["name"], r["inputs"]) for r in by_name.values()])
    assert fired(res, "image-pinned-by-digest") == ["by-latest", "by-odd-tag", "by-tag"]
    d = policy_diags(res["by-tag"], "image-pinned-by-digest")[0]
    assert d.enforcementLevel == ADVISORY and "digest" in d.message
    # native-plugin token, same property names
    r = by_name["by-tag"]
    assert policy_diags(analyzer.analyze("yc-registry:index:Image", "n", r["inputs"]), "image-pinned-by-digest")
    analyzer.configure({"image-pinned-by-digest": {"allowedTagPattern": r"v\d+\.\d+\.\d+"}})
    res = analyze_all(analyzer, [(r["type"], r["name"], r["inputs"]) for r in by_name.values()])
    assert fired(res, "image-pinned-by-digest") == ["by-latest", "by-odd-tag"]


def test_cleanup_needs_keep_rule(analyzer, by_name):
    res = analyze_all(analyzer, [(r["type"], r["name"], r["inputs"]) for r in by_name.values()])
    # keep-rules, delete-all-with-keep-rules, older-than-only and untagged-only keep something
    assert fired(res, "cleanup-needs-keep-rule") == ["delete-all"]
    [d] = policy_diags(res["delete-all"], "cleanup-needs-keep-rule")
    assert d.enforcementLevel == MANDATORY
    assert "every image in repository crp0123456789abcdefg/app would be deleted" in d.message
    r = by_name["delete-all"]
    assert policy_diags(analyzer.analyze("yc-registry:index:ImageCleanup", "n", r["inputs"]),
                        "cleanup-needs-keep-rule")
    analyzer.configure({"cleanup-needs-keep-rule": {"allowDeleteAll": True, "olderThanIsKeepRule": False,
                                                    "enforcementLevel": "advisory"}})
    res = analyze_all(analyzer, [(r["type"], r["name"], r["inputs"]) for r in by_name.values()])
    assert fired(res, "cleanup-needs-keep-rule") == ["older-than-only"]
    [d] = policy_diags(res["older-than-only"], "cleanup-needs-keep-rule")
    assert d.enforcementLevel == ADVISORY and "repository crp0123456789abcdefg/web" in d.message


def test_cleanup_unknown_delete_all_is_silent(analyzer, by_name):
    """delete_all unknown at preview (the engine's marker): stay silent, and no "can't run" noise."""
    r = by_name["delete-all"]
    resp = analyzer.analyze(r["type"], r["name"], dict(r["inputs"], delete_all=UNKNOWN_BOOL))
    assert list(resp.diagnostics) == []


def test_container_registry_sunset(analyzer, by_name):
    foreign = [SERVERLESS, DEPLOYMENT, TASK_JSON, CLEAN_FOREIGN]
    own = [(r["type"], r["name"], r["inputs"]) for r in by_name.values()]
    res = analyze_all(analyzer, foreign + own)
    assert fired(res, "container-registry-sunset") == ["api", "job", "web"]
    msg = policy_diags(res["web"], "container-registry-sunset")[0].message
    assert "spec.template.spec.containers[1].image" in msg and "Cloud Registry" in msg
    assert "nginx" not in msg
    analyzer.configure({"container-registry-sunset": {"ignoreResourceTypes": ["kubernetes:apps/v1:Deployment"]}})
    res = analyze_all(analyzer, foreign)
    assert fired(res, "container-registry-sunset") == ["api", "job"]


def test_sunset_mandatory_after_date():
    a = Analyzer(env={"YC_REGISTRY_SUNSET_DATE": "2000-01-01"})
    try:
        a.configure({})
        levels = {p.name: p.enforcementLevel for p in a.info().policies}
        assert levels["container-registry-sunset"] == MANDATORY
        d = policy_diags(a.analyze(*SERVERLESS), "container-registry-sunset")
        assert len(d) == 1 and d[0].enforcementLevel == MANDATORY and "was shut down on 2000-01-01" in d[0].message
    finally:
        a.close()
    a = Analyzer(env={"YC_REGISTRY_SUNSET_DATE": "2999-01-01"})
    try:
        a.configure({})
        d = policy_diags(a.analyze(*SERVERLESS), "container-registry-sunset")
        assert len(d) == 1 and d[0].enforcementLevel == ADVISORY
    finally:
        a.close()


def test_max_compressed_size(analyzer, by_name):
    resp = analyzer.analyze_stack(stack_resources(by_name))
    # by-digest: the fake reports it at 2 GiB
    assert names(resp, "image-max-compressed-size") == ["by-digest"]
    assert policy_diags(resp, "image-max-compressed-size")[0].urn == urn_for(by_name["by-digest"])
    analyzer.configure({"image-max-compressed-size": {"maxBytes": 10 * 1024 ** 2}})
    resp = analyzer.analyze_stack(stack_resources(by_name))
    assert names(resp, "image-max-compressed-size") == image_names(by_name)


def test_tag_rules(analyzer, by_name):
    resp = analyzer.analyze_stack(stack_resources(by_name))
    assert names(resp, "image-tag-rules") == ["by-latest"]
    assert policy_diags(resp, "image-tag-rules")[0].enforcementLevel == MANDATORY
    assert policy_diags(resp, "image-tag-rules")[0].urn == urn_for(by_name["by-latest"])
    analyzer.configure({"image-tag-rules": {"allowLatest": True, "requiredTagPattern": r"v\d+\.\d+\.\d+"}})
    resp = analyzer.analyze_stack(stack_resources(by_name))
    # by-latest is now allowed to use `latest`, but carries no versioned tag at all
    assert names(resp, "image-tag-rules") == ["by-digest-untagged", "by-latest", "by-odd-tag"]
    by = {d.urn.rsplit("::", 1)[1]: d.message for d in policy_diags(resp, "image-tag-rules")}
    assert "no tag matching" in by["by-latest"] and "feature-x" in by["by-odd-tag"]


def _age_days(res, now):
    created = dt.datetime.fromisoformat(res["outputs"]["created_at"].replace("Z", "+00:00"))
    return (now - created) / dt.timedelta(days=1)


def test_max_age(analyzer, by_name):
    # the pack's clock is the real one: expectations follow from the captured (fixed) created_at values
    now = dt.datetime.now(dt.timezone.utc)
    resources = stack_resources(by_name)
    resp = analyzer.analyze_stack(resources)
    expected = sorted(n for n in image_names(by_name) if _age_days(by_name[n], now) > 180)
    assert "by-latest" in expected and "by-odd-tag" in expected  # created 2023 and 2025
    assert names(resp, "image-max-age") == expected
    # a limit just above the newest image's age: it complies, the older ones do not
    newest = min(image_names(by_name), key=lambda n: _age_days(by_name[n], now))
    assert newest == "by-digest-untagged"
    limit = int(_age_days(by_name[newest], now)) + 1
    analyzer.configure({"image-max-age": {"maxAgeDays": limit}})
    resp = analyzer.analyze_stack(resources)
    assert names(resp, "image-max-age") == [n for n in image_names(by_name) if n != newest]
    analyzer.configure({"image-max-age": {"maxAgeDays": 0}})
    resp = analyzer.analyze_stack(resources)
    assert names(resp, "image-max-age") == image_names(by_name)


def test_preview_unknowns_are_skipped(analyzer, by_name):
    """During preview outputs may be unknown: stack checks skip, no 'can't run' noise."""
    unknown_num = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
    unknown_str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    unknown_arr = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"
    r = by_name["by-digest"]  # 2 GiB once known
    resp = analyzer.analyze_stack([stack_resource(r, compressed_size=unknown_num, created_at=unknown_str,
                                                  tags=unknown_arr)])
    assert list(resp.diagnostics) == []


def test_disabled_policy_is_silent(analyzer, by_name):
    analyzer.configure({"cleanup-needs-keep-rule": {"enforcementLevel": "disabled"}})
    r = by_name["delete-all"]
    assert not policy_diags(analyzer.analyze(r["type"], r["name"], r["inputs"]), "cleanup-needs-keep-rule")
