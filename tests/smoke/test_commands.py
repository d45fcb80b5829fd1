"""The installed commands: ``yc-registry`` and ``python -m yc_registry_provider.fake``, used together."""

from __future__ import annotations

import json
import os
import sys
import time
from importlib import metadata
from typing import TYPE_CHECKING

from conftest import DEMO_TOKEN, VENV_BIN, run

if TYPE_CHECKING:
    from engine import FakeProcess

APP = "crpr0000000000000001/app"


def test_yc_registry_version_is_the_distribution_version() -> None:
    done = run(VENV_BIN / "yc-registry", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"yc-registry {metadata.version('pulumi-yc-registry')}"


def test_yc_registry_help_names_its_commands() -> None:
    done = run(VENV_BIN / "yc-registry", "--help")
    assert done.returncode == 0, done.stderr
    assert "images" in done.stdout and "cleanup" in done.stdout and "--version" in done.stdout


def test_the_installed_fake_serves_what_yc_registry_lists(fake: FakeProcess) -> None:
    # given `python -m yc_registry_provider.fake --seed demo` from the wheel, which says how to reach it
    deadline = time.monotonic() + 10
    while not fake.lines and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.lines[0] == f"YC_ENDPOINT={fake.address} YC_PLAINTEXT=1 YC_TOKEN={DEMO_TOKEN}"
    # when the installed yc-registry lists a repository through it
    env = {**os.environ, **fake.env}
    done = run(VENV_BIN / "yc-registry", "images", "list", "--repository", APP, "--format", "json", env=env)
    # then it lists what the fake holds
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert sorted(image["id"] for image in listed) == sorted(fake.image_ids(repository_name=APP)) != []


def test_python_m_fake_help_runs_from_the_wheel() -> None:
    done = run(sys.executable, "-m", "yc_registry_provider.fake", "--help")
    assert done.returncode == 0, done.stderr
    assert "--seed" in done.stdout
