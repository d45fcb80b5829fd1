"""Where the endpoint, credentials and folder come from. Pure: no grpc.

Precedence, per setting: explicit arguments, then Pulumi config (`yc-registry:*`, then `yandex:*`),
then the environment (`YC_*`). Credentials fall back to the VM metadata service last.
Secrets are wrapped in Secret so that a repr, a log line or an exception never shows them.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Mapping

from .errors import ConfigurationError

DEFAULT_ENDPOINT = "api.cloud.yandex.net:443"
METADATA_TOKEN_URL = "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token"
CONFIG_NAMESPACES = ("yc-registry", "yandex")

# setting name -> (config key without namespace, environment variable)
_KEYS: dict[str, tuple[str, str]] = {
    "endpoint": ("endpoint", "YC_ENDPOINT"),
    "token": ("token", "YC_TOKEN"),
    "service_account_key_file": ("serviceAccountKeyFile", "YC_SERVICE_ACCOUNT_KEY_FILE"),
    "folder_id": ("folderId", "YC_FOLDER_ID"),
    "plaintext": ("plaintext", "YC_PLAINTEXT"),
    "service": ("service", "YC_REGISTRY_SERVICE"),
    "delete_with_history": ("deleteWithHistory", "YC_REGISTRY_DELETE_WITH_HISTORY"),
    "today": ("today", "YC_REGISTRY_TODAY"),
}
# Which registry service serves images: `auto` picks Cloud Registry for a registry id it knows, else Container Registry.
SERVICES = ("auto", "container-registry", "cloud-registry")


class Secret:
    """A string that never shows itself in repr, str or f-strings; `.reveal()` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret must not be pickled (it would end up in Pulumi state)")


@dataclass(frozen=True)
class Settings:
    """Resolved connection settings; `source` says where the credentials came from (for messages)."""

    endpoint: str = DEFAULT_ENDPOINT
    endpoint_explicit: bool = False
    token: Secret | None = None
    service_account_key: Secret | None = None  # the key file's JSON text
    folder_id: str | None = None
    plaintext: bool = False
    metadata_url: str = METADATA_TOKEN_URL
    source: str = "metadata service"
    extra: dict[str, str] = field(default_factory=dict)
    service: str = "auto"
    delete_with_history: bool = False  # Cloud Registry deletes pass with_history (immutable-artifact policies)
    today: date | None = None  # the day `auto` plans by (None: the clock); set for tests and rehearsals

    def current_date(self) -> date:
        """The day as far as the service choice is concerned: ``today`` when set, else the UTC date now."""
        return self.today if self.today is not None else datetime.now(timezone.utc).date()

    @property
    def host(self) -> str:
        return split_host(self.endpoint)


def split_host(endpoint: str) -> str:
    host = endpoint.rsplit(":", 1)[0] if endpoint.count(":") == 1 or endpoint.startswith("[") else endpoint
    return host.strip("[]")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_bool(value: object, field_name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{field_name} must be true or false (1/0, yes/no), got {value!r}")


def parse_date(value: object, field_name: str) -> date:
    """A calendar day as YYYY-MM-DD (a date object passes as is)."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"{field_name} must be a day as YYYY-MM-DD (e.g. 2026-12-14), got {value!r}") from None


def _layered(name: str, explicit: Mapping[str, Any], config: Mapping[str, Any],
             env: Mapping[str, str]) -> tuple[Any, str] | None:
    key, env_name = _KEYS[name]
    if explicit.get(name) not in (None, ""):
        return explicit[name], f"argument {name}"
    for ns in CONFIG_NAMESPACES:
        value = config.get(f"{ns}:{key}")
        if value not in (None, ""):
            return value, f"config {ns}:{key}"
    if env.get(env_name):
        return env[env_name], f"environment {env_name}"
    return None


def _origin_name(origin: str) -> str:
    """"environment YC_TOKEN" -> "YC_TOKEN", "config yandex:token" -> "yandex:token" (what the user set)."""
    return origin.split(" ", 1)[-1]


def pasted_token(value: str, origin: str) -> str:
    """A token as people paste it: surrounding whitespace (a trailing newline) dropped; whitespace or a control
    character inside refused, naming where it came from, so that it is never sent as gRPC metadata."""
    text = value.strip()
    name = _origin_name(origin)
    if not text:
        raise ConfigurationError(f"{name} is set but holds only whitespace; set it to the token itself, or unset it")
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ConfigurationError(
            f"{name} holds whitespace, a line break or a control character inside the token (two tokens, or a "
            "wrapped paste?); set it to the one token alone, e.g. $(yc iam create-token)")
    if not text.isascii():
        raise ConfigurationError(f"{name} holds a character that is not ASCII; a token is plain ASCII text")
    return text


def _load_key(value: str, origin: str) -> Secret:
    """A service-account key: the JSON text itself, or the path of a file holding it."""
    text = value
    if not value.lstrip().startswith("{"):
        try:
            with open(os.path.expanduser(value), encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise ConfigurationError(
                f"{origin}: cannot read the service-account key file {value!r} ({exc.strerror}); "
                "create one with `yc iam key create --output key.json`") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigurationError(f"{origin}: the service-account key is not valid JSON") from None
    missing = [k for k in ("id", "service_account_id", "private_key") if not data.get(k)]
    if missing:
        raise ConfigurationError(f"{origin}: the service-account key lacks {', '.join(missing)}")
    return Secret(text)


def resolve_settings(explicit: Mapping[str, Any] | None = None, config: Mapping[str, Any] | None = None,
                     env: Mapping[str, str] | None = None) -> Settings:
    """Resolve every setting by precedence; check that plaintext is only used on loopback."""
    explicit = explicit or {}
    config = config or {}
    env = os.environ if env is None else env

    endpoint_found = _layered("endpoint", explicit, config, env)
    endpoint = str(endpoint_found[0]) if endpoint_found else DEFAULT_ENDPOINT
    plain_found = _layered("plaintext", explicit, config, env)
    plaintext = parse_bool(plain_found[0], plain_found[1]) if plain_found else False
    if plaintext and not is_loopback(split_host(endpoint)):
        origin = plain_found[1] if plain_found else "plaintext"
        raise ConfigurationError(
            f"{origin} asks for a plaintext connection to {endpoint}, which is not a loopback address: "
            "plaintext is allowed only for 127.0.0.1, ::1 or localhost (a local fake registry); "
            "unset it to use TLS")
    folder_found = _layered("folder_id", explicit, config, env)
    service_found = _layered("service", explicit, config, env)
    service = str(service_found[0]).strip().lower() if service_found else "auto"
    if service not in SERVICES:
        raise ConfigurationError(f"{service_found[1] if service_found else 'service'} must be one of "
                                 f"{', '.join(SERVICES)}, got {service_found[0] if service_found else service!r}")
    history_found = _layered("delete_with_history", explicit, config, env)
    delete_with_history = parse_bool(history_found[0], history_found[1]) if history_found else False
    today_found = _layered("today", explicit, config, env)
    today = parse_date(today_found[0], today_found[1]) if today_found else None

    token: Secret | None = None
    key: Secret | None = None
    source = "metadata service"
    # Walk the layers in order; within a layer a token wins over a key file.
    for layer in ("explicit", "config", "env"):
        sub_explicit = explicit if layer == "explicit" else {}
        sub_config = config if layer == "config" else {}
        sub_env = env if layer == "env" else {}
        tok = _layered("token", sub_explicit, sub_config, sub_env)
        if tok:
            token, source = Secret(pasted_token(str(tok[0]), tok[1])), tok[1]
            break
        keyf = _layered("service_account_key_file", sub_explicit, sub_config, sub_env)
        if keyf:
            key, source = _load_key(str(keyf[0]), keyf[1]), keyf[1]
            break

    return Settings(
        endpoint=endpoint,
        endpoint_explicit=endpoint_found is not None,
        token=token,
        service_account_key=key,
        folder_id=str(folder_found[0]) if folder_found else None,
        plaintext=plaintext,
        metadata_url=str(explicit.get("metadata_url") or METADATA_TOKEN_URL),
        source=source,
        service=service,
        delete_with_history=delete_with_history,
        today=today,
    )


__all__ = sorted(["DEFAULT_ENDPOINT", "SERVICES", "Secret", "Settings", "is_loopback", "parse_bool", "parse_date", "resolve_settings"])
