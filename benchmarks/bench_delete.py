"""Benchmark: delete one image whose Operation finishes after 200 ms, our client vs the official SDK's waiter.

Target (issue 2): ours returns in under 0.45 s; the SDK's fixed 1 s poll makes it take at least 1 s.
Run: python benchmarks/bench_delete.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import yandexcloud
from google.protobuf.empty_pb2 import Empty
from yandex.cloud.containerregistry.v1.image_service_pb2 import DeleteImageMetadata, DeleteImageRequest
from yandex.cloud.containerregistry.v1.image_service_pb2_grpc import ImageServiceStub

from yc_registry_provider import RegistryClient, resolve_settings
from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer, add_image, add_registry

OPERATION_SECONDS = 0.2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    model.knobs.operation_duration = OPERATION_SECONDS
    registry = add_registry(model).id
    ours: list[float] = []
    theirs: list[float] = []
    with FakeServer(model, tls=True) as server:
        client = RegistryClient(resolve_settings({"endpoint": server.address, "plaintext": True,
                                                  "token": DEMO_TOKEN}, {}, {}))
        sdk = yandexcloud.SDK(iam_token=DEMO_TOKEN, endpoint=server.tls_address,
                              root_certificates=server.root_certificate)
        stub = sdk.client(ImageServiceStub)
        client.get_image(add_image(model, registry, "warmup").id)  # connect before timing
        for _ in range(args.rounds):
            image = add_image(model, registry, "app")
            started = time.perf_counter()
            client.delete_image(image.id)
            ours.append(time.perf_counter() - started)
            assert image.id not in model.images

            image = add_image(model, registry, "app")
            started = time.perf_counter()
            operation = stub.Delete(DeleteImageRequest(image_id=image.id), timeout=10)
            sdk.wait_operation_and_get_result(operation, response_type=Empty, meta_type=DeleteImageMetadata,
                                              timeout=30)
            theirs.append(time.perf_counter() - started)
            assert image.id not in model.images
        client.close()

    print(f"delete one image, operation finishing after {OPERATION_SECONDS * 1000:.0f} ms, {args.rounds} rounds")
    print(f"{'client':<32}{'median s':>10}{'max s':>10}")
    print(f"{'pulumi-yc-registry delete_image':<32}{statistics.median(ours):>10.3f}{max(ours):>10.3f}")
    print(f"{'yandexcloud SDK + its waiter':<32}{statistics.median(theirs):>10.3f}{max(theirs):>10.3f}")
    ok = max(ours) < 0.45
    print(f"target: ours under 0.45 s -> {'met' if ok else 'MISSED'}; "
          f"SDK at least 1 s -> {'yes' if min(theirs) >= 1.0 else 'no'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
