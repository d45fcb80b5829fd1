"""A folder migration whose StartFolder Operation itself ends with an error ("failed for 1 tag(s)", naming none),
through the real CLI against the fake process: `pulumi up` of examples/migrate-folder fails naming the tag
(repository:tag, code, message) from the dashboard's top_failed_tags, and StartFolder went out once."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from engine import FakeProcess, Project

from yc_registry_provider.fake import DEMO_FOLDER_ID

APP = "crpr0000000000000001/app"
BROKEN = f"{APP}:latest (BLOB_UNKNOWN: layer sha256:ab missing)"


@pytest.fixture
def failing_fake() -> Iterator[FakeProcess]:
    """The demo fake whose migration cannot move app:latest, its StartFolder Operation spanning the migration."""
    process = FakeProcess("--seed", "demo", "--operation-duration", "0.2", "--start-operation-spans-migration",
                          "--failing-tag", f"{APP}:latest=BLOB_UNKNOWN:layer sha256:ab missing")
    try:
        yield process
    finally:
        process.close()


def test_a_failed_start_operation_fails_up_naming_the_failed_tag(cli_env: dict[str, str], failing_fake: FakeProcess,
                                                                tmp_path: Path) -> None:
    # given the migrate-folder example aimed at that fake
    project = Project.copy_of("migrate-folder", tmp_path, cli_env)
    project.init(config={"folderId": DEMO_FOLDER_ID, "repository": APP})
    project.aim_at(failing_fake)
    # when up runs, then it fails naming the tag, its code and message, beside the Operation's own error
    up = project.up(check=False)
    assert up.code != 0
    assert BROKEN in up.output and "failed for 1 tag(s)" in up.output
    assert "start the migration again" in up.output
