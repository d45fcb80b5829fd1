"""``yc-registry artifacts``: a Cloud Registry registry's raw artifacts and the layout recognised, so the first
user with a real registry can confirm or correct the mapping assumption with one command."""

from __future__ import annotations

import io
import json
import os
import subprocess
from typing import Iterator

import pytest

from test_cli import env_for, script
from yc_registry_provider.backends import cloud_registry_mapping as mapping
from yc_registry_provider.cli import main
from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer
from yc_registry_provider.fake.builders import add_cloud_registry, push_cloud_image

REGISTRY = "crpartifacts"


@pytest.fixture()
def model() -> FakeModel:
    fake = FakeModel()
    fake.accept_iam_token(DEMO_TOKEN)
    return fake


@pytest.fixture()
def server(model: FakeModel, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    with FakeServer(model) as running:
        for name in [n for n in os.environ if n.startswith("YC_")]:
            monkeypatch.delenv(name)
        for name, value in env_for(running).items():
            if name.startswith("YC_"):
                monkeypatch.setenv(name, value)
        yield running


def registry_laid_out(model: FakeModel, layout: str) -> dict[str, str]:
    """Given a registry laid out as ``layout``: tools/ci with v1+latest on one image and an untagged one."""
    model.cloud_registry.knobs.artifact_layout = layout
    add_cloud_registry(model, REGISTRY)
    return {"tagged": push_cloud_image(model, REGISTRY, "tools/ci", ["v1", "latest"]),
            "untagged": push_cloud_image(model, REGISTRY, "tools/ci")}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("layout", mapping.LAYOUTS)
def test_it_prints_the_raw_artifacts_and_names_the_layout_it_recognised(
        model: FakeModel, server: FakeServer, layout: str) -> None:
    digests = registry_laid_out(model, layout)
    code, out, err = run("artifacts", "--registry-id", REGISTRY, "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert listed["layout"] == layout and f"layout recognised: {layout}" in err
    raw = {(a["id"], a["kind"], a["path"], a["name"], a["manifest_digest"]) for a in listed["artifacts"]}
    assert raw == {(a.id, a.kind, a.path, a.name, a.manifest_digest) for a in model.cloud_registry.artifacts.values()}
    read = sorted(a["read_as"] for a in listed["artifacts"] if a["read_as"])
    assert read == sorted(["tools/ci:v1", "tools/ci:latest", f"tools/ci@{digests['untagged']}"])


def test_the_table_shows_every_column_and_a_path_narrows_it(model: FakeModel, server: FakeServer) -> None:
    registry_laid_out(model, mapping.LAYOUT_IN_PATH)
    code, out, _err = run("artifacts", "--registry-id", REGISTRY, "--path", "/tools/ci")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["id", "kind", "path", "name", "manifest_digest", "read_as"]
    assert {line.split()[1] for line in lines[1:]} == {"PACKAGE", "ARTIFACT"}  # the FOLDER /tools is outside


def test_an_empty_registry_says_no_layout_was_recognised(model: FakeModel, server: FakeServer) -> None:
    add_cloud_registry(model, REGISTRY)
    code, _out, err = run("artifacts", "--registry-id", REGISTRY)
    assert code == 0 and "layout: none recognised" in err


def test_a_bad_registry_id_is_refused_before_any_call(model: FakeModel, server: FakeServer) -> None:
    before = sum(model.calls.values())
    code, _out, err = run("artifacts", "--registry-id", "r" * 51)
    assert code == 2 and "--registry-id" in err and "at most 50" in err  # the command's flag, not the field
    assert sum(model.calls.values()) == before


def test_the_installed_command_runs_it(model: FakeModel, server: FakeServer) -> None:
    registry_laid_out(model, mapping.LAYOUT_IN_NAME)
    done = subprocess.run([script(), "artifacts", "--registry-id", REGISTRY], capture_output=True, text=True,
                          env=env_for(server), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "layout recognised: version-in-name" in done.stderr and "tools/ci:latest" in done.stdout
