"""A stack made before 2026-12-14 through the real CLI, in every world after it: `pulumi up` while Container Registry
serves, then the world changes (the folder migrated; Container Registry shut down with each answer; or an endpoint
that never had Cloud Registry), then `pulumi refresh`, `pulumi up` and `pulumi destroy` with no change to the
program. One fake (in this process, so its call counters can be read) and one stack per world."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import Project, program_project
from harness.worlds import CONTAINER_ONLY, World, running_world

IMAGE_TYPE = "pulumi-python:dynamic/yc-registry:Image"


def stack_of_two_images(tmp_path: Path, env: dict[str, str], world: World) -> Project:
    """Image ``by-digest`` (v1 by its digest) and ``by-tag`` (v2 by the tag v2), aimed at the world's fake."""
    project = program_project(tmp_path, env)
    project.init()
    project.aim_at(world.cloud)
    if world.today:
        project.pulumi("config", "set", "yc-registry:today", world.today)
    project.pulumi("config", "set", "images", json.dumps([
        {"name": "by-digest", "repository_name": world.repository, "digest": world.images["v1"].digest},
        {"name": "by-tag", "repository_name": world.repository, "tag": "v2"}]))
    return project


def ids(project: Project) -> dict[str, Any]:
    return {r["urn"].rsplit("::", 1)[1]: (r["id"], r["outputs"]["service"]) for r in project.resources(IMAGE_TYPE)}


def test_a_stack_made_before_the_shutdown_refreshes_updates_and_destroys_after_it(
        cli_env: dict[str, str], tmp_path: Path, world: World) -> None:
    # given a stack adopted while Container Registry served
    project = stack_of_two_images(tmp_path, cli_env, world)
    project.up()
    before = ids(project)
    assert {service for _id, service in before.values()} == {"container-registry"}
    # when the world changes and the stack is refreshed with no change to the program
    world.shut_down()
    refresh = project.pulumi("refresh", "--yes")
    # then both Images stay, each on the image where it lives now, and the log says which service served
    after = ids(project)
    assert set(after) == {"by-digest", "by-tag"}
    if world.name == CONTAINER_ONLY:
        assert after == before
    else:
        assert after == {"by-digest": (world.successor_id("v1"), "cloud-registry"),
                         "by-tag": (world.successor_id("v2"), "cloud-registry")}
    assert "deleted" not in refresh.stdout.split("Resources:")[-1]
    assert f"{'Container' if world.name == CONTAINER_ONLY else 'Cloud'} Registry served this stack" in refresh.output
    # when up runs again, then nothing changes
    up = project.up()
    assert "replace" not in up.stdout.split("Resources:")[-1] and "3 unchanged" in up.stdout
    # when destroyed, then exactly the two adopted images go, where they live, and the untagged one stays
    project.pulumi("destroy", "--yes")
    assert project.resources(IMAGE_TYPE) == []
    if world.name == CONTAINER_ONLY:
        assert set(world.model.images) == {world.images["untagged"].id}
    else:
        left = {a.manifest_digest for a in world.model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"}
        assert left == {world.images["untagged"].digest}
    # and the dead service was not asked (Container Registry only: Cloud Registry once per deployment, at most)
    assert world.dead_calls() <= (3 if world.name == CONTAINER_ONLY else 0), world.model.calls


CLEANUP_PROGRAM = '''"""One ImageCleanup of the stack config `repository`, keeping the newest image."""
import pulumi

import pulumi_yc_registry as ycr

cleanup = ycr.ImageCleanup("old-images", repository_name=pulumi.Config().require("repository"), keep_last=1)
pulumi.export("candidate_ids", cleanup.candidate_ids)
'''


@pytest.mark.parametrize("name", ["container-registry-gone-unimplemented", "container-registry-gone-not-found"])
def test_a_cleanup_planned_before_the_shutdown_keeps_to_its_plan_when_destroyed_after_it(
        cli_env: dict[str, str], tmp_path: Path, name: str) -> None:
    with running_world(name) as world:
        # given an ImageCleanup whose plan (the untagged image and v1) was made while Container Registry served
        project = program_project(tmp_path, cli_env, name="e2e-cleanup", program=CLEANUP_PROGRAM)
        project.init(config={"repository": world.repository})
        project.aim_at(world.cloud)
        project.pulumi("config", "set", "yc-registry:today", str(world.today))
        project.up()
        planned = {world.images["untagged"].id, world.images["v1"].id}
        assert set(project.outputs()["candidate_ids"]) == planned
        # when the folder migrated and Container Registry shut down (the images have new ids in Cloud Registry),
        # and the stack is destroyed with no refresh first
        world.shut_down()
        destroyed = project.pulumi("destroy", "--yes")
        # then exactly the planned images go, found by registry, repository and digest; the newest stays
        left = {a.manifest_digest for a in world.model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"}
        assert left == {world.images["v2"].digest}, destroyed.output
        assert "not in the last plan" not in destroyed.output
        assert world.dead_calls() == 0, world.model.calls
