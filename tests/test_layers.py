"""The layering rules hold: pure logic loads no grpc, and the provider never imports the SDK."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PROVIDER = Path(__file__).resolve().parents[1] / "provider" / "yc_registry_provider"
PURE = ["errors", "limits", "validation", "selection", "retry", "models", "config", "backends",
        "backends.base", "backends.cloud_registry_mapping", "migration", "cleanup.rules",
        "lifecycle.values", "in_use", "cleanup.freshness"]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_load_no_grpc(module: str) -> None:
    # given a fresh interpreter, when only the pure module is imported, then neither grpc nor the stubs came along
    code = (f"import sys, yc_registry_provider.{module}; "
            "loaded = [m for m in ('grpc', 'yandex.cloud', 'pulumi') if m in sys.modules]; print(loaded)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_provider_never_imports_the_sdk() -> None:
    imports = re.compile(r"^\s*(from|import)\s+pulumi_yc_registry\b", re.M)
    offenders = [str(path.relative_to(PROVIDER)) for path in PROVIDER.rglob("*.py")
                 if imports.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any level (TYPE_CHECKING blocks and function bodies included)."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("model, other", [("model", "cloudregistry_model"), ("cloudregistry_model", "model")])
def test_each_fake_service_model_stands_alone(model: str, other: str) -> None:
    # given the fake's two service models, when one module's imports are read, then the other's module is not among them
    imports = _imported_modules(PROVIDER / "fake" / f"{model}.py")
    assert f"yc_registry_provider.fake.{other}" not in imports
    # and the composition that needs both lives in fake/cloud.py
    assert {"yc_registry_provider.fake.model", "yc_registry_provider.fake.cloudregistry_model"} <= _imported_modules(
        PROVIDER / "fake" / "cloud.py")


@pytest.mark.parametrize("other", ["model", "cloudregistry_model", "cloud"])
def test_the_fake_workloads_model_stands_alone(other: str) -> None:
    # given the workloads model (keep_in_use reads it), then it imports neither registry model nor their composition
    assert f"yc_registry_provider.fake.{other}" not in _imported_modules(PROVIDER / "fake" / "workloads_model.py")
    assert "grpc" not in _imported_modules(PROVIDER / "fake" / "workloads_model.py")
    # and fake/cloud.py puts it beside the others
    assert "yc_registry_provider.fake.workloads_model" in _imported_modules(PROVIDER / "fake" / "cloud.py")
