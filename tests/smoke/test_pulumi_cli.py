"""The real ``pulumi`` CLI on the installed wheel: the Python examples in this venv, and the native plugin found the
way Pulumi finds plugins (on PATH, or installed with ``pulumi plugin install --file``), with no checkout involved."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

from conftest import DEMO_TOKEN, VENV_BIN, FakeProcess

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


@dataclass
class Project:
    """A Pulumi project folder with a file backend of its own, run by the real CLI."""

    directory: Path
    env: dict[str, str]
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        state = self.directory.parent / f".state-{self.directory.name}"
        state.mkdir(exist_ok=True)
        self.env = {**self.env, "PULUMI_BACKEND_URL": f"file://{state}"}

    @classmethod
    def example(cls, source: Path, name: str, workdir: Path, env: Mapping[str, str]) -> "Project":
        """A copy of ``examples/<name>`` whose virtualenv is this (the wheel's) venv."""
        target = workdir / name
        shutil.copytree(source / "examples" / name, target, ignore=shutil.ignore_patterns("venv", "Pulumi.*.yaml"))
        pulumi_yaml = target / "Pulumi.yaml"
        text = re.sub(r"virtualenv: \S+", f"virtualenv: {sys.prefix}", pulumi_yaml.read_text(encoding="utf-8"))
        pulumi_yaml.write_text(text, encoding="utf-8")
        return cls(target, dict(env))

    def pulumi(self, *args: str) -> str:
        done = subprocess.run(["pulumi", *args], cwd=self.directory, env=self.env, capture_output=True, text=True,
                              timeout=600)
        output = done.stdout + done.stderr
        self.log.append(output)
        assert done.returncode == 0, f"pulumi {' '.join(args)} exited {done.returncode}:\n{output[-6000:]}"
        return output

    def init(self, config: Mapping[str, Any], fake: FakeProcess, namespace: str) -> None:
        self.pulumi("stack", "init", "smoke")
        for key, value in config.items():
            for index, item in enumerate(value) if isinstance(value, list) else [(None, value)]:
                self.pulumi("config", "set", *(["--path", f"{key}[{index}]"] if index is not None else [key]),
                            str(item))
        self.pulumi("config", "set", f"{namespace}:endpoint", fake.address)
        self.pulumi("config", "set", f"{namespace}:plaintext", "true")
        self.pulumi("config", "set", "--secret", f"{namespace}:token", DEMO_TOKEN)

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.pulumi("stack", "output", "--json"))  # type: ignore[no-any-return]


def without_venv_on_path(env: Mapping[str, str]) -> dict[str, str]:
    return {**env, "PATH": os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if Path(p) != VENV_BIN)}


def test_lookup_example_runs_on_the_installed_wheel(pulumi_env: dict[str, str], fake: FakeProcess, source: Path,
                                                   tmp_path: Path) -> None:
    # given examples/lookup with this venv as its virtualenv, aimed at the installed fake
    project = Project.example(source, "lookup", tmp_path, pulumi_env)
    project.init({"yc-registry-lookup:repository": APP}, fake, "yandex")
    # when it goes up
    project.pulumi("up", "--yes", "--skip-preview")
    # then its outputs are what the fake holds
    outputs = project.outputs()
    newest = max(fake.images(APP), key=lambda image: image.created_at)  # type: ignore[attr-defined]
    assert outputs["newest_image_id"] == newest.id
    assert outputs["image_uri"] == f"cr.yandex/{APP}@{newest.digest}"
    assert outputs["image_count"] == len(fake.images(APP))


def test_adopt_and_destroy_example_deletes_what_it_adopted(pulumi_env: dict[str, str], fake: FakeProcess,
                                                           source: Path, tmp_path: Path) -> None:
    # given two images adopted by digest through examples/adopt-and-destroy on this venv
    adopted = sorted(fake.images(DEV_APP), key=lambda image: image.created_at)[:2]  # type: ignore[attr-defined]
    before = fake.image_ids(DEV_APP)
    project = Project.example(source, "adopt-and-destroy", tmp_path, pulumi_env)
    project.init({"yc-registry-adopt-and-destroy:repository": DEV_APP,
                  "yc-registry-adopt-and-destroy:digests": [image.digest for image in adopted]}, fake, "yandex")
    # when it goes up, then nothing is deleted and both are adopted
    project.pulumi("up", "--yes", "--skip-preview")
    assert sorted(project.outputs()["adopted_ids"]) == sorted(image.id for image in adopted)
    assert fake.image_ids(DEV_APP) == before
    # when it is destroyed (a separate deployment: the pickled providers load from the installed wheel)
    project.pulumi("destroy", "--yes")
    # then exactly the adopted images are gone
    assert fake.image_ids(DEV_APP) == before - {image.id for image in adopted}


def test_a_yaml_program_finds_the_plugin_on_path(pulumi_env: dict[str, str], fake: FakeProcess,
                                                 tmp_path: Path) -> None:
    # given a YAML program that names no plugin path, and this venv's bin (where pip put the plugin) on PATH
    (tmp_path / "yaml").mkdir()
    (tmp_path / "yaml" / "Pulumi.yaml").write_text(YAML_PROGRAM, encoding="utf-8")
    env = {**pulumi_env, "PATH": f"{VENV_BIN}{os.pathsep}{pulumi_env['PATH']}"}
    project = Project(tmp_path / "yaml", env)
    project.init({"repository": APP}, fake, "yc-registry")
    # when it goes up
    output = project.pulumi("up", "--yes", "--skip-preview")
    # then the engine used the plugin from PATH, and getImage answered from the fake
    assert AMBIENT_WARNING in output and str(VENV_BIN / PLUGIN) in output
    (latest,) = [image for image in fake.images(APP) if "latest" in image.tags]  # type: ignore[attr-defined]
    assert project.outputs()["imageId"] == latest.id


def test_a_yaml_program_uses_the_plugin_installed_with_pulumi_plugin_install(
        pulumi_env: dict[str, str], fake: FakeProcess, tmp_path: Path) -> None:
    # given the plugin executable installed into Pulumi's plugin cache, and nothing of it on PATH
    version = metadata.version("pulumi-yc-registry")
    env = {**without_venv_on_path(pulumi_env), "PULUMI_HOME": str(tmp_path / "home"),
           "PULUMI_IGNORE_AMBIENT_PLUGINS": "true"}
    (tmp_path / "yaml").mkdir()
    (tmp_path / "yaml" / "Pulumi.yaml").write_text(YAML_PROGRAM, encoding="utf-8")
    project = Project(tmp_path / "yaml", env)
    project.pulumi("plugin", "install", "resource", "yc-registry", version, "--file", str(VENV_BIN / PLUGIN))
    assert re.search(rf"yc-registry\s+resource\s+{re.escape(version)}", project.pulumi("plugin", "ls"))
    project.init({"repository": APP}, fake, "yc-registry")
    # when it goes up, then the installed plugin answered (not one from PATH)
    output = project.pulumi("up", "--yes", "--skip-preview")
    assert AMBIENT_WARNING not in output
    (latest,) = [image for image in fake.images(APP) if "latest" in image.tags]  # type: ignore[attr-defined]
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
