"""What only the native plugin's tests need: a recording fake engine, the fake registry, the plugin process.

The general pieces (starting a plugin process and reading its port, the wire helpers) are the harness's
(``tests/harness/plugin.py``). The plugin is started as the Python language host starts it: ``python <repo root>
<engine address>``, a fresh process whose first stdout line is its port; the tests then speak the
ResourceProvider protocol to it.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2

from harness.cloud import REPO_ROOT, FakeCloud
from harness.plugin import (UNKNOWN, PluginProcess, env_without_yc, secret, struct_from, struct_to_dict)
from harness.plugin import urn as harness_urn

PROGRESS_INTERVAL = 0.2

__all__ = ["PROGRESS_INTERVAL", "REPO_ROOT", "UNKNOWN", "FakeEngine", "NativePlugin", "RecordingEngine", "Registry",
           "camel", "plugin_env", "secret", "on_wire", "snake_keys", "struct_to_dict", "urn", "wire"]


# -- wire names (the schema's camelCase) against the rules' snake_case, written out here on purpose ----------------
def camel(name: str) -> str:
    """``repository_name`` -> ``repositoryName``, as the schema and the wire name properties."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def wire(value: Any) -> Any:
    """Plain values with the rules' snake_case keys (at every depth) as the wire carries them."""
    if isinstance(value, Mapping):
        return {camel(str(key)): wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(item) for item in value]
    return value


def on_wire(failures: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rules' (field, reason) failures as the plugin reports them: every snake_case word in camelCase."""
    words = re.compile(r"(?<!')\b[a-z0-9]+(?:_[a-z0-9]+)+\b(?!')")
    return [(camel(field), words.sub(lambda m: camel(m.group(0)), reason)) for field, reason in failures]


def snake_keys(values: Mapping[str, Any]) -> dict[str, Any]:
    """Wire (camelCase) keys as the rules' snake_case names."""
    return {re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), key): value for key, value in values.items()}


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
class Registry(FakeCloud):
    """The fake cloud of a test module, with one registry holding repository ``app``."""

    images: dict[str, str] = field(default_factory=dict)  # label -> image id

    @property
    def repository(self) -> str:
        return f"{self.registry_id}/app"


# -- the plugin process ----------------------------------------------------------------------------------------
def urn(typ: str, name: str) -> str:
    return harness_urn(typ, name, project="plugin-tests")


def plugin_env(**extra: str) -> dict[str, str]:
    """The test's environment without YC_* (configuration must come through Configure), plus ``extra``."""
    return env_without_yc(REPO_ROOT / "provider", REPO_ROOT / "sdk", **extra)


class NativePlugin(PluginProcess):
    """``python <repo> <engine>``; replies undecoded (tests look at the wire), plus Invoke."""

    def __init__(self, engine_address: str, env: Mapping[str, str]) -> None:
        super().__init__([sys.executable, str(REPO_ROOT), engine_address], env, timeout=30.0,
                         name="the native plugin")
        self.startup_seconds = 0.0

    configure = PluginProcess.configure_raw
    create = PluginProcess.create_raw
    read = PluginProcess.read_raw
    update = PluginProcess.update_raw

    def check(self, urn_: str, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> Any:
        return self.check_raw(urn_, olds or {}, news)

    def invoke(self, tok: str, args: Mapping[str, Any]) -> dict[str, Any]:
        reply = self.stub.Invoke(provider_pb2.InvokeRequest(tok=tok, args=struct_from(args)), timeout=self.timeout)
        assert not reply.failures, reply.failures
        return struct_to_dict(getattr(reply, "return"))
