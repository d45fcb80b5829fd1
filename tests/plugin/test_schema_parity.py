"""The plugin's schema names each field of the dynamic resources / Python lookups, in camelCase, field for field."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pulumi_yc_registry
from pulumi_yc_registry.cleanup import ImageCleanup
from yc_registry_provider.cleanup import CleanupRules
from yc_registry_provider.lifecycle import cleanup as cleanup_rules
from yc_registry_provider.lifecycle import image as image_rules
from yc_registry_provider.models import IMAGE_OUTPUT_FIELDS, BlobInfo, ImageInfo
from yc_registry_provider.plugin.schema import build_schema, schema_json

from plugin_support import camel

SCHEMA = build_schema("0.0.0")
IMAGE = SCHEMA["resources"]["yc-registry:index:Image"]
CLEANUP = SCHEMA["resources"]["yc-registry:index:ImageCleanup"]
GET_IMAGES = SCHEMA["functions"]["yc-registry:index:getImages"]
GET_IMAGE = SCHEMA["functions"]["yc-registry:index:getImage"]


def keyword_params(func: Any, drop: tuple[str, ...] = ("self", "resource_name", "opts")) -> list[str]:
    """The Python keyword arguments, as the schema names them (camelCase)."""
    return [camel(name) for name in inspect.signature(func).parameters if name not in drop]


def wire(names: Any) -> list[str]:
    return [camel(name) for name in names]


def test_schema_is_json() -> None:
    assert json.loads(schema_json("1.2.3"))["version"] == "1.2.3"


def test_image_inputs_match_the_dynamic_resource() -> None:
    assert list(IMAGE["inputProperties"]) == wire(image_rules.INPUT_FIELDS)
    assert list(IMAGE["inputProperties"]) == keyword_params(pulumi_yc_registry.Image.__init__)


def test_image_outputs_match_the_dynamic_resource() -> None:
    assert list(IMAGE["properties"]) == wire(image_rules.OUTPUT_FIELDS)
    declared = wire(pulumi_yc_registry.Image.__annotations__)
    assert sorted(IMAGE["properties"]) == sorted(declared)
    assert set(wire(IMAGE_OUTPUT_FIELDS)) <= set(IMAGE["required"]) | {"config"}


def test_schema_names_are_camel_case_and_descriptions_follow() -> None:
    """TypeScript, Go and C# programs write repositoryName; the descriptions they read name fields the same way."""
    assert "repositoryName" in IMAGE["inputProperties"] and "repository_name" not in IMAGE["inputProperties"]
    assert "imageId" in IMAGE["required"]
    text = json.dumps(SCHEMA)
    assert "repository_name" not in text and "delete_timeout" not in text
    # a value of the API stays as the API spells it
    assert "'created_at'" in GET_IMAGES["inputs"]["properties"]["orderBy"]["description"]


def test_lookup_arguments_match_the_python_functions() -> None:
    assert list(GET_IMAGES["inputs"]["properties"]) == keyword_params(pulumi_yc_registry.get_images)
    assert list(GET_IMAGE["inputs"]["properties"]) == keyword_params(pulumi_yc_registry.get_image)


def test_lookup_results_match_image_info() -> None:
    blob = BlobInfo(id="b", digest="sha256:" + "0" * 64, size=1)
    info = ImageInfo(id="crp1", name="crp/app", digest=blob.digest, compressed_size=1, config=blob, layers=[blob],
                     tags=["v1"], created_at="2026-01-01T00:00:00Z")
    assert list(GET_IMAGE["outputs"]["properties"]) == wire(info.to_dict()) == wire(IMAGE_OUTPUT_FIELDS)
    assert list(GET_IMAGES["outputs"]["properties"]) == ["images"]
    image_type = SCHEMA["types"]["yc-registry:index:ImageInfo"]
    assert list(image_type["properties"]) == wire(info.to_dict())
    assert list(SCHEMA["types"]["yc-registry:index:Blob"]["properties"]) == list(blob.to_dict())


def test_cleanup_fields_match_the_dynamic_cleanup() -> None:
    """The plugin's ImageCleanup takes its field lists from lifecycle.cleanup, the dynamic ImageCleanup's rules."""
    assert list(CLEANUP["inputProperties"]) == wire(cleanup_rules.INPUT_FIELDS)
    assert list(CLEANUP["properties"]) == wire(cleanup_rules.OUTPUT_FIELDS)
    assert set(CLEANUP["required"]) == set(wire(cleanup_rules.RESULT_FIELDS)) == {"candidateCount", "candidateIds",
                                                                               "candidateRefs", "keptInUse"}
    # every input is a rule of CleanupRules, except run_on_remove (when the cleanup runs, not what it selects)
    assert wire([name for name in cleanup_rules.INPUT_FIELDS if name != "run_on_remove"]) == \
        keyword_params(CleanupRules)
    assert list(CLEANUP["inputProperties"]) == keyword_params(ImageCleanup.__init__)


def test_cleanup_types_match_the_rules() -> None:
    """Integers where the rules want ints, the keep_tags list, booleans: a generated SDK sends what the rules take."""
    types = {name: prop.get("type") for name, prop in CLEANUP["inputProperties"].items()}
    assert types == {"repositoryName": "string", "registryId": "string", "keepTags": "array",
                     "keepLast": "integer", "olderThan": "string", "untaggedOnly": "boolean",
                     "deleteAll": "boolean", "dryRun": "boolean", "concurrency": "integer", "timeout": "number",
                     "recursive": "boolean", "keepTagPrefixes": "array", "deleteTagsMatching": "array",
                     "tagMatchMode": "string", "keepRules": "array", "keepInUse": None, "runOnRemove": "boolean"}
    keep_rule = SCHEMA["types"]["yc-registry:index:KeepRule"]["properties"]
    assert {name: prop["type"] for name, prop in keep_rule.items()} == {"tagPattern": "string",
                                                                         "keepLast": "integer"}
    assert CLEANUP["properties"]["candidateIds"]["items"] == {"type": "string"}
    assert "destroy" in CLEANUP["description"] and "replaces" in CLEANUP["description"]


def test_secret_config_is_secret() -> None:
    variables = SCHEMA["config"]["variables"]
    assert variables["token"].get("secret") and variables["serviceAccountKeyFile"].get("secret")
    assert not variables["endpoint"].get("secret")


def test_byte_sizes_are_numbers_not_32_bit_integers() -> None:
    # codegen maps "integer" to int32 in C# and Java; an image or a layer can be larger than 2 GiB
    blob = SCHEMA["types"]["yc-registry:index:Blob"]["properties"]["size"]
    assert IMAGE["properties"]["compressedSize"]["type"] == "number" and blob["type"] == "number"


def test_the_yaml_example_calls_functions_the_schema_declares_with_arguments_it_accepts() -> None:
    # given examples/yaml-lookup (run for real by tests/e2e), its invokes must match the plugin's schema
    import yaml  # pyyaml, a dependency of pulumi

    from harness import REPO_ROOT

    program = yaml.safe_load((REPO_ROOT / "examples" / "yaml-lookup" / "Pulumi.yaml").read_text(encoding="utf-8"))
    invokes = [value["fn::invoke"] for value in program["variables"].values() if "fn::invoke" in value]
    assert invokes
    for invoke in invokes:
        function = SCHEMA["functions"][invoke["function"]]
        assert set(invoke.get("arguments", {})) <= set(function["inputs"]["properties"])


# -- what `pulumi package add` binds: every listed name is a declared property ----------------------------------
def _objects_with_required(schema: dict[str, Any]) -> list[tuple[str, str, list[str], dict[str, Any]]]:
    """(where, list name, listed names, declared properties) for every ``required`` / ``requiredInputs`` list."""
    found: list[tuple[str, str, list[str], dict[str, Any]]] = []
    for token, spec in schema["types"].items():
        found.append((token, "required", spec.get("required", []), spec["properties"]))
    for token, spec in schema["resources"].items():
        found.append((token, "required", spec.get("required", []), spec["properties"]))
        found.append((token, "requiredInputs", spec.get("requiredInputs", []), spec.get("inputProperties", {})))
    for token, spec in schema["functions"].items():
        for side in ("inputs", "outputs"):
            found.append((f"{token} {side}", "required", spec[side].get("required", []), spec[side]["properties"]))
    return found


def test_every_required_name_is_a_declared_property() -> None:
    """The engine's schema binder fails `pulumi package add` on an undeclared required name (issue 17, defect 2)."""
    # given the schema the plugin serves
    lists = _objects_with_required(SCHEMA)
    # then every name listed as required (inputs or outputs) is declared, in camelCase
    assert any(name == "requiredInputs" and names for _, name, names, _ in lists)
    undeclared = [f"{where}/{name}: {missing}" for where, name, names, declared in lists
                  for missing in names if missing not in declared]
    assert undeclared == []


def test_the_go_sdk_has_a_real_import_path() -> None:
    """`pulumi package add` into a Go project imports the SDK by this path (not codegen's example.com default)."""
    go = SCHEMA["language"]["go"]
    assert go["importBasePath"].startswith("github.com/") and go["importBasePath"].endswith("/sdk/go/ycregistry")
