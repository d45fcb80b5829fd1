"""pulumi-yc-registry's provider side: everything that talks to Yandex Cloud Container Registry.

Programs import `pulumi_yc_registry` (the SDK); this package holds the client, the dynamic providers,
the cleanup engine and the embedded fake registry (`yc_registry_provider.fake`).
"""

from .backend import DeleteResult, ImageBackend
from .client import DEFAULT_DELETE_TIMEOUT, RegistryClient
from .config import Secret, Settings, resolve_settings
from .errors import (AmbiguousMatchError, ApiError, CleanupFailedError, ConfigurationError, FailedPreconditionError,
                     InvalidArgumentError, NoMatchError, NotFoundError, OperationError, OperationFailedError,
                     OperationTimeoutError, PermissionDeniedError, RegistryError, RegistryReadOnlyError,
                     SelectionError, ThrottledError, TransientError, UnauthenticatedError, UnavailableError)
from .models import BlobInfo, ImageInfo
from .retry import RetryPolicy, WaitPolicy

__all__ = [
    "AmbiguousMatchError",
    "ApiError",
    "BlobInfo",
    "CleanupFailedError",
    "ConfigurationError",
    "DEFAULT_DELETE_TIMEOUT",
    "DeleteResult",
    "FailedPreconditionError",
    "ImageBackend",
    "ImageInfo",
    "InvalidArgumentError",
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
    "resolve_settings",
]
