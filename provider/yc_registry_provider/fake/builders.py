"""Builders that seed a :class:`FakeModel` with registries and images; deterministic ids and digests."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Iterable

from yc_registry_provider.fake import api_limits as limits
from yc_registry_provider.fake.cloud import FakeModel
from yc_registry_provider.fake.common import FakeError
from yc_registry_provider.fake.model import Blob, Image, Registry

DEMO_TOKEN = "t1.fake-demo-token"
DEMO_OAUTH_TOKEN = "y0_fake-demo-oauth-token"
DEMO_FOLDER_ID = "b1g-fake-folder"
DEFAULT_CREATED_AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def add_registry(
    model: FakeModel, registry_id: str | None = None, folder_id: str = DEMO_FOLDER_ID, name: str | None = None
) -> Registry:
    """Add a registry; its id defaults to the next "crpr…" id and its name to "registry-<n>"."""
    rid = registry_id or model.new_id("registry")
    return model.put_registry(Registry(id=rid, folder_id=folder_id, name=name or f"registry-{len(model.registries) + 1}"))


def _build_image(
    model: FakeModel,
    registry_id: str,
    repository: str,
    tags: Iterable[str],
    compressed_size: int,
    created_at: datetime,
    digest: str | None,
) -> Image:
    if not limits.REPOSITORY_NAME_RE.fullmatch(repository):
        raise FakeError("INVALID_ARGUMENT", f"repository: {repository!r} does not match {limits.REPOSITORY_NAME_PATTERN}")
    image_id = model.new_id("image")
    digest = digest or _sha(f"manifest:{image_id}")
    config = Blob(id=image_id + "c", digest=_sha(f"config:{image_id}"), size=1_500)
    layer = Blob(id=image_id + "l", digest=_sha(f"layer:{image_id}"), size=max(compressed_size - 1_500, 0))
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=timezone.utc)
    return Image(
        id=image_id,
        registry_id=registry_id,
        repository=repository,
        digest=digest,
        compressed_size=compressed_size,
        config=config,
        layers=(layer,),
        tags=tuple(tags),
        created_at=created_at,
    )


def add_image(
    model: FakeModel,
    registry_id: str,
    repository: str,
    tags: Iterable[str] = (),
    compressed_size: int = 10_000_000,
    created_at: datetime = DEFAULT_CREATED_AT,
    digest: str | None = None,
) -> Image:
    """Push one image into ``<registry_id>/<repository>``; its tags move away from older images."""
    image = _build_image(model, registry_id, repository, tags, compressed_size, created_at, digest)
    model.put_images([image])
    return model.images[image.id]


def add_images(
    model: FakeModel,
    registry_id: str,
    repository: str,
    count: int,
    *,
    compressed_size: int = 10_000_000,
    start: datetime = DEFAULT_CREATED_AT,
    step: timedelta = timedelta(minutes=1),
) -> list[Image]:
    """Push ``count`` untagged images, one ``step`` apart from ``start``; fast enough for tens of thousands."""
    images = [
        _build_image(model, registry_id, repository, (), compressed_size + n, start + n * step, None)
        for n in range(count)
    ]
    model.put_images(images)
    return images


def seed_demo(model: FakeModel) -> FakeModel:
    """A deterministic demo: one folder, two registries, repositories app, worker and tools/ci, 24 images.

    Accepts :data:`DEMO_TOKEN` as IAM token and :data:`DEMO_OAUTH_TOKEN` as OAuth token.
    """
    model.accept_iam_token(DEMO_TOKEN)
    model.credentials.oauth_tokens.add(DEMO_OAUTH_TOKEN)
    prod = add_registry(model, folder_id=DEMO_FOLDER_ID, name="demo-prod")
    dev = add_registry(model, folder_id=DEMO_FOLDER_ID, name="demo-dev")
    base = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    plan: list[tuple[Registry, str, tuple[str, ...]]] = [
        (prod, "app", ("v0.9.0",)),
        (prod, "app", ()),
        (prod, "app", ("v1.0.0",)),
        (prod, "app", ()),
        (prod, "app", ("v1.1.0",)),
        (prod, "app", ("v1.2.0", "latest")),
        (prod, "worker", ("v1.0.0",)),
        (prod, "worker", ()),
        (prod, "worker", ("v1.1.0", "latest")),
        (prod, "tools/ci", ("2026.03",)),
        (prod, "tools/ci", ()),
        (prod, "tools/ci", ("2026.04", "latest")),
        (dev, "app", ()),
        (dev, "app", ("pr-101",)),
        (dev, "app", ()),
        (dev, "app", ("pr-102",)),
        (dev, "app", ("latest",)),
        (dev, "worker", ()),
        (dev, "worker", ()),
        (dev, "worker", ("latest",)),
        (dev, "tools/ci", ()),
        (dev, "tools/ci", ("latest",)),
        (dev, "app", ("v1.0.0",)),
        (dev, "app", ()),
    ]
    for n, (registry, repository, tags) in enumerate(plan):
        add_image(
            model,
            registry.id,
            repository,
            tags=tags,
            compressed_size=(20 + 7 * n) * 1_048_576 + n,
            created_at=base + timedelta(days=2 * n, hours=n % 5),
        )
    return model


def add_cloud_registry(model: FakeModel, registry_id: str | None = None, folder_id: str = DEMO_FOLDER_ID,
                       name: str | None = None) -> str:
    """Create a native Cloud Registry Docker registry (not migrated); returns its id."""
    rid = registry_id or model.new_id("cloudregistry")
    model.cloud_registry.put_registry(rid, folder_id, name or f"cloud-registry-{len(model.cloud_registry.registries) + 1}")
    return rid


def push_cloud_image(model: FakeModel, registry_id: str, repository: str, tags: Iterable[str] = (),
                     digest: str | None = None, created_at: datetime = DEFAULT_CREATED_AT) -> str:
    """Push one Docker image to a Cloud Registry registry (artifacts laid out by the mapping); returns its digest."""
    digest = digest or _sha(f"cloud:{registry_id}/{repository}:{model.new_id('manifest')}")
    model.cloud_registry.push_image(registry_id, repository, list(tags), digest, config=(_sha(f"config:{digest}"), 1_500),
                                    layers=[(_sha(f"layer:{digest}"), 10_000_000)], created_at=created_at.timestamp())
    return digest


# ----- workloads (keep_in_use reads them) --------------------------------------------------------------------------

def resolve_digest(model: FakeModel, image_url: str) -> str:
    """The digest ``image_url`` (``<host>/<registry>/<repo>[:tag][@digest]``) names now, as a deploy resolves it;
    "" when no Container Registry image of the model matches (give ``image_digest`` for Cloud Registry ones)."""
    path = image_url.split("/", 1)[1] if "/" in image_url else image_url
    path, _, digest = path.partition("@")
    if digest:
        return digest
    head, _, tail = path.rpartition("/")
    repo_tail, _, tag = tail.partition(":")
    name, tag = f"{head}/{repo_tail}", tag or "latest"
    for image in model.images.values():
        if image.name == name and tag in image.tags:
            return image.digest
    return ""


def add_container_revision(model: FakeModel, image_url: str, *, container: str = "web",
                           folder_id: str = DEMO_FOLDER_ID, image_digest: str | None = None) -> tuple[str, str]:
    """Deploy a Serverless Containers revision of ``container`` (made if needed) running ``image_url``; the digest is
    resolved now unless given (a later push of the tag does not change what the revision runs). Returns
    (container id, revision id); the container's earlier revisions become OBSOLETE."""
    workloads = model.workloads
    made = workloads.put_container(folder_id, container)
    digest = resolve_digest(model, image_url) if image_digest is None else image_digest
    revision = workloads.deploy_revision(made.id, image_url, digest)
    return made.id, revision.id


def container_declaration(*images: str) -> str:
    """A ``docker-container-declaration`` (the COI spec) running ``images``."""
    lines = ["spec:", "  containers:"]
    for n, image in enumerate(images):
        lines += [f"  - name: c{n}", f"    image: {image}", "    securityContext:", "      privileged: false",
                  "    restartPolicy: Always"]
    return "\n".join(lines) + "\n"


def compose_file(*images: str) -> str:
    """A ``docker-compose`` file (COI) with one service per image, the reference quoted."""
    lines = ['version: "3.7"', "services:"]
    for n, image in enumerate(images):
        lines += [f"  s{n}:", f'    image: "{image}"', "    restart: always"]
    return "\n".join(lines) + "\n"


def _coi_metadata(images: tuple[str, ...], compose: bool) -> dict[str, str]:
    key = "docker-compose" if compose else "docker-container-declaration"
    text = compose_file(*images) if compose else container_declaration(*images)
    return {key: text, "ssh-keys": "yc-user:ssh-ed25519 AAAA... user@example"}


def add_instance(model: FakeModel, *images: str, name: str = "vm", folder_id: str = DEMO_FOLDER_ID,
                 compose: bool = False, metadata: dict[str, str] | None = None) -> str:
    """A Compute instance of the container-optimized image running ``images`` (a container declaration, or a
    compose file with ``compose=True``; or the given ``metadata``); returns its id."""
    meta = metadata if metadata is not None else _coi_metadata(images, compose)
    return model.workloads.put_instance(folder_id, name, meta).id


def add_instance_group(model: FakeModel, *images: str, name: str = "group", folder_id: str = DEMO_FOLDER_ID,
                       compose: bool = False) -> str:
    """An instance group whose instance template runs ``images``; returns its id."""
    return model.workloads.put_instance_group(folder_id, name, _coi_metadata(images, compose)).id


def copy_to_cloud_registry(model: FakeModel, registry_id: str | None = None, *,
                           skip_digests: Iterable[str] = ()) -> list[str]:
    """What a finished migration leaves: each Container Registry registry (or the one given) ACTIVE in Cloud Registry
    under the same id, every image there as artifacts with the same digest and tags (except ``skip_digests``: images
    the migration left behind). Container Registry keeps its copies. Returns the registry ids."""
    skipped = set(skip_digests)
    with model._lock:
        registries = [r for r in model.registries.values() if registry_id in (None, r.id)]
        images = list(model.images.values())
    for registry in registries:
        cloud = model.cloud_registry.put_registry(registry.id, registry.folder_id, registry.name)
        cloud.migrated = True
        for image in images:
            if image.registry_id == registry.id and image.digest not in skipped:
                model.cloud_registry.push_image(
                    registry.id, image.repository, list(image.tags), image.digest,
                    config=(image.config.digest, image.config.size),
                    layers=[(layer.digest, layer.size) for layer in image.layers],
                    created_at=image.created_at.timestamp())
    return [r.id for r in registries]

