"""An ImageCleanup over 200 images under the real CLI: progress while destroy runs, and Ctrl-C in the middle.

The fake holds the demo data plus 205 untagged images in ``<first registry>/bulk`` (``--seed-images``); the cleanup
keeps the newest 5 of them, so it selects 200. Deletes take 0.3 s each and the cleanup runs 5 at a time, so a
destroy lasts several seconds.

What the engine does on Ctrl-C (seen with v3.274.1): the first SIGINT prints "^C received; cancelling" and waits
for the steps under way, so the whole cleanup (one Delete step) still runs to its end and the CLI exits 0. A second
SIGINT ("terminating") ends the CLI with "destroy cancelled" (exit 8) and its plugin with it; the ImageCleanup stays
in the state with a pending "deleting" operation, which the next `pulumi destroy` clears while it runs the cleanup
again over what is left (no `pulumi refresh` or export/import needed).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import FakeProcess, Project, program_project, wait_for

BULK = "bulk"
SEEDED = 205
KEEP_LAST = 5
SELECTED = SEEDED - KEEP_LAST
CLEANUP = "pulumi-python:dynamic/yc-registry:ImageCleanup"
DELETED = r"- +pulumi-python:dynamic/yc-registry:ImageCleanup bulk-images deleted"
PROGRESS = r"yc-registry ImageCleanup: cleanup of repository \S+: \d+/\d+ done"
PROGRAM = '''"""One ImageCleanup over the repository of the stack config `repository`, keeping its newest images."""
import pulumi

from pulumi_yc_registry.cleanup import ImageCleanup

config = pulumi.Config()
cleanup = ImageCleanup("bulk-images", repository_name=config.require("repository"),
                       keep_last=config.require_int("keepLast"), concurrency=5)
pulumi.export("candidate_count", cleanup.candidate_count)
'''


@pytest.fixture
def bulk_fake() -> Iterator[FakeProcess]:
    process = FakeProcess("--seed", "demo", "--seed-images", str(SEEDED), "--operation-duration", "0.3")
    try:
        yield process
    finally:
        process.close()


def bulk_repository(fake: FakeProcess) -> str:
    (registry,) = {image.registry_id for image in fake.images() if image.repository == BULK}
    return f"{registry}/{BULK}"


def cleanup_stack(fake: FakeProcess, tmp_path: Path, env: dict[str, str]) -> tuple[Project, set[str], set[str]]:
    """A stack with the ImageCleanup, after `up`; the ids it selects and the ids of everything else the fake holds."""
    repository = bulk_repository(fake)
    bulk = sorted(fake.images(repository_name=repository), key=lambda image: image.created_at)
    selected = {image.id for image in bulk[:-KEEP_LAST]}
    project = program_project(tmp_path, env, name="e2e-cleanup", program=PROGRAM)
    project.init(config={"repository": repository, "keepLast": KEEP_LAST})
    project.aim_at(fake)
    project.up()
    assert project.outputs()["candidate_count"] == SELECTED == len(selected)
    return project, selected, fake.image_ids() - selected


def test_destroy_of_a_200_image_cleanup_shows_progress_while_it_runs(cli_env: dict[str, str], bulk_fake: FakeProcess,
                                                                      tmp_path: Path) -> None:
    # given a stack whose ImageCleanup selects 200 of the fake's images
    project, selected, unselected = cleanup_stack(bulk_fake, tmp_path, cli_env)
    # when pulumi destroy runs, watched as it goes
    running = project.background("destroy", "--yes", "--skip-preview")
    assert wait_for(lambda: running.matching(PROGRESS), timeout=60), "\n".join(line for _, line in running.lines)
    images_left_at_first_progress = len(selected & bulk_fake.image_ids())
    result = running.wait(120)
    assert result.code == 0, result.output[-4000:]
    # then several distinct progress lines arrived while it ran: before the engine reported the resource deleted,
    # while the fake still held selected images (the CLI repeats them all under "Diagnostics" at the end)
    (deleted_at, _), *_ = running.matching(DELETED)
    during = {line for at, line in running.matching(PROGRESS) if at < deleted_at}
    assert len(during) >= 5, result.output[-4000:]
    assert images_left_at_first_progress > 0
    # and the fake holds none of the selected images and all of the others
    held = bulk_fake.image_ids()
    assert not selected & held
    assert unselected <= held
    assert not project.resources(CLEANUP)


def session_alive(session: int) -> bool:
    """Whether any process of the CLI's session (its language host, its plugins) still runs."""
    try:
        os.killpg(session, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_in_the_middle_of_a_cleanup_leaves_a_readable_state_and_a_second_destroy_finishes(
        cli_env: dict[str, str], bulk_fake: FakeProcess, tmp_path: Path) -> None:
    # given a destroy of the 200-image cleanup under way, some deletes done
    project, selected, unselected = cleanup_stack(bulk_fake, tmp_path, cli_env)
    running = project.background("destroy", "--yes", "--skip-preview")
    assert wait_for(lambda: len(selected - bulk_fake.image_ids()) >= 10, timeout=60)
    # when the CLI gets Ctrl-C: the engine lets the step under way (the whole cleanup) go on...
    running.send(signal.SIGINT)
    assert wait_for(lambda: running.matching(r"\^C received; cancelling"), timeout=10), running.lines[-5:]
    gone_at_first = len(selected - bulk_fake.image_ids())
    assert wait_for(lambda: len(selected - bulk_fake.image_ids()) > gone_at_first, timeout=10)
    # ...and a second Ctrl-C terminates it
    running.send(signal.SIGINT)
    result = running.wait(60)
    # then the CLI exits with the destroy cancelled, its plugins with it, and once the deletes the cloud had
    # accepted are done (0.3 s each) nothing more goes behind the user's back
    assert result.code != 0 and "destroy cancelled" in result.output, result.output[-4000:]
    assert not session_alive(running.proc.pid)
    time.sleep(1.0)
    held = bulk_fake.image_ids()
    time.sleep(1.5)
    assert bulk_fake.image_ids() == held
    # and the state is readable: the cleanup is still in it, with the engine's pending "deleting" operation
    deployment = project.export()["deployment"]
    assert [r["type"] for r in deployment["resources"]].count(CLEANUP) == 1
    assert [op["type"] for op in deployment.get("pending_operations") or []] == ["deleting"]
    # and nothing outside the selection is gone, part of the selection is left
    assert unselected <= held
    assert selected & held and selected - held
    # and a second destroy finishes the job
    project.pulumi("destroy", "--yes", "--skip-preview")
    held = bulk_fake.image_ids()
    assert not selected & held
    assert unselected <= held
    assert not project.resources(CLEANUP)
