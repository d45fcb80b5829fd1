"""The cloud behind the Pulumi layer: one module per service behind one interface. This package's root is pure.

``base`` holds ImageBackend; ``container_registry`` (RegistryClient) and ``cloud_registry`` (CloudRegistryClient)
implement it; ``cloud_registry_mapping`` is the one assumption about Docker images as artifacts; ``service`` is the
one place that picks the service (``yc-registry:service`` / ``YC_REGISTRY_SERVICE``).
"""

from .base import DeleteResult, ImageBackend

__all__ = ["DeleteResult", "ImageBackend"]
