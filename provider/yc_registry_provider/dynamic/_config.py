"""The process-global config store of the dynamic providers: set by configure(), never kept on a provider.

Providers are pickled into state; keeping the config (and its token) here keeps it out of `__provider`.
"""

from __future__ import annotations

import threading
from typing import Any

import pulumi

from contextlib import contextmanager
from typing import Iterator

from ..backends.service import backend_from_config, served_note
from ..config import _KEYS, CONFIG_NAMESPACES
from ..transport import RetryNotice

_lock = threading.Lock()
_store: dict[str, Any] = {}


def config_keys() -> list[str]:
    """Every namespaced key the providers read, e.g. ``yandex:token``."""
    return [f"{ns}:{key}" for ns in CONFIG_NAMESPACES for key, _env in _KEYS.values()]


def store(config: Any) -> None:
    """Keep the namespaced keys we use from a ``pulumi.dynamic.Config`` (or a plain mapping)."""
    values = {key: config.get(key) for key in config_keys()}
    with _lock:
        _store.clear()
        _store.update({k: v for k, v in values.items() if v is not None})


def snapshot() -> dict[str, Any]:
    """A copy of the stored config."""
    with _lock:
        return dict(_store)


def clear() -> None:
    """Forget the stored config (tests)."""
    with _lock:
        _store.clear()


def retry_notice(message: str) -> None:
    """A call is being retried: tell the user (the plugin's stderr, which the CLI shows while the step runs)."""
    pulumi.log.warn(f"yc-registry: {message}")


@contextmanager
def client(on_retry: RetryNotice | None = None) -> Iterator[Any]:
    """A fresh backend (the service ``yc-registry:service`` picks) from the stored config, then the environment,
    closed after the block. Its retry notices go to ``on_retry`` (default: :func:`retry_notice`). The first time in
    this process (one deployment) that a service served, the engine log says which."""
    with backend_from_config(snapshot(), on_retry=on_retry or retry_notice) as backend:
        yield backend
    note = served_note()
    if note:
        pulumi.log.info(note)


__all__ = ["clear", "client", "config_keys", "retry_notice", "snapshot", "store"]
