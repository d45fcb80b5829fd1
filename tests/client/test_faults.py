"""Fault knobs of the fake over the wire: what is retried (and how often), what counts as gone, what stays secret."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

from yc_registry_provider import (ConfigurationError, PermissionDeniedError, RegistryClient, RetryPolicy,
                                  UnavailableError, errors)
from yc_registry_provider.fake import DEMO_OAUTH_TOKEN, FakeModel, FakeServer, add_image
from yc_registry_provider.retry import DEFAULT_RETRY
from yc_registry_provider.transport import map_rpc_error

QUICK = RetryPolicy(initial_backoff=0.001, max_backoff=0.002, budget=5.0, max_attempts=4)


def test_permission_denied_is_not_retried(cloud: FakeModel, registry_id: str,
                                          make_client: Callable[..., RegistryClient]) -> None:
    # given a fake that denies every Get
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.failing_calls["ImageService.Get"] = "PERMISSION_DENIED"
    # when the client reads the image, then it is denied after exactly one call
    with pytest.raises(PermissionDeniedError, match=image.id):
        make_client(retry=QUICK).get_image(image.id)
    assert cloud.calls["ImageService.Get"] == 1


def test_an_unavailable_call_is_sent_as_often_as_the_budget_says_and_the_message_says_so(
        cloud: FakeModel, registry_id: str, make_client: Callable[..., RegistryClient]) -> None:
    # given a fake that answers every List with UNAVAILABLE, and a client told about retries
    cloud.knobs.failing_calls["ImageService.List"] = "UNAVAILABLE"
    notices: list[str] = []
    client = make_client(retry=QUICK)
    client.transport.on_retry = notices.append
    # when it lists, then it gives up after max_attempts calls and names that real number
    with pytest.raises(UnavailableError) as caught:
        list(client.list_images(registry_id=registry_id))
    assert cloud.calls["ImageService.List"] == QUICK.max_attempts
    assert f"after {QUICK.max_attempts} attempt(s)" in str(caught.value)
    # and a line told the user it was retrying
    assert notices and "retrying" in notices[0] and "UNAVAILABLE" in notices[0]


def test_the_default_budget_gives_up_well_within_30_seconds() -> None:
    # the longest the default policy can back off, plus one refused connection per attempt, stays under 30 s
    assert DEFAULT_RETRY.longest_wait() < 30.0
    assert DEFAULT_RETRY.budget <= 30.0


def test_an_operation_ending_not_found_counts_as_already_gone(cloud: FakeModel, registry_id: str,
                                                               make_client: Callable[..., RegistryClient]) -> None:
    # given an image whose delete operation ends NOT_FOUND (someone else deleted it meanwhile)
    image = add_image(cloud, registry_id, "app")
    cloud.knobs.operation_duration = 0.05
    cloud.knobs.not_found_operations.add(image.id)
    # when the client deletes it, then that is "already gone", not an error
    result = make_client().delete_image(image.id, timeout=10)
    assert result.already_gone and result.operation_id
    assert image.id not in cloud.images


def test_an_error_echoing_the_bearer_token_never_shows_it(cloud: FakeModel, registry_id: str,
                                                          make_client: Callable[..., RegistryClient]) -> None:
    # given an OAuth token (exchanged for an IAM token) and a server whose errors echo the authorization header
    cloud.credentials.oauth_tokens.add(DEMO_OAUTH_TOKEN)
    cloud.knobs.echo_bearer_token = True
    cloud.knobs.failing_calls["ImageService.Get"] = "PERMISSION_DENIED"
    client = make_client(token=DEMO_OAUTH_TOKEN)
    # when a call fails
    with pytest.raises(errors.ApiError) as caught:
        client.get_image("crpimage1")
    # then neither the IAM token sent nor the OAuth token appear in the message
    sent = [token for token in cloud.tokens_seen if token.startswith("t1.")]
    assert sent and "authorization" in str(caught.value)
    assert all(token not in str(caught.value) for token in sent + [DEMO_OAUTH_TOKEN])


def test_a_tls_handshake_failure_is_a_hint_not_a_retry() -> None:
    error = map_rpc_error("UNAVAILABLE", "failed to connect to all addresses; last error: UNKNOWN: ipv4:10.0.0.1:443: "
                          "Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: WRONG_VERSION_NUMBER",
                          action="ImageService.Get", image_id="crpi1")
    assert isinstance(error, ConfigurationError) and "YC_PLAINTEXT=1" in str(error)


def test_tls_against_the_plaintext_fake_fails_at_once_with_a_hint_and_no_grpc_log_lines(server: FakeServer) -> None:
    # given a program (its own process: gRPC's C core writes to the real stderr) that forgot YC_PLAINTEXT
    program = textwrap.dedent(f"""
        from yc_registry_provider import RegistryClient, resolve_settings
        settings = resolve_settings({{"endpoint": "{server.address}", "token": "t1.x"}}, {{}}, {{}})
        try:
            RegistryClient(settings).get_image("crpimage1", timeout=20)
        except Exception as exc:
            print(type(exc).__name__, exc)
    """)
    # when it calls the fake over TLS
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items()
                               if not k.startswith(("YC_", "GRPC_"))})
    # then it fails with the hint, on the first attempt, and gRPC's handshake lines do not reach the user
    assert done.stdout.startswith("ConfigurationError") and "YC_PLAINTEXT=1" in done.stdout, done.stdout + done.stderr
    assert "andshake" not in done.stderr.replace("handshake with", ""), done.stderr
    assert server.model.calls["ImageService.Get"] == 0
