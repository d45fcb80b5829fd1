"""One version: the distribution's metadata (pyproject.toml) is what the CLI, the plugin and its schema say.

tests/smoke/test_plugin.py checks the same on the installed wheel, with the plugin started as its executable.
"""

from __future__ import annotations

import io
from importlib import metadata

import pytest

from yc_registry_provider.cli import main as cli_main
from yc_registry_provider.plugin import plugin_version
from yc_registry_provider.plugin.schema import build_schema


def test_cli_plugin_and_schema_say_the_distribution_version(capsys: pytest.CaptureFixture[str]) -> None:
    # given the installed distribution's version
    version = metadata.version("pulumi-yc-registry")
    # when the command line is asked, then it says that version
    with pytest.raises(SystemExit) as exited:
        cli_main(["--version"], out=io.StringIO(), err=io.StringIO())
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"yc-registry {version}"
    # and the plugin (GetPluginInfo) and its schema say the same
    assert plugin_version() == version
    assert build_schema(plugin_version())["version"] == version
