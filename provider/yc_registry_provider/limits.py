"""Documented limits of ImageService (containerregistry/v1), shared by the client's checks and the fake."""

from __future__ import annotations

import re

MAX_ID_LENGTH = 50            # image_id, registry_id, folder_id
MAX_PAGE_TOKEN_LENGTH = 100
MAX_ORDER_BY_LENGTH = 100
MAX_FILTER_LENGTH = 1000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

REPOSITORY_NAME_PATTERN = r"[a-z0-9]+(?:[._-][a-z0-9]+)*(/([a-z0-9]+(?:[._-][a-z0-9]+)*))*"
REPOSITORY_NAME_RE = re.compile(REPOSITORY_NAME_PATTERN)

ORDER_BY_FIELDS = ("name", "digest", "created_at", "last_modified")
# filter: exactly one field, `name`, compared with `=` to a quoted "<registry_id>/<repository>".
FILTER_RE = re.compile(r'\s*name\s*=\s*"(?P<value>[^"]*)"\s*')

REGISTRY_HOST = "cr.yandex"
CLOUD_REGISTRY_HOST = "registry.yandexcloud.net"  # Cloud Registry's Docker host (ids persist across a migration)
DEFAULT_DELETE_TIMEOUT = 30 * 60.0  # seconds to wait for a delete Operation, as the Terraform provider

# Docker distribution rules for a tag and a content digest (what `docker push` accepts).
TAG_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
TAG_RE = re.compile(TAG_PATTERN)
DIGEST_PATTERN = r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}"
DIGEST_RE = re.compile(DIGEST_PATTERN)
