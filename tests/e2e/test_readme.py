"""The README's walkthrough and quick start, run as written against the fake, so the text cannot drift.

Each is the fenced block right after a ``<!-- readme-test: NAME -->`` marker in README.md. The walkthrough runs in
bash in a copy of the files it touches (scripts, tools, policy, the example, pyproject.toml; ``.venv`` and
``policy/.venv`` linked to this checkout's), with its state in a temporary PULUMI_OFFLINE_DIR. The quick start's
program runs under the real CLI in a project of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from engine import REPO_ROOT, FakeProcess, Project, program_project

README = REPO_ROOT / "README.md"
QUICKSTART_IMAGE = "crpi0000000000000013"


def block(name: str) -> str:
    """The fenced code block that follows ``<!-- readme-test: name -->``."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- readme-test: {re.escape(name)} -->\n```\w*\n(.*?)\n```", text, re.S)
    assert found, f"README.md has no block marked readme-test: {name}"
    return found.group(1) + "\n"


@pytest.fixture(scope="module")
def policy_venv() -> Path:
    """policy/.venv of this checkout (what `bash policy/setup-env.sh` makes), made once."""
    subprocess.run(["bash", str(REPO_ROOT / "policy" / "setup-env.sh")], check=True, capture_output=True)
    return REPO_ROOT / "policy" / ".venv"


def checkout_copy(target: Path, policy_venv: Path) -> Path:
    for name in ("scripts", "tools", "examples/adopt-and-destroy"):
        shutil.copytree(REPO_ROOT / name, target / name,
                        ignore=shutil.ignore_patterns("venv", ".venv", "__pycache__", "Pulumi.*.yaml"))
    shutil.copytree(REPO_ROOT / "policy", target / "policy", ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", target / "pyproject.toml")
    (target / ".venv").symlink_to(REPO_ROOT / ".venv")
    (target / "policy" / ".venv").symlink_to(policy_venv)
    return target


def test_the_walkthrough_runs_as_written(cli_env: dict[str, str], policy_venv: Path, tmp_path: Path) -> None:
    # given a copy of the files the walkthrough touches, and a state folder of its own
    root = checkout_copy(tmp_path / "checkout", policy_venv)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YC_", "PULUMI_"))}
    env["PULUMI_OFFLINE_DIR"] = str(tmp_path / "offline")
    # when the README's block runs in bash, stopping at the first failing command
    script = root / "walkthrough.sh"
    script.write_text("set -euo pipefail\n" + block("walkthrough"), encoding="utf-8")
    done = subprocess.run(["bash", str(script)], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    # then every command succeeded: up adopted the image, destroy deleted it
    assert done.returncode == 0, output[-5000:]
    assert "+ 2 created" in output and f"image {QUICKSTART_IMAGE} deleted" in output, output[-5000:]
    assert not (root / ".fake.env").exists()  # the fake stopped and cleaned up after itself


def test_the_quick_start_program_runs_as_written(cli_env: dict[str, str], tmp_path: Path) -> None:
    # given the fake with its demo data and the quick start's program, as written
    fake = FakeProcess("--seed", "demo", "--operation-duration", "0.1")
    try:
        project = program_project(tmp_path, cli_env, name="quickstart", program=block("quickstart"))
        project.env.update(fake.env)
        project.init()
        before = fake.image_ids()
        # when it comes up, then is destroyed
        project.up()
        outputs = project.outputs()
        assert outputs["adopted"] == QUICKSTART_IMAGE
        assert outputs["newest"].startswith("cr.yandex/crpr0000000000000002/app@sha256:")
        assert fake.image_ids() == before  # up deleted nothing
        project.pulumi("destroy", "--yes", "--skip-preview")
        # then exactly the adopted image is gone
        assert fake.image_ids() == before - {QUICKSTART_IMAGE}
    finally:
        fake.close()
