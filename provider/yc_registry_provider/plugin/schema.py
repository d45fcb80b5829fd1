"""The Pulumi package schema of ``yc-registry``, built from the field lists the dynamic resources use.

The specs below use the dynamic resources' snake_case names; ``build_schema`` renames every property (and every
mention of one in a description) to camelCase, as Pulumi schemas name them, so each generated SDK maps them to its
language: Python ``repository_name``, TypeScript ``repositoryName`` (tests/plugin/test_schema_parity.py holds each
schema name to the dynamic resource's name).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ..lifecycle import cleanup as cleanup_rules
from ..lifecycle import image as image_rules
from ..lifecycle import migration as migration_rules
from ..models import IMAGE_OUTPUT_FIELDS
from .names import camel, camel_mentions

PACKAGE = "yc-registry"
# Where the Go SDK lives if this repository publishes it (sdk/go/ycregistry); a generated local SDK uses the same path.
GO_IMPORT_BASE_PATH = "github.com/pulumi-yc-registry/pulumi-yc-registry/sdk/go/ycregistry"
IMAGE_TOKEN = f"{PACKAGE}:index:Image"
CLEANUP_TOKEN = f"{PACKAGE}:index:ImageCleanup"
MIGRATION_TOKEN = f"{PACKAGE}:index:FolderMigration"
GET_FOLDER_MIGRATION_TOKEN = f"{PACKAGE}:index:getFolderMigration"
VERIFY_MIGRATION_TOKEN = f"{PACKAGE}:index:verifyMigration"
GET_IMAGES_TOKEN = f"{PACKAGE}:index:getImages"
GET_IMAGE_TOKEN = f"{PACKAGE}:index:getImage"
BLOB_TYPE = f"{PACKAGE}:index:Blob"
IMAGE_INFO_TYPE = f"{PACKAGE}:index:ImageInfo"
MISSING_IMAGE_TYPE = f"{PACKAGE}:index:MissingImage"
MISSING_IMAGE_SPEC: dict[str, Any] = {
    "type": "object",
    "description": "A Container Registry image whose digest is not in Cloud Registry.",
    "properties": {
        "image_id": {"type": "string", "description": "Container Registry image id."},
        "name": {"type": "string", "description": "<registry_id>/<repository>."},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Its tags."},
        "digest": {"type": "string", "description": "Its manifest digest."},
    },
    "required": ["image_id", "name", "tags", "digest"],
}
KEEP_RULE_TYPE = f"{PACKAGE}:index:KeepRule"
KEEP_IN_USE_TYPE = f"{PACKAGE}:index:KeepInUse"

RESOURCE_TOKENS = (IMAGE_TOKEN, CLEANUP_TOKEN, MIGRATION_TOKEN)
FUNCTION_TOKENS = (GET_IMAGES_TOKEN, GET_IMAGE_TOKEN, GET_FOLDER_MIGRATION_TOKEN, VERIFY_MIGRATION_TOKEN)
GET_FOLDER_MIGRATION_ARGS: tuple[str, ...] = ("folder_id",)
VERIFY_MIGRATION_ARGS: tuple[str, ...] = ("folder_id", "registry_id")

GET_IMAGES_ARGS: tuple[str, ...] = ("repository_name", "registry_id", "folder_id", "filter", "order_by", "tag",
                                    "limit")
GET_IMAGE_ARGS: tuple[str, ...] = ("image_id", "repository_name", "tag", "digest", "most_recent")

# Provider configuration: schema name -> (type, secret, description). Keys are `yc-registry:<name>`.
CONFIG: dict[str, tuple[str, bool, str]] = {
    "token": ("string", True,
              "IAM token (t1.) or OAuth token for Yandex Cloud; falls back to YC_TOKEN. Kept secret."),
    "endpoint": ("string", False,
                 "API endpoint, host:port (default api.cloud.yandex.net:443); falls back to YC_ENDPOINT."),
    "serviceAccountKeyFile": ("string", True,
                              "Path of a service-account authorized key file (JSON), or the JSON itself; "
                              "falls back to YC_SERVICE_ACCOUNT_KEY_FILE. Kept secret."),
    "folderId": ("string", False,
                 "Folder searched by lookups without a repository or registry; falls back to YC_FOLDER_ID."),
    "service": ("string", False,
                "Which service serves images: auto (default: Cloud Registry for a registry id it holds, else "
                "Container Registry), container-registry or cloud-registry; falls back to YC_REGISTRY_SERVICE."),
    "deleteWithHistory": ("boolean", False,
                          "Cloud Registry deletes pass with_history (needed under an immutable-artifacts policy); "
                          "falls back to YC_REGISTRY_DELETE_WITH_HISTORY."),
    "today": ("string", False,
              "The day (YYYY-MM-DD) auto plans by instead of the clock: from 2026-12-14, when Container Registry "
              "shuts down, Cloud Registry is asked first; for tests and rehearsals. Falls back to YC_REGISTRY_TODAY."),
    "plaintext": ("boolean", False,
                  "Talk plaintext gRPC (only to a loopback endpoint such as a local fake registry); "
                  "falls back to YC_PLAINTEXT."),
}
SECRET_CONFIG = tuple(name for name, (_t, secret, _d) in CONFIG.items() if secret)

_STR: dict[str, Any] = {"type": "string"}
_STR_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

# Every image field, as ImageInfo.to_dict() gives it (the Image outputs and the lookup results).
IMAGE_FIELD_SPECS: dict[str, dict[str, Any]] = {
    "image_id": {**_STR, "description": "Image id (the resource id of an Image)."},
    "name": {**_STR, "description": "Repository name, <registry_id>/<repository path>, shared by every image "
                                    "of the repository."},
    "digest": {**_STR, "description": "Manifest digest, sha256:<hex>; never moves to another image."},
    # "number", not "integer": codegen maps integer to 32 bits in C# and Java, and images pass 2 GiB.
    "compressed_size": {"type": "number", "description": "Compressed size of the image in bytes."},
    "config": {"$ref": f"#/types/{BLOB_TYPE}", "description": "The image's config blob (null when absent)."},
    "layers": {"type": "array", "items": {"$ref": f"#/types/{BLOB_TYPE}"},
               "description": "The image's layer blobs."},
    "tags": {**_STR_LIST, "description": "Tags the image carries now (tags move between images on push)."},
    "created_at": {**_STR, "description": "When the image was pushed, RFC 3339 in UTC."},
    "registry_id": {**_STR, "description": "Id of the registry holding the image."},
    "repository": {**_STR, "description": "Repository path inside the registry (the name without the "
                                          "registry id)."},
    "uri": {**_STR, "description": "Pull reference by digest: cr.yandex/<name>@<digest>."},
    "tag_uris": {**_STR_LIST, "description": "Pull references by tag: cr.yandex/<name>:<tag> for every tag."},
    "service": {**_STR, "description": "The service that served the image: container-registry or cloud-registry "
                                       "(whose pull references are registry.yandexcloud.net/...)."},
}

IMAGE_INPUT_SPECS: dict[str, dict[str, Any]] = {
    "image_id": {**_STR, "description": "Adopt the image with this id (alone, without repository_name, tag "
                                       "or digest)."},
    "repository_name": {**_STR, "description": "Repository, <registry_id>/<repository path>; with tag or "
                                               "digest it picks the image to adopt."},
    "tag": {**_STR, "description": "Adopt the image of repository_name that carries this tag now."},
    "digest": {**_STR, "description": "Adopt the image of repository_name with this manifest digest."},
    "delete_timeout": {"type": "number", "description": "Seconds to wait for the delete operation on destroy "
                                                       "(default 1800)."},
}

IMAGE_EXTRA_OUTPUT_SPECS: dict[str, dict[str, Any]] = {
    "adopted_by": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "The selector the image was adopted by (image_id, or repository_name with "
                                  "tag or digest), as given."},
    "tag_moved_to": {**_STR, "description": "Set by a refresh when the tag this image was adopted by now names "
                                           "another image: that image's id (null when the tag has not moved or "
                                           "names no image). The resource stays on the image it adopted."},
}

# ImageCleanup: descriptions only; the field lists are lifecycle.cleanup's (INPUT_FIELDS, OUTPUT_FIELDS).
CLEANUP_INPUT_SPECS: dict[str, dict[str, Any]] = {
    "repository_name": {**_STR, "description": "Clean one repository, <registry_id>/<repository path> (give this or "
                                               "registry_id). Changing it replaces the resource, so the old scope "
                                               "is cleaned when the old resource goes."},
    "registry_id": {**_STR, "description": "Clean every repository of this registry; keep_last counts per "
                                           "repository. Changing it replaces the resource."},
    "keep_tags": {**_STR_LIST, "description": "Regular expressions that must match the whole tag (v1 keeps only "
                                             "the tag v1; v1\\..* keeps v1.0.0); an image with a matching tag "
                                             "is kept."},
    "keep_tag_prefixes": {**_STR_LIST, "description": "Keep every image with a tag starting with one of these "
                                                      "strings (ECR's tagPrefixList)."},
    "keep_rules": {"type": "array", "items": {"$ref": f"#/types/{KEEP_RULE_TYPE}"},
                   "description": "Ordered rules, as ECR lifecycle rules: each image counts for the first entry "
                                  "whose tag_pattern matches one of its tags, and each entry keeps its newest "
                                  "keep_last images per repository."},
    "delete_tags_matching": {**_STR_LIST, "description": "Regular expressions that must match the whole tag; a "
                                                         "tagged image is deleted only when its tags match "
                                                         "(tag_match_mode). It selects tagged images only: "
                                                         "untagged images are kept."},
    "tag_match_mode": {**_STR, "description": "How delete_tags_matching applies: any (default: some tag "
                                              "matches) or all (every tag matches)."},
    "recursive": {"type": "boolean", "description": "With repository_name: also clean every repository under "
                                                    "<repository_name>/."},
    "keep_last": {"type": "integer", "description": "Keep the newest N images of each repository."},
    "older_than": {**_STR, "description": "Keep images not older than this (30d, 12h; units s, m, h, d, w)."},
    "untagged_only": {"type": "boolean", "description": "Keep every image that carries a tag."},
    "delete_all": {"type": "boolean", "description": "Confirm deleting every image when no keep rule is set."},
    "dry_run": {"type": "boolean", "description": "On destroy, only report what would be deleted; delete nothing."},
    "concurrency": {"type": "integer", "description": "Deletes in flight at once (1 to 50, default 10); halves "
                                                      "when throttled."},
    "timeout": {"type": "number", "description": "Seconds the whole cleanup may take; images not started in time "
                                                 "are reported, and the next destroy continues with them."},
    "keep_in_use": {"$ref": f"#/types/{KEEP_IN_USE_TYPE}",
                    "description": "Keep every image a live workload runs (by digest, or by a tag it carries when it "
                                   "would be deleted; cr.yandex and registry.yandexcloud.net references both "
                                   "count). An empty object reads every source in the registry's folder. A source "
                                   "the account cannot read stops the cleanup before anything is deleted."},
    "run_on_remove": {"type": "boolean", "description": "Also run the cleanup when the resource leaves the program "
                                                        "(or is replaced) during pulumi up. Default false: only "
                                                        "pulumi destroy runs it; a removal deletes nothing and "
                                                        "the engine log says how to run it."},
}
CLEANUP_RESULT_SPECS: dict[str, dict[str, Any]] = {
    "candidate_count": {"type": "integer", "description": "How many images a destroy would delete now "
                                                          "(recomputed at create, update and refresh)."},
    "candidate_ids": {**_STR_LIST, "description": "The plan: every image id a destroy may delete, oldest first, "
                                                  "as the last up or refresh found them. A destroy deletes none "
                                                  "outside it (unless delete_all)."},
    "candidate_refs": {**_STR_LIST, "description": "The plan by content: each candidate as <registry id>/"
                                                   "<repository>@<digest>, which survives the move to Cloud "
                                                   "Registry (image ids do not), so a destroy after the migration "
                                                   "still keeps to the plan."},
    "kept_in_use": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "Candidates a workload runs now (image id -> the workloads: kind, name, id), "
                                   "which the cleanup keeps (keep_in_use)."},
}

GET_IMAGES_ARG_SPECS: dict[str, dict[str, Any]] = {
    "repository_name": {**_STR, "description": "List one repository, <registry_id>/<repository path> "
                                               "(wins over registry_id and folder_id)."},
    "registry_id": {**_STR, "description": "List every repository of a registry (wins over folder_id)."},
    "folder_id": {**_STR, "description": "List every registry of a folder (default: yc-registry:folderId, "
                                         "then YC_FOLDER_ID)."},
    "filter": {**_STR, "description": "API filter; only name=\"<registry_id>/<repository>\" is supported."},
    "order_by": {**_STR, "description": "Comma-separated sort fields of the API: 'name', 'digest', 'created_at', "
                                        "'last_modified'."},
    "tag": {**_STR, "description": "Only images carrying this tag."},
    "limit": {"type": "integer", "description": "Return at most this many images."},
}

GET_IMAGE_ARG_SPECS: dict[str, dict[str, Any]] = {
    "image_id": {**_STR, "description": "The image with this id (other criteria given must match it too)."},
    "repository_name": {**_STR, "description": "Search this repository, <registry_id>/<repository path> "
                                               "(else the folder)."},
    "tag": {**_STR, "description": "The image carrying this tag."},
    "digest": {**_STR, "description": "The image with this manifest digest."},
    "most_recent": {"type": "boolean", "description": "When several images match, take the newest instead of "
                                                     "failing."},
}

KEEP_RULE_SPEC: dict[str, Any] = {
    "type": "object",
    "description": "Keep the newest keep_last images (per repository) with a tag matching tag_pattern.",
    "properties": {
        "tag_pattern": {**_STR, "description": "A regular expression that must match the whole tag "
                                               "(v1\\..* matches v1.0.0)."},
        "keep_last": {"type": "integer", "description": "How many of the newest matching images to keep (1 or "
                                                        "more)."},
    },
    "required": ["tag_pattern", "keep_last"],
}

KEEP_IN_USE_SPEC: dict[str, Any] = {
    "type": "object",
    "description": "Where to look for workloads that run images (keep_in_use).",
    "properties": {
        "sources": {**_STR_LIST, "description": "Which workloads to read: serverless-containers (revisions; "
                                                "serverless.containers.viewer), compute (instances' container "
                                                "declarations; compute.viewer), instance-groups (compute.viewer). "
                                                "Default: all three."},
        "folders": {**_STR_LIST, "description": "Folders to read (default: the folder of the registry being "
                                                "cleaned)."},
    },
}

BLOB_SPEC: dict[str, Any] = {
    "type": "object",
    "description": "A config or layer blob of an image.",
    "properties": {
        "id": {**_STR, "description": "Blob id."},
        "digest": {**_STR, "description": "Blob digest, sha256:<hex>."},
        "size": {"type": "number", "description": "Blob size in bytes (a number: blobs pass 2 GiB)."},
        "urls": {**_STR_LIST, "description": "URLs the blob can be fetched from, if any."},
    },
    "required": ["id", "digest", "size"],
}


_COUNTERS: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "number"},
                             "description": "Migration counters: total, completed, in_progress, created, scheduled, "
                                            "failed, not_found."}
MIGRATION_INPUT_SPECS: dict[str, dict[str, Any]] = {
    "folder_id": {**_STR, "description": "The folder whose Container Registry registries ALL move to Cloud Registry "
                                         "(ids and pull addresses persist). Changing it replaces the resource."},
    "disable_redirects": {"type": "boolean", "description": "Do not redirect cr.yandex traffic to Cloud Registry "
                                                           "(default false); changing it toggles the redirects."},
    "timeout": {"type": "number", "description": "Seconds create waits for the migration (default 21600)."},
    "allow_missing": {"type": "boolean", "description": "Accept a completed migration whose verification finds "
                                                       "images missing in Cloud Registry."},
}
MIGRATION_RESULT_SPECS: dict[str, dict[str, Any]] = {
    "status": {**_STR, "description": "CREATED, SCHEDULED, IN_PROGRESS, COMPLETED or FAILED."},
    "registry_ids": {**_STR_LIST, "description": "The registries of the folder that moved."},
    "registries": dict(_COUNTERS),
    "repositories": dict(_COUNTERS),
    "tags": dict(_COUNTERS),
    "redirects_enabled": {"type": "boolean", "description": "Whether cr.yandex traffic goes to Cloud Registry."},
    "started_here": {"type": "boolean", "description": "This resource started the migration (false: adopted one "
                                                      "already scheduled, running or completed)."},
    "image_count": {"type": "number", "description": "Container Registry images verified after completion."},
    "missing_count": {"type": "number", "description": "Of those, how many are missing in Cloud Registry."},
}
GET_FOLDER_MIGRATION_ARG_SPECS: dict[str, dict[str, Any]] = {
    "folder_id": {**_STR, "description": "The folder whose migration to read."},
}
VERIFY_MIGRATION_ARG_SPECS: dict[str, dict[str, Any]] = {
    "folder_id": {**_STR, "description": "Verify every registry of this folder (or give registry_id)."},
    "registry_id": {**_STR, "description": "Verify one registry (or give folder_id)."},
}

GET_FOLDER_MIGRATION_RESULT_SPECS: dict[str, dict[str, Any]] = {
    "folder_id": {**_STR, "description": "The folder."},
    "exists": {"type": "boolean", "description": "Whether the folder has a migration at all."},
    "status": {**_STR, "description": "NOT_STARTED, CREATED, SCHEDULED, IN_PROGRESS, COMPLETED or FAILED."},
    "complete": {"type": "boolean", "description": "Done by the documented criteria: COMPLETED, nothing failed, "
                                                   "completed == total at every level."},
    "registry_ids": {**_STR_LIST, "description": "The folder's registries in Cloud Registry."},
    "failed_tags": {**_STR_LIST, "description": "The first failed tags: <registry>/<repository>:<tag> (code: "
                                                "message)."},
    "registries": dict(_COUNTERS), "repositories": dict(_COUNTERS), "tags": dict(_COUNTERS),
}
VERIFY_MIGRATION_RESULT_SPECS: dict[str, dict[str, Any]] = {
    "scope": {**_STR, "description": "What was verified: folder <id> or registry <id>."},
    "image_count": {"type": "number", "description": "Container Registry images inventoried."},
    "present_count": {"type": "number", "description": "Of those, present in Cloud Registry (by digest)."},
    "missing_count": {"type": "number", "description": "Of those, missing in Cloud Registry."},
    "missing": {"type": "array", "items": {"$ref": f"#/types/{MISSING_IMAGE_TYPE}"},
                "description": "The missing images: image_id, name, tags, digest."},
    "registry_ids": {**_STR_LIST, "description": "The registries looked at."},
    "unmigrated_registry_ids": {**_STR_LIST, "description": "Registries that are not in Cloud Registry at all."},
}


def migration_resource() -> dict[str, Any]:
    """The FolderMigration resource: lifecycle.migration's inputs and outputs, same names."""
    return {
        "description": "The migration of every Container Registry registry of a folder to Yandex Cloud Registry. "
                       "Create adopts a migration already scheduled, running or completed (never starts a second), "
                       "else starts one; it waits until it is done by the documented criteria and verifies every "
                       "image by digest. Destroy changes nothing in the cloud: a migration cannot be undone.",
        "inputProperties": _object(MIGRATION_INPUT_SPECS, migration_rules.INPUT_FIELDS),
        "requiredInputs": ["folder_id"],
        "properties": _object({**MIGRATION_INPUT_SPECS, **MIGRATION_RESULT_SPECS}, migration_rules.OUTPUT_FIELDS),
        "required": ["folder_id", "status"],
    }


def _object(specs: dict[str, dict[str, Any]], names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    missing = [name for name in names if name not in specs]
    if missing:
        raise KeyError(f"no schema description for {', '.join(missing)}")
    return {name: dict(specs[name]) for name in names}


def image_resource() -> dict[str, Any]:
    """The Image resource: the dynamic resource's inputs and outputs, same names."""
    outputs = {**IMAGE_FIELD_SPECS, **IMAGE_INPUT_SPECS, **IMAGE_EXTRA_OUTPUT_SPECS}
    return {
        "description": "An existing Container Registry image, adopted by image_id, or by repository_name with tag "
                       "or digest. Nothing is created in the cloud; destroy (or a replacement) deletes the image "
                       "and waits for the delete operation. `pulumi import yc-registry:index:Image <name> <image "
                       "id>` adopts an image by id.",
        "inputProperties": _object(IMAGE_INPUT_SPECS, image_rules.INPUT_FIELDS),
        "properties": _object(outputs, image_rules.OUTPUT_FIELDS),
        "required": [name for name in IMAGE_OUTPUT_FIELDS if name != "config"],
    }


def cleanup_resource() -> dict[str, Any]:
    """The ImageCleanup resource: the dynamic resource's inputs and outputs (``lifecycle.cleanup``), same names."""
    inputs = _object(CLEANUP_INPUT_SPECS, cleanup_rules.INPUT_FIELDS)
    outputs = _object({**CLEANUP_INPUT_SPECS, **CLEANUP_RESULT_SPECS}, cleanup_rules.OUTPUT_FIELDS)
    return {
        "description": "Cleans up the images of a repository (or of every repository of a registry) that no keep "
                       "rule protects, when it is destroyed; any keep rule wins. While it exists it changes "
                       "nothing: candidate_count and candidate_ids are the plan, what a destroy may delete. Destroy "
                       "fails with a summary when any selected image could not be deleted (what went stays gone; "
                       "the next destroy continues). With dry_run, destroy only reports what it would delete. A "
                       "change of repository_name or registry_id replaces it; any other change updates it in place. "
                       "Removing or replacing it during pulumi up runs nothing unless run_on_remove is true.",
        "inputProperties": inputs,
        "properties": outputs,
        "required": list(cleanup_rules.RESULT_FIELDS),
    }


def function(description: str, args: dict[str, dict[str, Any]], outputs: dict[str, Any],
             required_out: list[str]) -> dict[str, Any]:
    return {
        "description": description,
        "inputs": {"properties": args},
        "outputs": {"properties": outputs, "required": required_out},
    }


def _property_names(node: Any, found: set[str]) -> set[str]:
    """Every snake_case property name declared anywhere in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "inputProperties") and isinstance(value, dict):
                found.update(name for name in value if "_" in name)
            _property_names(value, found)
    elif isinstance(node, list):
        for item in node:
            _property_names(item, found)
    return found


def to_camel_case(node: Any, names: set[str]) -> Any:
    """The schema with camelCase property names, in declarations, ``required`` / ``requiredInputs`` lists and
    descriptions (the engine binds each listed name to a declared property: ``pulumi package add`` fails otherwise)."""
    if isinstance(node, dict):
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("properties", "inputProperties") and isinstance(value, dict):
                result[key] = {camel(name): to_camel_case(spec, names) for name, spec in value.items()}
            elif key in ("required", "requiredInputs") and isinstance(value, list):
                result[key] = [camel(name) for name in value]
            elif key == "description" and isinstance(value, str):
                result[key] = camel_mentions(value, names)
            else:
                result[key] = to_camel_case(value, names)
        return result
    if isinstance(node, list):
        return [to_camel_case(item, names) for item in node]
    return node


@functools.lru_cache(maxsize=1)
def property_names() -> frozenset[str]:
    """Every snake_case property name of the package (what messages to the engine rename)."""
    return frozenset(_property_names(_snake_schema("0"), set()))


def build_schema(version: str) -> dict[str, Any]:
    """The whole package schema as a dict (``json.dumps`` it for GetSchema), property names in camelCase."""
    schema = _snake_schema(version)
    return to_camel_case(schema, _property_names(schema, set()))  # type: ignore[no-any-return]


def _snake_schema(version: str) -> dict[str, Any]:
    """The schema with the rules' snake_case names (``build_schema`` renames them)."""
    config_vars = {name: {"type": typ, "description": desc, **({"secret": True} if secret else {})}
                   for name, (typ, secret, desc) in CONFIG.items()}
    image_info = {
        "type": "object",
        "description": "One image, as the lookups return it.",
        "properties": _object(IMAGE_FIELD_SPECS, IMAGE_OUTPUT_FIELDS),
        "required": [name for name in IMAGE_OUTPUT_FIELDS if name != "config"],
    }
    return {
        "name": PACKAGE,
        "displayName": "Yandex Cloud Container Registry images",
        "version": version,
        "description": "Find, adopt and clean up Yandex Cloud Container Registry images.",
        "keywords": ["pulumi", "yandex", "container-registry", "category/cloud"],
        "license": "Apache-2.0",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": config_vars},
        "provider": {
            "description": "The yc-registry provider: where the registry API is and how to authenticate.",
            "inputProperties": {name: dict(spec) for name, spec in config_vars.items()},
        },
        "types": {BLOB_TYPE: BLOB_SPEC, IMAGE_INFO_TYPE: image_info, KEEP_RULE_TYPE: KEEP_RULE_SPEC,
                  KEEP_IN_USE_TYPE: KEEP_IN_USE_SPEC, MISSING_IMAGE_TYPE: MISSING_IMAGE_SPEC},
        "resources": {IMAGE_TOKEN: image_resource(), CLEANUP_TOKEN: cleanup_resource(),
                      MIGRATION_TOKEN: migration_resource()},
        "functions": {
            GET_IMAGES_TOKEN: function(
                "Images of a repository, registry or folder (precedence in that order), optionally only those "
                "carrying a tag, in the API's order.",
                _object(GET_IMAGES_ARG_SPECS, GET_IMAGES_ARGS),
                {"images": {"type": "array", "items": {"$ref": f"#/types/{IMAGE_INFO_TYPE}"},
                            "description": "The images found."}},
                ["images"]),
            GET_IMAGE_TOKEN: function(
                "Exactly one image: by id, or by tag / digest / most_recent in a repository (else in the folder). "
                "Fails when nothing matched, or when several did (naming their ids).",
                _object(GET_IMAGE_ARG_SPECS, GET_IMAGE_ARGS),
                _object(IMAGE_FIELD_SPECS, IMAGE_OUTPUT_FIELDS),
                [name for name in IMAGE_OUTPUT_FIELDS if name != "config"]),
            GET_FOLDER_MIGRATION_TOKEN: function(
                "A folder's migration to Cloud Registry: status, complete (the documented criteria), counters, "
                "registry_ids, failed_tags; exists is false for a folder never migrated.",
                _object(GET_FOLDER_MIGRATION_ARG_SPECS, GET_FOLDER_MIGRATION_ARGS),
                GET_FOLDER_MIGRATION_RESULT_SPECS,
                ["folder_id", "exists", "status", "complete"]),
            VERIFY_MIGRATION_TOKEN: function(
                "Every Container Registry image of a folder or registry checked by digest against the Cloud "
                "Registry registry with the same id; missing names those that did not arrive.",
                _object(VERIFY_MIGRATION_ARG_SPECS, VERIFY_MIGRATION_ARGS),
                VERIFY_MIGRATION_RESULT_SPECS,
                ["scope", "image_count", "missing_count", "missing"]),
        },
        "language": {
            "python": {"packageName": "pulumi_yc_registry_native"},
            "nodejs": {"packageName": "@pulumi-yc-registry/yc-registry"},
            # `pulumi package add` writes the Go SDK into the project (sdks/yc-registry) and points this module path
            # at it with a go.mod `replace`: module github.com/.../sdk/go, package ycregistry.
            "go": {"importBasePath": GO_IMPORT_BASE_PATH},
        },
    }


def schema_json(version: str) -> str:
    """The schema as GetSchema returns it."""
    return json.dumps(build_schema(version), indent=2, sort_keys=False)


__all__ = sorted(["CLEANUP_TOKEN", "CONFIG", "FUNCTION_TOKENS", "GET_FOLDER_MIGRATION_ARGS",
                  "GET_FOLDER_MIGRATION_TOKEN", "GET_IMAGES_ARGS", "GET_IMAGES_TOKEN", "MIGRATION_TOKEN",
                  "VERIFY_MIGRATION_ARGS", "VERIFY_MIGRATION_TOKEN",
                  "GET_IMAGE_ARGS", "GET_IMAGE_TOKEN", "GO_IMPORT_BASE_PATH", "IMAGE_TOKEN", "PACKAGE", "RESOURCE_TOKENS",
                  "SECRET_CONFIG", "build_schema", "property_names", "schema_json"])
