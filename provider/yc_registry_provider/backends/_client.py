"""What every service client shares: settings, a transport it may own, construction from config, closing."""

from __future__ import annotations

from typing import Any, Mapping, TypeVar

from ..config import Settings, resolve_settings
from ..retry import DEFAULT_RETRY, DEFAULT_WAIT, RetryPolicy, WaitPolicy
from ..transport import RetryNotice, Transport

C = TypeVar("C", bound="ServiceClient")


class ServiceClient:
    """A client of one cloud service over one Transport (its own, or a shared one that its owner closes)."""

    def __init__(self, settings: Settings | None = None, *, retry: RetryPolicy = DEFAULT_RETRY,
                 wait: WaitPolicy = DEFAULT_WAIT, call_timeout: float = 30.0, root_certificates: bytes | None = None,
                 transport: Transport | None = None, on_retry: RetryNotice | None = None) -> None:
        self.settings = settings if settings is not None else resolve_settings()
        self.wait_policy = wait
        self._owns_transport = transport is None  # a shared transport (backends/service.py) is closed by its owner
        self.transport = transport or Transport(self.settings, retry=retry, call_timeout=call_timeout,
                                                root_certificates=root_certificates, on_retry=on_retry)

    @classmethod
    def from_config(cls: type[C], config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None, *,
                    on_retry: RetryNotice | None = None, **explicit: Any) -> C:
        """A client from explicit arguments, then Pulumi config, then the environment; ``on_retry`` is told, in
        one line for the user, when a call is being retried."""
        return cls(resolve_settings(explicit, config, env), on_retry=on_retry)

    def __enter__(self: C) -> C:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_transport:
            self.transport.close()


__all__ = ["ServiceClient"]
