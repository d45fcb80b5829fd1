"""Property: over random workloads, tags, pushes and rules, a cleanup with keep_in_use never deletes an image that a
live reference names, and deletes exactly the selected images minus those in use.

One fake serves every example; each example gets a registry in a folder of its own (the workloads of one example
cannot reach another's images). The oracle below is written apart from ``in_use.py``: same repository, and the
digest written or resolved at deploy, or a tag the image carries after the last push.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.backends.workloads import WorkloadsClient
from yc_registry_provider.cleanup import CleanupRules, run_cleanup, select
from yc_registry_provider.cleanup.engine import in_use_reader
from yc_registry_provider.config import resolve_settings
from yc_registry_provider.fake import (DEMO_TOKEN, FakeModel, FakeServer, add_container_revision, add_image,
                                       add_instance, add_instance_group, add_registry)

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOW = START + timedelta(days=400)
TAGS = ("a", "b", "latest")
HOSTS = ("cr.yandex", "registry.yandexcloud.net")
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Ref:
    """A reference a workload holds: by the tag (None: none written, i.e. latest) or by the digest of image #index."""

    host: str
    tag: str | None
    index: int | None


@dataclass(frozen=True)
class WorkloadSpec:
    kind: str  # container, instance, compose, group
    name: str
    ref: Ref


tag_sets = st.lists(st.sampled_from(TAGS), max_size=2, unique=True).map(tuple)
refs = st.builds(Ref, host=st.sampled_from(HOSTS),
                 tag=st.one_of(st.none(), st.sampled_from(TAGS + ("gone",))),
                 index=st.one_of(st.none(), st.integers(0, 7)))
workloads = st.lists(st.builds(WorkloadSpec, kind=st.sampled_from(("container", "instance", "compose", "group")),
                               name=st.sampled_from(("w1", "w2", "w3")), ref=refs), max_size=5)
rule_sets = st.fixed_dictionaries({"keep_last": st.integers(0, 3), "untagged_only": st.booleans(),
                                   "keep_tags": st.sampled_from([None, ["a"]])})


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeModel, RegistryClient, WorkloadsClient]]:
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    server = FakeServer(model).start()
    settings_ = resolve_settings({"endpoint": server.address, "token": DEMO_TOKEN, "plaintext": True}, env={})
    with RegistryClient(settings_) as registry, WorkloadsClient(settings_) as reader:
        yield model, registry, reader
    server.stop(0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(tag_sets, min_size=1, max_size=6), specs=workloads,
       later=st.lists(tag_sets, max_size=3), rules_args=rule_sets)
def test_no_image_a_live_reference_names_is_deleted(fake: tuple[FakeModel, RegistryClient, WorkloadsClient],
                                                     first: list[tuple[str, ...]], specs: list[WorkloadSpec],
                                                     later: list[tuple[str, ...]], rules_args: dict) -> None:
    model, registry, reader = fake
    # given a registry of its own (in a folder of its own) with pushed images
    n = next(_numbers)
    registry_id, folder = f"crpprop{n}", f"b1gprop{n}"
    add_registry(model, registry_id, folder_id=folder)
    repo = f"{registry_id}/app"
    pushed = [add_image(model, registry_id, "app", tags=tags, created_at=START + timedelta(hours=i))
              for i, tags in enumerate(first)]
    # and workloads referring to them by tag or digest, on either host (a container's later revision obsoletes
    # its earlier one)
    live: dict[tuple[str, str], tuple[str, str | None, str | None]] = {}  # (kind, name) -> (tag, written, resolved)
    for spec in specs:
        digest = pushed[spec.ref.index % len(pushed)].digest if spec.ref.index is not None else None
        text = f"{spec.ref.host}/{repo}" + (f":{spec.ref.tag}" if spec.ref.tag else "") + (
            f"@{digest}" if digest else "")
        tag = spec.ref.tag if spec.ref.tag or digest else "latest"
        if spec.kind == "container":
            _, revision_id = add_container_revision(model, text, container=spec.name, folder_id=folder)
            resolved = model.workloads.revisions[revision_id].image_digest or None
            live[("container", spec.name)] = (tag, digest, resolved)
        elif spec.kind == "group":
            add_instance_group(model, text, name=spec.name, folder_id=folder)
            live[("group", f"{spec.name}{len(live)}")] = (tag, digest, None)
        else:
            add_instance(model, text, name=spec.name, folder_id=folder, compose=spec.kind == "compose")
            live[("instance", f"{spec.name}{len(live)}")] = (tag, digest, None)
    # and later pushes that move tags onto new images
    for i, tags in enumerate(later):
        add_image(model, registry_id, "app", tags=tags, created_at=START + timedelta(hours=10 + i))
    listing = [image for image in registry.list_images(repository_name=repo)]
    rules = CleanupRules(repository_name=repo, keep_in_use=True, delete_all=True, **rules_args)
    selected = {image.id for image in select(listing, rules, NOW).selected}
    in_use = {image.id for image in listing for tag, written, resolved in live.values()
              if image.digest in {written, resolved} or (tag is not None and tag in image.tags)}
    # when the cleanup runs
    report = run_cleanup(registry, rules, now=NOW, in_use=in_use_reader(reader, rules))
    # then nothing in use was deleted, and exactly the selected images not in use were
    assert not set(report.deleted) & in_use
    assert set(report.deleted) == selected - in_use
    assert set(report.kept) == selected & in_use
    assert report.ok
