"""pulumi-yc-registry: find, adopt and clean up Yandex Cloud Container Registry images from Pulumi programs."""

from yc_registry_provider.errors import (
    AmbiguousMatchError,
    ApiError,
    ConfigurationError,
    DeadlineExceededError,
    FailedPreconditionError,
    InvalidArgumentError,
    NoMatchError,
    NotFoundError,
    OperationError,
    OperationFailedError,
    OperationTimeoutError,
    PermissionDeniedError,
    RegistryError,
    RegistryReadOnlyError,
    SelectionError,
    ThrottledError,
    TransientError,
    UnauthenticatedError,
    UnavailableError,
)
from yc_registry_provider.models import BlobInfo, ImageInfo

from .cleanup import CleanupFailedError, CleanupReport, ImageCleanup, ProgressEvent, cleanup_images
from .image import Image
from .lookups import GetImagesResult, get_image, get_image_output, get_images, get_images_output

__all__ = [
    "AmbiguousMatchError",
    "ApiError",
    "BlobInfo",
    "CleanupFailedError",
    "CleanupReport",
    "ConfigurationError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "GetImagesResult",
    "Image",
    "ImageCleanup",
    "ImageInfo",
    "InvalidArgumentError",
    "NoMatchError",
    "NotFoundError",
    "OperationError",
    "OperationFailedError",
    "OperationTimeoutError",
    "PermissionDeniedError",
    "ProgressEvent",
    "RegistryError",
    "RegistryReadOnlyError",
    "SelectionError",
    "ThrottledError",
    "TransientError",
    "UnauthenticatedError",
    "UnavailableError",
    "cleanup_images",
    "get_image",
    "get_image_output",
    "get_images",
    "get_images_output",
]
