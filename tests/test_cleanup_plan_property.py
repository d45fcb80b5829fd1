"""The plan is the contract, as a property: every image a destroy of an ImageCleanup deletes was in the plan the
last up or refresh recorded (``candidate_ids``), unless ``delete_all``.

Hypothesis draws the cleanup's rules, then pushes, tag moves, out-of-band deletes, refreshes and ups in any order,
then a destroy; each run executes the real providers in process (pulumi_yc_registry.testing) over real sockets
against the fake.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import FakeCloud, start_fake_cloud
from pulumi_yc_registry import ImageCleanup
from pulumi_yc_registry.testing import ExecutingMocks, run_program
from yc_registry_provider.fake import add_image

TAGS = ("latest", "v1", "pr-1", "release-2")
CLEANUP_TYPE = "pulumi-python:dynamic/yc-registry:ImageCleanup"

rule_sets = st.one_of(
    st.fixed_dictionaries({"keep_last": st.integers(1, 3)}),
    st.fixed_dictionaries({"keep_tags": st.just(["latest", "release-.*"])}),
    st.fixed_dictionaries({"delete_tags_matching": st.just(["pr-.*", "v1"])}),
    st.fixed_dictionaries({"untagged_only": st.just(True)}),
    st.fixed_dictionaries({"delete_all": st.just(True)}),
    st.fixed_dictionaries({"delete_all": st.just(True), "keep_last": st.integers(1, 2)}),
)
steps = st.one_of(
    st.tuples(st.just("push"), st.frozensets(st.sampled_from(TAGS), max_size=2)),
    st.tuples(st.just("move"), st.sampled_from(TAGS), st.integers(0, 6)),
    st.tuples(st.just("gone"), st.integers(0, 6)),       # deleted out of band
    st.tuples(st.just("refresh")),
    st.tuples(st.just("up")),
)


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    started = start_fake_cloud()
    yield started
    started.server.stop(0)


class Stack:
    def __init__(self, cloud: FakeCloud, rules: dict[str, Any], tag_sets: list[frozenset[str]]) -> None:
        self.cloud = cloud
        self.rules = rules
        self.repo, self.pushed = cloud.repository_with(*[tuple(sorted(tags)) for tags in tag_sets])
        self.mocks = ExecutingMocks(cloud.config)
        self.clock = datetime.now(timezone.utc) - timedelta(days=1)

    def up(self) -> None:
        run_program(lambda: ImageCleanup("cleanup", repository_name=self.repo, **self.rules), self.mocks)

    def push(self, tags: frozenset[str]) -> None:
        self.clock += timedelta(minutes=1)
        path = self.repo.split("/", 1)[1]
        self.pushed.append(add_image(self.cloud.model, self.cloud.registry_id, path, tags=sorted(tags),
                                     created_at=self.clock).id)

    def move(self, tag: str, index: int) -> None:
        model = self.cloud.model
        for image in [model.images[i] for i in self.pushed if i in model.images]:
            if tag in image.tags:
                model.put_images([dataclasses.replace(image, tags=tuple(t for t in image.tags if t != tag))])
        target = self.pushed[index % len(self.pushed)]
        if target in model.images:
            image = model.images[target]
            model.put_images([dataclasses.replace(image, tags=image.tags + (tag,))])

    def gone(self, index: int) -> None:
        target = self.pushed[index % len(self.pushed)]
        if target in self.cloud.model.images:
            self.cloud.model.delete_image(target)
            self.cloud.model.advance()

    def plan(self) -> list[str]:
        (resource,) = [r for r in self.mocks.state if r.typ == CLEANUP_TYPE]
        return list(resource.outputs.get("candidate_ids") or [])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(rules=rule_sets, tag_sets=st.lists(st.frozensets(st.sampled_from(TAGS), max_size=2), min_size=1, max_size=5),
       sequence=st.lists(steps, max_size=6))
def test_a_destroy_deletes_only_what_the_last_plan_showed_unless_delete_all(
        cloud: FakeCloud, rules: dict[str, Any], tag_sets: list[frozenset[str]],
        sequence: list[tuple[Any, ...]]) -> None:
    # given a stack whose ImageCleanup came up, then pushes, tag moves, deletes, refreshes and ups in any order
    stack = Stack(cloud, rules, tag_sets)
    stack.up()
    for step in sequence:
        if step[0] == "push":
            stack.push(step[1])
        elif step[0] == "move":
            stack.move(step[1], step[2])
        elif step[0] == "gone":
            stack.gone(step[1])
        elif step[0] == "refresh":
            stack.mocks.refresh()
        else:
            try:
                stack.up()
            except ValueError:  # every image gone: the repository no longer exists and the check says so
                pass
    plan = set(stack.plan())
    before = set(cloud.model.deleted_image_ids)
    # when the stack is destroyed (it may fail, listing images no plan showed)
    try:
        stack.mocks.destroy()
    except Exception:  # noqa: BLE001 - a refused destroy is an outcome; the property is about what went
        pass
    deleted = set(cloud.model.deleted_image_ids) - before
    # then every image it deleted was in the last plan, unless delete_all
    assert deleted <= set(stack.pushed)
    if not rules.get("delete_all"):
        assert deleted <= plan, (deleted - plan, rules)
