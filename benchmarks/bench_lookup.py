"""Benchmark: find one image by tag in a repository of 10,000 images; print List calls and time.

Usage: python benchmarks/bench_lookup.py [--count N]. The acceptance bar is at most 10 List calls.
"""

from __future__ import annotations

import argparse
import sys
import time

from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.fake import DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, add_image, add_images, \
    add_registry
from yc_registry_provider.lookups import find_image


def main(count: int = 10_000) -> int:
    """Seed ``count`` images (the tagged one last, the worst case), look it up, report; 0 if within 10 calls."""
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    registry = add_registry(model, folder_id=DEMO_FOLDER_ID)
    add_images(model, registry.id, "big", count - 1)
    wanted = add_image(model, registry.id, "big", tags=("release",))
    with FakeServer(model) as server:
        config = {"yandex:endpoint": server.address, "yandex:plaintext": "true", "yandex:token": DEMO_TOKEN}
        with RegistryClient.from_config(config, env={}) as client:
            started = time.perf_counter()
            found = find_image(client, repository_name=f"{registry.id}/big", tag="release")
            took = time.perf_counter() - started
    calls = model.calls["ImageService.List"]
    assert found.id == wanted.id
    print(f"found {found.id} by tag among {count:,} images: {calls} List calls, {took:.2f}s")
    return 0 if calls <= 10 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="images in the repository (default 10,000)")
    sys.exit(main(parser.parse_args().count))
