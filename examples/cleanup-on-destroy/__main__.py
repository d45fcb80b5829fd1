"""A stack that owns a Container Registry and an ImageCleanup that empties it before Pulumi deletes it.

The registry comes from pulumi-yandex (``pulumi_yandex.ContainerRegistry``). The ImageCleanup depends on it
(through its ``registry_id`` input and explicitly with ``depends_on``), so ``pulumi destroy`` deletes the
ImageCleanup first, which deletes the images, and only then the registry, which the cloud refuses to
delete while it holds images.

Config: ``registryName`` (default app-images), ``keepTags`` (optional list of regular expressions, each matching
a whole tag: ``v1\\..*`` keeps ``v1.0.0``, ``v1`` only the tag ``v1``; images with a matching tag are kept, and the
registry is then retained on destroy since it cannot be deleted non-empty),
``dryRun`` (report only), and the usual ``yandex:*`` provider config (token, folderId, ...).
"""

import pulumi

from pulumi_yc_registry.cleanup import ImageCleanup

try:
    import pulumi_yandex as yandex
except ImportError as exc:  # no stand-in here: this program creates the registry with pulumi-yandex
    missing = getattr(exc, "name", None)
    if missing == "pkg_resources":
        raise ImportError("pulumi-yandex is installed but cannot be imported: it needs pkg_resources, which "
                          "setuptools 81 and later no longer ship; pip install 'setuptools<81' (requirements.txt "
                          "pins it: pip install -r requirements.txt)") from exc
    if missing in (None, "pulumi_yandex"):
        raise ImportError("this example creates its registry with pulumi-yandex, which is not installed: "
                          "pip install -r requirements.txt") from exc
    raise ImportError(f"pulumi-yandex is installed but cannot be imported: {exc}") from exc

config = pulumi.Config()
registry_name = config.get("registryName") or "app-images"
keep_tags = config.get_object("keepTags") or []
dry_run = config.get_bool("dryRun") or False

registry = yandex.ContainerRegistry(
    "registry",
    name=registry_name,
    # Kept images keep the registry non-empty: then leave it in the cloud on destroy instead of failing.
    opts=pulumi.ResourceOptions(retain_on_delete=bool(keep_tags)),
)

cleanup = ImageCleanup(
    "registry-images",
    registry_id=registry.id,
    keep_tags=keep_tags or None,
    delete_all=not keep_tags,  # no keep rule: confirm that every image goes
    dry_run=dry_run,
    opts=pulumi.ResourceOptions(depends_on=[registry]),
)

pulumi.export("registry_id", registry.id)
pulumi.export("images_deleted_on_destroy", cleanup.candidate_count)
pulumi.export("first_images_deleted_on_destroy", cleanup.candidate_ids)
