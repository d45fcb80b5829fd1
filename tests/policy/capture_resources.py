"""Capture the resources pulumi_yc_registry registers, for the policy tests.

Runs a Pulumi program under ``pulumi.runtime.set_mocks`` that declares
``pulumi_yc_registry.Image`` and ``pulumi_yc_registry.ImageCleanup`` in a few
shapes, and records, from the mocks' ``new_resource(args)``, ``args.typ``,
``args.name`` and ``args.inputs``: exactly what the engine (and so a policy
pack's ``Analyze``) sees.  Writes ``fixtures/registered_resources.json``.

Run it in the project's MAIN environment (pulumi + yandexcloud, protobuf 6),
not in the policy pack's venv::

    /tmp/venv/bin/python tests/policy/capture_resources.py

``--stand-in`` lets the script use, for whichever of ``Image``/``ImageCleanup``
the SDK does not provide yet, a minimal dynamic resource that follows the SDK
contract (type tokens ``pulumi-python:dynamic/yc-registry:Image|ImageCleanup``,
the same input names); the output is then marked ``"provisional": true`` and
lists them in ``stand_in_for``.  Without the flag the script refuses to fall
back.  Once the SDK has both classes, run it without the flag.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(HERE, "fixtures", "registered_resources.json")

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64

# (kind, logical name, kwargs) -- kwargs use the SDK's snake_case input names.
SHAPES: List[tuple] = [
    ("Image", "by-tag", dict(repository_name="crp0123456789abcdefg/app", tag="v1.2.3")),
    ("Image", "by-latest", dict(repository_name="crp0123456789abcdefg/app", tag="latest")),
    ("Image", "by-digest", dict(repository_name="crp0123456789abcdefg/app", digest=DIGEST_A)),
    ("Image", "by-tag-and-digest", dict(repository_name="crp0123456789abcdefg/app", tag="v1.2.3",
                                         digest=DIGEST_A)),
    ("Image", "by-id", dict(image_id="crpimage0123456789ab", delete_timeout="5m")),
    ("Image", "by-odd-tag", dict(repository_name="crp0123456789abcdefg/web", tag="feature-x")),
    ("ImageCleanup", "keep-rules", dict(repository_name="crp0123456789abcdefg/app",
                                        keep_tags=["^v\\d+\\.\\d+\\.\\d+$", "^main$"], keep_last=5,
                                        older_than="30d")),
    ("ImageCleanup", "delete-all", dict(repository_name="crp0123456789abcdefg/app", delete_all=True)),
    ("ImageCleanup", "no-keep-rules", dict(repository_name="crp0123456789abcdefg/app", older_than="30d")),
    ("ImageCleanup", "untagged-only", dict(registry_id="crp0123456789abcdefg", untagged_only=True,
                                           concurrency=4, timeout="10m")),
    ("ImageCleanup", "dry-run-delete-all", dict(repository_name="crp0123456789abcdefg/app",
                                                delete_all=True, dry_run=True)),
]


def _stand_in_sdk():
    """Minimal dynamic resources with the SDK's contract (tokens, input names)."""
    import pulumi
    import pulumi.dynamic as dyn

    class _Provider(dyn.ResourceProvider):
        def create(self, props):  # never called under mocks
            return dyn.CreateResult(id_="x", outs=props)

    def _init(self, resource_name: str, opts: pulumi.ResourceOptions = None, **kwargs: Any):
        props = {k: kwargs.get(k) for k in self._KEYS}
        dyn.Resource.__init__(self, _Provider(), resource_name, props, opts)

    class Image(dyn.Resource, module="yc-registry", name="Image"):
        _KEYS = ("image_id", "repository_name", "tag", "digest", "delete_timeout")
        __init__ = _init

    class ImageCleanup(dyn.Resource, module="yc-registry", name="ImageCleanup"):
        __init__ = _init
        _KEYS = ("repository_name", "registry_id", "keep_tags", "keep_last", "older_than",
                 "untagged_only", "delete_all", "dry_run", "concurrency", "timeout")

    return Image, ImageCleanup


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return repr(v)


def capture(stand_in: bool) -> Dict[str, Any]:
    import pulumi

    captured: List[Dict[str, Any]] = []

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs):
            inputs = dict(args.inputs)
            rec: Dict[str, Any] = {"type": args.typ, "name": args.name,
                                   "inputs": _jsonable(inputs), "custom": args.custom}
            prov = inputs.get("__provider")
            secret_sig = "4dabf18193072939515e22adb298388d"  # pulumi's secret signature key
            if isinstance(prov, dict) and secret_sig in prov:
                # The engine sees the pickled provider as a secret string.  Keep
                # that wire shape, not the (large, machine-specific) bytes.
                rec["inputs"]["__provider"] = dict(
                    prov, value=f"<pickled dynamic provider, {len(str(prov.get('value')))} chars>")
            elif isinstance(prov, str):
                rec["inputs"]["__provider"] = f"<pickled dynamic provider, {len(prov)} chars>"
            captured.append(rec)
            return f"{args.name}-id", inputs

        def call(self, args: pulumi.runtime.MockCallArgs):
            return {}

    pulumi.runtime.set_mocks(Mocks(), project="yc-registry-policy-capture", stack="capture", preview=False)

    classes: Dict[str, Any] = {}
    sources: List[str] = []
    try:
        sys.path.insert(0, os.path.join(ROOT, "sdk"))
        import pulumi_yc_registry as sdk  # noqa: WPS433
        for kind in ("Image", "ImageCleanup"):
            if hasattr(sdk, kind):
                classes[kind] = getattr(sdk, kind)
        sources.append(f"pulumi_yc_registry from {os.path.dirname(sdk.__file__)}: {sorted(classes)}")
    except ImportError as exc:
        if not stand_in:
            raise
        sources.append(f"pulumi_yc_registry not importable ({exc})")
    stand_in_for = [k for k in ("Image", "ImageCleanup") if k not in classes]
    if stand_in_for:
        if not stand_in:
            raise SystemExit(f"pulumi_yc_registry lacks {stand_in_for}; pass --stand-in for a provisional fixture")
        stand = dict(zip(("Image", "ImageCleanup"), _stand_in_sdk()))
        for k in stand_in_for:
            classes[k] = stand[k]
        sources.append(f"contract stand-ins (capture_resources.py) for {stand_in_for}")
    source = "; ".join(sources)


    @pulumi.runtime.test
    def program():
        res = [classes[kind](name, **kwargs) for kind, name, kwargs in SHAPES]
        return pulumi.Output.all(*[r.urn for r in res])

    program()
    by_name = {r["name"]: r for r in captured}
    missing = [name for _, name, _ in SHAPES if name not in by_name]
    if missing:
        raise SystemExit(f"resources not registered: {missing}")
    return {
        "provisional": bool(stand_in_for),
        "stand_in_for": stand_in_for,
        "source": source,
        "pulumi_version": _pulumi_version(),
        "resources": [by_name[name] for _, name, _ in SHAPES],
    }


def _pulumi_version() -> str:
    try:
        from importlib.metadata import version
        return version("pulumi")
    except Exception:  # pragma: no cover
        return "?"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stand-in", action="store_true",
                    help="stand in for SDK classes that do not exist yet (provisional fixture)")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ns = ap.parse_args(argv)
    data = capture(ns.stand_in)
    os.makedirs(os.path.dirname(ns.out), exist_ok=True)
    with open(ns.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    print(f"wrote {len(data['resources'])} resources to {ns.out} (provisional={data['provisional']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
