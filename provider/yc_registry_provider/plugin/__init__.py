"""The native ``yc-registry`` provider plugin (``pulumi.provider.experimental``): resources, functions, schema.

Start it as the engine does: ``pulumi-resource-yc-registry <engine address>`` (the console script a
``pip install`` puts on PATH), ``python <repo> <engine address>`` (PulumiPlugin.yaml) or
``python -m yc_registry_provider.plugin <engine address>``; it prints its port on stdout.
"""

from __future__ import annotations

from .. import _protoshim  # noqa: F401  - before pulumi's provider server loads its status_pb2

import sys

from ..version import DIST_NAME, distribution_version


def plugin_version() -> str:
    """The installed distribution's version (the schema's and GetPluginInfo's version): ``version.py``."""
    return distribution_version()


def engine_address(argv: list[str]) -> str | None:
    """The engine address: the first argument that is not a flag."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


def main(argv: list[str] | None = None) -> None:
    """Serve the provider until the engine stops it; prints the port on stdout first."""
    from pulumi.provider.experimental.server import main as serve

    from .provider import YcRegistryProvider

    args = sys.argv[1:] if argv is None else argv
    version = plugin_version()
    serve(args, version, YcRegistryProvider(version, engine_address(args)))


__all__ = ["DIST_NAME", "engine_address", "main", "plugin_version"]
