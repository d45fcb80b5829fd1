"""The plugin's schema and the dynamic resources / Python lookups use the same names, field for field."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

import pulumi_yc_registry
from yc_registry_provider.lifecycle import image as image_rules
from yc_registry_provider.models import IMAGE_OUTPUT_FIELDS, BlobInfo, ImageInfo
from yc_registry_provider.plugin import cleanup_fields
from yc_registry_provider.plugin.schema import build_schema, schema_json

SCHEMA = build_schema("0.0.0")
IMAGE = SCHEMA["resources"]["yc-registry:index:Image"]
CLEANUP = SCHEMA["resources"]["yc-registry:index:ImageCleanup"]
GET_IMAGES = SCHEMA["functions"]["yc-registry:index:getImages"]
GET_IMAGE = SCHEMA["functions"]["yc-registry:index:getImage"]


def keyword_params(func: Any, drop: tuple[str, ...] = ("self", "resource_name", "opts")) -> list[str]:
    return [name for name in inspect.signature(func).parameters if name not in drop]


def test_schema_is_json() -> None:
    assert json.loads(schema_json("1.2.3"))["version"] == "1.2.3"


def test_image_inputs_match_the_dynamic_resource() -> None:
    assert list(IMAGE["inputProperties"]) == list(image_rules.INPUT_FIELDS)
    assert list(IMAGE["inputProperties"]) == keyword_params(pulumi_yc_registry.Image.__init__)


def test_image_outputs_match_the_dynamic_resource() -> None:
    assert list(IMAGE["properties"]) == list(image_rules.OUTPUT_FIELDS)
    declared = [name for name in pulumi_yc_registry.Image.__annotations__]
    assert sorted(IMAGE["properties"]) == sorted(declared)
    assert set(IMAGE_OUTPUT_FIELDS) <= set(IMAGE["required"]) | {"config"}


def test_lookup_arguments_match_the_python_functions() -> None:
    assert list(GET_IMAGES["inputs"]["properties"]) == keyword_params(pulumi_yc_registry.get_images)
    assert list(GET_IMAGE["inputs"]["properties"]) == keyword_params(pulumi_yc_registry.get_image)


def test_lookup_results_match_image_info() -> None:
    blob = BlobInfo(id="b", digest="sha256:" + "0" * 64, size=1)
    info = ImageInfo(id="crp1", name="crp/app", digest=blob.digest, compressed_size=1, config=blob, layers=[blob],
                     tags=["v1"], created_at="2026-01-01T00:00:00Z")
    assert list(GET_IMAGE["outputs"]["properties"]) == list(info.to_dict()) == list(IMAGE_OUTPUT_FIELDS)
    assert list(GET_IMAGES["outputs"]["properties"]) == ["images"]
    image_type = SCHEMA["types"]["yc-registry:index:ImageInfo"]
    assert list(image_type["properties"]) == list(info.to_dict())
    assert list(SCHEMA["types"]["yc-registry:index:Blob"]["properties"]) == list(blob.to_dict())


def test_cleanup_fields_match_the_dynamic_cleanup() -> None:
    """Held to the dynamic ImageCleanup once it exists (its module exposes the same field lists)."""
    assert list(CLEANUP["inputProperties"]) == list(cleanup_fields.INPUT_FIELDS)
    assert list(CLEANUP["properties"]) == list(cleanup_fields.OUTPUT_FIELDS)
    from yc_registry_provider.cleanup import CleanupRules
    assert list(cleanup_fields.INPUT_FIELDS) == [
        name for name in inspect.signature(CleanupRules).parameters]
    dynamic = pytest.importorskip("yc_registry_provider.lifecycle.cleanup",
                                  reason="the dynamic ImageCleanup's rules module has not landed yet")
    for attribute, ours in (("INPUT_FIELDS", cleanup_fields.INPUT_FIELDS),
                            ("OUTPUT_FIELDS", cleanup_fields.OUTPUT_FIELDS)):
        theirs = getattr(dynamic, attribute, None)
        if theirs is not None:
            assert sorted(theirs) == sorted(ours), attribute


def test_secret_config_is_secret() -> None:
    variables = SCHEMA["config"]["variables"]
    assert variables["token"].get("secret") and variables["serviceAccountKeyFile"].get("secret")
    assert not variables["endpoint"].get("secret")
