"""keep_in_use under the real CLI: an ImageCleanup never deletes an image a workload runs, and says why.

The fake runs as its own process with the demo seed; its workloads come from its command line
(``--container-revision``, ``--instance``, ``--deny-source``). Ids of the demo seed are deterministic, so the
references are built from a demo model made here. The in-use image is a candidate by the rules (keep_last=1) and is
kept only because a workload runs it: this holds whether a destroy re-selects or deletes at most the last plan's
candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import FakeProcess, Project, program_project
from yc_registry_provider.fake import FakeModel, seed_demo

CLEANUP = "pulumi-python:dynamic/yc-registry:ImageCleanup"
PROGRAM = '''"""One ImageCleanup of the stack config `repository`, keeping the newest image and every image in use."""
import pulumi

from pulumi_yc_registry.cleanup import ImageCleanup

config = pulumi.Config()
cleanup = ImageCleanup("worker-images", repository_name=config.require("repository"), keep_last=1,
                       keep_in_use=True)
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


def stack(fake: FakeProcess, tmp_path: Path, env: dict[str, str]) -> Project:
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
