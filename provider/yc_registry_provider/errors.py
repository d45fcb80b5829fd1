"""The project's exceptions: one class per failure kind, so callers can act on the kind.

Tree::

    RegistryError                      base of everything this package raises
    +-- InvalidArgumentError           bad input, caught before any call (or INVALID_ARGUMENT from the API)
    +-- ConfigurationError             credentials/endpoint settings that cannot work (plaintext to a remote host...)
    |   +-- ServiceNotListedError      endpoint discovery does not list the service (``service`` names it)
    +-- SelectionError                 a lookup that did not resolve to exactly one image
    |   +-- NoMatchError               nothing matched
    |   +-- AmbiguousMatchError        several matched (their ids are named)
    +-- ApiError                       the API answered with a non-retryable status
    |   +-- NotFoundError              NOT_FOUND
    |   +-- UnauthenticatedError       UNAUTHENTICATED (missing/expired token)
    |   +-- PermissionDeniedError      PERMISSION_DENIED
    |   +-- RegistryReadOnlyError      a mutating call refused because the registry is read-only (sunset)
    |   +-- FailedPreconditionError    FAILED_PRECONDITION for other reasons
    |   +-- DeadlineExceededError      a write ran out of time: it may or may not have happened (never retried)
    +-- OperationError                 a long-running Operation ended badly
    |   +-- OperationFailedError       done with an error status
    |   +-- OperationTimeoutError      not done within the deadline
    +-- CleanupFailedError             a cleanup left selected images undeleted; ``report`` says which and why
    +-- WorkloadSourceError            keep_in_use could not read a workload source (``source``, ``role``): the
                                       cleanup stops before deleting anything (fail closed)
    +-- MigrationError                 a migration to Cloud Registry did not end well; ``folder_id`` names it
    |   +-- MigrationFailedError       it finished without meeting the completion criteria (failed tags named)
    |   +-- MigrationTimeoutError      it was still under way at the deadline (it goes on in the cloud)
    |   +-- MigrationIncompleteError   it completed, but verification found images missing in Cloud Registry
    +-- TransientError                 retryable transport trouble that outlived the retry budget
        +-- UnavailableError           UNAVAILABLE, and DEADLINE_EXCEEDED on reads
        +-- ThrottledError             RESOURCE_EXHAUSTED (quota or rate limit)

Transient errors stand apart from API errors: only they are retried, and only inside a budget.
This module is pure: gRPC codes are mapped to these classes in ``transport.map_rpc_error``, the one place.
"""

from __future__ import annotations

from typing import Any

SUNSET_EXPLANATION = (
    "Yandex Cloud Container Registry has been read-only since 2026-11-10 and shuts down on 2026-12-14: "
    "images can still be listed and read, but not deleted. Move the images to Yandex Cloud Registry "
    "(cloudregistry) and manage them there"
)


class RegistryError(Exception):
    """Base class of every error raised by pulumi-yc-registry."""


class InvalidArgumentError(RegistryError, ValueError):
    """An input broke a documented rule; ``field`` and ``rule`` say which."""

    def __init__(self, field: str, rule: str, value: object = None, *, message: str | None = None) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        if message is None:
            shown = "" if value is None else f" (got {_short(value)})"
            message = f"invalid {field}: {rule}{shown}"
        super().__init__(message)


class ConfigurationError(RegistryError):
    """Settings (endpoint, credentials) that cannot work; says which setting to change."""


class ServiceNotListedError(ConfigurationError):
    """Endpoint discovery lists no address for ``service`` (e.g. ``container-registry`` after its shutdown)."""

    def __init__(self, message: str, *, service: str) -> None:
        self.service = service
        super().__init__(message)


class SelectionError(RegistryError):
    """A lookup did not resolve to exactly one image."""


class NoMatchError(SelectionError, LookupError):
    """No image matched the lookup."""


class AmbiguousMatchError(SelectionError):
    """Several images matched a lookup that must resolve to one."""

    def __init__(self, message: str, image_ids: list[str]) -> None:
        self.image_ids = list(image_ids)
        super().__init__(message)


class ApiError(RegistryError):
    """The API refused a call with a status that retrying will not fix."""

    def __init__(self, message: str, *, code: str | None = None, image_id: str | None = None,
                 operation_id: str | None = None) -> None:
        self.code = code
        self.image_id = image_id
        self.operation_id = operation_id
        super().__init__(message)


class NotFoundError(ApiError, LookupError):
    """NOT_FOUND: the image (or operation) does not exist, or is not visible to these credentials."""


class UnauthenticatedError(ApiError):
    """UNAUTHENTICATED: no token, or an expired or unknown one."""


class PermissionDeniedError(ApiError):
    """PERMISSION_DENIED: the account lacks a role on the registry or folder."""


class RegistryReadOnlyError(ApiError):
    """A mutating call refused because Container Registry is read-only (the 2026 sunset)."""


class FailedPreconditionError(ApiError):
    """FAILED_PRECONDITION for a reason other than read-only mode."""


class DeadlineExceededError(ApiError):
    """The time allowed ran out: a write (Delete) that may have been accepted (``sent``), or a call never sent.

    A sent write is never retried blindly: look whether it happened before sending it again.
    """

    def __init__(self, message: str, *, sent: bool = True, code: str | None = "DEADLINE_EXCEEDED",
                 image_id: str | None = None, operation_id: str | None = None) -> None:
        self.sent = sent
        super().__init__(message, code=code, image_id=image_id, operation_id=operation_id)


class OperationError(RegistryError):
    """A long-running Operation did not end well; ``operation_id`` names it."""

    def __init__(self, message: str, *, operation_id: str, image_id: str | None = None) -> None:
        self.operation_id = operation_id
        self.image_id = image_id
        super().__init__(message)


class OperationFailedError(OperationError):
    """The Operation finished with an error status (``error_code``, ``error_message``)."""

    def __init__(self, message: str, *, operation_id: str, image_id: str | None = None,
                 error_code: int = 0, error_message: str = "") -> None:
        self.error_code = error_code
        self.error_message = error_message
        super().__init__(message, operation_id=operation_id, image_id=image_id)


class OperationTimeoutError(OperationError):
    """The Operation was not done before the deadline; it may still finish in the cloud."""


class CleanupFailedError(RegistryError):
    """Some selected images were not deleted; ``report`` (a CleanupReport) says which and why.

    What was deleted stays deleted; running the cleanup again continues from there.
    """

    def __init__(self, report: Any) -> None:
        self.report = report
        lead = f"{report.aborted}. " if getattr(report, "aborted", None) else ""
        super().__init__(lead + report.summary())


class WorkloadSourceError(RegistryError):
    """A workload source that ``keep_in_use`` reads could not be read (no role, no endpoint, unreachable past the
    budget); ``source`` names it, ``role`` the role that reads it. The cleanup deletes nothing after it."""

    def __init__(self, message: str, *, source: str, role: str, cause: Exception | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.role = role
        self.cause = cause


class MigrationError(RegistryError):
    """A folder's migration to Cloud Registry did not end well; ``folder_id`` names the folder."""

    def __init__(self, message: str, *, folder_id: str) -> None:
        self.folder_id = folder_id
        super().__init__(message)


class MigrationFailedError(MigrationError):
    """The migration finished, but not as done means: FAILED, or failed tags (``failed_tags`` names them)."""

    def __init__(self, message: str, *, folder_id: str, failed_tags: list[str] | None = None) -> None:
        self.failed_tags = list(failed_tags or [])
        super().__init__(message, folder_id=folder_id)


class MigrationTimeoutError(MigrationError):
    """The migration was still under way when the time allowed ran out; it continues in the cloud."""


class MigrationIncompleteError(MigrationError):
    """The migration completed, yet some Container Registry images are not in Cloud Registry (``missing``)."""

    def __init__(self, message: str, *, folder_id: str, missing: list[Any] | None = None) -> None:
        self.missing = list(missing or [])
        super().__init__(message, folder_id=folder_id)


class TransientError(RegistryError):
    """Retryable transport trouble that outlived the retry budget."""

    def __init__(self, message: str, *, code: str | None = None, attempts: int = 1,
                 image_id: str | None = None, operation_id: str | None = None) -> None:
        self.code = code
        self.attempts = attempts
        self.image_id = image_id
        self.operation_id = operation_id
        super().__init__(message)


class UnavailableError(TransientError):
    """UNAVAILABLE (or a read's DEADLINE_EXCEEDED) after every retry."""


class ThrottledError(TransientError):
    """RESOURCE_EXHAUSTED (quota or rate limit) after every retry."""


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = sorted([
    "AmbiguousMatchError", "ApiError", "CleanupFailedError", "ConfigurationError", "DeadlineExceededError", "FailedPreconditionError", "InvalidArgumentError",
    "MigrationError", "MigrationFailedError", "MigrationIncompleteError", "MigrationTimeoutError",
    "NoMatchError", "NotFoundError", "OperationError", "OperationFailedError", "OperationTimeoutError",
    "PermissionDeniedError", "RegistryError", "RegistryReadOnlyError", "SUNSET_EXPLANATION", "SelectionError",
    "ServiceNotListedError", "ThrottledError", "TransientError", "UnauthenticatedError", "UnavailableError",
    "WorkloadSourceError",
])
