"""FolderMigration's rules (lifecycle.migration) over real sockets against the fake: adopt, start once, the
completion criteria, the deadline, verification, and input rules refused before any call."""

from __future__ import annotations


import pytest

from harness import FakeCloud, start_fake_cloud
from yc_registry_provider import (InvalidArgumentError, MigrationFailedError, MigrationIncompleteError,
                                  MigrationTimeoutError, resolve_settings)
from yc_registry_provider.backends.service import MigrationBackend
from yc_registry_provider.fake import DEMO_FOLDER_ID, FakeModel, ManualClock, add_image, add_images
from yc_registry_provider.lifecycle import migration as rules

START = "CloudRegistry.MigrationService.StartFolder"


@pytest.fixture
def folder(fake_cloud: FakeCloud) -> FakeCloud:
    """The demo folder's registry with app:v1, app:latest and 20 untagged worker images."""
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("latest",))
    add_images(fake_cloud.model, fake_cloud.registry_id, "worker", 20)
    return fake_cloud


def backend(cloud: FakeCloud) -> MigrationBackend:
    return MigrationBackend(resolve_settings({}, cloud.config, {}))


def run(cloud: FakeCloud, **inputs: object) -> tuple[dict[str, object], list[str]]:
    lines: list[str] = []
    with backend(cloud) as b:
        _id, outs = rules.create(b, {"folder_id": DEMO_FOLDER_ID, "timeout": 30, **inputs}, progress=lines.append)
    return outs, lines


def test_a_running_migration_is_adopted_and_waited_on_never_started_again(folder: FakeCloud) -> None:
    folder.model.cloud_registry.start_folder_migration(DEMO_FOLDER_ID, already_running_for=0.07)  # SCHEDULED
    outs, lines = run(folder)
    assert outs["started_here"] is False and outs["status"] == "COMPLETED" and outs["missing_count"] == 0
    assert folder.model.calls[START] == 0
    assert "already SCHEDULED: adopting it" in lines[0]


def test_a_fresh_folder_is_started_once_and_says_every_registry_moves(folder: FakeCloud) -> None:
    outs, lines = run(folder)
    assert outs["started_here"] is True and folder.model.calls[START] == 1
    assert "EVERY registry of the folder moves" in lines[0]
    assert outs["tags"] == {"total": 22, "completed": 22, "in_progress": 0, "created": 0, "scheduled": 0,
                            "failed": 0, "not_found": 0}
    outs, _ = run(folder)  # a second create (another stack, a replace) adopts the completed one
    assert outs["started_here"] is False and folder.model.calls[START] == 1


def test_a_completed_status_with_a_failed_tag_is_a_failure_naming_the_tag(folder: FakeCloud) -> None:
    knobs = folder.model.cloud_registry.knobs
    knobs.status_when_tags_fail = "COMPLETED"
    knobs.failing_tags[f"{folder.registry_id}/app:latest"] = ("BLOB_UNKNOWN", "layer sha256:ab missing")
    with pytest.raises(MigrationFailedError) as failed:
        run(folder)
    assert failed.value.failed_tags == [f"{folder.registry_id}/app:latest (BLOB_UNKNOWN: layer sha256:ab missing)"]
    assert "COMPLETED: registries 1/1" in str(failed.value) and failed.value.folder_id == DEMO_FOLDER_ID


def test_the_deadline_raises_naming_the_folder() -> None:
    cloud = start_fake_cloud(FakeModel(clock=ManualClock()))  # time never moves: the migration stays CREATED
    try:
        add_image(cloud.model, cloud.registry_id, "app", tags=("v1",))
        with pytest.raises(MigrationTimeoutError, match=f"folder {DEMO_FOLDER_ID} was still CREATED after 0.3 s"):
            run(cloud, timeout=0.3)
        assert cloud.model.calls[START] == 1
    finally:
        cloud.server.stop(0)


def test_verification_finds_a_missing_digest_and_allow_missing_accepts_it(folder: FakeCloud) -> None:
    run(folder)
    late = add_image(folder.model, folder.registry_id, "app", tags=("late",))  # pushed after the snapshot
    with backend(folder) as b:
        checked = rules.verify(b, registry_id=folder.registry_id)
    assert checked.missing_count == 1 and checked.image_count == 23
    assert checked.missing[0].to_dict() == {"image_id": late.id, "name": late.name, "tags": ["late"],
                                            "digest": late.digest}
    with pytest.raises(MigrationIncompleteError, match=f"{late.name}@{late.digest}"):
        run(folder)
    outs, _ = run(folder, allow_missing=True)
    assert outs["missing_count"] == 1


def test_a_registry_never_migrated_is_reported_as_such(folder: FakeCloud) -> None:
    with backend(folder) as b:
        checked = rules.verify(b, folder_id=DEMO_FOLDER_ID)
    assert checked.unmigrated_registry_ids == [folder.registry_id] and checked.missing_count == 22


@pytest.mark.parametrize("inputs, field", [
    ({}, "folder_id"),
    ({"folder_id": "f" * 51}, "folder_id"),
    ({"folder_id": "f", "timeout": 0}, "timeout"),
    ({"folder_id": "f", "disable_redirects": "true"}, "disable_redirects"),
    ({"folder_id": "f", "allow_missing": 1}, "allow_missing"),
])
def test_every_input_rule_is_refused_before_any_call(folder: FakeCloud, inputs: dict[str, object], field: str) -> None:
    assert [f for f, _ in rules.check(inputs)] == [field]
    before = sum(folder.model.calls.values())
    with backend(folder) as b, pytest.raises(InvalidArgumentError) as refused:
        rules.create(b, inputs, progress=lambda _m: None)
    assert refused.value.field == field and sum(folder.model.calls.values()) == before
    with backend(folder) as b, pytest.raises(InvalidArgumentError, match="exactly one"):
        rules.verify(b, folder_id="f", registry_id="r")


def test_delete_changes_nothing_and_says_so(folder: FakeCloud) -> None:
    run(folder)
    before = (dict(folder.model.calls), len(folder.model.cloud_registry.artifacts))
    lines: list[str] = []
    rules.delete({"folder_id": DEMO_FOLDER_ID}, progress=lines.append)
    assert (dict(folder.model.calls), len(folder.model.cloud_registry.artifacts)) == before
    assert "nothing changed in the cloud: a migration cannot be undone" in lines[0]


def test_refresh_reads_the_dashboard_and_a_redirects_change_toggles_them(folder: FakeCloud) -> None:
    outs, _ = run(folder)
    with backend(folder) as b:
        found, refreshed, _inputs = rules.read(b, DEMO_FOLDER_ID, outs)
        assert found == DEMO_FOLDER_ID and refreshed["status"] == "COMPLETED"
        assert rules.diff(outs, {**outs, "disable_redirects": True}).replaces == []
        rules.update(b, outs, {**outs, "disable_redirects": True}, progress=lambda _m: None)
    assert not folder.model.cloud_registry.registries[folder.registry_id].redirects
    assert rules.diff(outs, {**outs, "folder_id": "other"}).replaces == ["folder_id"]




def test_done_needs_every_criterion_even_when_counters_disagree() -> None:
    from yc_registry_provider.migration import Counters, Dashboard

    whole = Counters(total=2, completed=2)
    board = Dashboard("f", "COMPLETED", whole, whole, Counters(total=2, completed=2, failed=1))
    assert not board.complete and board.failed
    assert Dashboard("f", "COMPLETED", whole, whole, whole).complete
    assert not Dashboard("f", "COMPLETED", whole, Counters(total=3, completed=2), whole).complete


# -- the preview says what `up` will do; verification checks tags (issue 16, item 7) ---------------------------

def test_the_preview_says_what_up_will_do_and_lists_nothing_as_missing(folder: FakeCloud) -> None:
    with backend(folder) as b:
        message = rules.preview_message(b, {"folder_id": DEMO_FOLDER_ID, "disable_redirects": True})
    assert message is not None and "`pulumi up` will migrate it to Cloud Registry" in message
    assert folder.registry_id in message and "cannot be undone" in message and "redirects turned OFF" in message
    assert "missing" not in message and folder.model.calls[START] == 0
    run(folder)  # once it runs, the preview of the next up says it is adopted
    with backend(folder) as b:
        again = rules.preview_message(b, {"folder_id": DEMO_FOLDER_ID})
    assert again is not None and "already COMPLETED" in again and "adopts it" in again


def test_verification_checks_each_tag_arrived_on_the_same_digest(folder: FakeCloud) -> None:
    outs, lines = run(folder)
    (verified,) = [line for line in lines if line.startswith("verification")]
    assert "2 of 2 tags checked are on the same digest" in verified
    # when a tag names another digest in Cloud Registry than in Container Registry (pushed there meanwhile)
    pushed = add_image(folder.model, folder.registry_id, "app", tags=("v1",))  # moves v1 in Container Registry
    with backend(folder) as b:
        checked = rules.verify(b, folder_id=DEMO_FOLDER_ID)
    # then verification names it (the new digest is also missing)
    assert any(moved.startswith(f"{folder.registry_id}/app:v1 ({pushed.digest}") for moved in checked.moved_tags)
    assert not checked.ok and "on another digest" in checked.summary()


def test_the_fake_command_line_rehearses_a_failed_migration() -> None:
    from yc_registry_provider.fake.__main__ import build_model, parse_args

    # given the fake as `--seed empty --failing-tag <registry>/app:v1=INTERNAL --migration-tags-per-second 50`
    model = build_model(parse_args(["--seed", "empty", "--failing-tag", "crpr0000000000000001/app:v1=INTERNAL",
                                    "--migration-tags-per-second", "50", "--migration-stage-seconds", "0"]))
    cloud = start_fake_cloud(model)
    try:
        assert cloud.registry_id == "crpr0000000000000001"
        add_image(model, cloud.registry_id, "app", tags=("v1",))
        add_images(model, cloud.registry_id, "worker", 10)
        # when the folder migrates / then it fails naming the tag, after taking its time
        with pytest.raises(MigrationFailedError) as failed:
            run(cloud)
        assert failed.value.failed_tags[0].startswith("crpr0000000000000001/app:v1 (INTERNAL")
        assert model.cloud_registry.knobs.tags_per_second == 50
    finally:
        cloud.server.stop(0)
    with pytest.raises(SystemExit):
        build_model(parse_args(["--failing-tag", "no-colon"]))


def failing_start(cloud: FakeCloud) -> str:
    """Given: StartFolder's Operation spans the migration and ends with an error naming no tag (code 13,
    "failed for 1 tag(s)"), while the dashboard's top_failed_tags names app:latest. Returns that tag's name."""
    knobs = cloud.model.cloud_registry.knobs
    knobs.start_operation_spans_migration = True
    knobs.failing_tags[f"{cloud.registry_id}/app:latest"] = ("BLOB_UNKNOWN", "layer sha256:ab missing")
    return f"{cloud.registry_id}/app:latest (BLOB_UNKNOWN: layer sha256:ab missing)"


def test_a_start_operation_ending_with_an_error_names_the_failed_tags_from_the_dashboard(folder: FakeCloud) -> None:
    named = failing_start(folder)
    # when the migration is started and its StartFolder Operation ends with an error
    with pytest.raises(MigrationFailedError) as failed:
        run(folder)
    # then the failure names the tag (repository:tag, code, message) and the operation's own error
    assert failed.value.failed_tags == [named] and failed.value.folder_id == DEMO_FOLDER_ID
    text = str(failed.value)
    assert named in text and "failed for 1 tag(s)" in text and "start the migration again" in text
    assert folder.model.calls[START] == 1
    # and get_folder_migration reads the same failed tag
    with backend(folder) as b:
        assert rules.folder_migration(b, DEMO_FOLDER_ID)["failed_tags"] == [named]
