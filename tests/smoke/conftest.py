"""The smoke suite runs on the installed wheel, from a folder outside the checkout: ``scripts/smoke.sh`` builds the
sdist and the wheel, installs the wheel into a fresh virtual environment and runs these files there.

smoke.sh copies ``tests/e2e/engine.py`` (the fake as a process, a project run by the real CLI) in beside these files;
it runs the fake with this venv's Python and points a project's virtualenv at this venv. What smoke.sh hands over
comes in the environment: ``SMOKE_DIST`` (the sdist and the wheel built from it), ``SMOKE_TREE_DIST`` (the wheel
built straight from the source tree), ``SMOKE_SOURCE`` (that tree: the files git would commit, copied out of ``SMOKE_CHECKOUT``), ``SMOKE_BUILD_PYTHON`` (a Python with twine) and
the offline Pulumi settings of ``scripts/pulumi-offline.sh``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# This process talks to the plugin with pulumi's protos and to the fake with the yandexcloud stubs: both define
# google.rpc.Status, so let them share one (FIELD-NOTES section 3). The plugin's own entry point does this itself.
# A wheel that does not import fails the tests that import it, one by one, rather than this file.
try:
    import yc_registry_provider._protoshim  # noqa: F401
except ImportError:
    pass

if TYPE_CHECKING:
    from engine import FakeProcess

VENV_BIN = Path(sys.executable).parent
DEMO_TOKEN = "t1.fake-demo-token"


def _required(name: str) -> Path:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the smoke suite with `bash scripts/smoke.sh`", returncode=2)
    return Path(value)


@pytest.fixture(scope="session")
def source() -> Path:
    """The source tree the distributions were built from."""
    return _required("SMOKE_SOURCE")


@pytest.fixture(scope="session")
def dist() -> Path:
    """The folder holding the sdist and the wheel ``python -m build`` made from it."""
    return _required("SMOKE_DIST")


@pytest.fixture(scope="session")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("*.whl")
    return found


@pytest.fixture(scope="session")
def sdist(dist: Path) -> Path:
    (found,) = dist.glob("*.tar.gz")
    return found


@pytest.fixture(scope="session")
def tree_wheel() -> Path:
    """The wheel ``python -m build --wheel`` made straight from the source tree."""
    (found,) = _required("SMOKE_TREE_DIST").glob("*.whl")
    return found


@pytest.fixture(scope="session")
def site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def run(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 120,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command of the installed package (nothing raised: tests look at the code and the output)."""
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


@pytest.fixture
def fake() -> Iterator[FakeProcess]:
    """``python -m yc_registry_provider.fake`` of the installed wheel: the demo data, fast delete operations."""
    from engine import FakeProcess  # imported here: a wheel that does not import fails the tests that need it

    process = FakeProcess("--seed", "demo", "--operation-duration", "0.2")
    try:
        yield process
    finally:
        process.close()


@pytest.fixture(scope="session")
def pulumi_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The offline Pulumi settings smoke.sh sourced, with a home of this session's own and this venv's Python."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YC_")}
    if shutil.which("pulumi", path=env.get("PATH")) is None:
        message = "the Pulumi CLI is not on PATH: run `bash scripts/pulumi-cli.sh` (smoke.sh puts it there)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("pulumi-home")
    env.update(PULUMI_HOME=str(home), PULUMI_PYTHON_CMD=sys.executable, PULUMI_LANGHOST_PYTHON=sys.executable)
    return env
