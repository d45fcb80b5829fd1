"""The limits of cloudregistry/v1 (RegistryService, ArtifactService, MigrationService) as the fake enforces them.

Transcribed from the protos (yandex-cloud/cloudapi yandex/cloud/cloudregistry/v1/*.proto) on their own, like
``api_limits.py``: not imported from the client, so a limit the client misreads shows up as a disagreement.
"""

from __future__ import annotations

import re

MAX_ID_LENGTH = 50                 # registry_id, artifact_id, folder_id, cloud_id: (validation).length = "<=50"
MAX_PAGE_SIZE = 1000               # page_size: (value) = "0-1000"
DEFAULT_PAGE_SIZE = 10             # RegistryService.List: "Default value: 10"; assumed for ArtifactService.List
MAX_PAGE_TOKEN_LENGTH = 100        # page_token: (length) = "<=100"
MAX_ORDER_BY_LENGTH = 256          # ListArtifactsWithFiltersRequest.order_by: (length) = "<=256"
MAX_DASHBOARD_LIMIT = 100          # Get*MigrationStatusDashboardRequest.*_limit: (value) = "0-100"
DEFAULT_DASHBOARD_LIMIT = 10       # assumed: a limit of 0 means this many
DASHBOARD_LIMIT_FIELDS = ("failed_registries_limit", "in_progress_registries_limit", "failed_repositories_limit",
                          "failed_tags_limit", "in_progress_repositories_limit")
# name_filter / path_filter: `name = "x"` or `name != "x"` (documented: "=" and "!="; no regex)
FILTER_RE = re.compile(r'\s*(?P<field>[a-z_]+)\s*(?P<op>=|!=)\s*"(?P<value>[^"]*)"\s*')
