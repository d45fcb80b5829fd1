"""A running fake Yandex Cloud for tests and demos, and the config/env that aim a client or plugin at it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from yc_registry_provider.fake import (DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, Knobs, MigrationKnobs, add_image,
                                      add_registry)

REPO_ROOT = Path(__file__).resolve().parents[2]
_repository_numbers = itertools.count(1)


@dataclass
class FakeCloud:
    """A running fake and the ways to reach it: Pulumi config keys and YC_* environment."""

    model: FakeModel
    server: FakeServer
    registry_id: str = ""

    @property
    def config(self) -> dict[str, Any]:
        """Stack config aimed at the fake (namespaced keys, as the engine sends them)."""
        return {"yandex:endpoint": self.server.address, "yandex:plaintext": "true", "yandex:token": DEMO_TOKEN,
                "yandex:folderId": DEMO_FOLDER_ID}

    def reset_knobs(self) -> None:
        """Back to no latency, instant operations and no injected faults (between tests sharing a fake)."""
        self.model.knobs = Knobs()
        self.model.cloud_registry.knobs = MigrationKnobs()

    def repository_with(self, *tag_sets: tuple[str, ...], age_days: int = 100) -> tuple[str, list[str]]:
        """A new repository with one image per tag set, oldest first, a day apart, the oldest ``age_days`` old.

        Returns the repository name and the image ids in push order.
        """
        path = f"repo{next(_repository_numbers)}"
        start = datetime.now(timezone.utc) - timedelta(days=age_days)
        ids = [add_image(self.model, self.registry_id, path, tags=tags, created_at=start + timedelta(days=n)).id
               for n, tags in enumerate(tag_sets)]
        return f"{self.registry_id}/{path}", ids

    @property
    def env(self) -> dict[str, str]:
        return {"YC_ENDPOINT": self.server.address, "YC_PLAINTEXT": "true", "YC_TOKEN": DEMO_TOKEN,
                "YC_FOLDER_ID": DEMO_FOLDER_ID}


def start_fake_cloud(model: FakeModel | None = None) -> FakeCloud:
    """A started fake accepting DEMO_TOKEN, with one empty registry in the demo folder; deletes finish at once."""
    model = model or FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    registry = add_registry(model, folder_id=DEMO_FOLDER_ID, name="tests")
    return FakeCloud(model=model, server=FakeServer(model).start(), registry_id=registry.id)


def peak_overlap(starts: list[float], duration: float) -> int:
    """How many of the intervals [start, start + duration) overlap at most: the fake's delete operations each last
    exactly its ``operation_duration`` from their ``created_at``, so this is how many deletes ran at once."""
    events = sorted([(at, 1) for at in starts] + [(at + duration, -1) for at in starts])
    peak = running = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak
