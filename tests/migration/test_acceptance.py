"""Acceptance of issue 11, over real sockets against the fake: a folder of 3 registries and 2,000 images migrates
through FolderMigration with progress lines, verify_migration reports 0 missing, and the `lookup` example,
unchanged, then reads from Cloud Registry; a failing tag fails the same run naming it, nothing retried."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import pulumi_yc_registry as yc
from harness import REPO_ROOT, ExecutingMocks, FakeCloud, run_program
from yc_registry_provider.fake import DEMO_FOLDER_ID, add_image, add_images, add_registry

LOOKUP = REPO_ROOT / "examples" / "lookup"


def seed_folder(cloud: FakeCloud) -> str:
    """3 registries in the demo folder holding 2,000 images; `app` of the first has 3 tagged ones, newest last."""
    second = add_registry(cloud.model, folder_id=DEMO_FOLDER_ID, name="second").id
    third = add_registry(cloud.model, folder_id=DEMO_FOLDER_ID, name="third").id
    day = datetime(2026, 6, 1, tzinfo=timezone.utc)
    for n, tags in enumerate((("v1",), ("v2",), ("v3", "latest"))):
        add_image(cloud.model, cloud.registry_id, "app", tags=tags, created_at=day + timedelta(days=n))
    add_images(cloud.model, cloud.registry_id, "worker", 997)
    add_images(cloud.model, second, "tools/ci", 600)
    add_images(cloud.model, third, "batch", 400)
    assert len(cloud.model.images) == 2_000
    return f"{cloud.registry_id}/app"


def progress_lines(capture: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in capture.records if r.name == "yc_registry_provider.migration"]


def test_a_folder_migrates_verifies_and_the_lookup_example_then_reads_cloud_registry(
        fake_cloud: FakeCloud, clean_yc_env: None, caplog: pytest.LogCaptureFixture) -> None:
    # given 3 registries and 2,000 images, and the lookup example reading Container Registry today
    repository = seed_folder(fake_cloud)
    fake_cloud.model.cloud_registry.knobs.tags_per_second = 8_000.0
    config = {**fake_cloud.config, "yc-registry-lookup:repository": repository}
    before = run_program(LOOKUP, ExecutingMocks(fake_cloud.config), config=config)
    assert before["image_uri"].startswith("cr.yandex/") and before["image_count"] == 3

    # when a program migrates the folder
    caplog.set_level("INFO", logger="yc_registry_provider.migration")
    mocks = ExecutingMocks(fake_cloud.config)
    out = run_program(lambda: _migrate_program(), mocks, config=fake_cloud.config)

    # then it completed, with progress lines on the way and 0 missing
    assert out["status"] == "COMPLETED" and out["missing_count"] == 0 and out["image_count"] == 2_000
    assert out["tags"]["completed"] == out["tags"]["total"] == 2_001  # 4 tags on 3 images, 997+600+400 untagged
    assert sorted(out["registry_ids"]) == sorted(fake_cloud.model.registries)
    lines = progress_lines(caplog)
    assert any("EVERY registry of the folder moves" in line for line in lines)
    assert any("IN_PROGRESS" in line for line in lines) and any("tags 2001/2001" in line for line in lines)
    assert fake_cloud.model.calls["CloudRegistry.MigrationService.StartFolder"] == 1
    assert out["verified"] == {"missing_count": 0, "image_count": 2_000}  # verify_migration_output, afterwards

    # and the lookup example, unchanged, now reads from Cloud Registry (same registry id, same digest)
    after = run_program(LOOKUP, ExecutingMocks(fake_cloud.config), config=config)
    assert after["newest_digest"] == before["newest_digest"] and after["image_count"] == 3
    assert after["image_uri"] == before["image_uri"].replace("cr.yandex/", "registry.yandexcloud.net/")
    assert after["newest_tags"] == ["v3", "latest"]
    assert fake_cloud.model.calls["CloudRegistry.ArtifactService.List"] > 0


def _migrate_program() -> None:
    import pulumi

    migration = yc.FolderMigration("folder", folder_id=DEMO_FOLDER_ID, timeout=60)
    pulumi.export("status", migration.status)
    pulumi.export("missing_count", migration.missing_count)
    pulumi.export("image_count", migration.image_count)
    pulumi.export("tags", migration.tags)
    pulumi.export("registry_ids", migration.registry_ids)
    checked = yc.verify_migration_output(folder_id=migration.folder_id)
    pulumi.export("verified", checked.apply(lambda v: {"missing_count": v.missing_count,
                                                       "image_count": v.image_count}))


def test_a_failing_tag_fails_the_same_run_naming_it_and_nothing_is_retried(
        fake_cloud: FakeCloud, clean_yc_env: None) -> None:
    # given the same folder, and a tag the migration cannot move
    repository = seed_folder(fake_cloud)
    knobs = fake_cloud.model.cloud_registry.knobs
    knobs.failing_tags[f"{repository}:v2"] = ("MANIFEST_INVALID", "manifest of app:v2 cannot be parsed")
    # when the migration runs
    with pytest.raises(Exception) as failed:
        run_program(lambda: _migrate_program(), ExecutingMocks(fake_cloud.config), config=fake_cloud.config)
    # then it fails naming the tag, its code and message, and says what to do
    text = str(failed.value)
    assert f"{repository}:v2 (MANIFEST_INVALID: manifest of app:v2 cannot be parsed)" in text
    assert "start the migration again" in text
    # and StartFolder went out once; what moved stays moved
    assert fake_cloud.model.calls["CloudRegistry.MigrationService.StartFolder"] == 1
    versions = [a for a in fake_cloud.model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"]
    assert len(versions) == 2_000  # 2,001 versions, one failed
    # when the next run starts it again (the last one FAILED), then only the failed tag is tried again
    with pytest.raises(Exception, match="MANIFEST_INVALID"):
        run_program(lambda: _migrate_program(), ExecutingMocks(fake_cloud.config), config=fake_cloud.config)
    board = fake_cloud.model.cloud_registry.folder_dashboard(DEMO_FOLDER_ID)
    assert board.tags.total == 1 and board.tags.failed == 1
    assert fake_cloud.model.calls["CloudRegistry.MigrationService.StartFolder"] == 2


def test_a_start_operation_ending_with_an_error_fails_the_dynamic_resource_naming_the_failed_tag(
        fake_cloud: FakeCloud, clean_yc_env: None) -> None:
    # given a small folder whose StartFolder Operation ends with "failed for 1 tag(s)" (no tag named), while the
    # dashboard's top_failed_tags names app:v2
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v2",))
    knobs = fake_cloud.model.cloud_registry.knobs
    knobs.start_operation_spans_migration = True
    knobs.failing_tags[f"{fake_cloud.registry_id}/app:v2"] = ("MANIFEST_INVALID", "manifest cannot be parsed")
    # when a program's FolderMigration runs
    with pytest.raises(Exception) as failed:
        run_program(lambda: _migrate_program(), ExecutingMocks(fake_cloud.config), config=fake_cloud.config)
    # then it fails naming the tag, its code and message, and StartFolder went out once
    text = str(failed.value)
    assert f"{fake_cloud.registry_id}/app:v2 (MANIFEST_INVALID: manifest cannot be parsed)" in text
    assert "failed for 1 tag(s)" in text
    assert fake_cloud.model.calls["CloudRegistry.MigrationService.StartFolder"] == 1
