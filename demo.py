"""Run examples/lookup and examples/adopt-and-destroy end to end on the embedded fake, without the Pulumi CLI.

The programs run under pulumi's mocks with the dynamic providers executing (``pulumi_yc_registry.testing``,
the machinery of the tests):
`up` adopts, then `destroy` deletes every adopted image in reverse order and waits for each Operation.
Usage: python demo.py
"""

from __future__ import annotations

import json
from pathlib import Path

from pulumi_yc_registry.testing import ExecutingMocks, run_program
from yc_registry_provider.fake import DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, seed_demo

ROOT = Path(__file__).resolve().parent


def main() -> int:
    """Seed a fake, look up, adopt, destroy; print each step; 0 when the fake ends as expected."""
    model = seed_demo(FakeModel())
    with FakeServer(model) as server:
        prod = next(r for r in model.registries.values() if r.name == "demo-prod")
        repository = f"{prod.id}/app"
        base = {"yandex:endpoint": server.address, "yandex:plaintext": "true", "yandex:token": DEMO_TOKEN,
                "yandex:folderId": DEMO_FOLDER_ID}
        print(f"fake registry at {server.address}: {len(model.images)} images, repository {repository}")

        looked = run_program(ROOT / "examples" / "lookup", ExecutingMocks(base),
                             config={**base, "yc-registry-lookup:repository": repository},
                             project="yc-registry-lookup")
        print(f"\nlooked up: {looked['image_count']} images in {repository}; newest {looked['newest_image_id']} "
              f"tags {looked['newest_tags']}\n  pull URI {looked['image_uri']}")

        untagged = [image.digest for image in model.images.values() if image.name == repository and not image.tags]
        print(f"\nto adopt: the {len(untagged)} untagged images of {repository}, by digest (stack config `digests`)")

        model.knobs.operation_duration = 0.2  # deletes take a moment: destroy waits for each Operation
        before = set(model.images)
        mocks = ExecutingMocks(base, project="yc-registry-adopt-and-destroy")
        up = run_program(ROOT / "examples" / "adopt-and-destroy", mocks,
                         config={**base, "yc-registry-adopt-and-destroy:repository": repository,
                                 "yc-registry-adopt-and-destroy:digests": json.dumps(untagged)},
                         project="yc-registry-adopt-and-destroy")
        print(f"\nadopted {len(up['adopted_ids'])} untagged images ({up['adopted_bytes']:,} bytes):")
        for image_id, uri in zip(up["adopted_ids"], up["adopted_uris"]):
            print(f"  {image_id}  {uri}")

        deleted = mocks.destroy()
        print("\ndestroy deleted (reverse order, each Operation awaited):")
        for resource in deleted:
            print(f"  {resource.name}: {resource.id}")

        left = set(model.images)
        print(f"\nleft in the fake: {len(left)} images; in {repository}: "
              + ", ".join(f"{i.id} {list(i.tags)}" for i in model.images.values() if i.name == repository))
        expected = before - set(up["adopted_ids"])
        ok = left == expected and len(deleted) == len(up["adopted_ids"])
        print("OK: only the adopted images were deleted" if ok else "UNEXPECTED: the fake does not hold what it should")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
