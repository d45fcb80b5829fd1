"""Compatibility shim: the Container Registry client moved to :mod:`yc_registry_provider.backends.container_registry`."""

from ..backends.container_registry import DEFAULT_DELETE_TIMEOUT, SEND_ONCE, RegistryClient, StartedDelete

__all__ = ["DEFAULT_DELETE_TIMEOUT", "RegistryClient", "SEND_ONCE", "StartedDelete"]
