"""Each credential source yields a bearer token on the wire; no token ever shows in logs or errors."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from yc_registry_provider import (ConfigurationError, DeadlineExceededError, RegistryClient, UnauthenticatedError,
                                  UnavailableError, resolve_settings)
from yc_registry_provider.config import METADATA_TOKEN_URL
from yc_registry_provider.fake import DEMO_OAUTH_TOKEN, DEMO_TOKEN, FakeModel, FakeServer, add_image


def _service_account_key(cloud: FakeModel, key_id: str = "ajekey1", account: str = "ajeaccount1") -> dict[str, str]:
    """A fresh RSA key registered with the fake, in the JSON shape `yc iam key create` writes."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    cloud.register_service_account_key(key_id, account, public_pem)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    return {"id": key_id, "service_account_id": account, "private_key": private_pem}


def _bearer_tokens(cloud: FakeModel) -> set[str]:
    return set(cloud.tokens_seen)


def test_a_given_iam_token_is_sent_as_it_is(cloud: FakeModel, registry_id: str, client: RegistryClient) -> None:
    image = add_image(cloud, registry_id, "app")
    client.get_image(image.id)
    assert _bearer_tokens(cloud) == {DEMO_TOKEN}
    assert cloud.calls["IamTokenService.Create"] == 0


def test_an_oauth_token_is_exchanged_once_and_cached(cloud: FakeModel, registry_id: str, make_client) -> None:
    cloud.credentials.oauth_tokens.add(DEMO_OAUTH_TOKEN)
    image = add_image(cloud, registry_id, "app")
    client = make_client(token=DEMO_OAUTH_TOKEN)
    client.get_image(image.id)
    client.get_image(image.id)
    assert cloud.calls["IamTokenService.Create"] == 1
    sent = _bearer_tokens(cloud)
    assert DEMO_OAUTH_TOKEN not in sent and all(t.startswith("t1.") for t in sent)


def test_a_service_account_key_file_is_signed_and_exchanged(cloud: FakeModel, registry_id: str, make_client,
                                                            tmp_path) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(_service_account_key(cloud)))
    image = add_image(cloud, registry_id, "app")
    client = make_client(token=None, env={"YC_SERVICE_ACCOUNT_KEY_FILE": str(key_file)})
    assert client.get_image(image.id).id == image.id
    assert cloud.calls["IamTokenService.Create"] == 1
    assert client.settings.source == "environment YC_SERVICE_ACCOUNT_KEY_FILE"


def test_a_key_for_another_account_is_rejected_without_leaking(cloud: FakeModel, make_client, tmp_path) -> None:
    key = _service_account_key(cloud)
    key["service_account_id"] = "ajeimpostor"
    client = make_client(token=None, service_account_key_file=json.dumps(key))
    with pytest.raises(UnauthenticatedError) as caught:
        client.get_image("crpimage")
    assert "iss" in str(caught.value)
    assert key["private_key"][40:80] not in str(caught.value)


@responses.activate
def test_the_metadata_service_is_the_last_resort(cloud: FakeModel, registry_id: str, make_client) -> None:
    # given no token and no key, on a VM whose metadata service hands out a token the fake accepts
    cloud.accept_iam_token("t1.from-metadata")
    responses.get(METADATA_TOKEN_URL, json={"access_token": "t1.from-metadata", "expires_in": 3600},
                  match=[responses.matchers.header_matcher({"Metadata-Flavor": "Google"})])
    image = add_image(cloud, registry_id, "app")
    client = make_client(token=None)
    # when the client is used, then that token is sent, fetched once
    client.get_image(image.id)
    client.get_image(image.id)
    assert _bearer_tokens(cloud) == {"t1.from-metadata"}
    assert len(responses.calls) == 1


@responses.activate
def test_no_credentials_at_all_says_what_to_set(make_client) -> None:
    responses.get(METADATA_TOKEN_URL, status=404)
    client = make_client(token=None)
    with pytest.raises(UnauthenticatedError, match="YC_TOKEN"):
        client.get_image("crpimage")


def test_a_rejected_token_never_shows_in_errors_or_logs(cloud: FakeModel, make_client,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    secret = "t1.super-secret-token-value"
    client = make_client(token=secret)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(UnauthenticatedError) as caught:
            client.get_image("crpimage")
    assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert secret not in caplog.text
    assert secret not in repr(client.settings) and secret not in repr(client.transport.tokens)
    assert cloud.calls["ImageService.Get"] == 1  # UNAUTHENTICATED is not retried


def test_plaintext_is_refused_for_a_remote_endpoint() -> None:
    with pytest.raises(ConfigurationError, match="loopback") as caught:
        resolve_settings({}, {"yandex:endpoint": "registry.example.com:443", "yandex:plaintext": "true"}, {})
    assert "yandex:plaintext" in str(caught.value)


def test_settings_precedence_is_arguments_then_config_then_environment() -> None:
    env = {"YC_ENDPOINT": "127.0.0.1:1", "YC_TOKEN": "t1.env", "YC_FOLDER_ID": "env-folder"}
    config = {"yandex:endpoint": "127.0.0.1:2", "yandex:folderId": "config-folder"}
    settings = resolve_settings({"endpoint": "127.0.0.1:3"}, config, env)
    assert settings.endpoint == "127.0.0.1:3" and settings.endpoint_explicit
    assert settings.folder_id == "config-folder"
    assert settings.token is not None and settings.token.reveal() == "t1.env"
    assert settings.source == "environment YC_TOKEN"
    assert resolve_settings({}, {}, {}).endpoint == "api.cloud.yandex.net:443"


def test_config_token_beats_an_environment_key_file(tmp_path) -> None:
    settings = resolve_settings({}, {"yandex:token": "t1.config"}, {"YC_SERVICE_ACCOUNT_KEY_FILE": "/nonexistent"})
    assert settings.token is not None and settings.source == "config yandex:token"


def test_an_unreadable_key_file_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="YC_SERVICE_ACCOUNT_KEY_FILE"):
        resolve_settings({}, {}, {"YC_SERVICE_ACCOUNT_KEY_FILE": "/nonexistent/key.json"})


def test_discovery_finds_the_services_when_no_endpoint_is_pinned(cloud: FakeModel, registry_id: str) -> None:
    # given a fake reached through endpoint discovery (TLS listener, as the real API)
    image = add_image(cloud, registry_id, "app")
    with FakeServer(cloud, tls=True) as server:
        settings = dataclasses.replace(resolve_settings({"token": DEMO_TOKEN}, {}, {}), endpoint=server.tls_address)
        assert not settings.endpoint_explicit
        client = RegistryClient(settings, root_certificates=server.root_certificate)
        assert client.get_image(image.id).id == image.id
        assert cloud.calls["ApiEndpointService.List"] == 1
        client.close()


def test_a_token_exchange_is_bounded_by_the_calls_deadline(cloud: FakeModel, registry_id: str, make_client) -> None:
    # given an IAM service that takes 2 s to answer, and a read allowed 0.3 s
    cloud.credentials.oauth_tokens.add(DEMO_OAUTH_TOKEN)
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.latency = 2.0
    client = make_client(token=DEMO_OAUTH_TOKEN)
    started = time.monotonic()
    # when the read needs a token first, then the whole call gives up with the read's deadline
    with pytest.raises((UnavailableError, DeadlineExceededError)):
        client.get_image(image.id, timeout=0.3)
    assert time.monotonic() - started < 1.5
    cloud.knobs.latency = 0.0
    time.sleep(2.0)  # let the slow server finish before the fixture stops it


def test_many_threads_share_one_failed_exchange(cloud: FakeModel, make_client) -> None:
    # given a rejected OAuth token and twenty threads making their first call at once
    client = make_client(token="y0_not-a-known-oauth-token")
    errors: list[Exception] = []

    def first_call() -> None:
        try:
            client.get_image("crpimage")
        except UnauthenticatedError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then every caller got the refusal, from one or two exchanges rather than twenty
    assert len(errors) == 20
    assert cloud.calls["IamTokenService.Create"] <= 2


def test_discovery_runs_once_for_many_first_calls(cloud: FakeModel, registry_id: str) -> None:
    image = add_image(cloud, registry_id, "app")
    with FakeServer(cloud, tls=True) as server:
        settings = dataclasses.replace(resolve_settings({"token": DEMO_TOKEN}, {}, {}), endpoint=server.tls_address)
        client = RegistryClient(settings, root_certificates=server.root_certificate)
        threads = [threading.Thread(target=client.get_image, args=(image.id,)) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        client.close()
    assert cloud.calls["ApiEndpointService.List"] == 1 and cloud.calls["ImageService.Get"] == 20


def test_a_closed_client_refuses_calls_instead_of_reopening(cloud: FakeModel, registry_id: str,
                                                           client: RegistryClient) -> None:
    image = add_image(cloud, registry_id, "app")
    client.get_image(image.id)
    client.close()
    with pytest.raises(ConfigurationError, match="closed"):
        client.get_image(image.id)
    assert cloud.calls["ImageService.Get"] == 1
