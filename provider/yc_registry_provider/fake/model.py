"""State and rules of the fake Container Registry: plain dataclasses, no gRPC, no protobuf.

The servicers translate protobuf to calls on :class:`ContainerRegistryModel` and :class:`FakeError` to gRPC statuses.
Time comes from an injectable clock so tests can advance it instead of sleeping.
"""

from __future__ import annotations

import base64
import binascii
import collections
import functools
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import jwt

from yc_registry_provider.fake import api_limits as limits
from yc_registry_provider.fake.common import INTERNAL_CODE, FakeError, Operation, OperationError

IAM_TOKEN_AUDIENCE = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
IAM_TOKEN_LIFETIME_SECONDS = 12 * 3600
MAX_REMEMBERED_PAGE_TOKENS = 100_000
ABORTED_CODE = 10
NOT_FOUND_CODE = 5
CANCELLED_CODE = 1
READ_ONLY_MESSAGE = (
    "registry is read-only: Container Registry accepts no mutating calls since 2026-11-10 "
    "(view and export only); delete refused"
)
# Methods whose calls count towards Knobs.unavailable_every and require a bearer token.
GUARDED_SERVICES = ("ImageService.", "OperationService.", "CloudRegistry.")
# Which service a counted "Service.Method" belongs to (OperationService is shared by both).
SERVICE_METHODS = {"container-registry": ("ImageService.", "RegistryService."), "cloud-registry": ("CloudRegistry.",)}
# What a service that is gone can answer: a status code for every call, or ABSENT (not in endpoint discovery, and a
# call sent to the address anyway answers UNIMPLEMENTED "Method not found!", as a server without the service does).
ABSENT = "ABSENT"
SHUTDOWN_ANSWERS = ("UNIMPLEMENTED", "NOT_FOUND", "PERMISSION_DENIED", "UNAVAILABLE", ABSENT)
MISSING_ANSWERS = ("UNIMPLEMENTED", ABSENT)


class ManualClock:
    """A clock that only moves when told to: deterministic operation timing in tests."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        with self._lock:
            self.now += seconds


@dataclass(frozen=True)
class Registry:
    """A container registry in a folder."""

    id: str
    folder_id: str
    name: str


@dataclass(frozen=True)
class Blob:
    """A config or layer blob of an image."""

    id: str
    digest: str
    size: int
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Image:
    """An image manifest; ``name`` is "<registry_id>/<repository>", shared by the whole repository."""

    id: str
    registry_id: str
    repository: str
    digest: str
    compressed_size: int
    config: Blob
    layers: tuple[Blob, ...]
    tags: tuple[str, ...]
    created_at: datetime

    @property
    def name(self) -> str:
        return f"{self.registry_id}/{self.repository}"


@dataclass(frozen=True)
class ServiceAccountKey:
    """A registered authorized key: JWTs with ``kid`` = ``key_id`` must be signed by its private half."""

    key_id: str
    service_account_id: str
    public_key_pem: str


@dataclass
class Knobs:
    """Fault and timing injection, changeable while the server runs."""

    latency: float = 0.0
    operation_duration: float = 0.0
    early_not_found_polls: int = 0
    unavailable_every: int = 0
    max_unfinished_operations: int = 0
    failing_images: set[str] = field(default_factory=set)
    read_only: bool = False
    poll_interval_header: float | None = None
    lost_delete_responses: int = 0   # the next N Deletes are carried out, then answer UNAVAILABLE (response lost)
    rollback_images: set[str] = field(default_factory=set)  # their delete shows an error while not yet done
    # "Service.Method" -> a status code NAME: every call of that method answers it (e.g. PERMISSION_DENIED)
    failing_calls: dict[str, str] = field(default_factory=dict)
    # images whose delete operation ends with error NOT_FOUND (someone else deleted the image meanwhile)
    not_found_operations: set[str] = field(default_factory=set)
    echo_bearer_token: bool = False  # error details repeat the request's authorization header (a leaky server)
    hidden_endpoints: set[str] = field(default_factory=set)  # endpoint ids discovery leaves out (e.g. "compute")
    # Container Registry shut down (2026-12-14): every ImageService / RegistryService call answers this (one of
    # SHUTDOWN_ANSWERS); None: it serves. An endpoint without Cloud Registry: its services answer this (one of
    # MISSING_ANSWERS); None: it serves. Calls to a gone service are still counted (FakeModel.calls_to).
    container_registry_shutdown: str | None = None
    cloud_registry_missing: str | None = None


@dataclass(frozen=True)
class ListPage:
    """One page of ImageService.List."""

    images: list[Image]
    next_page_token: str


@dataclass
class Credentials:
    """What the fake IAM accepts: IAM tokens, OAuth tokens it exchanges, service-account keys, JWT audiences."""

    iam_tokens: set[str] = field(default_factory=set)
    oauth_tokens: set[str] = field(default_factory=set)
    service_account_keys: dict[str, ServiceAccountKey] = field(default_factory=dict)
    jwt_audiences: set[str] = field(default_factory=lambda: {IAM_TOKEN_AUDIENCE})


def _invalid(field_name: str, what: str) -> FakeError:
    return FakeError("INVALID_ARGUMENT", f"{field_name}: {what}")


def _check_id(field_name: str, value: str) -> None:
    if len(value) > limits.MAX_ID_LENGTH:
        raise _invalid(field_name, f"length {len(value)} exceeds the maximum of {limits.MAX_ID_LENGTH}")


def _parse_order_by(order_by: str) -> list[tuple[str, bool]]:
    """Parse "name, created_at desc" into [(field, descending)]; empty means insertion order."""
    if len(order_by) > limits.MAX_ORDER_BY_LENGTH:
        raise _invalid("order_by", f"length {len(order_by)} exceeds the maximum of {limits.MAX_ORDER_BY_LENGTH}")
    terms: list[tuple[str, bool]] = []
    if not order_by.strip():
        return terms
    for raw in order_by.split(","):
        words = raw.split()
        if not words or len(words) > 2:
            raise _invalid("order_by", f"term {raw.strip()!r} is not '<field> [asc|desc]'")
        if words[0] not in limits.ORDER_BY_FIELDS:
            raise _invalid(
                "order_by", f"unknown field {words[0]!r}; expected one of {', '.join(limits.ORDER_BY_FIELDS)}"
            )
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise _invalid("order_by", f"direction {words[1]!r} of {words[0]!r} is not 'asc' or 'desc'")
        terms.append((words[0], direction == "desc"))
    return terms


def _parse_filter(filter_text: str) -> str | None:
    """Return the image name a filter selects, or None for no filter."""
    if not filter_text.strip():
        return None
    if len(filter_text) > limits.MAX_FILTER_LENGTH:
        raise _invalid("filter", f"length {len(filter_text)} exceeds the maximum of {limits.MAX_FILTER_LENGTH}")
    match = limits.FILTER_RE.fullmatch(filter_text)
    if match is None:
        raise _invalid("filter", f'only name="<registry_id>/<repository>" is supported, got {filter_text!r}')
    value = match.group("value")
    registry_id, _, repository = value.partition("/")
    if not registry_id or not limits.REPOSITORY_NAME_RE.fullmatch(repository):
        raise _invalid("filter", f"value {value!r} is not '<registry_id>/<repository>'")
    return value


def _sort_key(field_name: str, image: Image) -> Any:
    if field_name == "name":
        return image.name
    if field_name == "digest":
        return image.digest
    return image.created_at  # created_at and last_modified: images are immutable here


class ContainerRegistryModel:
    """Registries, images, operations, credentials, knobs and counters of the fake Container Registry; thread-safe.

    ``fake.cloud.FakeModel`` adds the Cloud Registry model beside it; this module knows nothing of that one.
    """

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock: Callable[[], float] = clock or time.time
        self.knobs = Knobs()
        self.credentials = Credentials()
        self.registries: dict[str, Registry] = {}
        self.images: dict[str, Image] = {}
        self.operations: dict[str, Operation] = {}
        # Counters for tests.
        self.calls: collections.Counter[str] = collections.Counter()
        self.idempotency_keys: list[str] = []
        self.deleted_image_ids: list[str] = []
        self.tokens_seen: list[str] = []
        self.peak_concurrent_calls = 0  # most calls sleeping in `latency` at once: shows calls are served together
        self._in_latency = 0
        self._lock = threading.RLock()
        self._counters: collections.Counter[str] = collections.Counter()
        self._guarded_calls = 0
        self._unfinished: dict[str, Operation] = {}
        self._pending_by_image: dict[str, str] = {}
        self._ops_by_key: dict[str, str] = {}
        self._tags: dict[tuple[str, str], str] = {}  # (image name, tag) -> image id
        self._issued_page_tokens: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._version = 0
        self._list_cache: dict[tuple[object, ...], list[Image]] = {}

    # ----- ids and seeding ---------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        """A deterministic 20-character id: "crp" + kind letter + a zero-padded counter."""
        with self._lock:
            self._counters[kind] += 1
            return f"crp{kind[:1]}{self._counters[kind]:016d}"

    def put_registry(self, registry: Registry) -> Registry:
        """Add or replace a registry."""
        _check_id("registry_id", registry.id)
        _check_id("folder_id", registry.folder_id)
        with self._lock:
            self.registries[registry.id] = registry
            self._version += 1
        return registry

    def put_images(self, images: Iterable[Image]) -> None:
        """Add images in order; a tag moves to the newest image of its repository that carries it."""
        with self._lock:
            for image in images:
                if image.registry_id not in self.registries:
                    raise FakeError("NOT_FOUND", f"registry {image.registry_id} not found")
                for tag in image.tags:
                    previous = self._tags.get((image.name, tag))
                    if previous is not None and previous in self.images:
                        old = self.images[previous]
                        self.images[previous] = replace(old, tags=tuple(t for t in old.tags if t != tag))
                    self._tags[(image.name, tag)] = image.id
                self.images[image.id] = image
            self._version += 1

    # ----- credentials -------------------------------------------------------------------------

    def accept_iam_token(self, token: str) -> None:
        """Make ``token`` a valid bearer token."""
        with self._lock:
            self.credentials.iam_tokens.add(token)

    def register_service_account_key(self, key_id: str, service_account_id: str, public_key_pem: str) -> None:
        """Accept JWTs with ``kid`` = ``key_id`` signed by the matching private key, ``iss`` = the account."""
        with self._lock:
            self.credentials.service_account_keys[key_id] = ServiceAccountKey(key_id, service_account_id, public_key_pem)

    def authenticate(self, authorization: str | None) -> str:
        """Check an ``authorization`` header value; return the token or raise UNAUTHENTICATED."""
        if not authorization:
            raise FakeError("UNAUTHENTICATED", "authorization: metadata missing; send 'authorization: Bearer <IAM token>'")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        with self._lock:
            self.tokens_seen.append(token if scheme == "Bearer" else authorization)
            if scheme != "Bearer" or not token:
                raise FakeError("UNAUTHENTICATED", "authorization: expected the scheme 'Bearer <IAM token>'")
            if token not in self.credentials.iam_tokens:
                raise FakeError("UNAUTHENTICATED", "authorization: the bearer token is not a valid IAM token")
        return token

    def _issue_iam_token(self) -> tuple[str, float]:
        token = "t1." + secrets.token_urlsafe(24)
        with self._lock:
            self.credentials.iam_tokens.add(token)
        return token, self.clock() + IAM_TOKEN_LIFETIME_SECONDS

    def exchange_oauth_token(self, oauth_token: str) -> tuple[str, float]:
        """IamTokenService.Create{yandex_passport_oauth_token}: a fresh IAM token and its expiry (epoch)."""
        if oauth_token not in self.credentials.oauth_tokens:
            raise FakeError("UNAUTHENTICATED", "yandex_passport_oauth_token: not a known OAuth token")
        return self._issue_iam_token()

    def exchange_jwt(self, token: str) -> tuple[str, float]:
        """IamTokenService.Create{jwt}: verify a PS256 service-account JWT; a fresh IAM token and its expiry."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise FakeError("UNAUTHENTICATED", f"jwt: not a well-formed JWT ({type(exc).__name__})") from None
        if header.get("alg") != "PS256":
            raise FakeError("UNAUTHENTICATED", f"jwt: header alg {header.get('alg')!r} is not 'PS256'")
        key_id = header.get("kid")
        key = self.credentials.service_account_keys.get(str(key_id))
        if key is None:
            raise FakeError("UNAUTHENTICATED", f"jwt: header kid {key_id!r} is not a registered key id")
        try:
            claims = jwt.decode(
                token,
                key.public_key_pem,
                algorithms=["PS256"],
                audience=sorted(self.credentials.jwt_audiences),
                options={"require": ["exp", "iss", "aud"]},
                leeway=5,
            )
        except jwt.ExpiredSignatureError:
            raise FakeError("UNAUTHENTICATED", "jwt: exp is in the past (token expired)") from None
        except jwt.InvalidAudienceError:
            raise FakeError(
                "UNAUTHENTICATED", f"jwt: aud does not match {' or '.join(sorted(self.credentials.jwt_audiences))}"
            ) from None
        except jwt.InvalidSignatureError:
            raise FakeError("UNAUTHENTICATED", f"jwt: signature does not verify with key {key_id}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise FakeError("UNAUTHENTICATED", f"jwt: required claim {exc.claim!r} is missing") from None
        except jwt.PyJWTError as exc:
            raise FakeError("UNAUTHENTICATED", f"jwt: rejected ({type(exc).__name__})") from None
        if claims.get("iss") != key.service_account_id:
            raise FakeError(
                "UNAUTHENTICATED",
                f"jwt: iss {claims.get('iss')!r} is not the service account {key.service_account_id} of key {key_id}",
            )
        return self._issue_iam_token()

    # ----- call accounting and fault injection -------------------------------------------------

    def begin_call(self, method: str) -> None:
        """Count a call of "Service.Method"; sleep ``latency``; answer UNAVAILABLE every Nth guarded call."""
        with self._lock:
            self.calls[method] += 1
            gone = self.gone_answer(method)
            if gone is not None:
                raise FakeError("UNIMPLEMENTED" if gone == ABSENT else gone,
                                "Method not found!" if gone == ABSENT else
                                f"{method}: the service was shut down (fake knob answering {gone})")
            failing = False
            if method.startswith(GUARDED_SERVICES):
                self._guarded_calls += 1
                every = self.knobs.unavailable_every
                failing = every > 0 and self._guarded_calls % every == 0
            latency = self.knobs.latency
        if latency > 0:
            with self._lock:
                self._in_latency += 1
                self.peak_concurrent_calls = max(self.peak_concurrent_calls, self._in_latency)
            try:
                time.sleep(latency)
            finally:
                with self._lock:
                    self._in_latency -= 1
        if failing:
            raise FakeError("UNAVAILABLE", f"{method}: injected UNAVAILABLE (unavailable_every knob)")

    def service_of(self, method: str) -> str | None:
        """"container-registry" or "cloud-registry" for a counted "Service.Method"; None for shared services."""
        return next((service for service, prefixes in SERVICE_METHODS.items() if method.startswith(prefixes)), None)

    def gone_answer(self, method: str) -> str | None:
        """What a call of ``method`` answers because its service is gone (a status code name or ABSENT); else None."""
        service = self.service_of(method)
        if service == "container-registry":
            return self.knobs.container_registry_shutdown
        return self.knobs.cloud_registry_missing if service == "cloud-registry" else None

    def absent_services(self) -> set[str]:
        """Service ids that endpoint discovery does not list (their knob says ABSENT)."""
        absent = set()
        if self.knobs.container_registry_shutdown == ABSENT:
            absent.add("container-registry")
        if self.knobs.cloud_registry_missing == ABSENT:
            absent.add("cloud-registry")
        return absent

    def calls_to(self, service: str) -> int:
        """Calls received for one service ("container-registry" or "cloud-registry"), answered or refused."""
        with self._lock:
            return sum(n for method, n in self.calls.items() if self.service_of(method) == service)

    def injected_failure(self, method: str) -> None:
        """Answer the status the ``failing_calls`` knob gives this method, if any (after authentication)."""
        with self._lock:
            injected = self.knobs.failing_calls.get(method)
        if injected:
            raise FakeError(injected, f"{method}: injected {injected} (failing_calls knob)")

    def error_details(self, error: FakeError, authorization: str | None) -> str:
        """The details of an error status; with ``echo_bearer_token`` they repeat the request's credentials."""
        if self.knobs.echo_bearer_token and authorization:
            return f"{error.message} (request had authorization: {authorization})"
        return error.message

    # ----- operations lifecycle ----------------------------------------------------------------

    def advance(self) -> None:
        """Finish every operation whose time has come; called before any state is read."""
        now = self.clock()
        with self._lock:
            for op in [op for op in self._unfinished.values() if op.done_at <= now]:
                if op.image_id in self.knobs.not_found_operations:  # deleted by someone else meanwhile
                    gone = self.images.pop(op.image_id, None)
                    if gone is not None:
                        self._drop_tags(gone)
                        self._version += 1
                    self._finish(op, OperationError(NOT_FOUND_CODE, f"image {op.image_id} not found "
                                                                    "(not_found_operations knob)"), at=op.done_at)
                    continue
                self._finish(op, None if not op.fails else OperationError(
                    INTERNAL_CODE, f"failed to delete image {op.image_id}: injected failure (failing_images knob)"
                ), at=op.done_at)

    def _finish(self, op: Operation, error: OperationError | None, at: float) -> None:
        if op.kind != "delete_image":
            if error is None and op.on_done is not None:
                error = op.on_done()
            op.done, op.error, op.modified_at = True, error, at
            self._unfinished.pop(op.id, None)
            return
        op.done = True
        op.error = error
        op.modified_at = at
        self._unfinished.pop(op.id, None)
        if self._pending_by_image.get(op.image_id) == op.id:
            del self._pending_by_image[op.image_id]
        if error is None and op.image_id in self.images:
            image = self.images.pop(op.image_id)
            self._drop_tags(image)
            self.deleted_image_ids.append(op.image_id)
            self._version += 1

    def _drop_tags(self, image: Image) -> None:
        for tag in image.tags:
            if self._tags.get((image.name, tag)) == image.id:
                del self._tags[(image.name, tag)]

    # ----- ImageService ------------------------------------------------------------------------

    def get_image(self, image_id: str) -> Image:
        """ImageService.Get."""
        if not image_id:
            raise _invalid("image_id", "required, got an empty string")
        _check_id("image_id", image_id)
        self.advance()
        with self._lock:
            image = self.images.get(image_id)
        if image is None:
            raise FakeError("NOT_FOUND", f"image {image_id} not found")
        return image

    def list_images(
        self,
        *,
        registry_id: str = "",
        repository_name: str = "",
        folder_id: str = "",
        page_size: int = 0,
        page_token: str = "",
        filter: str = "",
        order_by: str = "",
    ) -> ListPage:
        """ImageService.List: scope repository_name > registry_id > folder_id, filter, order, opaque paging."""
        _check_id("registry_id", registry_id)
        _check_id("folder_id", folder_id)
        if repository_name:
            if not limits.REPOSITORY_NAME_RE.fullmatch(repository_name):
                raise _invalid(
                    "repository_name", f"{repository_name!r} does not match {limits.REPOSITORY_NAME_PATTERN}"
                )
            scope = ("repository_name", repository_name)
        elif registry_id:
            scope = ("registry_id", registry_id)
        elif folder_id:
            scope = ("folder_id", folder_id)
        else:
            raise _invalid("folder_id", "one of repository_name, registry_id or folder_id must be set")
        if not 0 <= page_size <= limits.MAX_PAGE_SIZE:
            raise _invalid("page_size", f"{page_size} is outside 0..{limits.MAX_PAGE_SIZE}")
        size = page_size or limits.DEFAULT_PAGE_SIZE
        if len(page_token) > limits.MAX_PAGE_TOKEN_LENGTH:
            raise _invalid(
                "page_token", f"length {len(page_token)} exceeds the maximum of {limits.MAX_PAGE_TOKEN_LENGTH}"
            )
        name_filter = _parse_filter(filter)
        terms = _parse_order_by(order_by)
        fingerprint = hashlib.sha256(
            "\0".join((*scope, name_filter or "", repr(terms))).encode()
        ).hexdigest()[:16]
        offset = self._decode_page_token(page_token, fingerprint) if page_token else 0
        self.advance()
        with self._lock:
            selected = self._selection(scope, name_filter, terms)
            page = selected[offset : offset + size]
            next_token = ""
            if offset + size < len(selected):
                next_token = self._issue_page_token(offset + size, fingerprint)
        return ListPage(images=page, next_page_token=next_token)

    def _selection(
        self, scope: tuple[str, str], name_filter: str | None, terms: list[tuple[str, bool]]
    ) -> list[Image]:
        key = (self._version, scope, name_filter, tuple(terms))
        cached = self._list_cache.get(key)
        if cached is not None:
            return cached
        kind, value = scope
        if kind == "repository_name":
            chosen = [i for i in self.images.values() if i.name == value]
        elif kind == "registry_id":
            chosen = [i for i in self.images.values() if i.registry_id == value]
        else:
            in_folder = {r.id for r in self.registries.values() if r.folder_id == value}
            chosen = [i for i in self.images.values() if i.registry_id in in_folder]
        if name_filter is not None:
            chosen = [i for i in chosen if i.name == name_filter]
        for field_name, descending in reversed(terms):
            chosen.sort(key=functools.partial(_sort_key, field_name), reverse=descending)
        self._list_cache = {key: chosen}
        return chosen

    def _issue_page_token(self, offset: int, fingerprint: str) -> str:
        token = base64.urlsafe_b64encode(f"{offset}:{fingerprint}".encode()).decode()
        self._issued_page_tokens[token] = None
        while len(self._issued_page_tokens) > MAX_REMEMBERED_PAGE_TOKENS:  # a long-running fake stays bounded
            self._issued_page_tokens.popitem(last=False)
        return token

    def _decode_page_token(self, token: str, fingerprint: str) -> int:
        """The offset a token stands for. Paging is by offset: an image deleted between two pages shifts the later
        pages by one (a listing that must see every image should finish before it deletes, as cleanup does)."""
        with self._lock:
            issued = token in self._issued_page_tokens
        if not issued:
            raise _invalid("page_token", "not a token this registry issued; pass next_page_token back unchanged")
        try:
            offset_text, _, token_fingerprint = base64.urlsafe_b64decode(token).decode().partition(":")
            offset = int(offset_text)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise _invalid("page_token", "not a token this registry issued") from None
        if token_fingerprint != fingerprint:
            raise _invalid(
                "page_token", "was issued for a different scope, filter or order_by than this request"
            )
        return offset

    def delete_image(self, image_id: str, idempotency_key: str | None = None) -> Operation:
        """ImageService.Delete: an operation that is never done yet; the image goes when it finishes (next reads).

        A repeated idempotency key returns the first call's operation (the key must name the same image).
        Deleting an image that already has a pending delete returns that same pending operation.
        """
        if not image_id:
            raise _invalid("image_id", "required, got an empty string")
        _check_id("image_id", image_id)
        if self.knobs.read_only:
            raise FakeError("FAILED_PRECONDITION", READ_ONLY_MESSAGE)
        if idempotency_key:
            with self._lock:
                self.idempotency_keys.append(idempotency_key)
                known = self._ops_by_key.get(idempotency_key)
            if known is not None:
                first = self.operations[known]
                if first.image_id != image_id:
                    raise _invalid("idempotency-key", f"{idempotency_key!r} was used for deleting image "
                                                      f"{first.image_id}, not {image_id}: use one key per delete")
                self.advance()
                return first
        self.advance()
        with self._lock:
            if image_id not in self.images:
                raise FakeError("NOT_FOUND", f"image {image_id} not found")
            pending = self._pending_by_image.get(image_id)
            if pending is not None:
                op = self.operations[pending]
            else:
                limit = self.knobs.max_unfinished_operations
                if limit > 0 and len(self._unfinished) >= limit:
                    raise FakeError(
                        "RESOURCE_EXHAUSTED",
                        f"too many unfinished operations: {len(self._unfinished)} of at most {limit}; retry later",
                    )
                now = self.clock()
                op = Operation(
                    id=self.new_id("operation"),
                    image_id=image_id,
                    created_at=now,
                    done_at=now + self.knobs.operation_duration,
                    modified_at=now,
                    fails=image_id in self.knobs.failing_images or image_id in self.knobs.rollback_images,
                    not_found_polls_left=self.knobs.early_not_found_polls,
                )
                if image_id in self.knobs.rollback_images:  # the API may show the error before `done`
                    op.error = OperationError(ABORTED_CODE, f"delete of image {image_id} is being rolled back")
                self.operations[op.id] = op
                self._unfinished[op.id] = op
                self._pending_by_image[image_id] = op.id
            if idempotency_key:
                self._ops_by_key[idempotency_key] = op.id
            lose = self.knobs.lost_delete_responses > 0
            if lose:
                self.knobs.lost_delete_responses -= 1
        if lose:
            raise FakeError("UNAVAILABLE", f"ImageService.Delete: the operation {op.id} was created, but the answer "
                                           "was lost (lost_delete_responses knob)")
        return op

    def add_operation(self, op: Operation) -> Operation:
        """Register an operation of another service (it finishes at ``done_at``, running ``on_done``)."""
        with self._lock:
            self.operations[op.id] = op
            self._unfinished[op.id] = op
        return op

    # ----- OperationService --------------------------------------------------------------------

    def get_operation(self, operation_id: str) -> Operation:
        """OperationService.Get; a fresh operation answers NOT_FOUND for its first early_not_found_polls."""
        if not operation_id:
            raise _invalid("operation_id", "required, got an empty string")
        self.advance()
        with self._lock:
            op = self.operations.get(operation_id)
            if op is None:
                raise FakeError("NOT_FOUND", f"operation {operation_id} not found")
            if op.not_found_polls_left > 0:
                op.not_found_polls_left -= 1
                raise FakeError("NOT_FOUND", f"operation {operation_id} not found")
            return op

    def cancel_operation(self, operation_id: str) -> Operation:
        """OperationService.Cancel: a pending operation ends CANCELLED and its image stays; a done one is returned."""
        self.advance()
        with self._lock:
            op = self.operations.get(operation_id)
            if op is None:
                raise FakeError("NOT_FOUND", f"operation {operation_id} not found")
            if not op.done:
                self._finish(op, OperationError(CANCELLED_CODE, "operation cancelled"), at=self.clock())
            return op

    def unfinished_count(self) -> int:
        """How many operations are unfinished right now (no advance; call under the lock or after advancing)."""
        return len(self._unfinished)

    def unfinished_operations(self) -> int:
        """How many delete operations are still running."""
        self.advance()
        with self._lock:
            return len(self._unfinished)


def utc(epoch: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc)
