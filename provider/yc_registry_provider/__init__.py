"""pulumi-yc-registry's provider side: everything that talks to Yandex Cloud Container Registry.

Programs import `pulumi_yc_registry` (the SDK); this package holds the client, the dynamic providers,
the cleanup engine and the embedded fake registry (`yc_registry_provider.fake`).
"""

from typing import TYPE_CHECKING, Any

from .backends.base import DeleteResult, ImageBackend
from .config import Secret, Settings, resolve_settings
from .errors import (AmbiguousMatchError, ApiError, CleanupFailedError, ConfigurationError, DeadlineExceededError,
                     FailedPreconditionError,
                     InvalidArgumentError, MigrationError, MigrationFailedError, MigrationIncompleteError,
                     MigrationTimeoutError, NoMatchError, NotFoundError, OperationError, OperationFailedError,
                     OperationTimeoutError, PermissionDeniedError, RegistryError, RegistryReadOnlyError,
                     SelectionError, ThrottledError, TransientError, UnauthenticatedError, UnavailableError,
                     WorkloadSourceError)
from .limits import DEFAULT_DELETE_TIMEOUT
from .models import BlobInfo, ImageInfo
from .retry import RetryPolicy, WaitPolicy

if TYPE_CHECKING:
    from .backends.container_registry import RegistryClient


def __getattr__(name: str) -> Any:
    """Import the gRPC client on first use, so the pure modules (validation, selection, rules) load no grpc."""
    if name == "RegistryClient":
        from .backends.container_registry import RegistryClient

        return RegistryClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "AmbiguousMatchError",
    "ApiError",
    "BlobInfo",
    "CleanupFailedError",
    "ConfigurationError",
    "DEFAULT_DELETE_TIMEOUT",
    "DeadlineExceededError",
    "DeleteResult",
    "FailedPreconditionError",
    "ImageBackend",
    "ImageInfo",
    "InvalidArgumentError",
    "MigrationError",
    "MigrationFailedError",
    "MigrationIncompleteError",
    "MigrationTimeoutError",
    "NoMatchError",
    "NotFoundError",
    "OperationError",
    "OperationFailedError",
    "OperationTimeoutError",
    "PermissionDeniedError",
    "RegistryClient",
    "RegistryError",
    "RegistryReadOnlyError",
    "RetryPolicy",
    "Secret",
    "SelectionError",
    "Settings",
    "ThrottledError",
    "TransientError",
    "UnauthenticatedError",
    "UnavailableError",
    "WaitPolicy",
    "WorkloadSourceError",
    "resolve_settings",
]
