"""Issue 4's cleanup benchmark: ``python benchmarks/bench_cleanup.py`` (about two minutes).

The fake registry runs in a child process (so its threads neither share our GIL nor count in tracemalloc) with
20 ms latency per call, delete operations that finish after 300 ms, and at most 10 unfinished operations
(RESOURCE_EXHAUSTED above). Compared, per image:

(a) what a user writes with the official SDK: a sequential loop of Delete + ``sdk.wait_operation_and_get_result``
    (over the fake's TLS listener, which the SDK needs to attach credentials);
(b) ``cleanup_images`` on 500 images (its own fake, so its counters count it alone);
(c) the server's limit: ceil(500 / 10) x (0.30 + 2 x 0.02) s;
(e) ``cleanup_images`` on Cloud Registry (after 2026-12-14 every cleanup runs there), the same fake knobs, 500
    images of 2 or 3 tags each: one image is one ARTIFACT per tag, each deleted with its own Operation, so the
    server's limit counts artifacts: ceil(artifacts / 10) x (0.30 + 2 x 0.02) s.

Targets (issue 12): (b) at least 30x faster per image than (a), within 1.10x of (c), and at most 2.5
OperationService.Get calls per delete on average; (e) within 1.10x of its limit (issue 15) (the first poll of each delete is placed at the operation's
duration learned from the deletes already done in the run). Then one cleanup of 2,000 images with its peak
Python memory (tracemalloc).

``--keep-in-use`` adds (f): the same 500-image cleanup with the ``keep_in_use`` rule on, against a fake whose folder
also holds workloads (``WORKLOADS``: containers, instances, instance groups, each call with the same latency), of
which ``IN_USE`` images are run by digest. The in-use set is read before anything is deleted and again for every
delete, never older than that image's re-read (one read serves every delete waiting for one that recent).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import sys
import time
import tracemalloc
from multiprocessing.connection import Connection
from typing import Any

from yc_registry_provider.backends.cloud_registry import CloudRegistryClient
from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.cleanup import CleanupReport, cleanup_images
from yc_registry_provider.config import resolve_settings
from yc_registry_provider.fake import DEMO_TOKEN

REGISTRY = "crpbench"
REPOSITORY = f"{REGISTRY}/app"
LATENCY = 0.02
OPERATION = 0.30
MAX_UNFINISHED = 10
WORKLOADS = {"containers": 5, "instances": 5, "instance_groups": 2}
IN_USE = 10


def tags_of(n: int) -> list[str]:
    """The tags of Cloud Registry image ``n``: 2 or 3 (so 2.5 version artifacts per image on average)."""
    return [f"build-{n}-{k}" for k in range(2 + n % 2)]


def serve(count: int, knobs: dict[str, Any], conn: Connection, cloud: bool = False, workloads: bool = False) -> None:
    """Child process: a fake holding ``count`` images (in Cloud Registry, 2-3 tags each, when ``cloud``; with
    ``workloads`` also the WORKLOADS, IN_USE of the images run by digest); sends its addresses, then its counters
    when told to stop."""
    from yc_registry_provider.fake import (FakeModel, FakeServer, add_container_revision, add_images, add_instance,
                                           add_instance_group, add_registry)
    from yc_registry_provider.fake.builders import add_cloud_registry, push_cloud_image

    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    if cloud:
        add_cloud_registry(model, REGISTRY)
        for n in range(count):
            push_cloud_image(model, REGISTRY, "app", tags_of(n))
    else:
        add_registry(model, REGISTRY)
        images = add_images(model, REGISTRY, "app", count)
        if workloads:
            refs = [f"cr.yandex/{REPOSITORY}@{image.digest}" for image in images[:IN_USE]]
            refs += [f"cr.yandex/{REPOSITORY}:not-pushed"] * sum(WORKLOADS.values())
            for n in range(WORKLOADS["containers"]):
                add_container_revision(model, refs.pop(0), container=f"c{n}")
            for n in range(WORKLOADS["instances"]):
                add_instance(model, refs.pop(0), name=f"vm{n}")
            for n in range(WORKLOADS["instance_groups"]):
                add_instance_group(model, refs.pop(0), name=f"g{n}")
    for name, value in knobs.items():
        setattr(model.knobs, name, value)
    with FakeServer(model, tls=True) as server:
        conn.send((server.address, server.tls_address, server.root_certificate))
        conn.recv()
        if cloud:
            versions = [a for a in model.cloud_registry.artifacts.values() if a.manifest_digest]
            conn.send({"deleted": len(model.cloud_registry.deleted_artifact_ids), "left": len(versions),
                       "calls": dict(model.calls)})
        else:
            conn.send({"deleted": len(model.deleted_image_ids), "left": len(model.images),
                       "calls": dict(model.calls)})


class Fake:
    """A fake registry in a spawned child process."""

    def __init__(self, count: int, cloud: bool = False, workloads: bool = False) -> None:
        knobs = {"latency": LATENCY, "operation_duration": OPERATION, "max_unfinished_operations": MAX_UNFINISHED}
        self.cloud = cloud
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("spawn").Process(target=serve,
                                                                   args=(count, knobs, child, cloud, workloads),
                                                                   daemon=True)
        self.process.start()
        self.address, self.tls_address, self.root_certificate = self.conn.recv()

    def client(self) -> RegistryClient | CloudRegistryClient:
        settings = resolve_settings({"endpoint": self.address, "token": DEMO_TOKEN, "plaintext": True}, env={})
        return CloudRegistryClient(settings) if self.cloud else RegistryClient(settings)

    def stop(self) -> dict[str, Any]:
        self.conn.send("stop")
        counters: dict[str, Any] = self.conn.recv()
        self.process.join(10)
        return counters


def sdk_loop(fake: Fake, count: int) -> float:
    """(a): the official SDK, sequentially; returns seconds per image."""
    import yandexcloud
    from google.protobuf.empty_pb2 import Empty
    from yandex.cloud.containerregistry.v1.image_service_pb2 import (DeleteImageMetadata, DeleteImageRequest,
                                                                      ListImagesRequest)
    from yandex.cloud.containerregistry.v1.image_service_pb2_grpc import ImageServiceStub

    sdk = yandexcloud.SDK(iam_token=DEMO_TOKEN, endpoint=fake.tls_address, root_certificates=fake.root_certificate)
    images = sdk.client(ImageServiceStub)
    ids = [image.id for image in images.List(ListImagesRequest(repository_name=REPOSITORY, page_size=count),
                                             timeout=30).images]
    started = time.perf_counter()
    for image_id in ids:
        operation = images.Delete(DeleteImageRequest(image_id=image_id), timeout=30)
        sdk.wait_operation_and_get_result(operation, response_type=Empty, meta_type=DeleteImageMetadata, timeout=60)
    return (time.perf_counter() - started) / len(ids)


def engine(fake: Fake, keep_in_use: bool = False) -> CleanupReport:
    """(b)/(d)/(f): cleanup_images (the public function; default concurrency 10) on the whole repository."""
    from yc_registry_provider.backends.workloads import workloads_for

    with fake.client() as backend:
        return cleanup_images(backend=backend, repository_name=REPOSITORY, delete_all=True,
                              progress=lambda event: None, raise_on_failure=False,
                              keep_in_use=True if keep_in_use else None,
                              workloads=workloads_for(backend) if keep_in_use else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--sdk-images", type=int, default=10)
    parser.add_argument("--big", type=int, default=2000, help="images of the memory run (0 skips it)")
    parser.add_argument("--cloud-images", type=int, default=500, help="images of the Cloud Registry run, 2-3 tags "
                                                                      "each (0 skips it)")
    parser.add_argument("--only-cloud", action="store_true", help="run (e) alone")
    parser.add_argument("--keep-in-use", action="store_true", help="also (f): (b) with keep_in_use on")
    args = parser.parse_args(argv)
    if args.only_cloud:
        return cloud_run(args.cloud_images)

    sdk_fake = Fake(args.sdk_images)  # a fake of its own, so (b)'s counters count (b) alone
    try:
        per_sdk = sdk_loop(sdk_fake, args.sdk_images)
    finally:
        sdk_fake.stop()
    fake = Fake(args.images)
    try:
        report = engine(fake)
    finally:
        counters = fake.stop()
    per_engine = report.elapsed / max(1, len(report.deleted))
    limit = math.ceil(args.images / MAX_UNFINISHED) * (OPERATION + 2 * LATENCY)
    rows = [
        ("(a) official SDK, sequential", args.sdk_images, per_sdk * args.sdk_images, per_sdk, "", ""),
        ("(b) cleanup_images, concurrency 10", len(report.deleted), report.elapsed, per_engine,
         f"{per_sdk / per_engine:.1f}x", f"{report.elapsed / limit:.2f}x"),
        ("(c) server limit", args.images, limit, limit / args.images, f"{per_sdk / (limit / args.images):.1f}x",
         "1.00x"),
    ]
    in_use_report, in_use_counters = None, {}
    if args.keep_in_use:
        in_use_fake = Fake(args.images, workloads=True)
        try:
            in_use_report = engine(in_use_fake, keep_in_use=True)
        finally:
            in_use_counters = in_use_fake.stop()
        done = len(in_use_report.deleted)
        rows.append(("(f) (b) with keep_in_use on", done, in_use_report.elapsed,
                     in_use_report.elapsed / max(1, done), f"{per_sdk / (in_use_report.elapsed / max(1, done)):.1f}x",
                     f"{in_use_report.elapsed / limit:.2f}x"))
    big_report, peak = None, 0
    if args.big:
        big = Fake(args.big)
        try:
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            big_report = engine(big)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        finally:
            big.stop()
        rows.append(("(d) cleanup_images, tracemalloc on", len(big_report.deleted), big_report.elapsed,
                     big_report.elapsed / max(1, len(big_report.deleted)), "", ""))

    print(f"fake: {LATENCY * 1000:.0f} ms per call, operations done after {OPERATION * 1000:.0f} ms, "
          f"at most {MAX_UNFINISHED} unfinished (RESOURCE_EXHAUSTED above)")
    print(f"{'case':34} {'images':>7} {'total s':>9} {'s/image':>9} {'vs (a)':>8} {'vs (c)':>7}")
    for name, count, total, per, speedup, ratio in rows:
        print(f"{name:34} {count:7d} {total:9.2f} {per:9.4f} {speedup:>8} {ratio:>7}")
    deletes = counters["calls"].get("ImageService.Delete", 0)
    polls = counters["calls"].get("OperationService.Get", 0) / max(1, counters["deleted"])
    print(f"(b): {per_sdk / per_engine:.1f}x faster than (a), {report.elapsed / limit:.2f}x the limit, "
          f"{polls:.2f} OperationService.Get calls per delete")
    print(f"(b): {report.summary()}")
    print(f"(b): {deletes} Delete calls for {counters['deleted']} deleted images "
          f"({deletes - counters['deleted']} throttled and retried), {counters['left']} images left")
    if in_use_report is not None:
        calls = in_use_counters["calls"]
        reads = calls.get("ContainerService.ListRevisions", 0)
        workload_calls = sum(v for k, v in calls.items() if k.startswith(("ContainerService.", "InstanceService.",
                                                                          "InstanceGroupService.")))
        print(f"(f): {in_use_report.elapsed / report.elapsed:.2f}x the time of (b); {len(in_use_report.kept)} kept in "
              f"use (expected {IN_USE}); the in-use set read {reads} times ({workload_calls} workload calls) for "
              f"{len(in_use_report.deleted)} deletes; ok={in_use_report.ok}")
    if big_report is not None:
        print(f"(d): peak traced memory {peak / 2**20:.1f} MiB for {args.big} images "
              f"({peak / max(1, args.big) / 1024:.1f} KiB per image; Python objects only); ok={big_report.ok}")
        print(f"(d): peak resident memory of this process {rss_after / 1024:.1f} MiB "
              f"(before the run {rss_before / 1024:.1f} MiB; protobuf and gRPC memory included)")
    fast = per_sdk / per_engine >= 30
    close = report.elapsed <= 1.10 * limit
    few_polls = polls <= 2.5
    print(f"targets: >=30x faster per image than (a): {'PASS' if fast else 'FAIL'}; "
          f"within 1.10x of the limit: {'PASS' if close else 'FAIL'}; "
          f"<=2.5 polls per delete: {'PASS' if few_polls else 'FAIL'}")
    ok = fast and close and few_polls and report.ok and (big_report is None or big_report.ok) and (
        in_use_report is None or (in_use_report.ok and len(in_use_report.kept) == IN_USE))
    if args.cloud_images:
        ok = cloud_run(args.cloud_images) == 0 and ok
    return 0 if ok else 1


def cloud_run(count: int) -> int:
    """(e): cleanup_images on Cloud Registry, beside that server's limit (which counts artifact Operations)."""
    artifacts = sum(len(tags_of(n)) for n in range(count))
    fake = Fake(count, cloud=True)
    try:
        report = engine(fake)
    finally:
        counters = fake.stop()
    limit = math.ceil(artifacts / MAX_UNFINISHED) * (OPERATION + 2 * LATENCY)
    calls = counters["calls"]
    deletes = calls.get("CloudRegistry.ArtifactService.Delete", 0)
    print(f"(e) Cloud Registry: {len(report.deleted)} of {count} images ({artifacts} tag artifacts) deleted in "
          f"{report.elapsed:.2f} s; the server's limit ceil({artifacts} / {MAX_UNFINISHED}) x "
          f"({OPERATION:.2f} + 2 x {LATENCY:.2f}) = {limit:.2f} s: {report.elapsed / limit:.2f}x")
    print(f"(e): {deletes} ArtifactService.Delete calls for {counters['deleted']} deleted artifacts "
          f"({deletes - counters['deleted']} throttled and retried), "
          f"{calls.get('OperationService.Get', 0) / max(1, counters['deleted']):.2f} OperationService.Get per "
          f"artifact, {calls.get('CloudRegistry.ArtifactService.List', 0)} ArtifactService.List, "
          f"{calls.get('CloudRegistry.ArtifactService.Get', 0)} ArtifactService.Get; "
          f"{counters['left']} version artifacts left")
    print(f"(e): {report.summary()}")
    close = report.elapsed <= 1.10 * limit
    print(f"target (e): within 1.10x of the Cloud Registry limit: {'PASS' if close else 'FAIL'}")
    return 0 if close and report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
