"""Fixtures for the real-CLI tests: the offline CLI environment, the fake as its own process, project copies.

In CI (``CI=true``) a missing CLI fails the suite; on a developer machine these tests skip, naming the build command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import BUILD_COMMAND, REPO_ROOT, FakeProcess, Project, cli_path, offline_env  # noqa: E402


@pytest.fixture(scope="session")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = offline_env(tmp_path_factory.mktemp("pulumi-offline"))
    if cli_path(env) is None:
        message = f"the Pulumi CLI is not built: run `{BUILD_COMMAND}`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return env


@pytest.fixture(scope="session")
def native_plugin(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout installed as a source plugin, once per session, the way a YAML user does it: a project that
    lists the package, then `pulumi install`. Pulumi's Python host creates <repo>/venv, pip-installs the repo there,
    then requirements.txt (the repo again, editable), so the plugin runs the checkout's code."""
    directory = tmp_path_factory.mktemp("native-plugin-install")
    (directory / "Pulumi.yaml").write_text(
        f"name: e2e-plugin-install\nruntime: yaml\npackages:\n  yc-registry: {REPO_ROOT}\nresources: {{}}\n",
        encoding="utf-8")
    env = {key: value for key, value in cli_env.items() if key != "PULUMI_PYTHON_CMD"}
    Project(directory, env).pulumi("install", timeout=900)
    venv_python = REPO_ROOT / "venv" / "bin" / "python"
    assert venv_python.exists(), f"`pulumi install` made no {venv_python}"
    return venv_python


@pytest.fixture
def fake() -> Iterator[FakeProcess]:
    """A fake seeded with the demo data, as its own process, fast operations."""
    process = FakeProcess("--seed", "demo", "--operation-duration", "0.2")
    try:
        yield process
    finally:
        process.close()


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    return tmp_path


def copy_example(name: str, tmp_path: Path, env: dict[str, str]) -> Project:
    return Project.copy_of(name, tmp_path, env)
