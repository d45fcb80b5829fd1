"""The native plugin (PulumiPlugin.yaml) under the real engine: a YAML program, `pulumi import`, destroy."""

from __future__ import annotations

import json
import re
from pathlib import Path

from engine import FakeProcess, Project, REPO_ROOT
from yc_registry_provider.fake import DEMO_TOKEN

APP = "crpr0000000000000001/app"
DEV_APP = "crpr0000000000000002/app"
NATIVE_IMAGE = "yc-registry:index:Image"


def native_project(tmp_path: Path, env: dict[str, str], fake: FakeProcess) -> Project:
    directory = tmp_path / "native"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(
        f"name: e2e-native\nruntime: yaml\npackages:\n  yc-registry: {REPO_ROOT}\nresources: {{}}\n",
        encoding="utf-8")
    project = Project(directory, env)
    project.init()
    project.aim_at(fake, namespace="yc-registry")
    return project


def test_yaml_lookup_example_outputs_are_what_the_functions_return(cli_env: dict[str, str], native_plugin: Path,
                                                                   fake: FakeProcess, tmp_path: Path) -> None:
    # given the YAML example, using the plugin from this checkout
    project = Project.copy_of("yaml-lookup", tmp_path, cli_env)
    project.init(config={"repository": APP})
    project.aim_at(fake, namespace="yc-registry")
    # when it goes up
    project.up()
    outputs = project.outputs()
    # then getImage found the image the tag names, and getImages the newest five, camelCase as the schema says
    (latest,) = [image for image in fake.images(repository_name=APP) if "latest" in image.tags]
    assert outputs["imageId"] == latest.id and outputs["digest"] == latest.digest
    assert outputs["uri"] == f"cr.yandex/{APP}@{latest.digest}"
    assert outputs["tagUris"] == [f"cr.yandex/{APP}:{tag}" for tag in latest.tags]
    recent = outputs["recentImages"]
    assert len(recent) == 5 and {"imageId", "createdAt", "tagUris"} <= set(recent[0])
    project.pulumi("destroy", "--yes")
    assert DEMO_TOKEN not in project.all_output() and DEMO_TOKEN not in json.dumps(project.export())


def test_import_then_up_shows_no_change_then_destroy_deletes_and_waits(cli_env: dict[str, str], native_plugin: Path,
                                                                       fake: FakeProcess, tmp_path: Path) -> None:
    project = native_project(tmp_path, cli_env, fake)
    target = sorted(fake.images(repository_name=DEV_APP), key=lambda image: image.created_at)[0]
    before = fake.image_ids()
    # when the user imports an image by id
    imported = project.pulumi("import", NATIVE_IMAGE, "old", target.id, "--yes", "--protect=false")
    # then the state holds it, and the generated code (camelCase) is what the program needs
    (resource,) = project.resources(NATIVE_IMAGE)
    assert resource["id"] == target.id and resource["outputs"]["digest"] == target.digest
    code = imported.stdout[imported.stdout.index("resources:"):]
    assert re.search(rf"imageId: {target.id}", code), code
    text = (project.directory / "Pulumi.yaml").read_text(encoding="utf-8").replace("resources: {}\n", code)
    project.write("Pulumi.yaml", text)
    project.pulumi("preview", "--expect-no-changes")
    project.up("--expect-no-changes")
    assert fake.image_ids() == before
    # and destroy deletes it and waits for the operation
    destroy = project.pulumi("destroy", "--yes")
    assert fake.image_ids() == before - {target.id}
    assert f"deleted image {target.id} (operation " in destroy.output, destroy.output
