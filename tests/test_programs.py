"""The example programs under mocks with the providers executing against the fake: up, then destroy."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone

from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

from harness import REPO_ROOT, FakeCloud
from harness import ExecutingMocks, RecordingMocks, run_program
from pulumi_yc_registry import Image
from pulumi_yc_registry._pickling import pickler_restored
from yc_registry_provider.fake import add_image

EXAMPLES = REPO_ROOT / "examples"


def seed_app(cloud: FakeCloud) -> tuple[str, list[str]]:
    """Repository app with 4 images (two untagged; the third pushed is the newest) and worker with 1 (newer still).

    Returns the app name and the app ids in push order.
    """
    reg, day = cloud.registry_id, datetime(2026, 6, 1, tzinfo=timezone.utc)
    pushes = [(("v1",), 0), ((), 1), (("v2", "latest"), 5), ((), 2)]
    ids = [add_image(cloud.model, reg, "app", tags=tags, created_at=day + timedelta(days=d)).id for tags, d in pushes]
    add_image(cloud.model, reg, "worker", created_at=day + timedelta(days=9))
    return f"{reg}/app", ids


def test_lookup_example_exports_the_newest_image(fake_cloud: FakeCloud, clean_yc_env: None) -> None:
    repo, ids = seed_app(fake_cloud)
    mocks = ExecutingMocks(fake_cloud.config)
    out = run_program(EXAMPLES / "lookup", mocks, config={**fake_cloud.config, "yc-registry-lookup:repository": repo},
                      project="yc-registry-lookup")
    newest = fake_cloud.model.images[ids[2]]  # created last, though not pushed last
    assert out["image_count"] == 4 and out["newest_image_id"] == newest.id
    assert out["image_uri"] == f"cr.yandex/{repo}@{newest.digest}"
    assert mocks.resources == [] or all(not r.typ.startswith("pulumi-python") for r in mocks.resources)


def test_adopt_and_destroy_example_deletes_exactly_the_adopted(fake_cloud: FakeCloud, clean_yc_env: None) -> None:
    # given a repository with two untagged images among others, and their digests in the stack config
    repo, ids = seed_app(fake_cloud)
    everything = set(fake_cloud.model.images)
    digests = json.dumps([fake_cloud.model.images[i].digest for i in (ids[1], ids[3])])
    mocks = ExecutingMocks(fake_cloud.config, project="yc-registry-adopt-and-destroy")
    # when the program runs (up)
    out = run_program(EXAMPLES / "adopt-and-destroy", mocks, project="yc-registry-adopt-and-destroy",
                      config={**fake_cloud.config, "yc-registry-adopt-and-destroy:repository": repo,
                              "yc-registry-adopt-and-destroy:digests": digests})
    # then the untagged images are adopted, nothing deleted yet, sizes are ints
    assert out["adopted_ids"] == [ids[1], ids[3]]
    assert isinstance(out["adopted_bytes"], int)
    assert set(fake_cloud.model.images) == everything
    # when destroyed (reverse order), then exactly the adopted images are gone
    deleted = mocks.destroy()
    created = [r.id for r in mocks.resources if r.provider is not None]
    assert [r.id for r in deleted] == created[::-1] and sorted(created) == [ids[1], ids[3]]
    assert set(fake_cloud.model.images) == everything - {ids[1], ids[3]}


def test_adopt_by_explicit_digests(fake_cloud: FakeCloud, clean_yc_env: None) -> None:
    repo, ids = seed_app(fake_cloud)
    digest = fake_cloud.model.images[ids[0]].digest
    mocks = ExecutingMocks(fake_cloud.config)
    out = run_program(EXAMPLES / "adopt-and-destroy", mocks, project="yc-registry-adopt-and-destroy",
                      config={**fake_cloud.config, "yc-registry-adopt-and-destroy:repository": repo,
                              "yc-registry-adopt-and-destroy:digests": f'["{digest}"]'})
    assert out["adopted_ids"] == [ids[0]]


def test_image_outputs_exist_on_the_resource_object(fake_cloud: FakeCloud) -> None:
    repo, ids = seed_app(fake_cloud)
    mocks = ExecutingMocks(fake_cloud.config)
    seen: dict[str, object] = {}

    def program() -> None:
        image = Image("img", repository_name=repo, tag="latest")
        for key in ("digest", "uri", "compressed_size", "tags", "layers", "created_at", "tag_uris"):
            getattr(image, key).apply(lambda v, key=key: seen.__setitem__(key, v))

    run_program(program, mocks)
    image = fake_cloud.model.images[ids[2]]
    assert seen["digest"] == image.digest and seen["uri"] == f"cr.yandex/{repo}@{image.digest}"
    assert seen["compressed_size"] == image.compressed_size and type(seen["compressed_size"]) is int
    assert type(seen["layers"][0]["size"]) is int  # type: ignore[index]


def test_two_thousand_images_construct_without_recursion_error() -> None:
    # given a program declaring 2,000 Image resources
    mocks = RecordingMocks()
    depth_before = _wrapper_depth()
    run_program(lambda: [Image(f"img-{n}", image_id=f"crpi{n}") for n in range(2_000)], mocks)
    # then all registered, the pickler was not wrapped deeper than before,
    # and pickling a provider with state still works (without the fix: RecursionError)
    assert len(mocks.resources) == 2_000
    assert _wrapper_depth() <= max(depth_before, 1)
    with pickler_restored():
        assert serialize_provider(_StatefulProvider())


class _StatefulProvider(ResourceProvider):
    """A provider with a dict in its state: pickling it walks every _batch_setitems wrapper."""

    def __init__(self) -> None:
        self.labels = {"b": 2, "a": 1}


def _wrapper_depth() -> int:
    """How many serialize_provider wrappers sit on pickle._Pickler._batch_setitems."""
    func = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    depth = 0
    while func.__closure__:
        inner = [c.cell_contents for c in func.__closure__ if callable(c.cell_contents)]
        if not inner:
            break
        func, depth = inner[0], depth + 1
    return depth




def test_a_preview_checks_but_creates_nothing(fake_cloud: FakeCloud, clean_yc_env: None) -> None:
    # given the adopt example and an image to adopt
    repo, ids = seed_app(fake_cloud)
    digest = fake_cloud.model.images[ids[1]].digest
    mocks = ExecutingMocks(fake_cloud.config)
    # when it runs as a preview, then the provider checked the inputs but adopted nothing (no Get, no List)
    run_program(EXAMPLES / "adopt-and-destroy", mocks, preview=True, project="yc-registry-adopt-and-destroy",
                config={**fake_cloud.config, "yc-registry-adopt-and-destroy:repository": repo,
                        "yc-registry-adopt-and-destroy:digests": json.dumps([digest])})
    (resource,) = [r for r in mocks.resources if r.provider is not None]
    assert resource.id == "" and resource.outputs["digest"] == digest
    assert fake_cloud.model.calls["ImageService.List"] == 0 and fake_cloud.model.calls["ImageService.Get"] == 0


def test_run_program_namespaces_config_by_the_programs_own_project(fake_cloud: FakeCloud, tmp_path) -> None:
    # given a program whose Pulumi.yaml names it "prog" and which reads its own config
    (tmp_path / "Pulumi.yaml").write_text("name: prog\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import pulumi\npulumi.export('repo', pulumi.Config().require('repo'))\n")
    # when run with "prog:repo" set, then the program sees it (as `pulumi up` in that directory would)
    out = run_program(tmp_path, RecordingMocks(), config={"prog:repo": "crp1/app"})
    assert out == {"repo": "crp1/app"}
