"""examples/cleanup-on-destroy under mocks that execute the providers against the fake: up, refresh, then destroy
in reverse order, and what is left in the fake.

pulumi-yandex is not installed here: a stand-in ``pulumi_yandex`` module registers exactly the resource type
pulumi-yandex registers (``yandex:index/containerRegistry:ContainerRegistry``), and the mocks create and delete
the registry in the fake, refusing to delete it while it holds images as the real API does.
"""

from __future__ import annotations

import json
import sys
import types
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator, Optional

import pulumi
import pytest

from harness import REPO_ROOT, FakeCloud, run_program
from pulumi_yc_registry.testing import CapturedResource, ExecutingMocks
from yc_registry_provider.lifecycle import deployment
from yc_registry_provider.fake import DEMO_FOLDER_ID, add_image, add_registry

EXAMPLE = REPO_ROOT / "examples" / "cleanup-on-destroy"
PROJECT = "yc-registry-cleanup-on-destroy"
REGISTRY_TYPE = "yandex:index/containerRegistry:ContainerRegistry"
CLEANUP_TYPE = "pulumi-python:dynamic/yc-registry:ImageCleanup"
NOW = datetime.now(timezone.utc)


class ContainerRegistry(pulumi.CustomResource):
    """Registers what ``pulumi_yandex.ContainerRegistry`` registers (type token and input names)."""

    def __init__(self, resource_name: str, name: Optional[str] = None, folder_id: Optional[str] = None,
                 labels: Optional[dict] = None, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(REGISTRY_TYPE, resource_name, {"name": name, "folderId": folder_id, "labels": labels,
                                                        "createdAt": None, "status": None}, opts)


@pytest.fixture
def pulumi_yandex(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    module = types.ModuleType("pulumi_yandex")
    module.ContainerRegistry = ContainerRegistry  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pulumi_yandex", module)
    yield


class StackMocks(ExecutingMocks):
    """ExecutingMocks that also create the registry in the fake, and destroy everything in reverse order."""

    def __init__(self, cloud: FakeCloud) -> None:
        super().__init__(cloud.config, project=PROJECT)
        self.cloud = cloud

    def provision(self, captured: CapturedResource, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.typ == REGISTRY_TYPE:
            registry = add_registry(self.cloud.model, folder_id=args.inputs.get("folderId") or DEMO_FOLDER_ID,
                                    name=args.inputs.get("name"))
            return registry.id, {**args.inputs, "status": "ACTIVE"}
        return super().provision(captured, args)

    def resource(self, typ: str) -> CapturedResource:
        (found,) = [r for r in self.resources if r.typ == typ]
        return found

    def refresh_cleanup(self) -> dict[str, Any]:
        """`pulumi refresh`: the ImageCleanup's outputs recomputed."""
        self.refresh()
        return self.resource(CLEANUP_TYPE).outputs

    def destroy(self, retained: tuple[str, ...] = ()) -> list[CapturedResource]:  # type: ignore[override]
        """Delete in reverse creation order (dependents first); a non-empty registry is refused like the API."""
        deployment.declare(deployment.DESTROY)
        deleted = []
        for resource in reversed(self.resources):
            if resource.typ == REGISTRY_TYPE:
                if resource.name not in retained:
                    left = [i.id for i in self.cloud.model.images.values() if i.registry_id == resource.id]
                    if left:
                        raise RuntimeError(f"FAILED_PRECONDITION: registry {resource.id} is not empty ({len(left)} "
                                           f"images)")
                    del self.cloud.model.registries[resource.id]
            elif resource.provider is not None and resource.id and not resource.read_only:
                resource.provider.delete(resource.id, dict(resource.outputs))
            else:
                continue
            deleted.append(resource)
        return deleted


def push(cloud: FakeCloud, registry_id: str, repository: str, *tag_sets: tuple[str, ...]) -> list[str]:
    """Images pushed after the registry exists (as CI would), oldest first."""
    return [add_image(cloud.model, registry_id, repository, tags=tags,
                      created_at=NOW - timedelta(days=30 - n)).id for n, tags in enumerate(tag_sets)]


def up(cloud: FakeCloud, **config: Any) -> tuple[StackMocks, dict[str, Any]]:
    mocks = StackMocks(cloud)
    stack_config = {**cloud.config, **{f"{PROJECT}:{key}": value for key, value in config.items()}}
    out = run_program(EXAMPLE, mocks, config=stack_config, project=PROJECT)
    return mocks, out


def test_destroy_empties_the_registry_then_deletes_it(fake_cloud: FakeCloud, pulumi_yandex: None,
                                                      clean_yc_env: None) -> None:
    bystanders = push(fake_cloud, fake_cloud.registry_id, "other", (), ("v1",))
    # when the stack comes up: a registry, and an ImageCleanup depending on it with nothing to delete yet
    mocks, out = up(fake_cloud)
    registry_id = out["registry_id"]
    assert registry_id in fake_cloud.model.registries and registry_id != fake_cloud.registry_id
    assert out["images_deleted_on_destroy"] == 0 and type(out["images_deleted_on_destroy"]) is int
    assert [r.typ for r in mocks.resources] == [REGISTRY_TYPE, CLEANUP_TYPE]
    # when images are pushed and the stack refreshed, then the outputs say what a destroy would delete
    ids = push(fake_cloud, registry_id, "app", ("v1",), (), ("v2", "latest")) + push(fake_cloud, registry_id, "web", ())
    refreshed = mocks.refresh_cleanup()
    assert refreshed["candidate_count"] == 4 and set(refreshed["candidate_ids"]) == set(ids)
    # when destroyed: the cleanup goes first, then the registry, which is empty by then
    deleted = mocks.destroy()
    assert [r.typ for r in deleted] == [CLEANUP_TYPE, REGISTRY_TYPE]
    assert not [i for i in ids if i in fake_cloud.model.images]
    assert registry_id not in fake_cloud.model.registries
    assert all(i in fake_cloud.model.images for i in bystanders)


def test_keep_tags_deletes_exactly_the_selected_and_retains_the_registry(fake_cloud: FakeCloud,
                                                                        pulumi_yandex: None,
                                                                        clean_yc_env: None) -> None:
    mocks, out = up(fake_cloud, keepTags=json.dumps(["release-.*"]))
    registry_id = out["registry_id"]
    ids = push(fake_cloud, registry_id, "app", ("release-1",), (), ("dev",), ("release-2", "latest"))
    assert mocks.refresh_cleanup()["candidate_ids"] == [ids[1], ids[2]]
    mocks.destroy(retained=("registry",))  # the program sets retain_on_delete when it keeps images
    assert [i for i in ids if i in fake_cloud.model.images] == [ids[0], ids[3]]
    assert registry_id in fake_cloud.model.registries


def test_dry_run_deletes_nothing_so_the_registry_delete_is_refused(fake_cloud: FakeCloud, pulumi_yandex: None,
                                                                   clean_yc_env: None) -> None:
    mocks, out = up(fake_cloud, dryRun="true")
    ids = push(fake_cloud, out["registry_id"], "app", (), ())
    with pytest.raises(RuntimeError, match="is not empty"):
        mocks.destroy()
    assert all(i in fake_cloud.model.images for i in ids)


def test_program_without_pulumi_yandex_says_what_to_install(fake_cloud: FakeCloud,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pulumi_yandex", None)  # import fails as when not installed
    with pytest.raises(Exception, match="pulumi-yandex"):
        up(fake_cloud)


def test_cleanup_images_from_the_sdk_for_scripts_and_ci(fake_cloud: FakeCloud,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi_yc_registry.cleanup import CleanupFailedError, CleanupReport, cleanup_images

    ids = push(fake_cloud, fake_cloud.registry_id, "app", ("v1",), (), ())
    for key, value in fake_cloud.env.items():  # a script configured by YC_* like the yc CLI and Terraform
        monkeypatch.setenv(key, value)
    report = cleanup_images(repository_name=f"{fake_cloud.registry_id}/app", untagged_only=True)
    assert isinstance(report, CleanupReport) and report.ok and report.deleted == ids[1:]
    assert [i for i in ids if i in fake_cloud.model.images] == ids[:1]
    fake_cloud.model.knobs.read_only = True
    with pytest.raises(CleanupFailedError, match="read-only since 2026-11-10"):
        cleanup_images(repository_name=f"{fake_cloud.registry_id}/app", delete_all=True)


def test_pulumi_yandex_without_pkg_resources_names_the_real_cause(fake_cloud: FakeCloud, tmp_path: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # given a pulumi-yandex whose import fails as 0.13 does next to setuptools >= 81 (no pkg_resources)
    package = tmp_path / "pulumi_yandex"
    package.mkdir()
    (package / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'pkg_resources'\", name='pkg_resources')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "pulumi_yandex", raising=False)
    # when the program runs, then the error names pkg_resources and the setuptools pin, not "not installed"
    with pytest.raises(Exception, match="setuptools<81") as caught:
        up(fake_cloud)
    assert "not installed" not in str(caught.value)


def test_requirements_pin_what_pulumi_yandex_needs_to_import() -> None:
    requirements = (EXAMPLE / "requirements.txt").read_text()
    assert "pulumi-yandex" in requirements and "setuptools<81" in requirements


def test_the_cleanup_the_example_registers_passes_the_policy_pack_as_shipped(fake_cloud: FakeCloud,
                                                                            pulumi_yandex: None) -> None:
    # given the policy pack's checks (plain Python, no pulumi-policy needed) and the example's ImageCleanup
    sys.path.insert(0, str(REPO_ROOT / "policy"))
    try:
        from yc_registry_policies import checks
    finally:
        sys.path.remove(str(REPO_ROOT / "policy"))
    mocks, _out = up(fake_cloud)
    cleanup = mocks.resource(CLEANUP_TYPE)
    inputs = {k: v for k, v in cleanup.inputs.items() if not k.startswith("__")}
    # then the mandatory cleanup-needs-keep-rule passes it with its default config
    assert inputs["delete_all"] is True and inputs["registry_id"]
    assert checks.check_cleanup_keep_rule(inputs) == []
    # and the README's own example (a whole registry, delete_all=True) passes too; a repository still does not
    assert checks.check_cleanup_keep_rule({"registry_id": "crp123", "delete_all": True}) == []
    assert checks.check_cleanup_keep_rule({"repository_name": "crp123/app", "delete_all": True}) != []
