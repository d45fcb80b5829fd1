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

from engine import BUILD_COMMAND, FakeProcess, Project, cli_path, offline_env  # noqa: E402


@pytest.fixture(scope="session")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = offline_env(tmp_path_factory.mktemp("pulumi-offline"))
    if cli_path(env) is None:
        message = f"the Pulumi CLI is not built: run `{BUILD_COMMAND}`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return env


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
