"""pulumi_yc_registry.testing as users drive it: successive runs against one stack's state, refresh, destroy,
and failed runs that say their error once. The providers execute in process over real sockets against the fake."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any, Callable

import pulumi
import pytest

from harness import REPO_ROOT, FakeCloud
from pulumi_yc_registry import Image, ImageCleanup
from pulumi_yc_registry.testing import ExecutingMocks, RecordingMocks, run_program
from yc_registry_provider import NoMatchError
from yc_registry_provider.fake import add_image


# -- builders -----------------------------------------------------------------------------------------------
def images(**selectors: dict[str, Any]) -> Callable[[], None]:
    """A program declaring one Image per keyword (name -> selector) and exporting each one's image id."""
    def program() -> None:
        for name, selector in selectors.items():
            pulumi.export(name, Image(name, **selector).image_id)
    return program


def pushed(cloud: FakeCloud, repo: str, *tags: str) -> str:
    """Push one image into ``repo`` carrying ``tags`` (they move from older images); its id."""
    return add_image(cloud.model, cloud.registry_id, repo.split("/", 1)[1], tags=tags).id


def deletes(cloud: FakeCloud) -> int:
    return cloud.model.calls["ImageService.Delete"]


# -- successive runs ------------------------------------------------------------------------------------------
def test_a_second_up_keeps_what_stays_and_deletes_what_the_program_removed(fake_cloud: FakeCloud) -> None:
    # given a stack adopting two images
    repo, (a, b, c) = fake_cloud.repository_with(("a",), ("b",), ("c",))
    mocks = ExecutingMocks(fake_cloud.config)
    run_program(images(first={"repository_name": repo, "tag": "a"}, second={"image_id": b}), mocks)
    assert {r.id for r in mocks.state} == {a, b} and mocks.deleted == []
    # when the program drops the second Image and points the first at another image, and runs again
    out = run_program(images(first={"repository_name": repo, "tag": "c"}), mocks)
    # then the first is replaced (the new image adopted, the old one deleted) and the dropped one deleted
    assert out == {"first": c} and [r.id for r in mocks.state] == [c]
    assert sorted(r.id for r in mocks.deleted) == sorted([a, b])
    assert c in fake_cloud.model.images and a not in fake_cloud.model.images and b not in fake_cloud.model.images


def test_an_unchanged_program_run_again_changes_nothing(fake_cloud: FakeCloud) -> None:
    repo, (image,) = fake_cloud.repository_with(("v1",))
    mocks = ExecutingMocks(fake_cloud.config)
    program = images(app={"repository_name": repo, "tag": "v1"})
    run_program(program, mocks)
    before = dict(fake_cloud.model.calls)
    # when the same program runs again, then the diff plans nothing: no call to the cloud, nothing deleted
    assert run_program(program, mocks) == {"app": image}
    assert dict(fake_cloud.model.calls) == before and mocks.deleted == []


def test_up_with_refresh_after_the_tag_moved_deletes_nothing_and_reports_the_move(fake_cloud: FakeCloud) -> None:
    # given a stack adopting the image tagged "latest"
    repo, (first,) = fake_cloud.repository_with(("latest",))
    mocks = ExecutingMocks(fake_cloud.config)

    def program() -> None:
        image = Image("app", repository_name=repo, tag="latest")
        pulumi.export("id", image.image_id)
        pulumi.export("moved_to", image.tag_moved_to)

    run_program(program, mocks)
    # when "latest" is pushed onto a newer image and the unchanged program runs with refresh
    newer = pushed(fake_cloud, repo, "latest")
    out = run_program(program, mocks, refresh=True)
    # then nothing is deleted: the Image stays on the image it adopted and says where the tag went
    assert deletes(fake_cloud) == 0 and first in fake_cloud.model.images
    assert out == {"id": first, "moved_to": newer} and mocks.deleted == []
    # and only a change of the inputs by the user replaces it (adopting the new image, deleting the old one)
    run_program(images(app={"repository_name": repo, "digest": fake_cloud.model.images[newer].digest}), mocks)
    assert [r.id for r in mocks.deleted] == [first] and first not in fake_cloud.model.images


def test_refresh_forgets_an_image_deleted_out_of_band_and_the_next_up_adopts_again(fake_cloud: FakeCloud) -> None:
    repo, (image,) = fake_cloud.repository_with(("v1",))
    mocks = ExecutingMocks(fake_cloud.config)
    program = images(app={"repository_name": repo, "tag": "v1"})
    run_program(program, mocks)
    fake_cloud.model.delete_image(image)  # out of band
    fake_cloud.model.advance()
    assert mocks.refresh() == []
    again = pushed(fake_cloud, repo, "v1")
    assert run_program(program, mocks) == {"app": again}


def test_removing_a_cleanup_during_up_deletes_nothing(fake_cloud: FakeCloud) -> None:
    # given a stack with an ImageCleanup (delete_all) on a repository
    repo, ids = fake_cloud.repository_with((), ("v1",), ())
    mocks = ExecutingMocks(fake_cloud.config)
    run_program(lambda: ImageCleanup("cleanup", repository_name=repo, delete_all=True), mocks)
    # when the program drops it and runs again
    run_program(lambda: None, mocks)
    # then the cleanup left the stack without deleting a single image
    assert [r.name for r in mocks.deleted] == ["cleanup"] and not mocks.state
    assert all(image_id in fake_cloud.model.images for image_id in ids)


def test_removing_a_cleanup_that_opted_in_runs_it_and_spares_the_image_a_remaining_image_adopts(
        fake_cloud: FakeCloud) -> None:
    # given a stack with an Image and an ImageCleanup (delete_all, run_on_remove) on the same repository
    repo, (old, adopted, new) = fake_cloud.repository_with((), ("v1",), ())
    mocks = ExecutingMocks(fake_cloud.config)

    def with_cleanup() -> None:
        Image("app", repository_name=repo, tag="v1")
        ImageCleanup("cleanup", repository_name=repo, delete_all=True, run_on_remove=True)

    run_program(with_cleanup, mocks)
    # when the program drops the cleanup and runs again (the cleanup runs as it is deleted, during this up)
    run_program(images(app={"repository_name": repo, "tag": "v1"}), mocks)
    # then it deletes what nobody adopts and spares the image the Image still holds
    assert [r.name for r in mocks.deleted] == ["cleanup"]
    assert adopted in fake_cloud.model.images and old not in fake_cloud.model.images
    assert new not in fake_cloud.model.images


def test_a_failed_run_deletes_nothing_and_keeps_the_state(fake_cloud: FakeCloud) -> None:
    repo, (a, b) = fake_cloud.repository_with(("a",), ("b",))
    mocks = ExecutingMocks(fake_cloud.config)
    run_program(images(first={"image_id": a}, second={"image_id": b}), mocks)
    # when the next run fails (a tag that names no image), then the removed resource is not deleted
    with pytest.raises(NoMatchError):
        run_program(images(first={"repository_name": repo, "tag": "nope"}), mocks)
    assert deletes(fake_cloud) == 0 and {r.id for r in mocks.state} == {a, b}


def test_a_preview_plans_without_changing_the_state_or_the_cloud(fake_cloud: FakeCloud) -> None:
    repo, (a, b) = fake_cloud.repository_with(("a",), ("b",))
    mocks = ExecutingMocks(fake_cloud.config)
    run_program(images(first={"image_id": a}), mocks)
    run_program(images(second={"image_id": b}), mocks, preview=True)
    assert deletes(fake_cloud) == 0 and [r.id for r in mocks.state] == [a]


def test_refresh_needs_executing_mocks() -> None:
    with pytest.raises(TypeError, match="ExecutingMocks"):
        run_program(lambda: None, RecordingMocks(), refresh=True)


# -- destroy ----------------------------------------------------------------------------------------------
def test_destroy_twice_is_a_no_op_the_second_time(fake_cloud: FakeCloud) -> None:
    # given a stack adopting an image, destroyed once
    _, (image,) = fake_cloud.repository_with(("v1",))
    mocks = ExecutingMocks(fake_cloud.config)
    run_program(images(app={"image_id": image}), mocks)
    assert [r.id for r in mocks.destroy()] == [image] and image not in fake_cloud.model.images
    calls = dict(fake_cloud.model.calls)
    # when destroyed again, then nothing is deleted and nothing is asked of the cloud
    assert mocks.destroy() == [] and mocks.state == []
    assert dict(fake_cloud.model.calls) == calls


# -- failed runs ------------------------------------------------------------------------------------------
def test_failed_runs_raise_their_error_without_future_tracebacks(fake_cloud: FakeCloud) -> None:
    # given a program whose Image names a tag no image carries, run 8 times in a fresh interpreter (as a user's
    # test would)
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    script = textwrap.dedent(f"""
        from pulumi_yc_registry import Image
        from pulumi_yc_registry.testing import ExecutingMocks, run_program
        config = {fake_cloud.config!r}
        for n in range(8):
            try:
                run_program(lambda: Image("img", repository_name="{fake_cloud.registry_id}/app", tag="nope"),
                            ExecutingMocks(config), config=config)
            except Exception as exc:
                print(type(exc).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=str(REPO_ROOT))
    # then each run raised its error once, and nothing else was printed about it
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["NoMatchError"] * 8
    assert "never retrieved" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
