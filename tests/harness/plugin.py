"""Drive ``python -u -m pulumi.dynamic`` over gRPC, exactly as the engine does (Configure, Check, Create, ...)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Mapping

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

UNKNOWN = rpc.UNKNOWN


def struct_from(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """A Struct the way the engine sends properties (via pulumi's own serializer)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(values), {}))
    finally:
        loop.close()


def struct_to_dict(value: struct_pb2.Struct) -> dict[str, Any]:
    """Properties back as plain Python (numbers come back as floats, like in the engine)."""
    return dict(rpc.deserialize_properties(value, keep_unknowns=True))


@dataclass
class Response:
    """A decoded plugin answer: ``id``, ``properties`` (outputs or inputs) and the raw message."""

    id: str
    properties: dict[str, Any]
    raw: Any
    inputs: dict[str, Any] | None = None


class DynamicPlugin:
    """A fresh ``python -u -m pulumi.dynamic`` process and a ResourceProvider stub to it."""

    def __init__(self, env: Mapping[str, str] | None = None, python: str = sys.executable) -> None:
        full_env = dict(os.environ if env is None else env)  # ``env`` is the whole environment when given
        self.process = subprocess.Popen([python, "-u", "-m", "pulumi.dynamic"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=full_env)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"the dynamic plugin did not print a port: {line!r}")
        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=15)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.timeout = 60.0

    def close(self) -> None:
        """Stop the process (it never exits on its own)."""
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self) -> "DynamicPlugin":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the engine's calls ----------------------------------------------------------------------
    def configure(self, config: Mapping[str, Any]) -> None:
        """Configure with the whole stack config (namespaced keys), as the engine does."""
        self.stub.Configure(provider_pb2.ConfigureRequest(args=struct_from(config), acceptSecrets=True),
                            timeout=self.timeout)

    def check(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Check: (checked inputs, [(property, reason)])."""
        reply = self.stub.Check(provider_pb2.CheckRequest(urn=urn, olds=struct_from(olds), news=struct_from(news)),
                                timeout=self.timeout)
        return struct_to_dict(reply.inputs), [(f.property, f.reason) for f in reply.failures]

    def create(self, urn: str, properties: Mapping[str, Any]) -> Response:
        reply = self.stub.Create(provider_pb2.CreateRequest(urn=urn, properties=struct_from(properties)),
                                 timeout=self.timeout)
        return Response(reply.id, struct_to_dict(reply.properties), reply)

    def read(self, urn: str, id_: str, properties: Mapping[str, Any],
             inputs: Mapping[str, Any] | None = None) -> Response:
        request = provider_pb2.ReadRequest(urn=urn, id=id_, properties=struct_from(properties))
        if inputs is not None:
            request.inputs.CopyFrom(struct_from(inputs))
        reply = self.stub.Read(request, timeout=self.timeout)
        read_inputs = struct_to_dict(reply.inputs) if reply.HasField("inputs") else None
        return Response(reply.id, struct_to_dict(reply.properties), reply, read_inputs)

    def diff(self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        """Diff: the raw DiffResponse (``changes``, ``replaces``, ``deleteBeforeReplace``)."""
        return self.stub.Diff(provider_pb2.DiffRequest(urn=urn, id=id_, olds=struct_from(olds),
                                                       news=struct_from(news)), timeout=self.timeout)

    def update(self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Response:
        reply = self.stub.Update(provider_pb2.UpdateRequest(urn=urn, id=id_, olds=struct_from(olds),
                                                            news=struct_from(news)), timeout=self.timeout)
        return Response(id_, struct_to_dict(reply.properties), reply)

    def delete(self, urn: str, id_: str, properties: Mapping[str, Any]) -> None:
        self.stub.Delete(provider_pb2.DeleteRequest(urn=urn, id=id_, properties=struct_from(properties)),
                         timeout=self.timeout)


def urn(typ: str, name: str, project: str = "test", stack: str = "test") -> str:
    """A resource URN as the engine would send it."""
    return f"urn:pulumi:{stack}::{project}::{typ}::{name}"
