"""`pulumi preview --policy-pack policy` with the real engine: each mandatory policy fails the preview."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import FakeProcess, REPO_ROOT, program_project

APP = "crpr0000000000000001/app"
POLICY = REPO_ROOT / "policy"

PROGRAM = '''import json

import pulumi

import pulumi_yc_registry as ycr

config = pulumi.Config()
for spec in json.loads(config.get("images") or "[]"):
    name = spec.pop("name")
    ycr.Image(name, **spec)
for spec in json.loads(config.get("cleanups") or "[]"):
    name = spec.pop("name")
    ycr.ImageCleanup(name, **spec)
'''


@pytest.fixture(scope="module")
def policy_env() -> None:
    """The pack's own virtualenv (PulumiPolicy.yaml points at policy/.venv)."""
    import subprocess

    subprocess.run(["bash", str(POLICY / "setup-env.sh")], check=True, capture_output=True)


def preview(cli_env: dict[str, str], fake: FakeProcess, tmp_path: Path, **config: object) -> tuple[int, str]:
    project = program_project(tmp_path, cli_env, program=PROGRAM)
    project.init()
    project.aim_at(fake)
    for key, value in config.items():
        project.pulumi("config", "set", key, json.dumps(value))
    result = project.pulumi("preview", "--policy-pack", str(POLICY), check=False)
    return result.code, result.output


def test_a_stack_that_breaks_no_policy_passes(cli_env: dict[str, str], fake: FakeProcess, tmp_path: Path,
                                              policy_env: None) -> None:
    newest = max(fake.images(repository_name=APP), key=lambda image: image.created_at)
    code, output = preview(cli_env, fake, tmp_path,
                           images=[{"name": "pinned", "repository_name": APP, "digest": newest.digest}],
                           cleanups=[{"name": "tidy", "repository_name": APP, "keep_last": 3}])
    assert code == 0, output
    assert "mandatory" not in output


@pytest.mark.parametrize("policy, config", [
    ("image-tag-rules", {"images": [{"name": "by-latest", "repository_name": APP, "tag": "latest"}]}),
    # a whole repository (a whole registry, emptied so the stack can delete it, passes: allowEmptyingRegistry)
    ("cleanup-needs-keep-rule", {"cleanups": [{"name": "everything", "repository_name": APP,
                                               "delete_all": True}]}),
])
def test_each_mandatory_policy_fails_the_preview(cli_env: dict[str, str], fake: FakeProcess, tmp_path: Path,
                                                 policy_env: None, policy: str, config: dict[str, object]) -> None:
    code, output = preview(cli_env, fake, tmp_path, **config)
    assert code != 0, output
    assert policy in output and "mandatory" in output, output


def test_a_cleanup_emptying_a_whole_registry_passes_the_pack_as_shipped(cli_env: dict[str, str],
                                                                        fake: FakeProcess, tmp_path: Path,
                                                                        policy_env: None) -> None:
    # the README's ImageCleanup(registry_id=..., delete_all=True), as examples/cleanup-on-destroy declares it
    code, output = preview(cli_env, fake, tmp_path,
                           cleanups=[{"name": "empty-registry", "registry_id": "crpr0000000000000002",
                                      "delete_all": True}])
    assert code == 0, output
    assert "mandatory" not in output
