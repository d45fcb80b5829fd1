"""Shared fixtures: a seeded fake registry on loopback, its Pulumi config, and the dynamic-plugin harness.

tests/fake/conftest.py keeps its own fixtures (a manual-clock model) for the fake's own tests.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# tests/smoke runs on the installed wheel in a venv of its own (scripts/smoke.sh), never on this checkout
collect_ignore = ["smoke"]

from harness import REPO_ROOT, DynamicPlugin, FakeCloud, start_fake_cloud  # noqa: E402
from harness.plugin import env_without_yc  # noqa: E402
from harness.worlds import WORLDS, World, running_world  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_service_knowledge() -> Iterator[None]:
    """Each test starts as a fresh provider process would: nothing learnt about which service answers, no image
    held by a deployment."""
    from yc_registry_provider.backends.service import forget_learnt
    from yc_registry_provider.lifecycle.image import begin_deployment

    forget_learnt()
    begin_deployment()
    yield
    forget_learnt()
    begin_deployment()


@pytest.fixture(params=WORLDS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    """Each world around 2026-12-14 in turn (harness/worlds.py), in its "before" state, on a fake of its own."""
    with running_world(request.param) as built:
        yield built


@pytest.fixture
def fake_cloud() -> Iterator[FakeCloud]:
    """A fresh fake cloud per test."""
    cloud = start_fake_cloud()
    try:
        yield cloud
    finally:
        cloud.server.stop(0)


@pytest.fixture
def clean_yc_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No YC_* variables from the developer's shell leak into a test."""
    for name in list(os.environ):
        if name.startswith("YC_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def module_cloud() -> Iterator[FakeCloud]:
    """One fake cloud per test module (a plugin process caches its configured provider for life)."""
    cloud = start_fake_cloud()
    try:
        yield cloud
    finally:
        cloud.server.stop(0)


@pytest.fixture(scope="module")
def dynamic_plugin(module_cloud: FakeCloud) -> Iterator[DynamicPlugin]:
    """A ``python -u -m pulumi.dynamic`` process configured for ``module_cloud`` (no YC_* env)."""
    plugin = DynamicPlugin(env=env_without_yc(REPO_ROOT / "tests"), python=sys.executable)
    try:
        plugin.configure(module_cloud.config)
        yield plugin
    finally:
        plugin.close()
