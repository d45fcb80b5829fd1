"""in_use.py (pure): pull references in container declarations and compose files, matched to images."""

from __future__ import annotations

from yc_registry_provider.fake.builders import compose_file, container_declaration
from yc_registry_provider.in_use import InUseSet, LiveReference, Workload, parse_reference, references_in
from yc_registry_provider.models import ImageInfo

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


def image(tags: tuple[str, ...] = (), digest: str = DIGEST, name: str = "crp1/team/app") -> ImageInfo:
    return ImageInfo(id="img1", name=name, digest=digest, tags=list(tags), created_at="2026-01-01T00:00:00Z",
                     compressed_size=1, config=None, layers=[])


def uses(text: str, img: ImageInfo, digest: str | None = None) -> bool:
    refs = [LiveReference(ref, Workload("instance", "fhm1", "vm"), digest) for ref in references_in(text)]
    return bool(InUseSet(refs).users(img))


def test_a_declaration_and_a_compose_file_name_their_images_on_both_hosts() -> None:
    declaration = container_declaration("cr.yandex/crp1/team/app:v1", f"registry.yandexcloud.net/crp1/web@{DIGEST}")
    compose = compose_file("registry.yandexcloud.net/crp1/team/app", "nginx:1.25")
    assert [r.text for r in references_in(declaration)] == ["cr.yandex/crp1/team/app:v1",
                                                            f"registry.yandexcloud.net/crp1/web@{DIGEST}"]
    # no tag and no digest is latest; an image from another registry is none of ours
    assert [r.text for r in references_in(compose)] == ["registry.yandexcloud.net/crp1/team/app:latest"]


def test_an_image_is_in_use_by_digest_or_by_a_tag_it_carries_now() -> None:
    assert uses(f"cr.yandex/crp1/team/app@{DIGEST}", image())
    assert uses("cr.yandex/crp1/team/app:v1", image(("v1",)))
    assert uses("registry.yandexcloud.net/crp1/team/app:v1", image(("v1", "latest")))
    assert uses("cr.yandex/crp1/team/app", image(("latest",)))
    assert not uses("cr.yandex/crp1/team/app:v1", image(("v2",)))  # the tag moved away
    assert not uses(f"cr.yandex/crp1/team/app@{OTHER}", image(("v1",)))
    assert not uses("cr.yandex/crp1/team/app-old:v1", image(("v1",)))  # another repository
    assert not uses("cr.yandex/crp2/team/app:v1", image(("v1",)))  # another registry
    assert not uses("cr.yandex.example.com/crp1/team/app:v1", image(("v1",)))  # not a Yandex host


def test_a_resolved_digest_keeps_the_image_a_moved_tag_no_longer_names() -> None:
    assert uses("cr.yandex/crp1/team/app:latest", image(()), digest=DIGEST)


def test_parse_reference_takes_a_whole_reference_only() -> None:
    ref = parse_reference(f"cr.yandex/crp1/team/app:v1@{DIGEST}")
    assert ref is not None and (ref.name, ref.tag, ref.digest) == ("crp1/team/app", "v1", DIGEST)
    assert parse_reference("cr.yandex/app") is None  # no registry id
    assert parse_reference("docker.io/library/nginx:1") is None
    assert parse_reference("mirror.example.com/cr.yandex/crp1/team/app:v1") is None
