"""The public names of both packages: sorted, complete, importable."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("module", ["pulumi_yc_registry", "yc_registry_provider"])
def test_all_is_sorted_and_importable(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__ == sorted(mod.__all__)
    assert len(set(mod.__all__)) == len(mod.__all__)
    for name in mod.__all__:
        assert hasattr(mod, name), name


def test_sdk_exports_the_lookup_and_resource_api_and_every_error() -> None:
    import pulumi_yc_registry as sdk
    from yc_registry_provider import errors

    wanted = {"Image", "ImageInfo", "BlobInfo", "GetImagesResult", "get_image", "get_image_output", "get_images",
              "get_images_output", "ImageCleanup", "cleanup_images", "CleanupReport", "CleanupFailedError"}
    error_names = {n for n in errors.__all__ if isinstance(getattr(errors, n), type)}
    assert wanted | error_names <= set(sdk.__all__)
