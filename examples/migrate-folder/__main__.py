"""Before 2026-12-14: inventory a folder, migrate it to Cloud Registry, verify, then look up the same images.

Nothing here names Cloud Registry in the lookups: with ``yc-registry:service`` at its default (auto) a registry
id that now lives in Cloud Registry is served from there, the same id, the same digests.
"""

import pulumi

import pulumi_yc_registry as yc

config = pulumi.Config()
folder_id = config.require("folderId")
repository = config.require("repository")

# 1. inventory: what Container Registry holds today (the migration moves every registry of the folder)
inventory = yc.get_images(folder_id=folder_id)
pulumi.export("inventory_count", len(inventory.images))
pulumi.export("inventory_registries", sorted({image.registry_id for image in inventory.images}))

# 2. migrate: adopts a migration already running or done (never starts twice), waits, verifies every digest
migration = yc.FolderMigration("folder", folder_id=folder_id, timeout=6 * 3600)
pulumi.export("migration_status", migration.status)
pulumi.export("migrated_registries", migration.registry_ids)
pulumi.export("migrated_tags", migration.tags)

# 3. verify again, explicitly, once the migration is done (the resource already did; this is what a scheduled check
#    would run). Not during a preview: before the migration every image would read as "missing"
checked = migration.status.apply(lambda _status: yc.verify_migration(folder_id=folder_id))
pulumi.export("missing_count", checked.apply(lambda v: v.missing_count))
pulumi.export("missing", checked.apply(lambda v: [m.to_dict() for m in v.missing]))

# 4. the same lookup as before, now answered by Cloud Registry (after the migration is done)
newest = migration.status.apply(lambda _status: yc.get_image(repository_name=repository, most_recent=True))
pulumi.export("newest_service", newest.apply(lambda image: image.service))
pulumi.export("newest_uri", newest.apply(lambda image: image.uri))  # registry.yandexcloud.net/<name>@<digest>
