"""``yc-registry artifacts --registry-id R [--path P]``: a Cloud Registry registry's raw artifacts and the layout
this project recognised in them, so the first user with a real registry confirms or corrects the assumption of
``backends/cloud_registry_mapping.py`` with one command (Yandex documents no layout of Docker images as artifacts).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Callable, TextIO

from .. import validation
from ..backends import cloud_registry_mapping as mapping

COLUMNS = ("id", "kind", "path", "name", "manifest_digest", "read_as")


def add_parser(commands: Any, connection: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the ``artifacts`` command on the top-level subparsers."""
    parser = commands.add_parser(
        "artifacts", help="a Cloud Registry registry's raw artifacts and the layout recognised in them",
        description="Print every artifact of a Cloud Registry registry as listed (id, kind, path, name, manifest "
                    "digest), how this project reads each version artifact (repository:version), and which of the "
                    "plausible layouts it recognised. If the 'read_as' column does not match the images and tags "
                    "you pushed, the assumption is wrong: please report this output.")
    parser.add_argument("--registry-id", required=True, help="the Cloud Registry registry id")
    parser.add_argument("--path", default=None, help="only artifacts at or under this path (e.g. /app)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    connection(parser)
    parser.set_defaults(handler=show)


def _read_as(artifact: mapping.RawArtifact, layout: str | None) -> str:
    if artifact.kind != mapping.KIND_ARTIFACT or not artifact.manifest_digest or layout is None:
        return ""
    repository, version = mapping.read_place(artifact.path, artifact.name, layout)
    return f"{repository}{'@' if mapping.DIGEST_SEPARATOR in version else ':'}{version}"


def verdict(layout: str | None, versions: int) -> str:
    """The closing line: the layout recognised (or none), and what to do when it looks wrong."""
    if layout is None:
        return ("layout: none recognised (no version artifacts, kind ARTIFACT with a manifest digest, here); "
                f"the assumed default is {mapping.DEFAULT_LAYOUT}: {mapping.LAYOUT_HELP[mapping.DEFAULT_LAYOUT]}")
    return (f"layout recognised: {layout} = {mapping.LAYOUT_HELP[layout]}; from {versions} version artifact(s); "
            "if read_as does not match the images and tags you pushed, report this output")


def show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``artifacts``: list, print, say which layout was recognised."""
    registry_id = validation.check_id("registry_id", args.registry_id)  # bad input: exit 2, nothing sent
    from ..backends.cloud_registry import CloudRegistryClient  # gRPC only once the arguments are fine

    explicit = {"endpoint": args.endpoint, "plaintext": args.plaintext,
                "service_account_key_file": args.service_account_key_file}
    with CloudRegistryClient.from_config({}, os.environ,
                                         **{k: v for k, v in explicit.items() if v is not None}) as client:
        listed, layout = client.raw_artifacts(registry_id, path=args.path)
    versions = sum(1 for a in listed if a.kind == mapping.KIND_ARTIFACT and a.manifest_digest)
    rows = [{"id": a.id, "kind": a.kind, "path": a.path, "name": a.name, "manifest_digest": a.manifest_digest,
             "read_as": _read_as(a, layout)} for a in listed]
    if args.format == "json":
        out.write(json.dumps({"registry_id": registry_id, "layout": layout, "artifacts": rows}, indent=2) + "\n")
    else:
        widths = {c: max([len(c)] + [len(r[c]) for r in rows]) for c in COLUMNS}
        out.write("  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip() + "\n")
        for r in rows:
            out.write("  ".join((r[c] or "-").ljust(widths[c]) for c in COLUMNS).rstrip() + "\n")
    err.write(f"yc-registry: registry {registry_id}: {len(listed)} artifact(s); {verdict(layout, versions)}\n")
    return 0


__all__ = ["add_parser", "show", "verdict"]
