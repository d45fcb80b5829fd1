"""The native ``yc-registry`` provider: Image, ImageCleanup, getImages and getImage over the engine's gRPC protocol.

Every rule comes from the front-door-neutral layer (``lifecycle.image``, ``lifecycle.cleanup``, ``lookups``), the
same functions the dynamic providers call; this module only converts PropertyValues to plain dicts and back, runs
blocking calls off the event loop, and reports long deletes (an Image's delete operation, an ImageCleanup's
cleanup) to the engine's log against the resource's URN. Nothing is pickled into state; configuration lives in
this process only.
"""

from __future__ import annotations

from .. import _protoshim  # noqa: F401  - must precede pulumi's provider server and the yandexcloud stubs

import asyncio
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

import grpc
from pulumi.provider.experimental.property_value import Computed, PropertyValue, ResourceReference
from pulumi.provider.experimental.provider import (CheckFailure, CheckRequest, CheckResponse, ConfigureRequest,
                                                   ConfigureResponse, CreateRequest, CreateResponse, DeleteRequest,
                                                   DiffRequest, DiffResponse, GetSchemaRequest, GetSchemaResponse,
                                                   InvokeRequest, InvokeResponse, PropertyDiff, PropertyDiffKind,
                                                   Provider, ReadRequest, ReadResponse, UpdateRequest,
                                                   UpdateResponse)
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from ..backends.base import ImageBackend
from ..cleanup import ProgressEvent
from ..backends.service import open_backend, served_note
from ..config import resolve_settings
from ..errors import InvalidArgumentError, SelectionError
from ..lifecycle import cleanup as cleanup_rules
from ..lifecycle import image as image_rules
from ..lifecycle import migration as migration_rules
from ..lifecycle.values import UNKNOWN
from ..lookups import find_image, find_images
from ..backends.service import MigrationBackend
from .names import camel, camel_mentions, from_wire, snake, to_wire
from .schema import (CLEANUP_TOKEN, CONFIG, GET_FOLDER_MIGRATION_ARGS, GET_FOLDER_MIGRATION_TOKEN, GET_IMAGE_ARGS,
                     GET_IMAGE_TOKEN, GET_IMAGES_ARGS, GET_IMAGES_TOKEN, IMAGE_TOKEN, MIGRATION_TOKEN, PACKAGE,
                     VERIFY_MIGRATION_ARGS, VERIFY_MIGRATION_TOKEN, property_names, schema_json)

log = logging.getLogger(__name__)

# Blocking work (every backend call, every wait for a delete operation) runs in this many threads, so the plugin
# serves as many requests at once as the engine sends (`--parallel`, by default 4 per CPU), where asyncio's default
# pool would stop at min(32, CPUs + 4) and the Python dynamic-provider server stops at 4.
PLUGIN_THREADS = 64
PROGRESS_INTERVAL_ENV = "YC_REGISTRY_PROGRESS_INTERVAL"
DEFAULT_PROGRESS_INTERVAL = 10.0
T = TypeVar("T")


def _widen_thread_pool() -> None:
    """Give the server's event loop a default executor of PLUGIN_THREADS threads (once; asyncio.to_thread uses it)."""
    loop = asyncio.get_running_loop()
    if not getattr(loop, "_yc_registry_pool", False):
        loop.set_default_executor(ThreadPoolExecutor(max_workers=PLUGIN_THREADS, thread_name_prefix="yc-registry"))
        setattr(loop, "_yc_registry_pool", True)


def wire_text(message: str) -> str:
    """A message for the engine, naming properties as the schema does (camelCase)."""
    return camel_mentions(message, property_names())


# -- PropertyValue <-> plain Python ---------------------------------------------------------------------------
def to_plain(value: PropertyValue) -> Any:
    """A PropertyValue as plain Python; a value not known yet becomes the engine's UNKNOWN sentinel."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, ResourceReference):
        return inner.urn
    if isinstance(inner, Mapping):
        return {key: to_plain(item) for key, item in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [to_plain(item) for item in inner]
    return inner


def plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """A property map from the wire (camelCase) as a plain dict with the rules' snake_case names."""
    result: dict[str, Any] = from_wire({key: to_plain(item) for key, item in values.items()})
    return result


def secret_keys(values: Mapping[str, PropertyValue]) -> set[str]:
    """Top-level keys holding (or containing) a secret, by their snake_case names."""
    return {snake(key) for key, item in values.items() if item.contains_secret()}


def from_plain(value: Any, secret: bool = False) -> PropertyValue:
    """Plain Python as a PropertyValue (numbers become floats)."""
    if isinstance(value, PropertyValue):
        return value.with_secret(secret or value.is_secret)
    if value is None:
        result = PropertyValue(None)
    elif isinstance(value, (bool, str)):
        # UNKNOWN stays the plain sentinel string: it is the wire form of "not known yet", and this pulumi's
        # PropertyValue.marshal cannot encode Computed.
        result = PropertyValue(value)
    elif isinstance(value, (int, float)):
        result = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        result = PropertyValue({str(k): from_plain(v) for k, v in value.items()})
    elif isinstance(value, (list, tuple)):
        result = PropertyValue([from_plain(item) for item in value])
    else:
        result = PropertyValue(str(value))
    return result.with_secret(True) if secret else result


def property_map(values: Mapping[str, Any], secrets: set[str] | frozenset[str] = frozenset()) -> dict[str, PropertyValue]:
    """A plain dict (snake_case names) as a property map for the wire (camelCase); keys in ``secrets`` stay secret."""
    return {camel(key): from_plain(to_wire(item), key in secrets) for key, item in values.items()}


# -- the engine's log --------------------------------------------------------------------------------------------
class EngineLog:
    """Messages to the engine's ``Engine.Log`` (shown by the CLI against a resource), and to Python logging."""

    def __init__(self, address: str | None) -> None:
        self.address = address or ""
        self._channel: grpc.Channel | None = None
        self._stub: Any = None
        self._lock = threading.Lock()

    def _engine(self) -> Any:
        with self._lock:
            if self._stub is None and self.address:
                self._channel = grpc.insecure_channel(self.address)
                self._stub = engine_pb2_grpc.EngineStub(self._channel)
            return self._stub

    def log(self, severity: Any, message: str, urn: str = "", ephemeral: bool = False) -> None:
        """Send one message (blocking, at most a few seconds); a missing or broken engine is not an error."""
        levels: dict[Any, int] = {engine_pb2.DEBUG: logging.DEBUG, engine_pb2.WARNING: logging.WARNING,
                                  engine_pb2.ERROR: logging.ERROR}
        log.log(levels.get(severity, logging.INFO), "%s", message)
        stub = self._engine()
        if stub is None:
            return
        try:
            stub.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=urn, ephemeral=ephemeral),
                     timeout=5)
        except grpc.RpcError as exc:
            log.debug("could not log to the engine at %s: %s", self.address, exc)

    def info(self, message: str, urn: str = "", ephemeral: bool = False) -> None:
        self.log(engine_pb2.INFO, message, urn, ephemeral)

    def close(self) -> None:
        with self._lock:
            if self._channel is not None:
                self._channel.close()
            self._channel = self._stub = None


# -- the provider ------------------------------------------------------------------------------------------------
class YcRegistryProvider(Provider):
    """Serves ``yc-registry``: the same inputs, outputs, rules and errors as the dynamic resources and lookups."""

    def __init__(self, version: str, engine_address: str | None = None,
                 backend_factory: Callable[[dict[str, Any]], ImageBackend] | None = None) -> None:
        self.version = version
        self.engine_log = EngineLog(engine_address)
        self._config: dict[str, Any] = {}
        self._backend_factory = backend_factory
        self.progress_interval = float(os.environ.get(PROGRESS_INTERVAL_ENV) or DEFAULT_PROGRESS_INTERVAL)

    # -- plumbing ---------------------------------------------------------------------------------------------
    def backend(self, on_retry: Callable[[str], None] | None = None) -> ImageBackend:
        """A fresh backend from the configured settings, then YC_* environment; close it after use. Retry notices
        go to ``on_retry`` (default: a warning in the engine's log)."""
        if self._backend_factory is not None:
            return self._backend_factory(dict(self._config))
        notice = on_retry or (lambda message: self.engine_log.log(engine_pb2.WARNING, f"yc-registry: {message}"))
        return open_backend(resolve_settings({}, self._config, os.environ), on_retry=notice)  # type: ignore[no-any-return]

    def _with_backend(self, work: Callable[[ImageBackend], T], on_retry: Callable[[str], None] | None = None) -> T:
        backend = self.backend(on_retry)
        try:
            return work(backend)
        finally:
            backend.close()
            note = served_note()  # once per process (one deployment): which service served the stack
            if note:
                self.engine_log.info(note)

    async def _call(self, work: Callable[[ImageBackend], T], on_retry: Callable[[str], None] | None = None) -> T:
        """Run blocking backend work in a thread, off the server's event loop."""
        return await asyncio.to_thread(self._with_backend, work, on_retry)

    async def _migration(self, work: Callable[[MigrationBackend], T]) -> T:
        """Run blocking migration work (Container Registry inventory + Cloud Registry) in a thread."""
        def run() -> T:
            notice = (lambda message: self.engine_log.log(engine_pb2.WARNING, f"yc-registry: {message}"))
            with MigrationBackend(resolve_settings({}, self._config, os.environ), on_retry=notice) as backend:
                return work(backend)

        return await asyncio.to_thread(run)

    async def _info(self, message: str, urn: str = "", ephemeral: bool = False) -> None:
        await asyncio.to_thread(self.engine_log.info, message, urn, ephemeral)

    # -- schema and configuration ------------------------------------------------------------------------------
    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=schema_json(self.version))

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Keep ``yc-registry:*`` settings (from the provider's args, else the config variables) in memory."""
        config: dict[str, Any] = {}
        for key, raw in request.variables.items():  # "yc-registry:config:token" or "yc-registry:token"
            name = key.rsplit(":", 1)[-1]
            if key.startswith(f"{PACKAGE}:") and name in CONFIG and raw not in (None, ""):
                config[f"{PACKAGE}:{name}"] = raw
        for name, value in request.args.items():
            plain = to_plain(value)
            if name in CONFIG and plain not in (None, "", UNKNOWN):
                config[f"{PACKAGE}:{name}"] = plain
        resolve_settings({}, config, os.environ)  # a ConfigurationError now, not at the first call
        _widen_thread_pool()
        self._config = config  # (held images are not reset: one plugin process serves one deployment)
        return ConfigureResponse(accept_secrets=True, supports_preview=True, accept_resources=False,
                                 accept_outputs=False)

    # -- functions ---------------------------------------------------------------------------------------------
    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        """getImages / getImage; a refused argument or a lookup that is not exactly one image is a check failure.

        Failures name the field and carry the Python error's message, as the protocol reports invalid inputs,
        instead of an "Unexpected <class 'Exception'>" with this process's traceback.
        """
        args = {k: v for k, v in plain_map(request.args).items() if v is not None}
        try:
            return await self._invoke(request.tok, args)
        except InvalidArgumentError as exc:
            return InvokeResponse(failures=[CheckFailure(camel(exc.field), wire_text(str(exc)))])
        except SelectionError as exc:
            return InvokeResponse(failures=[CheckFailure(camel(self._selector_field(args)), wire_text(str(exc)))])

    @staticmethod
    def _selector_field(args: Mapping[str, Any]) -> str:
        """The most specific selector given: the field a lookup that matched nothing (or too much) is about."""
        for name in ("image_id", "digest", "tag", "repository_name", "registry_id", "folder_id", "most_recent"):
            if args.get(name) not in (None, "", False):
                return name
        return "image_id"

    async def _invoke(self, tok: str, args: dict[str, Any]) -> InvokeResponse:
        if tok == GET_IMAGES_TOKEN:
            unknown = sorted(set(args) - set(GET_IMAGES_ARGS))
            if unknown:
                raise InvalidArgumentError(unknown[0], f"is not an argument of getImages ({', '.join(map(camel, GET_IMAGES_ARGS))})")
            images = await self._call(lambda b: find_images(b, **args))
            return InvokeResponse(return_value=property_map({"images": [image.to_dict() for image in images]}))
        if tok == GET_IMAGE_TOKEN:
            unknown = sorted(set(args) - set(GET_IMAGE_ARGS))
            if unknown:
                raise InvalidArgumentError(unknown[0], f"is not an argument of getImage ({', '.join(map(camel, GET_IMAGE_ARGS))})")
            # most_recent is passed as given: the lookup refuses anything but a real bool ("false" is not false)
            image = await self._call(lambda b: find_image(b, **args))
            return InvokeResponse(return_value=property_map(image.to_dict()))
        if tok in (GET_FOLDER_MIGRATION_TOKEN, VERIFY_MIGRATION_TOKEN):
            allowed = GET_FOLDER_MIGRATION_ARGS if tok == GET_FOLDER_MIGRATION_TOKEN else VERIFY_MIGRATION_ARGS
            unknown = sorted(set(args) - set(allowed))
            if unknown:
                raise InvalidArgumentError(unknown[0], f"is not an argument of {tok.rsplit(':', 1)[-1]} "
                                                       f"({', '.join(allowed)})")
            if tok == GET_FOLDER_MIGRATION_TOKEN:
                if not args.get("folder_id"):
                    raise InvalidArgumentError("folder_id", "is required")
                found = await self._migration(lambda b: migration_rules.folder_migration(b, args["folder_id"]))
                return InvokeResponse(return_value=property_map(found))
            checked = await self._migration(lambda b: migration_rules.verify(b, **args))
            return InvokeResponse(return_value=property_map(checked.to_dict()))
        raise NotImplementedError(f"unknown function {tok}")

    # -- resources ---------------------------------------------------------------------------------------------
    async def check(self, request: CheckRequest) -> CheckResponse:
        news = plain_map(request.new_inputs)
        secrets = secret_keys(request.new_inputs)
        if request.type == IMAGE_TOKEN:
            failures = image_rules.check_image(news)
            inputs = image_rules.normalize_inputs(news) if not failures else news
        elif request.type == CLEANUP_TOKEN:
            failures = cleanup_rules.check(news)
            if not failures:  # a registry or repository that does not exist fails the preview, naming it
                failures = await self._call(lambda b: cleanup_rules.check_scope(b, news))
            inputs = cleanup_rules.normalize_inputs(news) if not failures else news
        elif request.type == MIGRATION_TOKEN:
            failures = migration_rules.check(news)
            inputs = migration_rules.normalize_inputs(news) if not failures else news
        else:
            raise NotImplementedError(f"unknown resource type {request.type}")
        return CheckResponse(inputs=property_map(inputs, secrets),
                             failures=[CheckFailure(camel(field), wire_text(reason)) for field, reason in failures])

    async def diff(self, request: DiffRequest) -> DiffResponse:
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        if request.type == IMAGE_TOKEN:
            plan = image_rules.diff(olds, news)
            same = False
            if plan.replaces:
                same = await self._call(lambda b: image_rules.resolves_to_same_image(b, olds, news))
            plan = image_rules.settle_diff(plan, same, olds)
            changed, replaces = list(plan.changed), list(plan.replaces)
        elif request.type == CLEANUP_TOKEN:
            cleanup_plan = cleanup_rules.diff(olds, news)
            changed, replaces = list(cleanup_plan.changed), list(cleanup_plan.replaces)
        elif request.type == MIGRATION_TOKEN:
            migration_plan = migration_rules.diff(olds, news)
            changed, replaces = list(migration_plan.changed), list(migration_plan.replaces)
        else:
            raise NotImplementedError(f"unknown resource type {request.type}")
        detailed = {camel(name): PropertyDiff(PropertyDiffKind.UPDATE_REPLACE if name in replaces
                                              else PropertyDiffKind.UPDATE, True) for name in changed}
        return DiffResponse(changes=bool(changed), replaces=[camel(name) for name in replaces],
                            diffs=[camel(name) for name in changed], detailed_diff=detailed,
                            delete_before_replace=False)

    def _preview_outputs(self, inputs: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        return {name: inputs.get(name, UNKNOWN) for name in fields}

    @staticmethod
    def _cleanup_preview(inputs: Mapping[str, Any]) -> dict[str, Any]:
        """A preview's outputs: the inputs as given, the candidates not known yet (nothing is asked of the cloud)."""
        outs = cleanup_rules.outputs_for(inputs, 0, [])
        outs.update({name: UNKNOWN for name in cleanup_rules.RESULT_FIELDS})
        return outs

    async def create(self, request: CreateRequest) -> CreateResponse:
        props = plain_map(request.properties)
        secrets = secret_keys(request.properties)
        if request.type == IMAGE_TOKEN:
            if request.preview:
                outs = self._preview_outputs(image_rules.normalize_inputs(props), image_rules.OUTPUT_FIELDS)
                return CreateResponse(resource_id="", properties=property_map(outs, secrets))
            outs = await self._call(lambda b: image_rules.adopt(b, props))
            await self._info(f"adopted image {outs['image_id']} ({outs['uri']})", request.urn)
            return CreateResponse(resource_id=outs["image_id"], properties=property_map(outs, secrets))
        if request.type == CLEANUP_TOKEN:
            if request.preview:
                return CreateResponse(resource_id="", properties=property_map(self._cleanup_preview(props), secrets))
            resource_id, outs = await self._call(lambda b: cleanup_rules.create(b, props))
            await self._info(self._candidates_message(outs), request.urn)
            await self._warn_if_nothing_selected(outs, request.urn)
            return CreateResponse(resource_id=resource_id, properties=property_map(outs, secrets))
        if request.type == MIGRATION_TOKEN:
            if request.preview:
                outs = self._preview_outputs(migration_rules.normalize_inputs(props), migration_rules.OUTPUT_FIELDS)
                return CreateResponse(resource_id="", properties=property_map(outs, secrets))
            progress = self._progress(request.urn)
            resource_id, outs = await self._migration(lambda b: migration_rules.create(b, props, progress=progress))
            return CreateResponse(resource_id=resource_id, properties=property_map(outs, secrets))
        raise NotImplementedError(f"unknown resource type {request.type}")

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Refresh by id; with only an id (``pulumi import``) the id is the selector."""
        props = plain_map(request.properties) or plain_map(request.inputs)
        if request.type == IMAGE_TOKEN:
            found, outs, inputs = await self._call(lambda b: image_rules.read(b, request.resource_id, props))
            if not found:
                return ReadResponse(resource_id=None)
            warning = image_rules.moved_tag_warning(outs)
            if warning:
                await asyncio.to_thread(self.engine_log.log, engine_pb2.WARNING, wire_text(warning), request.urn)
            secrets = secret_keys(request.properties) | secret_keys(request.inputs)
            return ReadResponse(resource_id=found, properties=property_map(outs, secrets),
                                inputs=property_map(inputs, secrets))
        if request.type == MIGRATION_TOKEN:
            found, outs, inputs = await self._migration(
                lambda b: migration_rules.read(b, request.resource_id, props))
            if not found:
                return ReadResponse(resource_id=None)
            return ReadResponse(resource_id=found, properties=property_map(outs), inputs=property_map(inputs))
        if request.type == CLEANUP_TOKEN:
            found, outs, inputs = await self._call(lambda b: cleanup_rules.read(b, request.resource_id, props))
            secrets = secret_keys(request.properties) | secret_keys(request.inputs)
            return ReadResponse(resource_id=found, properties=property_map(outs, secrets),
                                inputs=property_map(inputs, secrets))
        raise NotImplementedError(f"unknown resource type {request.type}")

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        olds, news = plain_map(request.olds), plain_map(request.news)
        secrets = secret_keys(request.news)
        if request.type == IMAGE_TOKEN:
            return UpdateResponse(properties=property_map(image_rules.update(olds, news), secrets))
        if request.type == MIGRATION_TOKEN:
            if request.preview:
                return UpdateResponse(properties=property_map({**olds, **migration_rules.normalize_inputs(news)},
                                                              secrets))
            progress = self._progress(request.urn)
            outs = await self._migration(lambda b: migration_rules.update(b, olds, news, progress=progress))
            return UpdateResponse(properties=property_map(outs, secrets))
        if request.type == CLEANUP_TOKEN:
            if request.preview:
                return UpdateResponse(properties=property_map(self._cleanup_preview(news), secrets))
            outs = await self._call(lambda b: cleanup_rules.update(b, news))
            await self._info(self._candidates_message(outs), request.urn)
            await self._warn_if_nothing_selected(outs, request.urn)
            return UpdateResponse(properties=property_map(outs, secrets))
        raise NotImplementedError(f"unknown resource type {request.type}")

    async def delete(self, request: DeleteRequest) -> None:
        props = plain_map(request.properties)
        if request.type == IMAGE_TOKEN:
            if request.timeout and request.timeout > 0:  # customTimeouts.delete caps the resource's delete_timeout
                props = {**props, "delete_timeout": min(image_rules.delete_timeout(props), float(request.timeout))}
            await self._delete_image(request.urn, request.resource_id, props)
        elif request.type == CLEANUP_TOKEN:
            await self._delete_cleanup(request.urn, props)
        elif request.type == MIGRATION_TOKEN:
            migration_rules.delete(props, progress=self._progress(request.urn))
        else:
            raise NotImplementedError(f"unknown resource type {request.type}")

    # -- long-running work with progress -----------------------------------------------------------------------
    async def _delete_image(self, urn: str, image_id: str, props: Mapping[str, Any]) -> None:
        """Delete and wait, telling the engine now and then that the delete is still running."""
        limit = image_rules.delete_timeout(props)
        await self._info(f"deleting image {image_id}; waiting for its delete operation (up to {limit:g} s)", urn)
        started = time.monotonic()
        operation: list[str] = []  # the delete operation's id, once the cloud has accepted the delete

        def on_started(operation_id: str) -> None:
            operation.append(operation_id)
            self.engine_log.info(f"delete of image {image_id} accepted: operation {operation_id}", urn)

        task = asyncio.ensure_future(self._call(
            lambda b: image_rules.delete(b, image_id, props, on_started=on_started)))
        while True:
            done, _ = await asyncio.wait({task}, timeout=self.progress_interval)
            if done:
                break
            what = f"operation {operation[0]}" if operation else "the cloud has not accepted the delete yet"
            await self._info(f"still deleting image {image_id} ({what}): {time.monotonic() - started:.0f} s "
                             f"elapsed of at most {limit:g} s", urn, ephemeral=True)
        result = task.result()  # raises what the delete raised
        if result.kept:
            await self._info(f"image {image_id} kept: another resource of this stack still adopts it "
                             "(renamed, replaced, or a second Image)", urn)
        elif result.already_gone:
            await self._info(f"image {image_id} was already gone", urn)
        else:
            await self._info(f"deleted image {image_id} (operation {result.operation_id}, "
                             f"{time.monotonic() - started:.1f} s)", urn)

    def _progress(self, urn: str) -> Callable[[str], None]:
        """Progress lines of a migration to the engine's log against ``urn`` (called from worker threads)."""
        return lambda message: self.engine_log.info(message, urn)

    async def _warn_if_nothing_selected(self, outs: Mapping[str, Any], urn: str) -> None:
        warning = cleanup_rules.nothing_selected(outs)
        if warning:
            await asyncio.to_thread(self.engine_log.log, engine_pb2.WARNING, warning, urn)

    @staticmethod
    def _candidates_message(outs: Mapping[str, Any]) -> str:
        """What create / update found: the cleanup itself waits for destroy."""
        scope = outs.get("repository_name") or outs.get("registry_id")
        if outs.get("dry_run"):
            return (f"ImageCleanup of {scope}: {outs['candidate_count']} images selected; with dry_run a destroy "
                    f"only reports them; nothing is deleted now")
        return (f"ImageCleanup of {scope}: {outs['candidate_count']} images would be deleted on destroy; "
                f"nothing is deleted now")

    async def _delete_cleanup(self, urn: str, props: Mapping[str, Any]) -> None:
        """Run the cleanup recorded in state (destroy); its progress goes to the engine's log against ``urn``.

        Raises CleanupFailedError (the summary) unless every selected image went; the engine then keeps the
        resource in state and the next destroy continues with what is left.
        """
        engine_log = self.engine_log

        def progress(event: ProgressEvent) -> None:  # called from the cleanup's worker threads
            severity = engine_pb2.WARNING if event.kind in ("throttled", "retrying") else engine_pb2.INFO
            engine_log.log(severity, event.message, urn, ephemeral=event.kind == "progress")

        await self._call(lambda b: cleanup_rules.delete(b, props, progress=progress),
                         on_retry=lambda message: progress(ProgressEvent("retrying", message)))


__all__ = ["EngineLog", "YcRegistryProvider", "from_plain", "plain_map", "property_map", "to_plain"]
