"""The real ``pulumi`` CLI on the installed wheel: the Python examples in this venv, and the native plugin found the
way Pulumi finds plugins (on PATH, or installed with ``pulumi plugin install --file``), with no checkout involved."""

from __future__ import annotations

import json
import os
import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from conftest import VENV_BIN

if TYPE_CHECKING:
    from engine import FakeProcess, Project

APP = "crpr0000000000000001/app"
DEV_APP = "crpr0000000000000002/app"
PLUGIN = "pulumi-resource-yc-registry"
AMBIENT_WARNING = f"using {PLUGIN} from $PATH"
YAML_PROGRAM = """name: smoke-yaml
runtime: yaml
config:
  repository:
    type: string
variables:
  image:
    fn::invoke:
      function: yc-registry:index:getImage
      arguments:
        repositoryName: ${repository}
        tag: latest
outputs:
  imageId: ${image.imageId}
  digest: ${image.digest}
  uri: ${image.uri}
"""


def example(source: Path, name: str, workdir: Path, env: Mapping[str, str]) -> Project:
    """A copy of the source tree's ``examples/<name>`` whose virtualenv is this (the wheel's) venv."""
    from engine import Project

    return Project.copy_of(source / "examples" / name, workdir, env)


def yaml_project(workdir: Path, env: Mapping[str, str]) -> Project:
    from engine import Project

    (workdir / "yaml").mkdir()
    (workdir / "yaml" / "Pulumi.yaml").write_text(YAML_PROGRAM, encoding="utf-8")
    return Project(workdir / "yaml", dict(env))


def without_venv_on_path(env: Mapping[str, str]) -> dict[str, str]:
    return {**env, "PATH": os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if Path(p) != VENV_BIN)}


def test_lookup_example_runs_on_the_installed_wheel(pulumi_env: dict[str, str], fake: FakeProcess, source: Path,
                                                   tmp_path: Path) -> None:
    # given examples/lookup with this venv as its virtualenv, aimed at the installed fake
    project = example(source, "lookup", tmp_path, pulumi_env)
    project.init(config={"yc-registry-lookup:repository": APP})
    project.aim_at(fake)
    # when it goes up
    project.up()
    # then its outputs are what the fake holds
    outputs = project.outputs()
    newest = max(fake.images(repository_name=APP), key=lambda image: image.created_at)
    assert outputs["newest_image_id"] == newest.id
    assert outputs["image_uri"] == f"cr.yandex/{APP}@{newest.digest}"
    assert outputs["image_count"] == len(fake.images(repository_name=APP))


def test_adopt_and_destroy_example_deletes_what_it_adopted(pulumi_env: dict[str, str], fake: FakeProcess,
                                                           source: Path, tmp_path: Path) -> None:
    # given two images adopted by digest through examples/adopt-and-destroy on this venv
    adopted = sorted(fake.images(repository_name=DEV_APP), key=lambda image: image.created_at)[:2]
    before = fake.image_ids(repository_name=DEV_APP)
    project = example(source, "adopt-and-destroy", tmp_path, pulumi_env)
    project.init(config={"yc-registry-adopt-and-destroy:repository": DEV_APP,
                         "yc-registry-adopt-and-destroy:digests": [image.digest for image in adopted]})
    project.aim_at(fake)
    # when it goes up, then nothing is deleted and both are adopted
    project.up()
    assert sorted(project.outputs()["adopted_ids"]) == sorted(image.id for image in adopted)
    assert fake.image_ids(repository_name=DEV_APP) == before
    # when it is destroyed (a separate deployment: the pickled providers load from the installed wheel)
    project.pulumi("destroy", "--yes")
    # then exactly the adopted images are gone
    assert fake.image_ids(repository_name=DEV_APP) == before - {image.id for image in adopted}


def test_a_yaml_program_finds_the_plugin_on_path(pulumi_env: dict[str, str], fake: FakeProcess,
                                                 tmp_path: Path) -> None:
    # given a YAML program that names no plugin path, and this venv's bin (where pip put the plugin) on PATH
    project = yaml_project(tmp_path, {**pulumi_env, "PATH": f"{VENV_BIN}{os.pathsep}{pulumi_env['PATH']}"})
    project.init(config={"repository": APP})
    project.aim_at(fake, namespace="yc-registry")
    # when it goes up
    output = project.up().output
    # then the engine used the plugin from PATH, and getImage answered from the fake
    assert AMBIENT_WARNING in output and str(VENV_BIN / PLUGIN) in output
    (latest,) = [image for image in fake.images(repository_name=APP) if "latest" in image.tags]
    assert project.outputs()["imageId"] == latest.id


def test_a_yaml_program_uses_the_plugin_installed_with_pulumi_plugin_install(
        pulumi_env: dict[str, str], fake: FakeProcess, tmp_path: Path) -> None:
    # given the plugin executable installed into Pulumi's plugin cache, and nothing of it on PATH
    version = metadata.version("pulumi-yc-registry")
    env = {**without_venv_on_path(pulumi_env), "PULUMI_HOME": str(tmp_path / "home"),
           "PULUMI_IGNORE_AMBIENT_PLUGINS": "true"}
    project = yaml_project(tmp_path, env)
    project.pulumi("plugin", "install", "resource", "yc-registry", version, "--file", str(VENV_BIN / PLUGIN))
    assert re.search(rf"yc-registry\s+resource\s+{re.escape(version)}", project.pulumi("plugin", "ls").stdout)
    project.init(config={"repository": APP})
    project.aim_at(fake, namespace="yc-registry")
    # when it goes up, then the installed plugin answered (not one from PATH)
    output = project.up().output
    assert AMBIENT_WARNING not in output
    (latest,) = [image for image in fake.images(repository_name=APP) if "latest" in image.tags]
    assert project.outputs()["digest"] == latest.digest


def test_pulumi_package_gen_sdk_from_the_installed_plugin(pulumi_env: dict[str, str], tmp_path: Path) -> None:
    # given the installed plugin executable, when the CLI generates a TypeScript and a Go SDK from it
    for language in ("nodejs", "go"):
        done = subprocess.run(["pulumi", "package", "gen-sdk", str(VENV_BIN / PLUGIN), "--language", language,
                               "--out", str(tmp_path / "sdk")], cwd=tmp_path, env=pulumi_env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"gen-sdk --language {language}: {done.stdout}{done.stderr}"
    # then both SDKs are there, bound to the plugin by its name
    package_json = json.loads((tmp_path / "sdk" / "nodejs" / "package.json").read_text(encoding="utf-8"))
    assert package_json["pulumi"]["name"] == "yc-registry" and package_json["pulumi"]["resource"] is True
    assert (tmp_path / "sdk" / "nodejs" / "image.ts").is_file()
    (go_plugin,) = (tmp_path / "sdk" / "go").rglob("pulumi-plugin.json")
    assert json.loads(go_plugin.read_text(encoding="utf-8"))["name"] == "yc-registry"
    assert (go_plugin.parent / "image.go").is_file()
