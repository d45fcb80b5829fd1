"""FakeServer: the fake cloud on loopback, plaintext and optionally TLS (the official SDK needs TLS for credentials)."""

from __future__ import annotations

import datetime
import errno
import ipaddress
import socket
from concurrent import futures
from types import TracebackType

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from yandex.cloud.containerregistry.v1 import image_service_pb2_grpc, registry_service_pb2_grpc
from yandex.cloud.endpoint import api_endpoint_service_pb2_grpc
from yandex.cloud.iam.v1 import iam_token_service_pb2_grpc
from yandex.cloud.operation import operation_service_pb2_grpc

from yc_registry_provider.fake.cloudregistry_servicers import add_cloud_registry_servicers
from yc_registry_provider.fake.cloud import FakeModel
from yc_registry_provider.fake.workloads_servicers import add_workload_servicers
from yc_registry_provider.fake.servicers import (
    ApiEndpointServicer,
    IamTokenServicer,
    ImageServicer,
    OperationServicer,
    RegistryServicer,
)

MAX_WORKERS = 32
WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
# No SO_REUSEPORT: by default gRPC lets a second server listen on a port already taken, and the two fakes then
# share the connections while holding different data.
SERVER_OPTIONS = [("grpc.so_reuseport", 0)]


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_bindable(host: str, port: int) -> None:
    """OSError with one plain sentence when ``host:port`` cannot be listened on (asked before gRPC is, so that
    the reason is ours to word: unknown host, address not on this machine, port already taken)."""
    where = _join(host, port)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {where}: the host name does not resolve ({exc.strerror})") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise OSError(f"cannot listen on {where}: the port is already taken (another fake, or another "
                              "program); pick another --port, or --port 0 for a free one") from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise OSError(f"cannot listen on {where}: {host} is not an address of this machine; use "
                              "127.0.0.1, or 0.0.0.0 for every interface") from None
            raise OSError(f"cannot listen on {where}: {exc.strerror}") from None


def self_signed_certificate(host: str = "127.0.0.1") -> tuple[bytes, bytes]:
    """A fresh self-signed (certificate PEM, private key PEM) valid for localhost and ``host``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt_names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _new_grpc_server(model: FakeModel, address_holder: ApiEndpointServicer,
                     pool: futures.ThreadPoolExecutor) -> grpc.Server:
    server = grpc.server(pool, options=SERVER_OPTIONS)
    image_service_pb2_grpc.add_ImageServiceServicer_to_server(ImageServicer(model), server)
    # only Get and List are faked: the generated base answers UNIMPLEMENTED for the rest (abstract in the stubs)
    registry_service_pb2_grpc.add_RegistryServiceServicer_to_server(
        RegistryServicer(model), server)  # type: ignore[abstract]
    operation_service_pb2_grpc.add_OperationServiceServicer_to_server(OperationServicer(model), server)
    api_endpoint_service_pb2_grpc.add_ApiEndpointServiceServicer_to_server(address_holder, server)
    iam_token_service_pb2_grpc.add_IamTokenServiceServicer_to_server(IamTokenServicer(model), server)
    add_cloud_registry_servicers(model, server)
    add_workload_servicers(model, server)
    return server


class FakeServer:
    """A running fake Yandex Cloud; ``address`` is plaintext, ``tls_address`` the TLS listener when ``tls=True``.

    Each listener is its own gRPC server sharing one model, so discovery answers with the caller's listener.
    """

    def __init__(
        self, model: FakeModel | None = None, *, host: str = "127.0.0.1", port: int = 0, tls: bool = False
    ) -> None:
        self.model = model if model is not None else FakeModel()
        self.host = host
        self.port = port
        self.tls = tls
        self.address = ""
        self.tls_address = ""
        self.root_certificate = b""
        self._servers: list[grpc.Server] = []
        self._pools: list[futures.ThreadPoolExecutor] = []

    def start(self) -> FakeServer:
        """Bind and start the listeners; returns self."""
        check_bindable(self.host, self.port)
        plain_endpoints = ApiEndpointServicer(self.model, "")
        plain = _new_grpc_server(self.model, plain_endpoints, self._pool())
        try:
            bound = plain.add_insecure_port(_join(self.host, self.port))
        except RuntimeError:
            bound = 0
        if bound == 0:
            raise OSError(f"cannot listen on {_join(self.host, self.port)}")
        # bound to every interface: clients (and discovery's answers) use loopback, which plaintext allows
        self.address = plain_endpoints.address = _join(WILDCARD_HOSTS.get(self.host, self.host), bound)
        plain.start()
        self._servers.append(plain)
        if self.tls:
            cert, key = self_signed_certificate(WILDCARD_HOSTS.get(self.host, self.host))
            tls_endpoints = ApiEndpointServicer(self.model, "")
            secure = _new_grpc_server(self.model, tls_endpoints, self._pool())
            tls_port = secure.add_secure_port(
                _join(self.host, 0), grpc.ssl_server_credentials([(key, cert)])
            )
            self.tls_address = tls_endpoints.address = _join(WILDCARD_HOSTS.get(self.host, self.host), tls_port)
            self.root_certificate = cert
            secure.start()
            self._servers.append(secure)
        return self

    def _pool(self) -> futures.ThreadPoolExecutor:
        pool = futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="fake-yc")
        self._pools.append(pool)
        return pool

    def stop(self, grace: float | None = None) -> None:
        """Stop every listener, then wait for handlers still running: nothing changes the model after this."""
        for server in self._servers:
            server.stop(grace).wait(5)
        for pool in self._pools:
            pool.shutdown(wait=True)
        self._servers.clear()
        self._pools.clear()

    def wait(self) -> None:
        """Block until the listeners stop."""
        for server in self._servers:
            server.wait_for_termination()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
