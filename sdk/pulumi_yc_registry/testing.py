"""Run a Pulumi program without the Pulumi CLI, its dynamic providers executing for real (e.g. against the fake).

``run_program(program_dir, ExecutingMocks(config))`` runs ``__main__.py`` under ``pulumi.runtime.set_mocks``;
``ExecutingMocks.destroy()`` then deletes what it created, in reverse order, as ``pulumi destroy`` would.

``RecordingMocks`` captures ``typ``/``inputs`` exactly as ``pulumi.dynamic.Resource`` registers them (``__provider``
included) so plugin tests replay real registrations. ``ExecutingMocks`` additionally deserializes ``__provider``
and runs check/create like the engine would, and ``destroy()`` deletes in reverse creation order.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import os
import threading
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import dill
import pulumi
import pulumi.runtime
from pulumi.dynamic import CheckResult, ConfigureRequest, ResourceProvider
from pulumi.dynamic.config import Config

from yc_registry_provider.lifecycle import image as image_rules

PROVIDER_KEY = "__provider"
_thread_loops: set[asyncio.AbstractEventLoop] = set()
_thread_loops_lock = threading.Lock()


def _remember_thread_loop() -> None:
    """pulumi's mock monitor opens an event loop in each worker thread and never closes it; remember them."""
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return
    with _thread_loops_lock:
        _thread_loops.add(loop)


@atexit.register
def _close_thread_loops() -> None:
    """Close those loops before interpreter teardown (else their __del__ prints 'Invalid file descriptor')."""
    with _thread_loops_lock:
        for loop in _thread_loops:
            if not loop.is_closed() and not loop.is_running():
                loop.close()
        _thread_loops.clear()
DYNAMIC_PREFIX = "pulumi-python:dynamic"


@dataclass
class CapturedResource:
    """One registration seen by the mocks (and, when executed, what the provider returned)."""

    typ: str
    name: str
    inputs: dict[str, Any]
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    provider: ResourceProvider | None = None
    read_only: bool = False  # a Resource.get / opts.id lookup: never deleted by destroy()


def decode_provider(serialized: str) -> ResourceProvider:
    """The provider object pickled into ``__provider`` (as the plugin would load it)."""
    provider = dill.loads(base64.b64decode(serialized))
    assert isinstance(provider, ResourceProvider)
    return provider


class RecordingMocks(pulumi.runtime.Mocks):
    """Record every registration; answer with the inputs as outputs and a made-up id."""

    def __init__(self) -> None:
        self.resources: list[CapturedResource] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        _remember_thread_loop()
        captured = CapturedResource(args.typ, args.name, dict(args.inputs))
        self.resources.append(captured)
        resource_id, outs = self.provision(captured, args)
        captured.id, captured.outputs = resource_id, outs
        return resource_id, outs

    def provision(self, captured: CapturedResource, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return args.resource_id or f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        self.calls.append((args.token, dict(args.args)))
        return {}, None


class ExecutingMocks(RecordingMocks):
    """Like the engine: run the dynamic provider's configure, check and create (or read for ``.get``)."""

    def __init__(self, config: dict[str, Any] | None = None, project: str = "test") -> None:
        super().__init__()
        self.config = dict(config or {})
        self.project = project
        self.failures: list[tuple[str, str, str]] = []

    def _provider(self, inputs: dict[str, Any]) -> ResourceProvider:
        provider = decode_provider(inputs[PROVIDER_KEY])
        provider.configure(ConfigureRequest(Config(self.config, self.project)))
        return provider

    def provision(self, captured: CapturedResource, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if not args.typ.startswith(DYNAMIC_PREFIX):
            return super().provision(captured, args)
        provider = self._provider(args.inputs)
        captured.provider = provider
        if args.resource_id:  # Resource.get / opts.id: a read
            captured.read_only = True
            result = provider.read(args.resource_id, dict(args.inputs))
            return result.id or "", {**(result.outs or {}), PROVIDER_KEY: args.inputs[PROVIDER_KEY]}
        checked: CheckResult = provider.check({}, dict(args.inputs))
        if checked.failures:
            text = "; ".join(f"{f.property}: {f.reason}" for f in checked.failures)
            self.failures.extend((args.name, f.property, f.reason) for f in checked.failures)
            raise ValueError(f"check failed for {args.name}: {text}")
        props = {**checked.inputs, PROVIDER_KEY: args.inputs[PROVIDER_KEY]}
        if pulumi.runtime.is_dry_run():  # a preview: the engine checks but never creates
            return "", props
        created = provider.create(props)
        outs = {**(created.outs or {}), PROVIDER_KEY: args.inputs[PROVIDER_KEY]}
        return created.id or "", outs

    def destroy(self) -> list[CapturedResource]:
        """Delete every created dynamic resource in reverse creation order (reads are not deleted).

        Like ``pulumi destroy``, this is a deployment of its own: nothing is held, each provider is configured afresh.
        """
        image_rules.begin_deployment()
        deleted = []
        for resource in reversed(self.resources):
            if resource.provider is None or not resource.id or resource.read_only:
                continue
            resource.provider.configure(ConfigureRequest(Config(self.config, self.project)))
            resource.provider.delete(resource.id, dict(resource.outputs))
            deleted.append(resource)
        return deleted


def project_name(program: Path | str) -> str:
    """The ``name:`` of a program directory's Pulumi.yaml (what its ``pulumi.Config()`` is namespaced by)."""
    import yaml  # pyyaml, a dependency of pulumi

    manifest = Path(program) / "Pulumi.yaml"
    if manifest.is_file():
        name = (yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}).get("name")
        if isinstance(name, str) and name:
            return name
    return "test"


def run_program(program: Path | str | Callable[[], Any], mocks: RecordingMocks, *,
                config: dict[str, Any] | None = None, project: str | None = None, stack: str = "test",
                preview: bool = False) -> dict[str, Any]:
    """Run a program (a directory with ``__main__.py``, or a function) under mocks; return its resolved exports.

    The project defaults to the directory's Pulumi.yaml ``name`` (so ``pulumi.Config()`` finds ``<name>:key``).
    """
    if project is None:
        project = "test" if callable(program) else project_name(program)
    image_rules.begin_deployment()  # each run is a deployment of its own, as each `pulumi up` is
    exports: dict[str, Any] = {}
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview)
    pulumi.runtime.set_all_config({k: str(v) for k, v in (config or {}).items()})

    def record(name: str, value: Any) -> None:
        exports[name] = value

    def body() -> Any:
        original = pulumi.export
        pulumi.export = record  # type: ignore[assignment]
        try:
            if callable(program):
                program()
            else:
                path = Path(program)
                sys.path.insert(0, str(path))
                old_cwd = os.getcwd()
                os.chdir(path)
                try:
                    runpy.run_path(str(path / "__main__.py"), run_name="__main__")
                finally:
                    os.chdir(old_cwd)
                    sys.path.remove(str(path))
        finally:
            pulumi.export = original  # type: ignore[assignment]
        return pulumi.Output.from_input(dict(exports)).apply(exports.update)

    pulumi.runtime.test(body)()
    return exports


__all__ = ["CapturedResource", "ExecutingMocks", "RecordingMocks", "decode_provider", "run_program"]
