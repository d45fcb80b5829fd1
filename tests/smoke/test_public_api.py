"""The installed packages import, every module of them, and their public API is there."""

from __future__ import annotations

import pkgutil
import subprocess
import sys


def test_every_public_name_of_both_packages_resolves() -> None:
    import pulumi_yc_registry
    import yc_registry_provider

    for package in (pulumi_yc_registry, yc_registry_provider):
        assert package.__all__ == sorted(package.__all__)
        missing = [name for name in package.__all__ if not hasattr(package, name)]
        assert missing == [], f"{package.__name__}: {missing}"
    # the SDK's front door, as programs use it
    assert callable(pulumi_yc_registry.get_image) and callable(pulumi_yc_registry.get_images)
    assert isinstance(pulumi_yc_registry.Image, type) and isinstance(yc_registry_provider.RegistryClient, type)


def test_every_module_of_the_installed_packages_imports() -> None:
    # all in a fresh interpreter, as a user's program would import them
    import pulumi_yc_registry
    import yc_registry_provider

    names = [info.name for package in (yc_registry_provider, pulumi_yc_registry)
             for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
             if not info.name.endswith("__main__")]
    assert "yc_registry_provider.backends.container_registry" in names and "yc_registry_provider.fake.cloud" in names
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
