"""An embedded fake Yandex Cloud Container Registry and Cloud Registry (with the migration between them): a real
gRPC server on loopback for tests and demos.

Start one with ``FakeServer(seed_demo(FakeModel())).start()`` or ``python -m yc_registry_provider.fake``.
"""

from yc_registry_provider.fake.builders import (
    DEMO_FOLDER_ID,
    DEMO_OAUTH_TOKEN,
    DEMO_TOKEN,
    add_cloud_registry,
    add_container_revision,
    add_image,
    add_images,
    add_instance,
    add_instance_group,
    add_registry,
    copy_to_cloud_registry,
    push_cloud_image,
    seed_demo,
)
from yc_registry_provider.fake.cloud import FakeModel
from yc_registry_provider.fake.cloudregistry_model import CloudRegistryModel, MigrationKnobs
from yc_registry_provider.fake.common import FakeError, Operation, OperationError
from yc_registry_provider.fake.model import (
    IAM_TOKEN_AUDIENCE,
    Blob,
    ContainerRegistryModel,
    Image,
    Knobs,
    ListPage,
    ManualClock,
    Registry,
    ServiceAccountKey,
)
from yc_registry_provider.fake.server import FakeServer

__all__ = [
    "Blob",
    "CloudRegistryModel",
    "ContainerRegistryModel",
    "DEMO_FOLDER_ID",
    "DEMO_OAUTH_TOKEN",
    "DEMO_TOKEN",
    "FakeError",
    "FakeModel",
    "FakeServer",
    "IAM_TOKEN_AUDIENCE",
    "Image",
    "Knobs",
    "ListPage",
    "ManualClock",
    "MigrationKnobs",
    "Operation",
    "OperationError",
    "Registry",
    "ServiceAccountKey",
    "add_cloud_registry",
    "add_container_revision",
    "add_image",
    "add_images",
    "add_instance",
    "add_instance_group",
    "add_registry",
    "copy_to_cloud_registry",
    "push_cloud_image",
    "seed_demo",
]
