"""The native plugin as the wheel installs it: the ``pulumi-resource-yc-registry`` executable, started as the
engine starts a plugin (``<executable> <engine address>``, port on stdout), answering over gRPC."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent import futures
from importlib import metadata

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from conftest import VENV_BIN, run


@pytest.fixture(scope="module")
def engine_address() -> Iterator[str]:
    """An Engine service on loopback (every method unimplemented: the plugin only needs somewhere to log)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(engine_pb2_grpc.EngineServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


@pytest.fixture(scope="module")
def plugin(engine_address: str) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    executable = VENV_BIN / "pulumi-resource-yc-registry"
    assert executable.is_file(), f"the wheel installed no {executable.name} next to {VENV_BIN / 'python'}"
    proc = subprocess.Popen([str(executable), engine_address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        if not port.isdigit():
            proc.kill()
            raise AssertionError(f"the plugin did not print its port: {port!r}\n{proc.communicate()[1][-3000:]}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield provider_pb2_grpc.ResourceProviderStub(channel)
        channel.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_plugin_executable_starts_and_reports_the_distribution_version(
        plugin: provider_pb2_grpc.ResourceProviderStub) -> None:
    info = plugin.GetPluginInfo(empty_pb2.Empty(), timeout=30)
    assert info.version == metadata.version("pulumi-yc-registry")


def test_one_version_everywhere_cli_plugin_and_schema(plugin: provider_pb2_grpc.ResourceProviderStub) -> None:
    # given the distribution's version (pyproject.toml, the one place it is written)
    version = metadata.version("pulumi-yc-registry")
    # then `yc-registry --version`, GetPluginInfo and the schema's version all say it
    cli = run(VENV_BIN / "yc-registry", "--version").stdout.split()[-1]
    info = plugin.GetPluginInfo(empty_pb2.Empty(), timeout=30).version
    schema = json.loads(plugin.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30).schema)
    assert (cli, info, schema["version"], schema["name"]) == (version, version, version, "yc-registry")
    assert {"yc-registry:index:Image", "yc-registry:index:ImageCleanup"} <= set(schema["resources"])
