"""ImageCleanup under the real engine: removing it is not running it, and a destroy keeps to the last plan.

The fake runs in this process (a push between two commands is a call on its model). Each test's repository holds
six images, oldest first: untagged x3, ``v1.4.0``, untagged x2; ``keep_last=3`` plans the three oldest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine import Project, program_project
from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer, add_image, add_registry

CLEANUP_TYPE = "pulumi-python:dynamic/yc-registry:ImageCleanup"
PROGRAM = '''"""An ImageCleanup from the stack config `cleanup` (JSON arguments), or none when it is null."""
import json

import pulumi

import pulumi_yc_registry as ycr

spec = json.loads(pulumi.Config().require("cleanup"))
if spec:
    cleanup = ycr.ImageCleanup("svc-cleanup", **spec)
    pulumi.export("plan", cleanup.candidate_ids)
'''
NOW = datetime.now(timezone.utc)


class Cloud:
    """The in-process fake and the test repository's image ids (oldest first)."""

    def __init__(self) -> None:
        self.model = FakeModel()
        self.model.accept_iam_token(DEMO_TOKEN)
        registry = add_registry(self.model).id
        self.repository = f"{registry}/svc"
        tags = [(), (), (), ("v1.4.0",), (), ()]
        self.ids = [add_image(self.model, registry, "svc", tags=list(tag), created_at=NOW - timedelta(days=10 - n)).id
                    for n, tag in enumerate(tags)]
        self.server = FakeServer(self.model).start()

    def push(self) -> str:
        """CI pushes one untagged image: the newest."""
        return add_image(self.model, self.repository.split("/")[0], "svc", created_at=NOW - timedelta(hours=1)).id

    def left(self) -> list[str]:
        return [image_id for image_id in self.ids if image_id in self.model.images]


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    made = Cloud()
    try:
        yield made
    finally:
        made.server.stop(0)


def stack(tmp_path: Path, env: dict[str, str], cloud: Cloud, **cleanup: object) -> Project:
    project = program_project(tmp_path, env, name="e2e-cleanup-plan", program=PROGRAM)
    project.init(config={"cleanup": json.dumps({"repository_name": cloud.repository, **cleanup})})
    project.aim_at(cloud)
    project.up()
    return project


def urn(project: Project) -> str:
    (resource,) = project.resources(CLEANUP_TYPE)
    return str(resource["urn"])


def test_removing_a_cleanup_from_the_program_deletes_nothing_and_says_how_to_run_it(
        cli_env: dict[str, str], cloud: Cloud, tmp_path: Path) -> None:
    # given a stack whose ImageCleanup plans the three oldest images
    project = stack(tmp_path, cli_env, cloud, keep_last=3)
    assert project.outputs()["plan"] == cloud.ids[:3]
    # when a refactor removes it from the program and `pulumi up` runs
    project.pulumi("config", "set", "cleanup", "null")
    result = project.up()
    # then not one image went, the cleanup left the stack, and the log says how to run it
    assert cloud.left() == cloud.ids and not cloud.model.deleted_image_ids
    assert not project.resources(CLEANUP_TYPE)
    assert "its cleanup did NOT run" in result.output, result.output[-3000:]
    assert f"yc-registry cleanup --repository {cloud.repository} --keep-last 3 --yes" in result.output
    assert "pulumi destroy --target" in result.output


def test_removing_a_cleanup_that_opted_in_runs_it(cli_env: dict[str, str], cloud: Cloud, tmp_path: Path) -> None:
    project = stack(tmp_path, cli_env, cloud, keep_last=3, run_on_remove=True)
    project.pulumi("config", "set", "cleanup", "null")
    project.up()
    assert cloud.left() == cloud.ids[3:]


def test_destroy_target_runs_the_cleanup(cli_env: dict[str, str], cloud: Cloud, tmp_path: Path) -> None:
    project = stack(tmp_path, cli_env, cloud, keep_last=3)
    result = project.pulumi("destroy", "--yes", "--skip-preview", "--target", urn(project))
    assert cloud.left() == cloud.ids[3:]
    # and the engine log names every image it deleted
    for image_id in cloud.ids[:3]:
        assert f"deleted image {image_id} (untagged)" in result.output, result.output[-3000:]


def test_destroy_keeps_what_no_plan_showed_until_a_refresh_shows_it(cli_env: dict[str, str], cloud: Cloud,
                                                                    tmp_path: Path) -> None:
    # given a stack whose ImageCleanup (keep_last=3) planned the three oldest images
    project = stack(tmp_path, cli_env, cloud, keep_last=3)
    # when CI pushes an image, so that keep_last=3 now also selects the tagged release v1.4.0, and destroy runs
    pushed = cloud.push()
    first = project.pulumi("destroy", "--yes", "--skip-preview", check=False)
    # then the planned images went, v1.4.0 (no plan showed it) stayed, and the destroy says so and fails
    release = cloud.ids[3]
    assert cloud.left() == cloud.ids[3:] and pushed in cloud.model.images
    assert first.code != 0
    assert f"not in the last plan ({release} (tags v1.4.0)): refresh, then destroy again" in first.output, \
        first.output[-3000:]
    assert project.resources(CLEANUP_TYPE)
    # when the user refreshes: the refresh shows the new plan as a change, not "unchanged"
    refreshed = project.pulumi("refresh", "--yes", "--skip-preview")
    assert "1 updated" in refreshed.output or "~ 1 updated" in refreshed.output, refreshed.output[-3000:]
    (resource,) = project.resources(CLEANUP_TYPE)  # (stack outputs wait for the next up: read the state)
    assert resource["outputs"]["candidate_ids"] == [release]
    # and destroys again: the release the refresh showed goes, named with its tag
    second = project.pulumi("destroy", "--yes", "--skip-preview")
    assert cloud.left() == cloud.ids[4:]
    assert f"deleted image {release} (tags v1.4.0)" in second.output
