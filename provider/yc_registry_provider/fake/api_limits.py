"""The documented limits of containerregistry/v1 ImageService, as the fake enforces them.

Transcribed from the API reference on their own, not imported from the client's `limits.py`: a limit the client
misreads then shows up as a disagreement between the two, instead of being wrong on both sides unnoticed.
"""

from __future__ import annotations

import re

MAX_ID_LENGTH = 50                 # image_id, registry_id, folder_id: "The maximum string length in characters is 50."
MAX_PAGE_TOKEN_LENGTH = 100        # page_token
MAX_ORDER_BY_LENGTH = 100          # order_by
MAX_FILTER_LENGTH = 1000           # filter
DEFAULT_PAGE_SIZE = 100            # page_size 0 means the default
MAX_PAGE_SIZE = 1000               # "Acceptable values are 0 to 1000, inclusive."
ORDER_BY_FIELDS = ("name", "digest", "created_at", "last_modified")
REPOSITORY_NAME_PATTERN = "[a-z0-9]+(?:[._-][a-z0-9]+)*(/([a-z0-9]+(?:[._-][a-z0-9]+)*))*"
REPOSITORY_NAME_RE = re.compile(REPOSITORY_NAME_PATTERN)
# filter: "Currently you can use filtering only on Image.name field", with `=` and a double-quoted value.
FILTER_RE = re.compile(r'\s*name\s*=\s*"(?P<value>[^"]*)"\s*')
