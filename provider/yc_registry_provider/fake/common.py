"""What the fake's service models share: the error they raise, the Operation one OperationService serves for both,
and what the Cloud Registry model needs of the Container Registry model (its clock, lock, ids, operations and the
registries and images a migration moves). Neither model imports the other; ``fake/cloud.py`` puts them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Protocol


INTERNAL_CODE = 13  # google.rpc.Code INTERNAL: how the fake ends an operation that failed


class FakeError(Exception):
    """A rule the fake enforces was broken; ``code`` is a gRPC status code NAME such as "NOT_FOUND"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OperationError:
    """The google.rpc.Status of a failed operation: numeric code and message."""

    code: int
    message: str


@dataclass
class Operation:
    """A delete-image operation; done once ``done_at`` has passed (evaluated lazily)."""

    id: str
    image_id: str
    created_at: float
    done_at: float
    created_by: str = "fake-user"
    description: str = "Delete image"
    done: bool = False
    modified_at: float = 0.0
    error: OperationError | None = None
    fails: bool = False
    not_found_polls_left: int = 0
    kind: str = "delete_image"  # other kinds (Cloud Registry's) describe themselves in ``metadata``
    metadata: dict[str, Any] = field(default_factory=dict)
    on_done: Callable[[], OperationError | None] | None = None  # runs when it finishes; may return its error


class SharedState(Protocol):
    """The parts of the Container Registry model the Cloud Registry model uses (duck-typed; no import either way)."""

    clock: Callable[[], float]
    knobs: Any  # reads ``operation_duration``
    registries: dict[str, Any]  # Container Registry registries (id, folder_id, name): what a migration moves
    images: dict[str, Any]  # Container Registry images
    operations: dict[str, Operation]

    @property
    def _lock(self) -> ContextManager[Any]: ...

    def new_id(self, kind: str) -> str: ...

    def advance(self) -> None: ...

    def add_operation(self, op: Operation) -> Operation: ...

    def unfinished_count(self) -> int: ...
