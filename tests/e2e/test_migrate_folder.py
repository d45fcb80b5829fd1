"""examples/migrate-folder through the real CLI against the fake process: preview starts nothing, up migrates
with progress lines, the lookup is then served by Cloud Registry, destroy changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

from engine import FakeProcess, Project
from yc_registry_provider.fake import DEMO_FOLDER_ID

APP = "crpr0000000000000001/app"


def test_migrate_folder_example_through_the_cli(cli_env: dict[str, str], fake: FakeProcess, tmp_path: Path) -> None:
    # given the example aimed at the demo folder of the fake (2 registries, 24 images)
    project = Project.copy_of("migrate-folder", tmp_path, cli_env)
    project.init(config={"folderId": DEMO_FOLDER_ID, "repository": APP})
    project.aim_at(fake)
    # when previewed, then it says what up will do (the registries that move, for good, redirects on), lists
    # nothing as missing, and starts nothing
    preview = project.pulumi("preview")
    assert "`pulumi up` will migrate it to Cloud Registry" in preview.output, preview.output[-3000:]
    assert "crpr0000000000000001, crpr0000000000000002" in preview.output and "cannot be undone" in preview.output
    assert "redirects stay ON" in preview.output
    assert re.search(r"missing_count\s+: \[unknown\]", preview.output)  # no pre-migration "missing" list
    assert "crpi" not in preview.output
    # when up runs, then the CLI shows that every registry moves and the progress, and the outputs say done
    up = project.up()
    assert "starting the migration of folder" in up.output  # the preview started none
    assert "EVERY registry of the folder moves" in up.output
    assert "COMPLETED: registries 2/2" in up.output
    outputs = project.outputs()
    assert outputs["migration_status"] == "COMPLETED" and outputs["missing_count"] == 0
    assert outputs["inventory_count"] == 24
    assert outputs["newest_service"] == "cloud-registry"
    assert outputs["newest_uri"].startswith(f"registry.yandexcloud.net/{APP}@sha256:")
    # when refreshed and destroyed, then the migration stays, and the CLI says nothing changed in the cloud
    project.pulumi("refresh", "--yes")
    destroy = project.pulumi("destroy", "--yes")
    assert "nothing changed in the cloud" in destroy.output
    assert fake.image_ids()  # Container Registry still lists its images (read-only)
