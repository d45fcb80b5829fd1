"""IAM tokens from each credential source, cached per process until shortly before they expire.

Sources: a given IAM token (`t1.` prefix) used as it is; an OAuth token or a service-account key
(PS256 JWT) exchanged through IamTokenService; the VM metadata service over HTTP.
The exchange itself is a callable handed in by the transport, so this module makes no gRPC call.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Callable

from .config import Settings
from .errors import ConfigurationError, UnauthenticatedError

log = logging.getLogger(__name__)

IAM_AUDIENCE = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
IAM_TOKEN_PREFIX = "t1."
GIVEN_TOKEN_LIFETIME = 12 * 3600.0
REFRESH_MARGIN = 300.0  # refresh this many seconds before expiry
JWT_LIFETIME = 3600

FAILURE_MEMORY = 2.0  # seconds a failed fetch is re-raised to waiting callers instead of being tried again

# exchange(kind, value, deadline) -> (iam_token, expires_at_epoch); kind is "oauth" or "jwt";
# deadline (time.monotonic) bounds the exchange like the call that needs the token
Exchange = Callable[[str, str, "float | None"], "tuple[str, float]"]
Fetch = Callable[["float | None"], "tuple[str, float]"]


class TokenCache:
    """Holds one IAM token; fetches a new one under a lock when it is missing or about to expire."""

    def __init__(self, *, margin: float = REFRESH_MARGIN, clock: Callable[[], float] = time.time) -> None:
        self._margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._failure: tuple[Exception, float] | None = None
        self.fetches = 0

    def get(self, fetch: Fetch, deadline: float | None = None) -> str:
        """The cached token, or a fresh one from ``fetch`` within ``deadline``; a fetch that just failed is
        re-raised to the callers that were waiting for it (one attempt for many threads, not one each)."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._margin:
                if self._failure is not None and time.monotonic() < self._failure[1]:
                    raise self._failure[0]
                try:
                    self._token, self._expires_at = fetch(deadline)
                except Exception as exc:
                    self._failure = (exc, time.monotonic() + FAILURE_MEMORY)
                    raise
                self._failure = None
                self.fetches += 1
                log.debug("obtained an IAM token valid until %.0f", self._expires_at)
            return self._token

    def current(self) -> str | None:
        """The token held now, if any (to keep it out of messages). No lock: it is asked for while a fetch holds it."""
        return self._token

    def forget(self, token: str) -> None:
        """The cloud rejected ``token``: the next call fetches a new one instead of reusing it until it expires."""
        with self._lock:
            if self._token == token:
                self._token, self._expires_at = None, 0.0

    def __repr__(self) -> str:
        return f"TokenCache(fetches={self.fetches})"


class TokenCaches:
    """The process-wide caches, one per credential, keyed by a hash of it (no secret is kept as a key).

    An OAuth token or a key is exchanged once per process, not once per client: every provider call makes a
    client, and all of them share the IAM token until shortly before it expires. ``clock`` is the wall clock
    the caches compare expiry times with (tests move it).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._caches: dict[str, TokenCache] = {}

    def for_credential(self, *parts: str) -> TokenCache:
        key = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        with self._lock:
            cache = self._caches.get(key)
            if cache is None:
                cache = self._caches[key] = TokenCache(clock=lambda: self.clock())
            return cache

    def clear(self) -> None:
        """Forget every cached token."""
        with self._lock:
            self._caches.clear()


CACHES = TokenCaches()


class Tokens:
    """What a transport holds: the process-wide cache of its credential and how to refill it."""

    def __init__(self, cache: TokenCache, fetch: Fetch) -> None:
        self.cache = cache
        self._fetch = fetch

    def get(self, deadline: float | None = None) -> str:
        return self.cache.get(self._fetch, deadline)

    def current(self) -> str | None:
        return self.cache.current()

    def forget(self, token: str) -> None:
        self.cache.forget(token)

    @property
    def fetches(self) -> int:
        return self.cache.fetches

    def __repr__(self) -> str:
        return f"Tokens({self.cache!r})"


def service_account_jwt(key_json: str, *, now: float | None = None, audience: str = IAM_AUDIENCE) -> str:
    """Sign a PS256 JWT for IamTokenService.Create from a service-account key (JSON text)."""
    import jwt  # pyjwt, with cryptography for PS256

    key = json.loads(key_json)
    issued = int(time.time() if now is None else now)
    payload = {"aud": audience, "iss": key["service_account_id"], "iat": issued, "exp": issued + JWT_LIFETIME}
    try:
        return jwt.encode(payload, key["private_key"], algorithm="PS256", headers={"kid": key["id"]})
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"the service-account key {key.get('id', '?')} has a private key that cannot sign ({type(exc).__name__}); "
            "create a new key with `yc iam key create --output key.json`") from None


def metadata_token(url: str, *, timeout: float = 2.0) -> tuple[str, float]:
    """Read a token from the VM metadata service (only works on a Yandex Cloud VM with a service account)."""
    import requests

    try:
        response = requests.get(url, headers={"Metadata-Flavor": "Google"}, timeout=timeout)
        response.raise_for_status()
        body = response.json()
        return str(body["access_token"]), time.time() + float(body.get("expires_in", 3600))
    except (requests.RequestException, KeyError, ValueError) as exc:
        raise UnauthenticatedError(
            "no credentials: none were given (yandex:token / YC_TOKEN, yandex:serviceAccountKeyFile / "
            "YC_SERVICE_ACCOUNT_KEY_FILE) and the VM metadata service did not provide a token "
            f"({type(exc).__name__}); set one of those", code="UNAUTHENTICATED") from None


def _seconds_left(deadline: float | None, default: float) -> float:
    return default if deadline is None else max(0.001, min(default, deadline - time.monotonic()))


def token_cache(settings: Settings, exchange: Exchange) -> Tokens:
    """Tokens fed by the configured source: a given IAM token, OAuth or key exchange, or the metadata service;
    exchanged tokens come from the process-wide cache of that credential at that endpoint."""
    if settings.token is not None:
        token = settings.token
        if token.reveal().startswith(IAM_TOKEN_PREFIX):
            return Tokens(TokenCache(), lambda _deadline: (token.reveal(), time.time() + GIVEN_TOKEN_LIFETIME))
        return Tokens(CACHES.for_credential("oauth", settings.endpoint, token.reveal()),
                      lambda deadline: exchange("oauth", token.reveal(), deadline))
    if settings.service_account_key is not None:
        key = settings.service_account_key
        return Tokens(CACHES.for_credential("jwt", settings.endpoint, key.reveal()),
                      lambda deadline: exchange("jwt", service_account_jwt(key.reveal()), deadline))
    url = settings.metadata_url
    return Tokens(CACHES.for_credential("metadata", url),
                  lambda deadline: metadata_token(url, timeout=_seconds_left(deadline, 2.0)))


__all__ = sorted(["CACHES", "IAM_AUDIENCE", "TokenCache", "TokenCaches", "Tokens", "metadata_token",
                  "service_account_jwt", "token_cache"])
