"""Tokens as people paste them, exchanged once per process and refreshed shortly before they expire."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from yc_registry_provider import ConfigurationError, RegistryClient, resolve_settings
from yc_registry_provider.config import is_loopback
from yc_registry_provider.credentials import REFRESH_MARGIN
from yc_registry_provider.fake import DEMO_OAUTH_TOKEN, DEMO_TOKEN, FakeModel, FakeServer, ManualClock, add_image
from yc_registry_provider.fake.model import IAM_TOKEN_LIFETIME_SECONDS


@pytest.fixture
def token_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[ManualClock]:
    """The token caches' wall clock, moved by the test (the fake's expiry times are on the same clock)."""
    from yc_registry_provider.credentials import CACHES

    clock = ManualClock()
    monkeypatch.setattr(CACHES, "clock", clock)
    CACHES.clear()
    yield clock
    CACHES.clear()


def test_surrounding_whitespace_of_a_pasted_token_is_dropped(cloud: FakeModel, registry_id: str,
                                                              make_client: Callable[..., RegistryClient]) -> None:
    # given a token pasted with a trailing newline and spaces, in the environment
    image = add_image(cloud, registry_id, "app")
    client = make_client(token=None, env={"YC_TOKEN": f"  {DEMO_TOKEN}\n"})
    # when it is used, then the token alone is sent
    client.get_image(image.id)
    assert set(cloud.tokens_seen) == {DEMO_TOKEN}


@pytest.mark.parametrize("layer,name", [("env", "YC_TOKEN"), ("config", "yandex:token")])
@pytest.mark.parametrize("pasted", [f"{DEMO_TOKEN}\n{DEMO_TOKEN}", "t1.abc def", "t1.abc\tdef", "   "])
def test_a_token_with_whitespace_inside_is_refused_naming_its_source(layer: str, name: str, pasted: str) -> None:
    # given a token with a line break or a space inside (two tokens pasted), or only whitespace
    env = {"YC_TOKEN": pasted} if layer == "env" else {}
    config = {"yandex:token": pasted} if layer == "config" else {}
    # when the settings are resolved, then they are refused naming where the token came from, not showing it
    with pytest.raises(ConfigurationError) as refused:
        resolve_settings({"endpoint": "127.0.0.1:1", "plaintext": True}, config, env)
    assert name in str(refused.value)
    assert "t1.abc" not in str(refused.value)


def test_an_oauth_token_is_exchanged_once_per_process_and_refreshed_before_expiry(
        cloud: FakeModel, registry_id: str, server: FakeServer, token_clock: ManualClock) -> None:
    # given an OAuth token, and a fake whose IAM tokens expire on the caches' clock
    cloud.clock = token_clock
    cloud.credentials.oauth_tokens.add(DEMO_OAUTH_TOKEN)
    image = add_image(cloud, registry_id, "app")
    settings = resolve_settings({"endpoint": server.address, "plaintext": True, "token": DEMO_OAUTH_TOKEN}, {}, {})

    def one_provider_call() -> None:  # every provider call builds its own client, as the front doors do
        with RegistryClient(settings) as client:
            client.get_image(image.id)

    # when three provider calls run, then the OAuth token is exchanged once
    for _ in range(3):
        one_provider_call()
    assert cloud.calls["IamTokenService.Create"] == 1
    # when time moves to just before the refresh margin, then the IAM token is still reused
    token_clock.advance(IAM_TOKEN_LIFETIME_SECONDS - REFRESH_MARGIN - 5)
    one_provider_call()
    assert cloud.calls["IamTokenService.Create"] == 1
    # when it moves into the margin (still before expiry), then a fresh token is fetched, once
    token_clock.advance(10)
    one_provider_call()
    one_provider_call()
    assert cloud.calls["IamTokenService.Create"] == 2
    assert len(set(cloud.tokens_seen)) == 2


def test_no_token_or_hash_of_it_is_kept_on_the_client_settings_repr(server: FakeServer) -> None:
    settings = resolve_settings({"endpoint": server.address, "plaintext": True, "token": DEMO_OAUTH_TOKEN}, {}, {})
    with RegistryClient(settings) as client:
        assert DEMO_OAUTH_TOKEN not in repr(client.transport.tokens) + repr(settings)


@pytest.mark.parametrize("host", ["localhost.example.com", "127.0.0.1.example.com", "localhost.", "127.0.0.1x"])
def test_the_loopback_rule_refuses_names_that_only_look_local(host: str) -> None:
    # given a host name that starts like a loopback address, then it is not loopback and plaintext is refused
    assert not is_loopback(host)
    with pytest.raises(ConfigurationError, match="loopback"):
        resolve_settings({"endpoint": f"{host}:443", "plaintext": True, "token": DEMO_TOKEN}, {}, {})
