"""examples/migrate-folder under mocks, its providers executing against the fake: inventory, migrate, verify,
then the same lookup served by Cloud Registry; destroy changes nothing."""

from __future__ import annotations

from harness import REPO_ROOT, ExecutingMocks, FakeCloud, run_program
from yc_registry_provider.fake import DEMO_FOLDER_ID, add_image, add_images

PROJECT = "yc-registry-migrate-folder"


def test_the_example_migrates_verifies_and_looks_up_in_cloud_registry(fake_cloud: FakeCloud,
                                                                      clean_yc_env: None) -> None:
    newest = add_image(fake_cloud.model, fake_cloud.registry_id, "app", tags=("v1",))
    add_images(fake_cloud.model, fake_cloud.registry_id, "worker", 30)
    mocks = ExecutingMocks(fake_cloud.config)
    out = run_program(REPO_ROOT / "examples" / "migrate-folder", mocks,
                      config={**fake_cloud.config, f"{PROJECT}:folderId": DEMO_FOLDER_ID,
                              f"{PROJECT}:repository": newest.name})
    assert out["inventory_count"] == 31 and out["inventory_registries"] == [fake_cloud.registry_id]
    assert out["migration_status"] == "COMPLETED" and out["migrated_registries"] == [fake_cloud.registry_id]
    assert out["missing_count"] == 0 and out["missing"] == []
    assert out["newest_service"] == "cloud-registry"
    assert out["newest_uri"] == f"registry.yandexcloud.net/{newest.name}@{newest.digest}"
    artifacts = len(fake_cloud.model.cloud_registry.artifacts)
    mocks.destroy()
    assert len(fake_cloud.model.cloud_registry.artifacts) == artifacts
