"""Compatibility shim: the ImageBackend interface moved to :mod:`yc_registry_provider.backends.base`."""

from ..backends.base import DeleteResult, ImageBackend

__all__ = ["DeleteResult", "ImageBackend"]
