"""Every Python example through the real CLI: stack init, config, preview, up, refresh, destroy, on the fake."""

from __future__ import annotations

import json
from pathlib import Path

from engine import FakeProcess, Project
from yc_registry_provider.fake import DEMO_TOKEN

APP = "crpr0000000000000001/app"
DEV_APP = "crpr0000000000000002/app"
DYNAMIC_IMAGE = "pulumi-python:dynamic/yc-registry:Image"


def assert_no_token_anywhere(project: Project) -> None:
    """Neither the exported state nor anything the CLI printed carries the token."""
    state = json.dumps(project.export())
    assert DEMO_TOKEN not in state
    assert DEMO_TOKEN not in project.all_output()


def assert_provider_by_reference(project: Project) -> None:
    for resource in project.resources(DYNAMIC_IMAGE):
        pickled = resource["outputs"]["__provider"]
        assert len(pickled) < 300, len(pickled)


def test_lookup_example_up_refresh_destroy(cli_env: dict[str, str], fake: FakeProcess, tmp_path: Path) -> None:
    # given the lookup example aimed at the fake
    project = Project.copy_of("lookup", tmp_path, cli_env)
    project.init(config={"repository": APP})
    project.aim_at(fake)
    before = fake.image_ids()
    # when it goes through preview, up, refresh and destroy
    preview = project.pulumi("preview")
    assert "+ 1 to create" in preview.output or "1 to create" in preview.output
    project.up()
    outputs = project.outputs()
    newest = max(fake.images(repository_name=APP), key=lambda image: image.created_at)
    # then its outputs are what the fake holds, and nothing was deleted
    assert outputs["newest_image_id"] == newest.id
    assert outputs["image_uri"] == f"cr.yandex/{APP}@{newest.digest}"
    assert outputs["image_count"] == len(fake.images(repository_name=APP))
    project.pulumi("refresh", "--yes")
    project.pulumi("destroy", "--yes")
    assert fake.image_ids() == before
    assert_no_token_anywhere(project)


def test_adopt_and_destroy_example_deletes_only_what_it_adopted(cli_env: dict[str, str], fake: FakeProcess,
                                                                 tmp_path: Path) -> None:
    # given two images of a repository adopted by digest
    images = sorted(fake.images(repository_name=DEV_APP), key=lambda image: image.created_at)
    adopted = images[:2]
    project = Project.copy_of("adopt-and-destroy", tmp_path, cli_env)
    project.init(config={"repository": DEV_APP, "digests": [image.digest for image in adopted]})
    project.aim_at(fake)
    before = fake.image_ids()
    # when up and refresh run
    project.pulumi("preview")
    project.up()
    assert sorted(project.outputs()["adopted_ids"]) == sorted(image.id for image in adopted)
    project.pulumi("refresh", "--yes")
    assert fake.image_ids() == before  # up and refresh delete nothing
    assert_provider_by_reference(project)
    # then destroy deletes exactly the adopted images, waiting for their operations
    destroy = project.pulumi("destroy", "--yes")
    assert fake.image_ids() == before - {image.id for image in adopted}
    assert "deleted" in destroy.output
    assert_no_token_anywhere(project)
