"""Fixtures for client tests: a fake cloud on the wall clock, and clients aimed at it over a real socket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from yc_registry_provider import RegistryClient, RetryPolicy, WaitPolicy, resolve_settings
from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer, add_registry

FAST_RETRY = RetryPolicy(initial_backoff=0.01, max_backoff=0.05, budget=5.0, max_attempts=200)
FAST_WAIT = WaitPolicy(first_poll=0.01, initial_interval=0.02, max_interval=0.1)


@pytest.fixture
def cloud() -> FakeModel:
    """An empty fake cloud on the wall clock that accepts DEMO_TOKEN."""
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    return model


@pytest.fixture
def server(cloud: FakeModel) -> Iterator[FakeServer]:
    with FakeServer(cloud) as running:
        yield running


@pytest.fixture
def registry_id(cloud: FakeModel) -> str:
    return add_registry(cloud, folder_id="b1gfolder").id


@pytest.fixture
def make_client(server: FakeServer) -> Iterator[Callable[..., RegistryClient]]:
    """Build clients aimed at the fake; keyword arguments override settings and policies."""
    made: list[RegistryClient] = []

    def build(*, retry: RetryPolicy = FAST_RETRY, wait: WaitPolicy = FAST_WAIT, call_timeout: float = 5.0,
              env: dict[str, str] | None = None, **explicit: Any) -> RegistryClient:
        settings = {"endpoint": server.address, "plaintext": True, "token": DEMO_TOKEN, **explicit}
        client = RegistryClient(resolve_settings(settings, {}, env or {}), retry=retry, wait=wait,
                                call_timeout=call_timeout)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., RegistryClient]) -> RegistryClient:
    return make_client()
