"""The product's promise as a property: during `pulumi up` or `pulumi refresh` no image is deleted unless the
program removed or replaced the resource that adopted it, and never one that a resource of the stack still holds.

Hypothesis draws sequences of pushes, tag moves and removals, refreshes, and ups of programs whose Images change
(added, dropped, selector edited, two Images on one image); each run executes the real providers in process
(pulumi_yc_registry.testing) over real sockets against the fake.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

import pulumi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import FakeCloud, start_fake_cloud
from pulumi_yc_registry import Image
from pulumi_yc_registry.testing import CapturedResource, ExecutingMocks, run_program
from yc_registry_provider import RegistryError
from yc_registry_provider.fake import add_image

TAGS = ("latest", "stable", "v1")
NAMES = ("web", "api", "job")
IMAGE_TYPE = "pulumi-python:dynamic/yc-registry:Image"

# A selector, as the program gives it: by tag, or by the digest / id of the n-th image pushed.
selectors = st.one_of(st.tuples(st.just("tag"), st.sampled_from(TAGS)),
                      st.tuples(st.sampled_from(["digest", "image_id"]), st.integers(0, 4)))
programs = st.dictionaries(st.sampled_from(NAMES), selectors, max_size=3)
first_programs = st.dictionaries(st.sampled_from(NAMES), selectors, min_size=1, max_size=3)
steps = st.one_of(
    st.tuples(st.just("push"), st.frozensets(st.sampled_from(TAGS))),
    st.tuples(st.just("move"), st.sampled_from(TAGS), st.integers(0, 4)),   # an existing image gets the tag
    st.tuples(st.just("untag"), st.sampled_from(TAGS)),                     # the tag is removed from its image
    st.tuples(st.just("refresh")),
    st.tuples(st.just("up"), programs, st.booleans()),                     # the program, and --refresh
)


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    started = start_fake_cloud()
    yield started
    started.server.stop(0)


class Stack:
    """One stack of one example: its repository in the fake, the images pushed, the mocks holding its state."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.repo, self.pushed = cloud.repository_with(("latest", "v1"), ("stable",))
        self.mocks = ExecutingMocks(cloud.config)

    def push(self, tags: frozenset[str]) -> None:
        path = self.repo.split("/", 1)[1]
        self.pushed.append(add_image(self.cloud.model, self.cloud.registry_id, path, tags=sorted(tags)).id)

    def retag(self, tag: str, index: int | None) -> None:
        """Move ``tag`` onto the index-th image pushed (None: remove it from every image)."""
        model = self.cloud.model
        for image in [model.images[i] for i in self.pushed if i in model.images]:
            if tag in image.tags:
                model.put_images([dataclasses.replace(image, tags=tuple(t for t in image.tags if t != tag))])
        if index is not None and self.pushed[index % len(self.pushed)] in model.images:
            image = model.images[self.pushed[index % len(self.pushed)]]
            model.put_images([dataclasses.replace(image, tags=image.tags + (tag,))])

    def selector(self, kind: str, value: Any) -> dict[str, Any]:
        """The Image arguments a program gives for a drawn selector."""
        if kind == "tag":
            return {"repository_name": self.repo, "tag": value}
        image_id = self.pushed[value % len(self.pushed)]
        if kind == "image_id":
            return {"image_id": image_id}
        digest = self.cloud.model.images[image_id].digest if image_id in self.cloud.model.images else \
            "sha256:" + "0" * 64
        return {"repository_name": self.repo, "digest": digest}

    def up(self, program: dict[str, tuple[str, Any]], refresh: bool) -> None:
        declared = {name: self.selector(*drawn) for name, drawn in program.items()}

        def body() -> None:
            for name, arguments in declared.items():
                Image(name, **arguments)

        try:
            run_program(body, self.mocks, refresh=refresh)
        except RegistryError:  # a selector naming no image: the up fails (and must delete nothing)
            pass
        return None


def user_selector(resource: CapturedResource) -> dict[str, Any]:
    """What the program gave the resource the last time it was registered (refresh never rewrites this)."""
    return {k: v for k, v in resource.inputs.items()
            if k in ("image_id", "repository_name", "tag", "digest") and v is not None}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(first=first_programs, sequence=st.lists(steps, min_size=1, max_size=7))
def test_up_and_refresh_delete_only_what_the_program_removed_or_replaced(
        cloud: FakeCloud, first: dict[str, tuple[str, Any]], sequence: list[tuple[Any, ...]]) -> None:
    # given a stack that came up with some Images; then pushes, tag moves, refreshes and ups in any order
    stack = Stack(cloud)
    stack.up(first, refresh=False)
    try:
        for step in sequence:
            kind = step[0]
            if kind == "push":
                stack.push(step[1])
                continue
            if kind in ("move", "untag"):
                stack.retag(step[1], step[2] if kind == "move" else None)
                continue
            before = set(cloud.model.deleted_image_ids)
            prior = [r for r in stack.mocks.state if r.typ == IMAGE_TYPE and not r.read_only]
            if kind == "refresh":
                stack.mocks.refresh()
                allowed: set[str] = set()
            else:
                program, refresh = step[1], step[2]
                stack.up(program, refresh)
                declared = {name: stack.selector(*drawn) for name, drawn in program.items()}
                # removed from the program, or its inputs changed by the user (which may replace it)
                allowed = {r.id for r in prior if r.name not in declared or declared[r.name] != user_selector(r)}
            deleted = set(cloud.model.deleted_image_ids) - before
            held = {r.id for r in stack.mocks.state if r.typ == IMAGE_TYPE}
            # then nothing was deleted but what the program removed or replaced
            assert deleted <= allowed, (kind, deleted, allowed)
            # and nothing a resource of the stack still holds
            assert not deleted & held, (kind, deleted, held)
    finally:
        stack.mocks.destroy()
