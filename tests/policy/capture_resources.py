"""Capture the resources pulumi_yc_registry registers, for the policy tests.

Runs a Pulumi program under ``pulumi.runtime.set_mocks`` that declares
``pulumi_yc_registry.Image`` and ``pulumi_yc_registry.ImageCleanup`` in a few
shapes, and records, from the mocks' ``new_resource(args)``, ``args.typ``,
``args.name`` and ``args.inputs``: exactly what the engine (and so a policy
pack's ``Analyze``) sees.  Writes ``fixtures/registered_resources.json``.

Run it in the project's MAIN environment (pulumi + yandexcloud, protobuf 6),
not in the policy pack's venv::

    /tmp/venv/bin/python tests/policy/capture_resources.py

``--check`` compares a fresh capture with the file instead of writing it (the main suite runs this, so the
fixture cannot drift from what the SDK registers).
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
    ("Image", "by-id", dict(image_id="crpimage0123456789ab", delete_timeout=300)),
    ("Image", "by-odd-tag", dict(repository_name="crp0123456789abcdefg/web", tag="feature-x")),
    ("ImageCleanup", "keep-rules", dict(repository_name="crp0123456789abcdefg/app",
                                        keep_tags=["^v\\d+\\.\\d+\\.\\d+$", "^main$"], keep_last=5,
                                        older_than="30d")),
    ("ImageCleanup", "delete-all", dict(repository_name="crp0123456789abcdefg/app", delete_all=True)),
    ("ImageCleanup", "no-keep-rules", dict(repository_name="crp0123456789abcdefg/app", older_than="30d")),
    ("ImageCleanup", "untagged-only", dict(registry_id="crp0123456789abcdefg", untagged_only=True,
                                           concurrency=4, timeout=600)),
    ("ImageCleanup", "dry-run-delete-all", dict(repository_name="crp0123456789abcdefg/app",
                                                delete_all=True, dry_run=True)),
]


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return repr(v)


def capture() -> Dict[str, Any]:
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

    sys.path.insert(0, os.path.join(ROOT, "sdk"))
    import pulumi_yc_registry as sdk

    classes: Dict[str, Any] = {"Image": sdk.Image, "ImageCleanup": sdk.ImageCleanup}

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
        "provisional": False,
        "source": "pulumi_yc_registry.Image and pulumi_yc_registry.ImageCleanup under pulumi.runtime.set_mocks",
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
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="fail if the file differs from a fresh capture")
    ns = ap.parse_args(argv)
    data = capture()
    if ns.check:
        with open(ns.out, encoding="utf-8") as fh:
            stored = json.load(fh)
        if stored["resources"] != json.loads(json.dumps(data["resources"], sort_keys=True)):
            print(f"{ns.out} is stale: run python tests/policy/capture_resources.py")
            return 1
        print(f"{ns.out} matches what the SDK registers")
        return 0
    os.makedirs(os.path.dirname(ns.out), exist_ok=True)
    with open(ns.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    print(f"wrote {len(data['resources'])} resources to {ns.out} (provisional={data['provisional']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
