"""Drive a resource-provider plugin process over gRPC, exactly as the engine does (Configure, Check, Create, ...).

``PluginProcess`` starts any plugin command line and reads its port; ``DynamicPlugin`` is ``python -u -m
pulumi.dynamic`` with decoded replies.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

UNKNOWN = rpc.UNKNOWN
SECRET_SIG = rpc._special_sig_key  # "4dabf18193072939515e22adb298388d"
SECRET_VALUE = rpc._special_secret_sig


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


# The engine's process: a parent whose command line reads `pulumi <command> ...` (the provider reads its nearest
# `pulumi` ancestor to tell `pulumi destroy` from `pulumi up`); it forwards SIGTERM to the plugin.
_PULUMI_PARENT = ("import signal, subprocess, sys\n"
                  "child = subprocess.Popen(sys.argv[2:])\n"
                  "signal.signal(signal.SIGTERM, lambda *_: (child.terminate(), child.wait(5), sys.exit(0)))\n"
                  "sys.exit(child.wait())\n")


def under_pulumi(command: str | None, argv: Sequence[str]) -> tuple[list[str], str | None]:
    """(argv, executable) that runs ``argv`` as a child of a process whose command line is ``pulumi <command>``."""
    if command is None:
        return list(argv), None
    return ["pulumi", "-c", _PULUMI_PARENT, command, *argv], sys.executable


class PluginProcess:
    """Any resource-provider plugin started as the engine starts one: ``argv`` in a fresh process whose first
    stdout line is its port, and a ResourceProvider stub to it. The calls below return the protocol's replies
    undecoded; subclasses decode them as their tests like.

    ``command`` is the Pulumi command the plugin's parent process shows (``destroy`` by default, so a delete runs
    what a destroy runs; ``up`` for a removal during an update; None: no ``pulumi`` parent at all)."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 60.0,
                 name: str = "the plugin", command: str | None = "destroy") -> None:
        self._argv, self._env, self._name = list(argv), env, name
        self.command = command
        self._last_configure: Any = None
        self._start(argv, env, timeout, name)

    def _start(self, argv: Sequence[str], env: Mapping[str, str] | None, timeout: float, name: str) -> None:
        full_env = dict(os.environ if env is None else env)  # ``env`` is the whole environment when given
        args, executable = under_pulumi(self.command, argv)
        self.process = subprocess.Popen(args, executable=executable, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=full_env)
        # stderr is what the engine shows the user; drain it always (a full pipe would block the plugin)
        self.stderr_lines: list[str] = []
        self._drainer = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drainer.start()
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            self._drainer.join(5)
            err = "\n".join(self.stderr_lines)
            raise RuntimeError(f"{name} did not print a port: {line!r}\n{err[-3000:]}")
        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=15)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.timeout = timeout

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in iter(self.process.stderr.readline, b""):
            self.stderr_lines.append(raw.decode(errors="replace").rstrip("\n"))

    def stderr_containing(self, needle: str, timeout: float = 5.0) -> list[str]:
        """The stderr lines containing ``needle``, waiting a little for them to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = [line for line in self.stderr_lines if needle in line]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

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

    def __enter__(self) -> "PluginProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the engine's calls, replies undecoded -------------------------------------------------------------
    def configure_raw(self, args: Mapping[str, Any], variables: Mapping[str, str] | None = None) -> Any:
        request = provider_pb2.ConfigureRequest(args=struct_from(args), variables=dict(variables or {}),
                                                acceptSecrets=True)
        self._last_configure = request
        return self.stub.Configure(request, timeout=self.timeout)

    def new_deployment(self, command: str | None = "same") -> None:
        """A fresh process, configured as before: the engine starts one per deployment (`pulumi destroy` after
        `pulumi up`). A deployment keeps the images its resources adopt or keep, so a delete of one of them in the
        same deployment keeps it (a rename); tests that adopt and then destroy call this in between."""
        self.close()
        if command != "same":  # the Pulumi command its parent shows (None: no `pulumi` parent)
            self.command = command
        self._start(self._argv, self._env, self.timeout, self._name)
        if self._last_configure is not None:
            self.stub.Configure(self._last_configure, timeout=self.timeout)

    def check_raw(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self.stub.Check(provider_pb2.CheckRequest(urn=urn, olds=struct_from(olds), news=struct_from(news)),
                               timeout=self.timeout)

    def create_raw(self, urn: str, properties: Mapping[str, Any], preview: bool = False) -> Any:
        return self.stub.Create(provider_pb2.CreateRequest(urn=urn, properties=struct_from(properties),
                                                           preview=preview), timeout=self.timeout)

    def read_raw(self, urn: str, id_: str, properties: Mapping[str, Any] | None = None,
                 inputs: Mapping[str, Any] | None = None) -> Any:
        request = provider_pb2.ReadRequest(urn=urn, id=id_)
        if properties is not None:
            request.properties.CopyFrom(struct_from(properties))
        if inputs is not None:
            request.inputs.CopyFrom(struct_from(inputs))
        return self.stub.Read(request, timeout=self.timeout)

    def diff(self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        """Diff: the raw DiffResponse (``changes``, ``replaces``, ``deleteBeforeReplace``)."""
        return self.stub.Diff(provider_pb2.DiffRequest(urn=urn, id=id_, olds=struct_from(olds),
                                                       news=struct_from(news)), timeout=self.timeout)

    def update_raw(self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                   preview: bool = False) -> Any:
        return self.stub.Update(provider_pb2.UpdateRequest(urn=urn, id=id_, olds=struct_from(olds),
                                                           news=struct_from(news), preview=preview),
                                timeout=self.timeout)

    def delete(self, urn: str, id_: str, properties: Mapping[str, Any], *, custom_timeout: float = 0.0) -> None:
        """Delete as the engine sends it; ``custom_timeout`` is the resource's customTimeouts.delete (0: none)."""
        self.stub.Delete(provider_pb2.DeleteRequest(urn=urn, id=id_, properties=struct_from(properties),
                                                    timeout=custom_timeout), timeout=self.timeout)


class DynamicPlugin(PluginProcess):
    """A fresh ``python -u -m pulumi.dynamic`` process; replies decoded to plain Python."""

    def __init__(self, env: Mapping[str, str] | None = None, python: str = sys.executable) -> None:
        super().__init__([python, "-u", "-m", "pulumi.dynamic"], env, timeout=60.0, name="the dynamic plugin")

    def __enter__(self) -> "DynamicPlugin":
        return self

    def configure(self, config: Mapping[str, Any]) -> None:
        """Configure with the whole stack config (namespaced keys), as the engine does."""
        self.configure_raw(config)

    def check(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Check: (checked inputs, [(property, reason)])."""
        reply = self.check_raw(urn, olds, news)
        return struct_to_dict(reply.inputs), [(f.property, f.reason) for f in reply.failures]

    def create(self, urn: str, properties: Mapping[str, Any]) -> Response:
        reply = self.create_raw(urn, properties)
        return Response(reply.id, struct_to_dict(reply.properties), reply)

    def read(self, urn: str, id_: str, properties: Mapping[str, Any],
             inputs: Mapping[str, Any] | None = None) -> Response:
        reply = self.read_raw(urn, id_, properties, inputs)
        read_inputs = struct_to_dict(reply.inputs) if reply.HasField("inputs") else None
        return Response(reply.id, struct_to_dict(reply.properties), reply, read_inputs)

    def update(self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Response:
        reply = self.update_raw(urn, id_, olds, news)
        return Response(id_, struct_to_dict(reply.properties), reply)


def env_without_yc(*pythonpath: str | os.PathLike[str], base: Mapping[str, str] | None = None,
                   **extra: str) -> dict[str, str]:
    """A plugin's environment: ``base`` (default this process's) without YC_* (configuration must come through
    Configure), ``pythonpath`` prepended to PYTHONPATH, then ``extra``."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("YC_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [*map(str, pythonpath), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def secret(value: Any) -> dict[str, Any]:
    """A secret property value, as the engine marks one on the wire."""
    return {SECRET_SIG: SECRET_VALUE, "value": value}


def urn(typ: str, name: str, project: str = "test", stack: str = "test") -> str:
    """A resource URN as the engine would send it."""
    return f"urn:pulumi:{stack}::{project}::{typ}::{name}"
