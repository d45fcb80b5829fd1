"""What was built and installed: the files in the wheel and the sdist, their metadata, and that this run uses them."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

PACKAGES = {"yc_registry_provider": "provider/yc_registry_provider", "pulumi_yc_registry": "sdk/pulumi_yc_registry"}
DATA_FILES = ["pulumi_yc_registry/py.typed", "pulumi_yc_registry/pulumi-plugin.json", "yc_registry_provider/py.typed",
              "yc_registry_provider/fake/ASSUMPTIONS.md"]


def package_files(source: Path) -> set[str]:
    """Every file of the two packages in the source tree, as the wheel names them (caches left out)."""
    found = set()
    for package, folder in PACKAGES.items():
        for path in (source / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(f"{package}/{path.relative_to(source / folder).as_posix()}")
    return found


def wheel_contents(wheel: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()}


def test_this_run_imports_the_installed_wheel_not_the_checkout(site_packages: Path, source: Path) -> None:
    # given the smoke venv, when the packages are imported, then they come from its site-packages
    import pulumi_yc_registry
    import yc_registry_provider

    for module in (yc_registry_provider, pulumi_yc_registry):
        assert Path(module.__file__ or "").resolve().is_relative_to(site_packages), module.__file__
    # and nothing of the checkout (or the tree built from it) is on sys.path, nor is the working folder inside it
    for tree in {source.resolve(), Path(os.environ.get("SMOKE_CHECKOUT", source)).resolve()}:
        assert not [p for p in sys.path if p and Path(p).resolve().is_relative_to(tree)]
        assert not Path.cwd().resolve().is_relative_to(tree)


def test_the_wheel_holds_every_file_of_both_packages_and_the_license(wheel: Path, source: Path) -> None:
    names = set(wheel_contents(wheel))
    # every module and data file of the source packages made it (a new subpackage or data file cannot be forgotten)
    assert package_files(source) - names == set()
    assert set(DATA_FILES) <= names
    dist_info = f"pulumi_yc_registry-{metadata.version('pulumi-yc-registry')}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in names
    # and nothing else at the top: no tests, no examples
    assert {name.split("/")[0] for name in names} == set(PACKAGES) | {dist_info}


def test_the_wheel_built_from_the_sdist_is_the_wheel_built_from_the_tree(wheel: Path, tree_wheel: Path) -> None:
    # given `python -m build` (sdist, then a wheel from it) and `python -m build --wheel` (from the tree)
    from_sdist, from_tree = wheel_contents(wheel), wheel_contents(tree_wheel)
    # then both hold the same files with the same bytes
    assert sorted(set(from_tree) - set(from_sdist)) == []
    assert sorted(set(from_sdist) - set(from_tree)) == []
    assert [name for name in from_tree if from_tree[name] != from_sdist[name]] == []


def test_the_sdist_holds_the_license_changelog_and_sources_but_no_tests(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "PKG-INFO"} <= names
    assert "provider/yc_registry_provider/fake/ASSUMPTIONS.md" in names
    assert not [name for name in names if name.startswith("tests/")]


def test_twine_check_passes(dist: Path) -> None:
    builder = os.environ.get("SMOKE_BUILD_PYTHON", "")
    assert builder, "SMOKE_BUILD_PYTHON (a Python with twine) is not set"
    done = subprocess.run([builder, "-m", "twine", "check", "--strict", *sorted(map(str, dist.iterdir()))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_metadata_names_license_classifiers_urls_and_both_commands() -> None:
    meta = metadata.metadata("pulumi-yc-registry")
    assert meta["License-Expression"] == "Apache-2.0"
    assert "Typing :: Typed" in (meta.get_all("Classifier") or [])
    assert {url.split(",")[0] for url in meta.get_all("Project-URL") or []} >= {"Homepage", "Changelog", "Issues"}
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")
               if ep.dist is not None and ep.dist.name == "pulumi-yc-registry"}
    assert scripts == {"yc-registry": "yc_registry_provider.cli:main",
                       "pulumi-resource-yc-registry": "yc_registry_provider.plugin:main"}
