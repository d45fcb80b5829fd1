"""The one version of this project: the installed distribution's metadata (set in pyproject.toml, nowhere else).

``yc-registry --version``, the native plugin's GetPluginInfo and its schema's ``version`` all read it here.
"""

from __future__ import annotations

from importlib import metadata

DIST_NAME = "pulumi-yc-registry"
UNINSTALLED_VERSION = "0.0.0-dev"  # sources run without an installed distribution (a bare checkout): no real version


def distribution_version() -> str:
    """The installed ``pulumi-yc-registry`` distribution's version, or ``0.0.0-dev`` when none is installed."""
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return UNINSTALLED_VERSION


__all__ = ["DIST_NAME", "UNINSTALLED_VERSION", "distribution_version"]
