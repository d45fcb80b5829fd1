"""Helpers for the native plugin tests: a recording fake engine, wire helpers and the plugin process.

The plugin is started as the Python language host starts it: ``python <repo root> <engine address>``, a fresh
process whose first stdout line is its port; the tests then speak the ResourceProvider protocol to it.
"""


from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from yc_registry_provider.fake import DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_SIG = rpc._special_sig_key  # "4dabf18193072939515e22adb298388d"
SECRET_VALUE = rpc._special_secret_sig
PROGRESS_INTERVAL = 0.2


# -- a fake engine ---------------------------------------------------------------------------------------------
class RecordingEngine(engine_pb2_grpc.EngineServicer):
    """Engine.Log that remembers every message (the CLI would print them against the resource)."""

    def __init__(self) -> None:
        self.logs: list[engine_pb2.LogRequest] = []
        self._lock = threading.Lock()

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:  # noqa: N802 - gRPC name
        with self._lock:
            self.logs.append(request)
        return empty_pb2.Empty()

    def messages(self, urn: str | None = None) -> list[str]:
        """Messages logged so far (for one resource when ``urn`` is given)."""
        with self._lock:
            return [entry.message for entry in self.logs if urn is None or entry.urn == urn]

    def clear(self) -> None:
        with self._lock:
            self.logs.clear()


@dataclass
class FakeEngine:
    servicer: RecordingEngine
    server: grpc.Server
    address: str


# -- the fake registry -----------------------------------------------------------------------------------------
@dataclass
class Registry:
    """The fake cloud of a test module: model, server, one registry with repository ``app``."""

    model: FakeModel
    server: FakeServer
    registry_id: str
    images: dict[str, str] = field(default_factory=dict)  # label -> image id

    @property
    def repository(self) -> str:
        return f"{self.registry_id}/app"

    @property
    def env(self) -> dict[str, str]:
        return {"YC_ENDPOINT": self.server.address, "YC_PLAINTEXT": "true", "YC_TOKEN": DEMO_TOKEN,
                "YC_FOLDER_ID": DEMO_FOLDER_ID}


# -- the plugin process ----------------------------------------------------------------------------------------
def struct_from(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """Properties the way the engine sends them (pulumi's own serializer)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(values), {}))
    finally:
        loop.close()


def secret(value: Any) -> dict[str, Any]:
    """A secret property value, as the engine marks one on the wire."""
    return {SECRET_SIG: SECRET_VALUE, "value": value}


def struct_to_dict(value: struct_pb2.Struct) -> dict[str, Any]:
    """Properties as plain Python (numbers are floats, secrets unwrapped)."""
    return dict(rpc.deserialize_properties(value, keep_unknowns=True))


def urn(typ: str, name: str) -> str:
    return f"urn:pulumi:test::plugin-tests::{typ}::{name}"


class NativePlugin:
    """``python <repo> <engine>`` and a ResourceProvider stub to it."""

    def __init__(self, engine_address: str, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, str(REPO_ROOT), engine_address],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(env))
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            err = self.process.stderr.read().decode() if self.process.stderr else ""
            self.close()
            raise RuntimeError(f"the plugin did not print a port: {line!r}\n{err[-3000:]}")
        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=15)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.timeout = 30.0
        self.startup_seconds = 0.0

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    # -- the engine's calls ------------------------------------------------------------------------------------
    def configure(self, args: Mapping[str, Any], variables: Mapping[str, str] | None = None) -> Any:
        return self.stub.Configure(provider_pb2.ConfigureRequest(
            args=struct_from(args), variables=dict(variables or {}), acceptSecrets=True), timeout=self.timeout)

    def invoke(self, tok: str, args: Mapping[str, Any]) -> dict[str, Any]:
        reply = self.stub.Invoke(provider_pb2.InvokeRequest(tok=tok, args=struct_from(args)), timeout=self.timeout)
        assert not reply.failures, reply.failures
        return struct_to_dict(getattr(reply, "return"))

    def check(self, urn_: str, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> Any:
        return self.stub.Check(provider_pb2.CheckRequest(urn=urn_, olds=struct_from(olds or {}),
                                                         news=struct_from(news)), timeout=self.timeout)

    def create(self, urn_: str, properties: Mapping[str, Any], preview: bool = False) -> Any:
        return self.stub.Create(provider_pb2.CreateRequest(urn=urn_, properties=struct_from(properties),
                                                           preview=preview), timeout=self.timeout)

    def read(self, urn_: str, id_: str, properties: Mapping[str, Any] | None = None,
             inputs: Mapping[str, Any] | None = None) -> Any:
        request = provider_pb2.ReadRequest(urn=urn_, id=id_)
        if properties is not None:
            request.properties.CopyFrom(struct_from(properties))
        if inputs is not None:
            request.inputs.CopyFrom(struct_from(inputs))
        return self.stub.Read(request, timeout=self.timeout)

    def diff(self, urn_: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self.stub.Diff(provider_pb2.DiffRequest(urn=urn_, id=id_, olds=struct_from(olds),
                                                       news=struct_from(news)), timeout=self.timeout)

    def update(self, urn_: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self.stub.Update(provider_pb2.UpdateRequest(urn=urn_, id=id_, olds=struct_from(olds),
                                                           news=struct_from(news)), timeout=self.timeout)

    def delete(self, urn_: str, id_: str, properties: Mapping[str, Any]) -> None:
        self.stub.Delete(provider_pb2.DeleteRequest(urn=urn_, id=id_, properties=struct_from(properties)),
                         timeout=self.timeout)


def plugin_env(**extra: str) -> dict[str, str]:
    """The test's environment without YC_* (configuration must come through Configure), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YC_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / "provider"), str(REPO_ROOT / "sdk"),
                                                      env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env
