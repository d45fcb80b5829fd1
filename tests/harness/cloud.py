"""A running fake Yandex Cloud for tests and demos, and the config/env that aim a client or plugin at it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yc_registry_provider.fake import DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, add_registry

REPO_ROOT = Path(__file__).resolve().parents[2]


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
