"""keep_in_use under the real CLI: an ImageCleanup never deletes an image a workload runs, and says why.

The fake runs as its own process with the demo seed; its workloads come from its command line
(``--container-revision``, ``--instance``, ``--deny-source``). The test that takes a permission away between
``pulumi up`` and ``pulumi destroy`` runs the fake in this process instead, to flip the knob between two CLI runs. Ids of the demo seed are deterministic, so the
references are built from a demo model made here. The in-use image is a candidate by the rules (keep_last=1) and is
kept only because a workload runs it: this holds whether a destroy re-selects or deletes at most the last plan's
candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine import FakeProcess, Project, program_project
from yc_registry_provider.fake import FakeModel, FakeServer, add_container_revision, seed_demo

CLEANUP = "pulumi-python:dynamic/yc-registry:ImageCleanup"
PROGRAM = '''"""One ImageCleanup of the stack config `repository`, keeping the newest image and every image in use (the
stack config `keep_in_use` when set, e.g. {"sources": [...]}; else every source)."""
import pulumi

from pulumi_yc_registry.cleanup import ImageCleanup

config = pulumi.Config()
cleanup = ImageCleanup("worker-images", repository_name=config.require("repository"), keep_last=1,
                       keep_in_use=config.get_object("keep_in_use") or True)
pulumi.export("candidate_ids", cleanup.candidate_ids)
pulumi.export("kept_in_use", cleanup.kept_in_use)
'''


def demo_worker() -> tuple[str, list[tuple[str, str, tuple[str, ...]]]]:
    """The demo's prod worker repository and its images (id, digest, tags), oldest first."""
    model = seed_demo(FakeModel())
    prod = next(r for r in model.registries.values() if r.name == "demo-prod")
    images = sorted((i for i in model.images.values() if i.name == f"{prod.id}/worker"), key=lambda i: i.created_at)
    return f"{prod.id}/worker", [(i.id, i.digest, i.tags) for i in images]


REPOSITORY, WORKER = demo_worker()
(OLDEST, OLDEST_DIGEST, _), (UNTAGGED, _, _), (NEWEST, _, _) = WORKER


@pytest.fixture
def started() -> Iterator[list[FakeProcess]]:
    processes: list[FakeProcess] = []
    yield processes
    for process in processes:
        process.close()


def stack(fake: Any, tmp_path: Path, env: dict[str, str]) -> Project:
    """The program's stack aimed at ``fake`` (a FakeProcess, or anything with ``.server``, see Project.aim_at)."""
    project = program_project(tmp_path, env, name="e2e-in-use", program=PROGRAM)
    project.init(config={"repository": REPOSITORY})
    project.aim_at(fake)
    return project


def check_kept_on_destroy(fake: FakeProcess, tmp_path: Path, env: dict[str, str], workload: str) -> None:
    project = stack(fake, tmp_path, env)
    project.up()
    outputs = project.outputs()
    # the plan: the older image is a candidate by the rules, and the stack shows which workload runs it
    assert set(outputs["candidate_ids"]) == {OLDEST, UNTAGGED}
    assert list(outputs["kept_in_use"]) == [OLDEST] and workload in outputs["kept_in_use"][OLDEST]
    result = project.pulumi("destroy", "--yes", "--skip-preview")
    # then the image the workload runs stays, the untagged one went, and the output says why
    held = fake.image_ids(repository_name=REPOSITORY)
    assert held == {OLDEST, NEWEST}, result.output[-3000:]
    assert f"{OLDEST} (in use by {workload}" in result.output, result.output[-3000:]
    assert not project.resources(CLEANUP)


@pytest.mark.parametrize("option, reference, workload", [
    ("--container-revision", f"cr.yandex/{REPOSITORY}:v1.0.0", "serverless-container container-1"),
    ("--instance", f"registry.yandexcloud.net/{REPOSITORY}@{OLDEST_DIGEST}", "instance vm-1"),
], ids=["container-revision-by-tag", "compute-instance-by-digest"])
def test_an_image_a_workload_runs_survives_destroy_and_the_output_says_why(
        cli_env: dict[str, str], started: list[FakeProcess], tmp_path: Path, option: str, reference: str,
        workload: str) -> None:
    fake = FakeProcess("--seed", "demo", "--operation-duration", "0.1", option, reference)
    started.append(fake)
    check_kept_on_destroy(fake, tmp_path, cli_env, workload)


def test_a_source_without_permission_fails_before_any_delete_naming_the_role(
        cli_env: dict[str, str], started: list[FakeProcess], tmp_path: Path) -> None:
    fake = FakeProcess("--seed", "demo", "--operation-duration", "0.1", "--deny-source", "compute")
    started.append(fake)
    before = fake.image_ids()
    project = stack(fake, tmp_path, cli_env)
    result = project.pulumi("up", "--yes", "--skip-preview", check=False)
    assert result.code != 0
    assert "compute.viewer" in result.output and "keep_in_use.sources" in result.output, result.output[-3000:]
    assert fake.image_ids() == before


# -- the permission lost between up and destroy: the fake runs in this process so the test can flip it -----------
@dataclass
class InProcessFake:
    """A demo-seeded fake served from this process; ``server`` is what Project.aim_at needs."""

    model: FakeModel
    server: FakeServer

    def image_ids(self) -> set[str]:
        return set(self.model.images)


@pytest.fixture
def in_process() -> Iterator[InProcessFake]:
    model = seed_demo(FakeModel())
    server = FakeServer(model).start()
    try:
        yield InProcessFake(model, server)
    finally:
        server.stop(0)


@pytest.mark.parametrize("way_out", ["role-granted-again", "source-dropped"])
def test_a_permission_lost_after_up_fails_destroy_before_any_delete_until_the_user_acts(
        cli_env: dict[str, str], in_process: InProcessFake, tmp_path: Path, way_out: str) -> None:
    # given a stack whose cleanup keeps the image a container revision runs, deployed while every source is readable
    add_container_revision(in_process.model, f"cr.yandex/{REPOSITORY}:v1.0.0", container="container-1")
    project = stack(in_process, tmp_path, cli_env)
    project.up()
    assert set(project.outputs()["candidate_ids"]) == {OLDEST, UNTAGGED}  # both are candidates by the rules
    before = in_process.image_ids()
    # when the account loses compute.viewer, then the user destroys the stack
    in_process.model.workloads.deny("compute")
    failed = project.pulumi("destroy", "--yes", "--skip-preview", check=False)
    # then destroy fails before any delete, naming the role and the way out, and the cleanup stays in state
    assert failed.code != 0, failed.output[-3000:]
    assert "compute.viewer" in failed.output, failed.output[-3000:]
    assert "keep_in_use.sources" in failed.output, failed.output[-3000:]
    assert in_process.image_ids() == before and not in_process.model.deleted_image_ids
    assert len(project.resources(CLEANUP)) == 1
    # when the user grants the role again, or drops the source (an up), a destroy runs the cleanup
    if way_out == "role-granted-again":
        in_process.model.workloads.deny("compute", denied=False)
    else:
        project.pulumi("config", "set", "--path", "keep_in_use.sources[0]", "serverless-containers")
        project.up()
    done = project.pulumi("destroy", "--yes", "--skip-preview")
    # then the image the revision runs stays, the untagged one goes
    assert in_process.image_ids() == before - {UNTAGGED}, done.output[-3000:]
    assert in_process.model.deleted_image_ids == [UNTAGGED]
    assert f"{OLDEST} (in use by serverless-container container-1" in done.output, done.output[-3000:]
    assert not project.resources(CLEANUP)
