"""Capture the resources pulumi_yc_registry registers, and what its providers return, for the policy tests.

Seeds the embedded fake registry (``yc_registry_provider.fake``) with a few images at fixed dates, sizes and
tags, then runs a Pulumi program that declares ``pulumi_yc_registry.Image`` and
``pulumi_yc_registry.ImageCleanup`` in a few shapes under ``pulumi_yc_registry.testing.ExecutingMocks``: the
real dynamic providers run ``check`` and ``create`` against the fake, as the engine would.  For each resource
it records the type token, the name, the ``inputs`` exactly as registered (what a policy pack's ``Analyze``
sees) and the ``outputs`` the provider returned (what ``AnalyzeStack`` sees).  The pickled ``__provider``
value is replaced by a placeholder in both.  Writes ``fixtures/registered_resources.json``.

The seeded images give the stack policies both violating and compliant resources (see ``IMAGES``): one image
of 2 GiB (size), images created years ago (age; the tests inject their clock), one tagged only ``latest`` and
one tagged ``feature-x`` (tag rules).  Every date is fixed and the cleanups' candidate sets do not depend on
the current time (see ``SHAPES``), so the capture is deterministic.

Run it in the project's MAIN environment (pulumi + yandexcloud, protobuf 6),
not in the policy pack's venv::

    /tmp/venv/bin/python tests/policy/capture_resources.py

``--check`` compares a fresh capture (inputs and outputs) with the file instead of writing it (the main suite
runs this, so the fixture cannot drift from what the SDK registers and the provider returns).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(HERE, "fixtures", "registered_resources.json")

REGISTRY_ID = "crp0123456789abcdefg"
APP = f"{REGISTRY_ID}/app"
WEB = f"{REGISTRY_ID}/web"
DIGEST_A, DIGEST_B, DIGEST_C, DIGEST_D, DIGEST_E, DIGEST_F = ("sha256:" + c * 64 for c in "abcdef")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# The fake's content, pushed in this order (the fake numbers image ids crpi0000000000000001, ...).
# (repository, tags, compressed_size, created_at, digest); ages are as of 2026-11-27, the tests' clock.
IMAGES: List[tuple] = [
    ("app", ("v1.2.3",), 50 * 1024 ** 2, "2026-11-20T10:00:00Z", DIGEST_A),   # 1: fresh, versioned
    ("app", ("v2.0.0",), 2 * 1024 ** 3, "2026-10-01T08:00:00Z", DIGEST_B),    # 2: 2 GiB
    ("app", ("latest",), 120 * 1024 ** 2, "2023-03-15T12:00:00Z", DIGEST_C),  # 3: only `latest`, years old
    ("app", (), 30 * 1024 ** 2, "2026-11-25T09:30:00Z", DIGEST_D),            # 4: untagged, newest
    ("app", ("v0.9.0",), 40 * 1024 ** 2, "2026-09-01T00:00:00Z", DIGEST_E),   # 5: adopted by id
    ("web", ("feature-x",), 80 * 1024 ** 2, "2025-06-01T00:00:00Z", DIGEST_F),  # 6: odd tag, over a year old
]
IMAGE_5_ID = "crpi0000000000000005"

# (kind, logical name, kwargs) -- kwargs use the SDK's snake_case input names.  Every selector resolves in
# the fake.  Cleanup candidates (oldest first) stay the same as time goes on: the images a rule keeps only
# for their age are kept by another rule too, or are already older than older_than.
SHAPES: List[tuple] = [
    ("Image", "by-tag", dict(repository_name=APP, tag="v1.2.3")),                        # image 1
    ("Image", "by-latest", dict(repository_name=APP, tag="latest")),                     # image 3
    ("Image", "by-digest", dict(repository_name=APP, digest=DIGEST_B)),                  # image 2
    ("Image", "by-id", dict(image_id=IMAGE_5_ID, delete_timeout=300)),                  # image 5
    ("Image", "by-odd-tag", dict(repository_name=WEB, tag="feature-x")),                 # image 6
    ("Image", "by-digest-untagged", dict(repository_name=APP, digest=DIGEST_D)),         # image 4
    # candidates: image 3 (keep_last keeps 4 and 1, keep_tags 1, 2, 5)
    ("ImageCleanup", "keep-rules", dict(repository_name=APP, keep_tags=["^v\\d+\\.\\d+\\.\\d+$", "^main$"],
                                        keep_last=2, older_than="30d")),
    # no rule at all: every image of the repository
    ("ImageCleanup", "delete-all", dict(repository_name=APP, delete_all=True)),
    # delete_all only lifts the provider's refusal; keep_tags still keeps 1, 2 and 5
    ("ImageCleanup", "delete-all-with-keep-rules", dict(repository_name=APP, delete_all=True,
                                                        keep_tags=["^v\\d+\\.\\d+\\.\\d+$"])),
    # older_than is the only rule (image 6 is long past 30 days)
    ("ImageCleanup", "older-than-only", dict(repository_name=WEB, older_than="30d")),
    # registry scope: the untagged image 4
    ("ImageCleanup", "untagged-only", dict(registry_id=REGISTRY_ID, untagged_only=True, concurrency=4,
                                           timeout=600)),
    ("ImageCleanup", "dry-run-delete-all", dict(repository_name=APP, delete_all=True, dry_run=True)),
    # the rules peers offer: tag prefixes and ordered rules keep some images
    ("ImageCleanup", "prefixes-and-ordered-rules", dict(repository_name=APP, keep_tag_prefixes=["v1."],
                                                        keep_rules=[{"tag_pattern": "v.*", "keep_last": 1}])),
    # a tag filter alone: only the tagged images whose tag matches (and the untagged ones) go
    ("ImageCleanup", "delete-tags-matching", dict(repository_name=APP, delete_tags_matching=["latest"])),
]

SECRET_SIG = "4dabf18193072939515e22adb298388d"  # pulumi's secret signature key


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return repr(v)


def _scrub(props: Dict[str, Any]) -> Dict[str, Any]:
    """JSON-able props with the pickled ``__provider`` (large, machine-specific bytes) as a placeholder,
    keeping its wire shape (a secret-wrapped value stays wrapped)."""
    out = _jsonable(dict(props))
    prov = props.get("__provider")
    if isinstance(prov, dict) and SECRET_SIG in prov:
        out["__provider"] = dict(_jsonable(prov),
                                 value=f"<pickled dynamic provider, {len(str(prov.get('value')))} chars>")
    elif isinstance(prov, str):
        out["__provider"] = f"<pickled dynamic provider, {len(prov)} chars>"
    return out


def seed(model: Any) -> List[Any]:
    from yc_registry_provider.fake import DEMO_TOKEN, add_image, add_registry

    model.accept_iam_token(DEMO_TOKEN)
    add_registry(model, registry_id=REGISTRY_ID)
    images = [add_image(model, REGISTRY_ID, repo, tags=tags, compressed_size=size, created_at=_at(created),
                        digest=digest)
              for repo, tags, size, created, digest in IMAGES]
    if images[4].id != IMAGE_5_ID:
        raise SystemExit(f"the fake numbered image 5 {images[4].id}, SHAPES expects {IMAGE_5_ID}")
    return images


def capture() -> Dict[str, Any]:
    sys.path.insert(0, os.path.join(ROOT, "sdk"))
    import pulumi_yc_registry as sdk
    from pulumi_yc_registry.testing import ExecutingMocks, run_program
    from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer

    classes: Dict[str, Any] = {"Image": sdk.Image, "ImageCleanup": sdk.ImageCleanup}
    model = FakeModel()
    seed(model)
    with FakeServer(model) as server:
        config = {"yandex:endpoint": server.address, "yandex:plaintext": "true", "yandex:token": DEMO_TOKEN}
        mocks = ExecutingMocks(config, project="yc-registry-policy-capture")

        def program() -> None:
            for kind, name, kwargs in SHAPES:
                classes[kind](name, **kwargs)

        run_program(program, mocks, config=config, project="yc-registry-policy-capture", stack="capture")
    if mocks.failures:
        raise SystemExit(f"provider check failed: {mocks.failures}")
    by_name = {r.name: r for r in mocks.resources}
    missing = [name for _, name, _ in SHAPES if name not in by_name or not by_name[name].id]
    if missing:
        raise SystemExit(f"resources not registered or not created: {missing}")
    resources = []
    for _, name, _ in SHAPES:
        r = by_name[name]
        outputs = _scrub(r.outputs)
        if server.address and server.address in json.dumps(outputs):
            raise SystemExit(f"{name}: outputs mention the fake's address {server.address}")
        resources.append({"type": r.typ, "name": r.name, "custom": True,
                          "inputs": _scrub(r.inputs), "outputs": outputs})
    return {
        "provisional": False,
        "source": "pulumi_yc_registry.Image and pulumi_yc_registry.ImageCleanup under "
                  "pulumi_yc_registry.testing.ExecutingMocks (providers run check+create against the "
                  "embedded fake, seeded by tests/policy/capture_resources.py)",
        "pulumi_version": _pulumi_version(),
        "resources": resources,
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
    fresh = json.loads(json.dumps(data["resources"], sort_keys=True))
    if ns.check:
        with open(ns.out, encoding="utf-8") as fh:
            stored = json.load(fh)
        stored_res = stored.get("resources", [])
        if stored_res != fresh:
            stale = sorted({f"{r['name']}.{part}" for r in fresh for s in stored_res if s["name"] == r["name"]
                            for part in ("inputs", "outputs", "type") if s.get(part) != r.get(part)}
                           | {r["name"] for r in fresh if r["name"] not in {s["name"] for s in stored_res}}
                           | {s["name"] for s in stored_res if s["name"] not in {r["name"] for r in fresh}})
            print(f"{ns.out} is stale ({', '.join(stale) or 'order'}): run python tests/policy/capture_resources.py")
            return 1
        print(f"{ns.out} matches what the SDK registers and the provider returns")
        return 0
    os.makedirs(os.path.dirname(ns.out), exist_ok=True)
    with open(ns.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    print(f"wrote {len(data['resources'])} resources to {ns.out} (provisional={data['provisional']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
