"""TypeScript, Go and Python programs under Pulumi's own language hosts (issue 17).

TypeScript and Go reach the provider through the native plugin (PulumiPlugin.yaml at the repo root), as a user
does: ``pulumi package add <this repo>`` generates the SDK into the project, the program is type-checked / compiled,
then ``up`` / ``refresh`` / ``destroy`` run it against the fake. The programs are ``examples/typescript`` and
``examples/go``, the README's examples. A Python program uses the dynamic providers and must want no plugin at all.

Caches stay outside the checkout (``engine.TOOL_CACHE``): npm's, and Go's build cache (the first Go compile of the
Pulumi SDK takes about 2.5 minutes cold on 2 cores; later ones seconds).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine import FakeProcess, Project, language_env, program_project

REPOSITORY = "crpr0000000000000001/app"
KEPT_TAG = "latest"
VERSION_TAG = re.compile(r"v.*")
VERSIONS_KEPT = 2
PREVIOUS_TAG = "v0.9.0"


def require_tools(*names: str) -> None:
    """Skip (fail in CI) when a toolchain the language needs is not on PATH."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        message = f"{', '.join(missing)} not on PATH: the {names[0]} programs cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


# -- builders --------------------------------------------------------------------------------------------------------
def example_project(name: str, tmp_path: Path, env: dict[str, str], fake: FakeProcess) -> tuple[Project, Any]:
    """A copy of examples/<name> aimed at ``fake``: the repository, and the image to adopt by digest (v0.9.0)."""
    project = Project.copy_of(name, tmp_path, language_env(env))
    (previous,) = [image for image in fake.images(repository_name=REPOSITORY) if PREVIOUS_TAG in image.tags]
    project.init(config={"repository": REPOSITORY, "previousDigest": previous.digest})
    project.aim_at(fake, namespace="yc-registry")
    return project, previous


def expected_deletes(fake: FakeProcess, previous_id: str) -> set[str]:
    """What the examples' destroy must delete, from the rules written out: the ImageCleanup keeps images tagged
    `latest` and the newest 2 with a `v...` tag, and deletes the rest of the repository; the Image deletes its own."""
    images = sorted(fake.images(repository_name=REPOSITORY), key=lambda image: image.created_at, reverse=True)
    versioned = [image.id for image in images if any(VERSION_TAG.fullmatch(tag) for tag in image.tags)]
    kept = {image.id for image in images if KEPT_TAG in image.tags} | set(versioned[:VERSIONS_KEPT])
    return ({image.id for image in images} - kept) | {previous_id}


def assert_outputs(outputs: dict[str, Any], fake: FakeProcess, previous: Any, selected: set[str]) -> None:
    (latest,) = [image for image in fake.images(repository_name=REPOSITORY) if KEPT_TAG in image.tags]
    assert outputs["latestUri"] == f"cr.yandex/{REPOSITORY}@{latest.digest}"       # the getImage invoke
    assert outputs["latestTags"] == list(latest.tags)
    assert outputs["previousId"] == previous.id and outputs["previousTags"] == [PREVIOUS_TAG]  # Image by digest
    assert set(outputs["candidateIds"]) == selected                                  # ImageCleanup's keep rules
    assert outputs["candidateCount"] == len(selected)


def package_add(project: Project) -> None:
    """`pulumi package add <this checkout>`, as a user runs it (PULUMI_PYTHON_CMD plays no part)."""
    project.env.pop("PULUMI_PYTHON_CMD", None)
    added = project.pulumi("package", "add", str(project_package_path(project)), timeout=900)
    assert "Added package" in added.output, added.output
    assert (project.directory / "sdks" / "yc-registry").is_dir()


def project_package_path(project: Project) -> str:
    text = (project.directory / "Pulumi.yaml").read_text(encoding="utf-8")
    match = re.search(r"^  yc-registry: (\S+)$", text, re.M)
    assert match, text
    return match.group(1)


# -- TypeScript ------------------------------------------------------------------------------------------------------
def test_typescript_program_through_the_plugin(cli_env: dict[str, str], fake: FakeProcess, tmp_path: Path) -> None:
    # given examples/typescript with the SDK that `pulumi package add` generates, type-checked by tsc
    require_tools("node", "npm", "npx")
    project, previous = example_project("typescript", tmp_path, cli_env, fake)
    package_add(project)
    package = json.loads((project.directory / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["@pulumi-yc-registry/yc-registry"] == "file:sdks/yc-registry"
    project.run("npx", "--no-install", "tsc", "--noEmit")
    before = fake.image_ids()
    selected = expected_deletes(fake, previous.id)
    # when it goes up, then refreshes
    project.up()
    outputs = project.outputs()
    project.pulumi("refresh", "--yes", "--skip-preview")
    # then the invoke, the Image by digest and the cleanup's selection are what the rules say, and nothing is deleted
    assert_outputs(outputs, fake, previous, selected)
    assert fake.image_ids() == before
    assert project.outputs() == outputs
    # and destroy deletes exactly the Image's image and the cleanup's selection
    project.pulumi("destroy", "--yes")
    assert fake.image_ids() == before - selected
    assert project.resources() == []


# -- Go --------------------------------------------------------------------------------------------------------------
def test_go_program_through_the_plugin(cli_env: dict[str, str], fake: FakeProcess, tmp_path: Path) -> None:
    # given examples/go with the Go SDK that `pulumi package add` generates (go.mod replaces its module path)
    require_tools("go")
    project, previous = example_project("go", tmp_path, cli_env, fake)
    package_add(project)
    go_mod = (project.directory / "go.mod").read_text(encoding="utf-8")
    assert re.search(r"^replace github\.com/pulumi-yc-registry/pulumi-yc-registry/sdk/go => \./sdks/yc-registry$",
                     go_mod, re.M), go_mod
    # and it compiles (with the flags the Go host builds with, so `up` reuses the build cache)
    project.run("go", "build", "-buildvcs=false", "-trimpath", "-ldflags", "-w -s", "-o", str(tmp_path / "program"),
                ".")
    before = fake.image_ids()
    selected = expected_deletes(fake, previous.id)
    # when it goes up
    project.up(timeout=900)
    # then the outputs are the same as the TypeScript program's, and nothing is deleted
    assert_outputs(project.outputs(), fake, previous, selected)
    assert fake.image_ids() == before
    # and destroy deletes exactly the selection
    project.pulumi("destroy", "--yes")
    assert fake.image_ids() == before - selected


# -- Python: no plugin wanted --------------------------------------------------------------------------------------
PYTHON_PROGRAM = '''import pulumi
import pulumi_yc_registry as ycr

image = ycr.get_image(repository_name=pulumi.Config().require("repository"), tag="latest")
pulumi.export("uri", image.uri)
'''


def test_python_program_wants_no_yc_registry_plugin(cli_env: dict[str, str], fake: FakeProcess,
                                                    tmp_path: Path) -> None:
    """Pulumi's Python host reads sdk/pulumi_yc_registry/pulumi-plugin.json: no phantom `resource yc-registry`."""
    # given a Python program that uses the SDK, with plugin acquisition on (every user's default)
    env = {key: value for key, value in cli_env.items() if key != "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"}
    project = program_project(tmp_path, env, name="e2e-python-plugins", program=PYTHON_PROGRAM)
    project.init(config={"repository": REPOSITORY})
    project.aim_at(fake)
    # when `pulumi about` lists the plugins and a preview runs with the engine's log on stderr
    about = json.loads(project.pulumi("about", "--json").stdout)
    preview = project.pulumi("preview", "--logtostderr", "-v=7")
    # then no resource plugin is wanted, none is looked for and none is downloaded
    assert [plugin for plugin in about["plugins"] if plugin["kind"] == "resource"] == []
    assert "yc-registry" not in re.findall(r"package (\S+?)-[\d.]+ \(\) is required by language host", preview.stderr)
    assert not re.search(r"installPlugin\(|trying direct download|not installed, doing install", preview.stderr)
    assert "cr.yandex/" + REPOSITORY in preview.stdout
