"""The whole fake cloud: the Container Registry model, the Cloud Registry model and the workloads model (what
Serverless Containers and Compute run, read by keep_in_use), put together in one place.

The Cloud Registry model shares the Container Registry model's clock, lock, ids and operations (one
OperationService serves both) and reads its registries and images to migrate them; neither model's module imports
the other's, only this one imports both.
"""

from __future__ import annotations

from typing import Callable

from yc_registry_provider.fake.cloudregistry_model import CloudRegistryModel
from yc_registry_provider.fake.model import ContainerRegistryModel
from yc_registry_provider.fake.workloads_model import WorkloadsModel


class FakeModel(ContainerRegistryModel):
    """Container Registry state and rules (inherited), plus ``cloud_registry``: the Cloud Registry beside it, and
    ``workloads``: containers, instances and instance groups (their own model, on the same clock)."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        super().__init__(clock)
        self.cloud_registry = CloudRegistryModel(self)
        self.workloads = WorkloadsModel(self.clock)


__all__ = ["FakeModel"]
