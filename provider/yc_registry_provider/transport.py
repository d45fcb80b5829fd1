"""The one place that makes gRPC calls: channels, discovery, auth, deadlines, retries, error mapping.

Every RPC gets a deadline; UNAVAILABLE and RESOURCE_EXHAUSTED (and DEADLINE_EXCEEDED on reads) are
retried with jittered exponential backoff inside a total budget; every grpc.RpcError becomes a
project exception in `map_rpc_error`, and nowhere else.
"""

from __future__ import annotations

import logging
import os
import random
import re
import socket
import ssl
import threading
import time
from typing import Any, Callable

# gRPC's C core prints its own lines (a failed TLS handshake, say) to stderr unless told otherwise; the setting is
# read once, when the core starts, so it only helps in processes where no channel exists yet. Set by the user wins.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc  # noqa: E402
from yandex.cloud.cloudregistry.v1 import (artifact_service_pb2_grpc, migration_service_pb2_grpc,  # noqa: E402
                                           registry_service_pb2_grpc as cloud_registry_service_pb2_grpc)
from yandex.cloud.compute.v1 import instance_service_pb2_grpc  # noqa: E402
from yandex.cloud.compute.v1.instancegroup import instance_group_service_pb2_grpc  # noqa: E402
from yandex.cloud.containerregistry.v1 import image_service_pb2_grpc, registry_service_pb2_grpc
from yandex.cloud.endpoint import api_endpoint_service_pb2, api_endpoint_service_pb2_grpc
from yandex.cloud.iam.v1 import iam_token_service_pb2, iam_token_service_pb2_grpc
from yandex.cloud.operation import operation_service_pb2_grpc
from yandex.cloud.serverless.containers.v1 import container_service_pb2_grpc  # noqa: E402

from . import errors
from .config import Settings, is_loopback, split_host
from .credentials import token_cache
from .retry import DEFAULT_RETRY, RetryPolicy, is_retryable

log = logging.getLogger(__name__)

SERVICE_IDS = {"image": "container-registry", "registry": "container-registry", "operation": "operation",
               "iam": "iam", "artifact": "cloud-registry", "cloud-registry": "cloud-registry",
               "migration": "cloud-registry", "container": "serverless-containers", "instance": "compute",
               "instance-group": "compute"}
# Stubs are built here on our own channels: yandexcloud 0.413's SDK.client() refuses the cloudregistry ones.
_STUBS: dict[str, Callable[[grpc.Channel], Any]] = {
    "image": image_service_pb2_grpc.ImageServiceStub,
    "registry": registry_service_pb2_grpc.RegistryServiceStub,
    "artifact": artifact_service_pb2_grpc.ArtifactServiceStub,
    "cloud-registry": cloud_registry_service_pb2_grpc.RegistryServiceStub,
    "migration": migration_service_pb2_grpc.MigrationServiceStub,
    "operation": operation_service_pb2_grpc.OperationServiceStub,
    "iam": iam_token_service_pb2_grpc.IamTokenServiceStub,
    "container": container_service_pb2_grpc.ContainerServiceStub,
    "instance": instance_service_pb2_grpc.InstanceServiceStub,
    "instance-group": instance_group_service_pb2_grpc.InstanceGroupServiceStub,
}
DISCOVERY_TIMEOUT = 15.0
_CLOUD_REGISTRY_ACTIONS = ("ArtifactService.", "MigrationService.", "CloudRegistry.")
# the workload reads of keep_in_use: the role that lets an account make them
_WORKLOAD_ROLES = {"ContainerService.": "serverless.containers.viewer", "InstanceService.": "compute.viewer",
                   "InstanceGroupService.": "compute.viewer"}
RetryNotice = Callable[[str], None]
"""Told, while a call is being retried, one line for the user (the front door passes it on: engine log, stderr)."""
_READ_ONLY_MARKERS = ("read-only", "read only", "readonly")
_HANDSHAKE_MARKERS = ("handshake failed", "wrong_version_number", "ssl_error_ssl")
PROBE_TIMEOUT = 2.0
PLAINTEXT_HINT = "set YC_PLAINTEXT=1 (or yandex:plaintext true) for the embedded fake or another plaintext server"


def tls_refused(address: str, reason: str) -> errors.ConfigurationError:
    """The endpoint does not speak TLS: the error, with the hint for the embedded fake."""
    return errors.ConfigurationError(
        f"the TLS handshake with {address} failed ({reason}): it does not seem to serve TLS; {PLAINTEXT_HINT}")


def probe_tls(address: str, timeout: float = PROBE_TIMEOUT) -> None:
    """Raise ConfigurationError when a loopback endpoint answers a TLS hello with something that is not TLS.

    Asked once before the first secure channel to a loopback address (where a plaintext fake is the likely
    cause): the answer comes in milliseconds and gRPC never gets to log its own handshake failures. Anything
    else (refused, slow, a certificate we do not trust) is left for the gRPC call to report.
    """
    host = split_host(address)
    try:
        port = int(address.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                return
    except ssl.SSLError as exc:
        raise tls_refused(address, exc.reason or type(exc).__name__) from None
    except OSError:
        return


def _subject(image_id: str | None, operation_id: str | None, scope: str | None = None) -> str:
    if image_id:
        return f"image {image_id}"
    return f"operation {operation_id}" if operation_id else (scope or "the request")


def map_rpc_error(code: str, details: str, *, action: str, read: bool = True, image_id: str | None = None,
                  operation_id: str | None = None, attempts: int = 1, source: str = "",
                  scope: str | None = None) -> errors.RegistryError:
    """Turn a gRPC status into the project's exception for that kind, naming the image, operation or scope."""
    subject = _subject(image_id, operation_id, scope)
    ids = {"image_id": image_id, "operation_id": operation_id}
    said = f": {details}" if details else ""
    if code == "NOT_FOUND":
        return errors.NotFoundError(
            f"{subject} not found ({action}){said}; it may have been deleted, or these credentials cannot see it",
            code=code, **ids)
    if code == "UNAUTHENTICATED":
        return errors.UnauthenticatedError(
            f"{action} for {subject} was not authenticated{said}; the credentials from {source or 'the settings'} "
            "were missing, expired or rejected: set yandex:token / YC_TOKEN (an IAM or OAuth token) or "
            "yandex:serviceAccountKeyFile / YC_SERVICE_ACCOUNT_KEY_FILE", code=code, **ids)
    deleting = action == "ImageService.Delete"
    read_only_said = any(m in details.lower() for m in _READ_ONLY_MARKERS)
    if (code == "FAILED_PRECONDITION" and deleting) or (code == "PERMISSION_DENIED" and read_only_said):
        # The wording of the real refusal is not documented; since the sunset a refused Delete is read-only mode.
        return errors.RegistryReadOnlyError(f"cannot delete {subject}: {errors.SUNSET_EXPLANATION}{said}",
                                            code=code, **ids)
    if code == "PERMISSION_DENIED" and action.startswith(_CLOUD_REGISTRY_ACTIONS):
        return errors.PermissionDeniedError(
            f"{action} for {subject} was denied{said}; grant the account a Cloud Registry role on the folder "
            "(cloud-registry.registries.migrationRunner to migrate, .migrationViewer to read its status, "
            "cloud-registry.viewer to read artifacts, cloud-registry.admin to delete them)", code=code, **ids)
    workload_role = next((role for prefix, role in _WORKLOAD_ROLES.items() if action.startswith(prefix)), None)
    if code == "PERMISSION_DENIED" and workload_role:
        return errors.PermissionDeniedError(
            f"{action} for {subject} was denied{said}; grant the account {workload_role} on the folder",
            code=code, **ids)
    if code == "PERMISSION_DENIED":
        hint = (f"; if the account does hold container-registry.images.pusher, the refusal is the sunset: "
                f"{errors.SUNSET_EXPLANATION}") if deleting else ""
        return errors.PermissionDeniedError(
            f"{action} for {subject} was denied{said}; grant the account a role on the registry or folder "
            f"(container-registry.images.pusher to delete, .puller or viewer to read){hint}", code=code, **ids)
    if code == "FAILED_PRECONDITION":
        return errors.FailedPreconditionError(f"{action} for {subject} was refused{said}", code=code, **ids)
    if code == "INVALID_ARGUMENT":
        return errors.InvalidArgumentError("request", details or "rejected by the API",
                                           message=f"{action} for {subject} was rejected as invalid{said}")
    if code == "RESOURCE_EXHAUSTED":
        return errors.ThrottledError(
            f"{action} for {subject} was throttled (RESOURCE_EXHAUSTED) {attempts} time(s){said}; "
            "lower the concurrency or try again later", code=code, attempts=attempts, **ids)
    if code == "DEADLINE_EXCEEDED" and not read:
        return errors.DeadlineExceededError(
            f"{action} for {subject} ran out of time{said}; the cloud may have accepted it: check whether "
            "it happened (for a delete: does the image still exist?) before running it again", image_id=image_id,
            operation_id=operation_id)
    if code == "UNAVAILABLE" and any(m in details.lower() for m in _HANDSHAKE_MARKERS):
        return tls_refused(f"the endpoint of {action}", details)
    if code in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
        return errors.UnavailableError(
            f"{action} for {subject} failed with {code} after {attempts} attempt(s){said}; "
            "the service is unreachable or slow: try again later", code=code, attempts=attempts, **ids)
    return errors.ApiError(f"{action} for {subject} failed with {code}{said}", code=code, **ids)


_BEARER_RE = re.compile(r"(?i)(bearer\s+)\S+")
_IAM_TOKEN_RE = re.compile(r"t1\.[A-Za-z0-9_\-.~+/=]{8,}")


def redact(details: str, *secrets: str | None) -> str:
    """An error's details without credentials: the given secrets, any bearer value, anything like an IAM token
    (a server may echo the request's authorization header back)."""
    for secret in secrets:
        if secret:
            details = details.replace(secret, "***")
    return _IAM_TOKEN_RE.sub("***", _BEARER_RE.sub(r"\1***", details))


class Transport:
    """Channels and calls for one set of settings; thread-safe, shared by every call of a client."""

    def __init__(self, settings: Settings, *, retry: RetryPolicy = DEFAULT_RETRY, call_timeout: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                 root_certificates: bytes | None = None, on_retry: RetryNotice | None = None) -> None:
        self.settings = settings
        self.on_retry = on_retry
        self._root_certificates = root_certificates
        self.retry = retry
        self.call_timeout = call_timeout
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._lock = threading.RLock()
        self._discovery_lock = threading.Lock()
        self._closed = False
        self._channels: dict[str, grpc.Channel] = {}
        self._stubs: dict[str, Any] = {}
        self._endpoints: dict[str, str] | None = None
        self.tokens = token_cache(settings, self._exchange)

    # -- channels -------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise errors.ConfigurationError("this client was closed; create a new RegistryClient to make calls")

    def _channel(self, address: str) -> grpc.Channel:
        with self._lock:
            self._check_open()
            channel = self._channels.get(address)
            if channel is None:
                options = [("grpc.primary_user_agent", "pulumi-yc-registry")]
                if self.settings.plaintext:
                    channel = grpc.insecure_channel(address, options=options)
                else:
                    if is_loopback(split_host(address)):
                        probe_tls(address)
                    credentials = grpc.ssl_channel_credentials(root_certificates=self._root_certificates)
                    channel = grpc.secure_channel(address, credentials, options=options)
                self._channels[address] = channel
            return channel

    def address(self, service: str) -> str:
        """The address of a service: the one given endpoint, or what ApiEndpointService says."""
        if self.settings.endpoint_explicit:
            return self.settings.endpoint
        with self._discovery_lock:  # once, however many threads make their first call together
            if self._endpoints is None:
                stub = api_endpoint_service_pb2_grpc.ApiEndpointServiceStub(self._channel(self.settings.endpoint))
                try:
                    response = stub.List(api_endpoint_service_pb2.ListApiEndpointsRequest(),
                                         timeout=DISCOVERY_TIMEOUT)
                except grpc.RpcError as exc:
                    raise self._mapped(exc, "ApiEndpointService.List", {}, 1) from None
                self._endpoints = {e.id: e.address for e in response.endpoints}
        wanted = SERVICE_IDS[service]
        if wanted not in self._endpoints:
            raise errors.ServiceNotListedError(
                f"endpoint discovery at {self.settings.endpoint} did not list the {wanted!r} service; "
                "set yandex:endpoint / YC_ENDPOINT to an address that serves it", service=wanted)
        return self._endpoints[wanted]

    def stub(self, service: str) -> Any:
        address = self.address(service)
        with self._lock:  # built under the lock: never on a channel that close() has just closed
            self._check_open()
            stub = self._stubs.get(service)
            if stub is None:
                stub = _STUBS[service](self._channel(address))
                self._stubs[service] = stub
            return stub

    # -- credentials ------------------------------------------------------------------------------
    def _exchange(self, kind: str, value: str, deadline: float | None = None) -> tuple[str, float]:
        request = (iam_token_service_pb2.CreateIamTokenRequest(yandex_passport_oauth_token=value) if kind == "oauth"
                   else iam_token_service_pb2.CreateIamTokenRequest(jwt=value))
        response, _ = self.call("iam", "Create", request, read=True, action="IamTokenService.Create", auth=False,
                                deadline=deadline)
        expires = response.expires_at.ToSeconds() if response.HasField("expires_at") else time.time() + 3600
        return response.iam_token, float(expires)

    # -- calls ------------------------------------------------------------------------------------
    def call(self, service: str, method: str, request: Any, *, read: bool, action: str,
             image_id: str | None = None, operation_id: str | None = None, idempotency_key: str | None = None,
             deadline: float | None = None, auth: bool = True,
             retry: RetryPolicy | None = None, scope: str | None = None) -> tuple[Any, dict[str, str]]:
        """Make one logical call (retrying transient failures); returns the response and its metadata.

        ``deadline`` (time.monotonic) bounds the call and its retries: once it has passed, nothing is sent.
        ``retry`` overrides the transport's policy for this call (max_attempts=1: send once).
        ``scope`` names what a call without an image or operation is about ("registry crp1"), for messages.
        """
        policy = retry or self.retry
        ids = {"image_id": image_id, "operation_id": operation_id}
        budget_end = time.monotonic() + policy.budget
        if deadline is not None:
            budget_end = min(budget_end, deadline)
        attempt = 0
        noticed = float("-inf")
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                raise errors.DeadlineExceededError(
                    f"{action} for {_subject(image_id, operation_id, scope)} was not sent: the time allowed for it "
                    "had run out; raise the timeout and run again", sent=False, **ids)
            attempt += 1
            rpc = getattr(self.stub(service), method)  # looked up per attempt: raises if closed meanwhile
            metadata: list[tuple[str, str]] = []
            bearer = self.tokens.get(budget_end) if auth else None
            if bearer is not None:
                metadata.append(("authorization", f"Bearer {bearer}"))
            if idempotency_key:
                metadata.append(("idempotency-key", idempotency_key))
            timeout = max(0.001, min(self.call_timeout, budget_end - time.monotonic()))
            try:
                response, call = rpc.with_call(request, timeout=timeout, metadata=metadata)
                headers = {k: str(v) for k, v in (call.initial_metadata() or ())}
                headers.update({k: str(v) for k, v in (call.trailing_metadata() or ())})
                return response, headers
            except ValueError as exc:  # grpc: "Cannot invoke RPC on closed channel!"
                raise errors.ConfigurationError(
                    f"{action} for {_subject(image_id, operation_id, scope)} was not sent: the client was closed "
                    f"({exc})") from None
            except grpc.RpcError as exc:
                code = exc.code().name if exc.code() is not None else "UNKNOWN"
                if code == "UNAUTHENTICATED" and bearer is not None:
                    self.tokens.forget(bearer)  # an exchanged token the cloud no longer takes: fetch anew next time
                handshake = any(m in (exc.details() or "").lower() for m in _HANDSHAKE_MARKERS)
                if not handshake and is_retryable(code, read=read) and attempt < policy.max_attempts:
                    pause = policy.backoff(attempt, self._rng)
                    now = time.monotonic()
                    if now + pause < budget_end:
                        log.debug("%s: %s, retry %d in %.2fs", action, code, attempt, pause)
                        if now - noticed >= policy.notice_every:
                            noticed = now
                            self._notify(f"{action} for {_subject(image_id, operation_id, scope)}: {code} on attempt "
                                         f"{attempt} of at most {policy.max_attempts}; retrying for up to "
                                         f"{budget_end - now:.0f} s more")
                        self._sleep(pause)
                        continue
                raise self._mapped(exc, action, ids, attempt, read=read, scope=scope) from None

    def _notify(self, message: str) -> None:
        """A retry notice to the user through ``on_retry`` (else the Python logger); its failure is not fatal."""
        if self.on_retry is None:
            log.warning("%s", message)
            return
        try:
            self.on_retry(message)
        except Exception:  # noqa: BLE001 - a broken notice must not break the call
            log.exception("retry notice callback failed")

    def _mapped(self, exc: grpc.RpcError, action: str, ids: dict[str, Any], attempts: int, *,
                read: bool = True, scope: str | None = None) -> errors.RegistryError:
        code = exc.code().name if exc.code() is not None else "UNKNOWN"
        details = redact(exc.details() or "", self.settings.token.reveal() if self.settings.token else None,
                         self.tokens.current())
        return map_rpc_error(code, details, action=action, read=read, attempts=attempts,
                             source=self.settings.source, scope=scope, **ids)

    def close(self) -> None:
        """Close every channel; the transport refuses calls from now on (idempotent)."""
        with self._lock:
            self._closed = True
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()
            self._stubs.clear()


__all__ = ["RetryNotice", "Transport", "map_rpc_error", "redact"]
