"""The worlds a stack lives in around 2026-12-14, built on one running fake: both services (the folder migrated,
Container Registry still answering), an endpoint with Container Registry only, and Container Registry shut down
with each answer it might give. Builders for the matrix tests (in-process and through the real CLI)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from harness.cloud import FakeCloud, start_fake_cloud
from yc_registry_provider.config import Settings, resolve_settings
from yc_registry_provider.fake import Image, add_image, copy_to_cloud_registry
from yc_registry_provider.fake.model import ABSENT, SHUTDOWN_ANSWERS

AFTER_SHUTDOWN = "2026-12-15"  # the `today` setting of worlds after Container Registry shut down
BOTH = "both-services"
CONTAINER_ONLY = "container-registry-only"
GONE = {f"container-registry-gone-{answer.lower().replace('_', '-')}": answer for answer in SHUTDOWN_ANSWERS}
WORLDS: tuple[str, ...] = (BOTH, CONTAINER_ONLY, *GONE)


@dataclass
class World:
    """One fake, one repository ``<registry>/app`` with three images (untagged, v1, v2+latest), and the switch that
    turns the world from "before" (Container Registry serving) to what ``name`` says."""

    name: str
    cloud: FakeCloud
    images: dict[str, Image]

    @property
    def model(self) -> Any:
        return self.cloud.model

    @property
    def repository(self) -> str:
        return f"{self.cloud.registry_id}/app"

    @property
    def answer(self) -> str | None:
        """What the dead Container Registry answers (None when it serves)."""
        return GONE.get(self.name)

    @property
    def dead(self) -> str | None:
        """The service that is missing in this world, whose calls the tests count."""
        if self.name == CONTAINER_ONLY:
            return "cloud-registry"
        return "container-registry" if self.answer else None

    @property
    def serving(self) -> str:
        """The service every answer should come from once the world is in place."""
        return "container-registry" if self.name == CONTAINER_ONLY else "cloud-registry"

    def dead_calls(self) -> int:
        """Calls the fake received for the missing service (Container Registry's in the world with both)."""
        return int(self.model.calls_to(self.dead or "container-registry"))

    def begin(self) -> None:
        """Before: Container Registry serves; an endpoint with Container Registry only never had Cloud Registry."""
        if self.name == CONTAINER_ONLY:
            self.model.knobs.cloud_registry_missing = "UNIMPLEMENTED"

    def shut_down(self) -> None:
        """The folder migrated (ids and digests kept); then, in the gone worlds, Container Registry shut down."""
        if self.name != CONTAINER_ONLY:
            copy_to_cloud_registry(self.model, self.cloud.registry_id)
        self.model.knobs.container_registry_shutdown = self.answer
        self.model.calls.clear()

    def successor_id(self, label: str) -> str:
        """The Cloud Registry image id of one seeded image (its smallest version artifact id)."""
        digest = self.images[label].digest
        return min(a.id for a in self.model.cloud_registry.artifacts.values()
                   if a.kind == "ARTIFACT" and a.manifest_digest == digest)

    @property
    def today(self) -> str | None:
        return AFTER_SHUTDOWN if self.answer else None

    def settings(self, **extra: Any) -> Settings:
        """Client settings; a world where Container Registry left endpoint discovery uses discovery."""
        given = dict(extra)
        if self.today:
            given.setdefault("today", self.today)
        settings = resolve_settings(given, self.cloud.config, {})
        if self.answer == ABSENT:
            settings = dataclasses.replace(settings, endpoint_explicit=False)
        return settings

    @property
    def env(self) -> dict[str, str]:
        """YC_* for the CLI and the plugin (one endpoint given: a service left out of discovery answers
        UNIMPLEMENTED 'Method not found!' there, as a server without it does)."""
        env = dict(self.cloud.env)
        if self.today:
            env["YC_REGISTRY_TODAY"] = self.today
        return env

    @property
    def config(self) -> dict[str, Any]:
        config = dict(self.cloud.config)
        if self.today:
            config["yc-registry:today"] = self.today
        return config

    def stop(self) -> None:
        self.cloud.server.stop(0)


def given_world(name: str) -> World:
    """A started fake in the "before" state of world ``name``: registry with app: untagged, v1, v2+latest."""
    cloud = start_fake_cloud()
    start = datetime.now(timezone.utc) - timedelta(days=30)
    images = {label: add_image(cloud.model, cloud.registry_id, "app", tags=tags, created_at=start + timedelta(days=n))
              for n, (label, tags) in enumerate([("untagged", ()), ("v1", ("v1",)), ("v2", ("v2", "latest"))])}
    world = World(name=name, cloud=cloud, images=images)
    world.begin()
    return world


@contextmanager
def running_world(name: str) -> Iterator[World]:
    """``given_world(name)``, stopped afterwards."""
    world = given_world(name)
    try:
        yield world
    finally:
        world.stop()


__all__ = ["AFTER_SHUTDOWN", "BOTH", "CONTAINER_ONLY", "GONE", "WORLDS", "World", "given_world", "running_world"]
