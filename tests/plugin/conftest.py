"""Fixtures for the native plugin: a fake engine (records Engine.Log), a fake registry, the plugin process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent import futures
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from plugin_support import (PROGRESS_INTERVAL, FakeEngine, NativePlugin, RecordingEngine, Registry, plugin_env,
                            secret)
from pulumi.runtime.proto import engine_pb2_grpc

from yc_registry_provider.fake import DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, add_image, add_registry


@pytest.fixture(scope="module")
def fake_engine() -> Iterator[FakeEngine]:
    """A loopback Engine service; its address is what the plugin gets as its argument."""
    servicer = RecordingEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    engine_pb2_grpc.add_EngineServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield FakeEngine(servicer, server, f"127.0.0.1:{port}")
    server.stop(0)


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    """A fake with five images in ``<registry>/app``: old, v1, mid, v2 (also ``latest``), newest."""
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    reg = add_registry(model, folder_id=DEMO_FOLDER_ID, name="plugin-tests")
    base = datetime(2026, 3, 1, tzinfo=timezone.utc)
    labels: dict[str, tuple[str, ...]] = {"old": (), "v1": ("v1",), "mid": (), "v2": ("v2", "latest"), "newest": ()}
    images = {label: add_image(model, reg.id, "app", tags=tags, created_at=base + timedelta(days=n)).id
              for n, (label, tags) in enumerate(labels.items())}
    server = FakeServer(model).start()
    yield Registry(model, server, reg.id, images)
    server.stop(0)


@pytest.fixture(scope="module")
def plugin(fake_engine: FakeEngine, registry: Registry) -> Iterator[NativePlugin]:
    """One plugin process per module, configured for ``registry`` with a secret token (no YC_* env)."""
    started = time.monotonic()
    native = NativePlugin(fake_engine.address, plugin_env(YC_REGISTRY_PROGRESS_INTERVAL=str(PROGRESS_INTERVAL)))
    native.startup_seconds = time.monotonic() - started
    try:
        native.configure({"endpoint": registry.server.address, "plaintext": True, "token": secret(DEMO_TOKEN),
                          "folderId": DEMO_FOLDER_ID})
        yield native
    finally:
        native.close()
