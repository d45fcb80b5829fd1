"""Shared fixtures for a running fake Yandex Cloud: a model, a server, a channel and auth metadata."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer, ManualClock

AUTH = (("authorization", f"Bearer {DEMO_TOKEN}"),)


@pytest.fixture
def fake_clock() -> ManualClock:
    """A clock the test advances by hand: operations finish when the test says so."""
    return ManualClock()


@pytest.fixture
def fake_model(fake_clock: ManualClock) -> FakeModel:
    """An empty model on the manual clock that accepts DEMO_TOKEN."""
    model = FakeModel(clock=fake_clock)
    model.accept_iam_token(DEMO_TOKEN)
    return model


@pytest.fixture
def fake_server(fake_model: FakeModel) -> Iterator[FakeServer]:
    """A plaintext fake server on a free loopback port, serving ``fake_model``."""
    with FakeServer(fake_model) as server:
        yield server


@pytest.fixture
def fake_channel(fake_server: FakeServer) -> Iterator[grpc.Channel]:
    """An insecure channel to ``fake_server``; send ``auth_metadata`` with each call."""
    with grpc.insecure_channel(fake_server.address) as channel:
        yield channel


@pytest.fixture
def auth_metadata() -> tuple[tuple[str, str], ...]:
    """``authorization: Bearer DEMO_TOKEN`` as call metadata."""
    return AUTH
