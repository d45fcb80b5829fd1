"""``yc-registry``: the command line front door (list images, plan and run a cleanup) for CI and people.

It resolves settings with the provider's precedence code (``config.resolve_settings``) and runs the same cleanup
rules and engine (``cleanup``) as ImageCleanup and ``cleanup_images``: one implementation of every rule.
"""

from __future__ import annotations

from .app import build_parser, main

__all__ = sorted(["build_parser", "main"])
