"""Run a Pulumi program without the Pulumi CLI, its dynamic providers executing for real (e.g. against the fake).

``run_program(program_dir, ExecutingMocks(config))`` runs ``__main__.py`` under ``pulumi.runtime.set_mocks`` as
``pulumi up`` would; ``ExecutingMocks.destroy()`` then deletes what the stack holds, in reverse order, as
``pulumi destroy`` would (a second destroy finds nothing left and does nothing).

Successive runs with the same ``ExecutingMocks`` work against the state of the previous one, like successive
``pulumi up`` of one stack: a resource registered again is checked and diffed against its state (updated in place,
or replaced: the new one created, the old one deleted at the end of the run), a resource no longer registered is
deleted at the end of the run, and ``run_program(..., refresh=True)`` (``pulumi up --refresh``) or
``mocks.refresh()`` (``pulumi refresh``) reads every resource first. So a test can run ``up``, change the program
or the cloud, and run ``up`` again.

``RecordingMocks`` captures ``typ``/``inputs`` exactly as ``pulumi.dynamic.Resource`` registers them (``__provider``
included) so plugin tests replay real registrations.

A failed run raises its error once: the futures pulumi leaves holding that error do not print "Future exception
was never retrieved" afterwards.
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
from pulumi.runtime.sync_await import _ensure_event_loop

from yc_registry_provider.lifecycle import deployment
from yc_registry_provider.lifecycle import image as image_rules

PROVIDER_KEY = "__provider"
DYNAMIC_PREFIX = "pulumi-python:dynamic"
_REPORTED = "_pulumi_yc_registry_testing_reported"
_thread_loops: set[asyncio.AbstractEventLoop] = set()
_thread_loops_lock = threading.Lock()


def _mark_reported(exc: BaseException | None) -> None:
    """Mark an error (and its causes) as reported to the caller: the futures holding it stay quiet."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        try:
            setattr(exc, _REPORTED, True)
        except (AttributeError, TypeError):  # an exception type with __slots__: nothing to mark
            pass
        exc = exc.__cause__ or exc.__context__


def _quiet_reported(loop: asyncio.AbstractEventLoop) -> None:
    """On ``loop``, drop "exception was never retrieved" for errors already raised to the caller (pulumi leaves
    one future per output of a failed resource holding its error); everything else goes to the usual handler."""
    if getattr(loop, "_pulumi_yc_registry_quiet", False):
        return
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if "never retrieved" in str(context.get("message", "")) and getattr(context.get("exception"), _REPORTED,
                                                                            False):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    setattr(loop, "_pulumi_yc_registry_quiet", True)


def _remember_thread_loop() -> None:
    """pulumi's mock monitor opens an event loop in each worker thread and never closes it; remember them."""
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return
    _quiet_reported(loop)
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
    checked: dict[str, Any] = field(default_factory=dict)  # the inputs as the provider's check returned them

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the resource across runs (its URN, without parents): type and name."""
        return self.typ, self.name


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
        self.errors: list[BaseException] = []  # what registrations raised (a failed run raises the first)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        _remember_thread_loop()
        captured = CapturedResource(args.typ, args.name, dict(args.inputs))
        self.resources.append(captured)
        try:
            resource_id, outs = self.provision(captured, args)
        except BaseException as exc:
            _mark_reported(exc)  # the run raises it (or lists it in ``errors``): its futures need not print it
            self.errors.append(exc)
            raise
        captured.id, captured.outputs = resource_id, outs
        self.registered(captured)
        return resource_id, outs

    def registered(self, captured: CapturedResource) -> None:
        """Called once a registration succeeded."""

    def begin_run(self, preview: bool) -> None:
        """Called by run_program before the program runs."""

    def end_run(self, failed: bool) -> None:
        """Called by run_program after the program ran (``failed``: it raised)."""

    def provision(self, captured: CapturedResource, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return args.resource_id or f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        self.calls.append((args.token, dict(args.args)))
        return {}, None


class ExecutingMocks(RecordingMocks):
    """Like the engine: run the dynamic providers' configure, check, diff, create, update, read and delete.

    ``state`` is what the stack holds after the last run (creation order), ``resources`` what the last run
    registered, ``deleted`` what the last run (or destroy) deleted.
    """

    def __init__(self, config: dict[str, Any] | None = None, project: str = "test") -> None:
        super().__init__()
        self.config = dict(config or {})
        self.project = project
        self.failures: list[tuple[str, str, str]] = []
        self.state: list[CapturedResource] = []
        self.deleted: list[CapturedResource] = []
        self._prior: dict[tuple[str, str], CapturedResource] = {}
        self._done: list[CapturedResource] = []
        self._replaced: list[CapturedResource] = []  # olds of replacements: deleted at the end of a run
        self._preview = False
        self._lock = threading.Lock()

    # -- one run --------------------------------------------------------------------------------------------
    def begin_run(self, preview: bool) -> None:
        deployment.declare(deployment.UPDATE)  # like `pulumi up`: a removed ImageCleanup does not run
        self.resources, self.errors, self.failures, self._done = [], [], [], []
        self._prior = {resource.key: resource for resource in self.state}
        self._preview = preview

    def registered(self, captured: CapturedResource) -> None:
        with self._lock:
            self._done.append(captured)

    def end_run(self, failed: bool) -> None:
        """Update the state like the engine: a failed run keeps what it did not redo and deletes nothing; a
        successful one deletes the resources no longer registered and the olds of replacements (reverse order)."""
        self.deleted = []
        if self._preview:
            return
        finished = {id(resource) for resource in self._done}
        self._done = [resource for resource in self.resources if id(resource) in finished]  # registration order
        done = {resource.key for resource in self._done}
        left = [resource for resource in self.state if resource.key not in done]
        if failed:
            self.state = self._done + left
            return
        order = {id(resource): n for n, resource in enumerate(self.state)}
        doomed = sorted(self._replaced + [r for r in left if not r.read_only],
                        key=lambda resource: order.get(id(resource), -1), reverse=True)
        self.state = list(self._done)
        self._replaced = []
        for n, resource in enumerate(doomed):
            try:
                self._delete(resource)
            except BaseException:
                self.state.extend(doomed[n:][::-1])  # not deleted: still in the stack, like a failed `pulumi up`
                raise

    def _configured(self, serialized: str) -> ResourceProvider:
        provider = decode_provider(serialized)
        provider.configure(ConfigureRequest(Config(self.config, self.project)))
        return provider

    def _delete(self, resource: CapturedResource) -> None:
        if resource.provider is not None and resource.id and not resource.read_only:
            resource.provider.configure(ConfigureRequest(Config(self.config, self.project)))
            resource.provider.delete(resource.id, dict(resource.outputs))
            self.deleted.append(resource)

    def provision(self, captured: CapturedResource, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if not args.typ.startswith(DYNAMIC_PREFIX):
            return super().provision(captured, args)
        serialized = args.inputs[PROVIDER_KEY]
        provider = self._configured(serialized)
        captured.provider = provider
        if args.resource_id:  # Resource.get / opts.id: a read
            captured.read_only = True
            result = provider.read(args.resource_id, dict(args.inputs))
            return result.id or "", {**(result.outs or {}), PROVIDER_KEY: serialized}
        prior = self._prior.get(captured.key)
        if prior is not None and prior.read_only:
            prior = None
        checked: CheckResult = provider.check(dict(prior.checked) if prior else {}, dict(args.inputs))
        if checked.failures:
            text = "; ".join(f"{f.property}: {f.reason}" for f in checked.failures)
            self.failures.extend((args.name, f.property, f.reason) for f in checked.failures)
            raise ValueError(f"check failed for {args.name}: {text}")
        props = {**checked.inputs, PROVIDER_KEY: serialized}
        captured.checked = props
        if prior is None or not prior.id:
            return self._create(provider, props)
        diff = provider.diff(prior.id, dict(prior.outputs), props)
        changes = diff.changes if diff.changes is not None else prior.checked != props
        if not changes:
            return prior.id, {**prior.outputs, PROVIDER_KEY: serialized}
        if diff.replaces:
            if not pulumi.runtime.is_dry_run():
                if diff.delete_before_replace:
                    self._delete(prior)
                else:
                    with self._lock:
                        self._replaced.append(prior)
            return self._create(provider, props)
        if pulumi.runtime.is_dry_run():
            return prior.id, {**prior.outputs, **props}
        updated = provider.update(prior.id, dict(prior.outputs), props)
        return prior.id, {**(updated.outs or {}), PROVIDER_KEY: serialized}

    @staticmethod
    def _create(provider: ResourceProvider, props: dict[str, Any]) -> tuple[str, dict]:
        if pulumi.runtime.is_dry_run():  # a preview: the engine checks but never creates
            return "", props
        created = provider.create(props)
        return created.id or "", {**(created.outs or {}), PROVIDER_KEY: props[PROVIDER_KEY]}

    # -- deployments of their own -----------------------------------------------------------------------------
    def refresh(self) -> list[CapturedResource]:
        """``pulumi refresh``: read every resource of the state; one that is gone leaves the state. Returns it."""
        image_rules.begin_deployment()
        deployment.declare(deployment.UPDATE)
        for resource in list(self.state):
            if resource.provider is None or not resource.id:
                continue
            serialized = resource.outputs.get(PROVIDER_KEY) or resource.inputs.get(PROVIDER_KEY)
            resource.provider.configure(ConfigureRequest(Config(self.config, self.project)))
            result = resource.provider.read(resource.id, dict(resource.outputs))
            if not result.id:
                self.state.remove(resource)
                continue
            resource.id = result.id
            resource.outputs = {**(result.outs or {}), PROVIDER_KEY: serialized}
            if result.inputs is not None:
                resource.checked = {**result.inputs, PROVIDER_KEY: serialized}
        return self.state

    def destroy(self) -> list[CapturedResource]:
        """``pulumi destroy``: delete every resource of the state in reverse creation order (reads are only
        forgotten); returns what was deleted. The state is then empty, so a second destroy does nothing.

        Like ``pulumi destroy``, this is a deployment of its own: nothing is held, each provider is configured afresh.
        A delete that fails leaves it and the resources not deleted yet in the state.
        """
        image_rules.begin_deployment()
        deployment.declare(deployment.DESTROY)
        self.deleted = []
        doomed = self._replaced + self.state
        for n, resource in enumerate(reversed(doomed)):
            try:
                self._delete(resource)
            except BaseException:
                self._replaced = []
                self.state = doomed[:len(doomed) - n]
                raise
        self._replaced, self.state = [], []
        return list(self.deleted)


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
                preview: bool = False, refresh: bool = False) -> dict[str, Any]:
    """Run a program (a directory with ``__main__.py``, or a function) under mocks; return its resolved exports.

    The project defaults to the directory's Pulumi.yaml ``name`` (so ``pulumi.Config()`` finds ``<name>:key``).
    With ``ExecutingMocks`` the run works against the state the previous run left (``pulumi up``);
    ``refresh=True`` reads every resource of that state first (``pulumi up --refresh``).
    """
    if project is None:
        project = "test" if callable(program) else project_name(program)
    if refresh and not isinstance(mocks, ExecutingMocks):
        raise TypeError("refresh=True needs ExecutingMocks (the providers must run to read the resources)")
    image_rules.begin_deployment()  # each run is a deployment of its own, as each `pulumi up` is
    if refresh:
        assert isinstance(mocks, ExecutingMocks)
        mocks.refresh()
    exports: dict[str, Any] = {}
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview)
    pulumi.runtime.set_all_config({k: str(v) for k, v in (config or {}).items()})
    _quiet_reported(_ensure_event_loop())

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

    mocks.begin_run(preview)
    try:
        pulumi.runtime.test(body)()
    except BaseException as exc:
        _mark_reported(exc)
        for error in mocks.errors:
            _mark_reported(error)
        mocks.end_run(failed=True)
        raise
    mocks.end_run(failed=False)
    return exports


__all__ = ["CapturedResource", "ExecutingMocks", "RecordingMocks", "decode_provider", "run_program"]
