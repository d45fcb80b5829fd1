"""keep_in_use: a cleanup never deletes an image a workload runs (fake workloads over real sockets)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest

from yc_registry_provider.backends.container_registry import RegistryClient
from yc_registry_provider.backends.workloads import WorkloadsClient
from yc_registry_provider.cleanup import CleanupRules, cleanup_images, run_cleanup
from yc_registry_provider.cleanup.engine import in_use_reader, plan_in_use
from yc_registry_provider.config import resolve_settings
from yc_registry_provider.errors import InvalidArgumentError, WorkloadSourceError
from yc_registry_provider.fake import (DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, add_container_revision,
                                       add_image, add_instance, add_instance_group, add_registry)
from yc_registry_provider.retry import RetryPolicy

REGISTRY = "crpinuse1"
REPO = f"{REGISTRY}/app"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOW = START + timedelta(days=400)
QUICK = RetryPolicy(initial_backoff=0.01, max_backoff=0.05, budget=1.0, max_attempts=3)


# --- builders ---------------------------------------------------------------------------------------------

def registry_with(*tag_sets: tuple[str, ...]) -> tuple[FakeModel, list[str]]:
    """One image per tag set in REPO (oldest first, an hour apart); the model and the ids."""
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    add_registry(model, REGISTRY, folder_id=DEMO_FOLDER_ID)
    ids = [add_image(model, REGISTRY, "app", tags=tags, created_at=START + timedelta(hours=n)).id
           for n, tags in enumerate(tag_sets)]
    return model, ids


@pytest.fixture
def served() -> Iterator[Any]:
    servers: list[FakeServer] = []

    def start(model: FakeModel) -> tuple[RegistryClient, WorkloadsClient]:
        server = FakeServer(model).start()
        servers.append(server)
        settings = resolve_settings({"endpoint": server.address, "token": DEMO_TOKEN, "plaintext": True}, env={})
        return (RegistryClient(settings, retry=QUICK, call_timeout=5.0),
                WorkloadsClient(settings, retry=QUICK, call_timeout=5.0))

    yield start
    for server in servers:
        server.stop(0)


def clean(registry: RegistryClient, workloads: WorkloadsClient, **rule_args: Any) -> Any:
    rules = CleanupRules(repository_name=REPO, **rule_args)
    return run_cleanup(registry, rules, now=NOW, in_use=in_use_reader(workloads, rules))


def digest(model: FakeModel, image_id: str) -> str:
    return model.images[image_id].digest


# --- the rule -----------------------------------------------------------------------------------------------

def test_an_image_a_container_revision_runs_by_tag_is_kept_and_the_report_names_the_container(served: Any) -> None:
    # given three images, keep_last=1, and a container revision running the oldest by its tag
    model, ids = registry_with(("v1",), ("v2",), ("v3",))
    container_id, revision_id = add_container_revision(model, f"cr.yandex/{REPO}:v1", container="api")
    registry, workloads = served(model)
    # when the cleanup runs with keep_in_use
    report = clean(registry, workloads, keep_last=1, keep_in_use=True)
    # then the oldest is kept, naming the workload (kind, name, id), and the other candidate goes
    assert report.deleted == [ids[1]]
    assert set(report.kept) == {ids[0]}
    assert f"serverless-container api (id {container_id}, revision {revision_id})" in report.kept[ids[0]]
    assert report.in_use == {ids[0]: report.kept[ids[0]]}
    assert set(model.images) == {ids[0], ids[2]}


def test_a_revision_keeps_the_digest_it_was_deployed_with_after_its_tag_moved(served: Any) -> None:
    # given a revision deployed with :latest, and latest pushed onto a newer image since
    model, ids = registry_with(("latest",), ())
    add_container_revision(model, f"cr.yandex/{REPO}:latest")
    newer = add_image(model, REGISTRY, "app", tags=("latest",), created_at=START + timedelta(hours=5)).id
    registry, workloads = served(model)
    # when only the newest image is kept by the rules
    report = clean(registry, workloads, keep_last=1, keep_in_use=True)
    # then the image the revision runs (by its recorded digest) stays; the untagged one goes
    assert report.deleted == [ids[1]]
    assert set(model.images) == {ids[0], newer}


def test_compute_instance_declaration_by_digest_and_compose_file_on_the_cloud_registry_host(served: Any) -> None:
    # given an instance running the oldest image by digest, and an instance group's compose file naming v2
    # through registry.yandexcloud.net
    model, ids = registry_with(("v1",), ("v2",), (), ("v4",))
    vm = add_instance(model, f"cr.yandex/{REPO}@{digest(model, ids[0])}", name="vm-1")
    group = add_instance_group(model, f"registry.yandexcloud.net/{REPO}:v2", name="workers", compose=True)
    registry, workloads = served(model)
    # when the cleanup keeps only the newest
    report = clean(registry, workloads, keep_last=1, keep_in_use=True)
    # then both in-use images stay, each naming its workload; the unused one goes
    assert report.deleted == [ids[2]]
    assert f"instance vm-1 (id {vm})" in report.kept[ids[0]]
    assert f"instance-group workers (id {group})" in report.kept[ids[1]]


def test_obsolete_revisions_and_other_folders_do_not_keep_images(served: Any) -> None:
    # given a container whose first revision (v1) was replaced by one running v2, and a container in another folder
    model, ids = registry_with(("v1",), ("v2",), ("v3",))
    add_container_revision(model, f"cr.yandex/{REPO}:v1", container="api")
    add_container_revision(model, f"cr.yandex/{REPO}:v2", container="api")
    add_container_revision(model, f"cr.yandex/{REPO}:v1", container="elsewhere", folder_id="b1g-other")
    registry, workloads = served(model)
    # when the cleanup reads the registry's folder (the default)
    report = clean(registry, workloads, keep_last=1, keep_in_use=True)
    # then only v2 is in use; v1 goes
    assert report.deleted == [ids[0]] and set(report.kept) == {ids[1]}


def test_named_folders_are_read_instead_of_the_registrys(served: Any) -> None:
    model, ids = registry_with(("v1",), ("v2",))
    add_container_revision(model, f"cr.yandex/{REPO}:v1", container="elsewhere", folder_id="b1g-other")
    registry, workloads = served(model)
    report = clean(registry, workloads, keep_last=1, keep_in_use={"folders": ["b1g-other"]})
    assert report.deleted == [] and set(report.kept) == {ids[0]}


def test_without_keep_in_use_nothing_is_read_and_the_image_goes(served: Any) -> None:
    model, ids = registry_with(("v1",), ("v2",))
    add_container_revision(model, f"cr.yandex/{REPO}:v1")
    registry, workloads = served(model)
    report = clean(registry, workloads, keep_last=1)
    assert report.deleted == [ids[0]]
    assert model.calls["ContainerService.ListRevisions"] == 0


# --- fail closed ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, role", [("serverless-containers", "serverless.containers.viewer"),
                                          ("compute", "compute.viewer"), ("instance-groups", "compute.viewer")])
def test_a_source_without_permission_stops_the_cleanup_before_any_delete(served: Any, source: str,
                                                                          role: str) -> None:
    # given a source the account may not read
    model, ids = registry_with(("v1",), ("v2",), ("v3",))
    model.workloads.deny(source)
    registry, workloads = served(model)
    # when the cleanup runs with keep_in_use over every source
    with pytest.raises(WorkloadSourceError) as raised:
        clean(registry, workloads, keep_last=1, keep_in_use=True)
    # then nothing was deleted, and the error names the source and the role, and how to drop the source
    assert raised.value.source == source and role in str(raised.value)
    assert f"leave {source!r} out of keep_in_use.sources" in str(raised.value)
    assert model.calls["ImageService.Delete"] == 0 and len(model.images) == 3


def test_dropping_the_denied_source_lets_the_cleanup_run(served: Any) -> None:
    model, ids = registry_with(("v1",), ("v2",))
    model.workloads.deny("compute")
    add_container_revision(model, f"cr.yandex/{REPO}:v1")
    registry, workloads = served(model)
    report = clean(registry, workloads, keep_last=1,
                   keep_in_use={"sources": ["serverless-containers", "instance-groups"]})
    assert set(report.kept) == {ids[0]} and model.calls["InstanceService.List"] == 0


def test_a_source_missing_from_endpoint_discovery_fails_closed(served: Any) -> None:
    # given discovery that does not list compute (and a client that discovers endpoints)
    model, ids = registry_with(("v1",), ("v2",))
    model.knobs.hidden_endpoints.add("compute")
    server = FakeServer(model).start()
    try:
        settings = resolve_settings({"endpoint": server.address, "token": DEMO_TOKEN, "plaintext": True}, env={})
        from dataclasses import replace
        settings = replace(settings, endpoint_explicit=False)
        registry = RegistryClient(settings, retry=QUICK)
        workloads = WorkloadsClient(settings, retry=QUICK)
        with pytest.raises(WorkloadSourceError, match="compute.viewer") as raised:
            clean(registry, workloads, keep_last=1, keep_in_use=True)
        assert "did not list the 'compute' service" in str(raised.value)
        assert model.calls["ImageService.Delete"] == 0
    finally:
        server.stop(0)


def test_a_source_unavailable_past_its_budget_fails_closed(served: Any) -> None:
    model, ids = registry_with(("v1",), ("v2",))
    model.knobs.failing_calls["InstanceGroupService.List"] = "UNAVAILABLE"
    registry, workloads = served(model)
    with pytest.raises(WorkloadSourceError, match="UNAVAILABLE"):
        clean(registry, workloads, keep_last=1, keep_in_use=True)
    assert model.calls["InstanceGroupService.List"] == QUICK.max_attempts
    assert model.calls["ImageService.Delete"] == 0


# --- fresh at the moment of delete ---------------------------------------------------------------------------

class DeployDuringCleanup:
    """Wraps a RegistryClient: the first time the engine re-reads image ``target`` a revision running it is deployed
    (after the plan's read of the workloads, before that image's delete)."""

    def __init__(self, inner: RegistryClient, model: FakeModel, target: str) -> None:
        self.inner, self.model, self.target = inner, model, target
        self.deployed = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get_image(self, image_id: str, **kw: Any) -> Any:
        if image_id == self.target and not self.deployed.is_set():
            self.deployed.set()
            add_container_revision(self.model, f"cr.yandex/{REPO}@{self.model.images[image_id].digest}",
                                   container="late")
        return self.inner.get_image(image_id, **kw)


def test_a_revision_deployed_during_the_cleanup_protects_its_image(served: Any) -> None:
    # given five candidates and nothing in use when the cleanup plans
    model, ids = registry_with(*[()] * 6)
    registry, workloads = served(model)
    target = ids[3]
    backend = DeployDuringCleanup(registry, model, target)
    rules = CleanupRules(repository_name=REPO, keep_last=1, keep_in_use=True, concurrency=2)
    # when a revision starts running one of them while the cleanup is under way
    report = run_cleanup(backend, rules, now=NOW, in_use=in_use_reader(workloads, rules))
    # then that image is kept (the in-use set was read again after it was re-read) and the rest went
    assert backend.deployed.is_set() and report.in_use == {}
    assert set(report.kept) == {target} and "serverless-container late" in report.kept[target]
    assert set(report.deleted) == set(ids[:5]) - {target}
    assert target in model.images


def test_a_source_denied_in_the_middle_stops_further_deletes(served: Any) -> None:
    # given a cleanup whose workload source is denied after the plan was read
    model, ids = registry_with(*[()] * 5)
    registry, workloads = served(model)
    reads = {"n": 0}
    rules = CleanupRules(repository_name=REPO, keep_last=1, keep_in_use=True, concurrency=1)
    reader = in_use_reader(workloads, rules)

    def read_then_deny() -> Any:
        reads["n"] += 1
        if reads["n"] == 2:
            model.workloads.deny("serverless-containers")
        return reader()

    report = run_cleanup(registry, rules, now=NOW, in_use=read_then_deny)
    # then nothing more was deleted and the report says why
    assert report.deleted == [] and report.aborted and "serverless.containers.viewer" in report.aborted
    assert len(model.images) == 5


# --- inputs and plain function ----------------------------------------------------------------------------

def test_bad_keep_in_use_values_name_the_field() -> None:
    with pytest.raises(InvalidArgumentError, match=r"keep_in_use.sources\[0\]: must be one of"):
        CleanupRules(repository_name=REPO, keep_in_use={"sources": ["kubernetes"]})
    with pytest.raises(InvalidArgumentError, match="keep_in_use: has unknown field folder"):
        CleanupRules(repository_name=REPO, keep_in_use={"folder": "b1g"})
    with pytest.raises(InvalidArgumentError, match="keep_in_use.sources: must name at least one source"):
        CleanupRules(repository_name=REPO, keep_in_use={"sources": []})
    with pytest.raises(InvalidArgumentError, match="keep_in_use: must be true"):
        CleanupRules(repository_name=REPO, keep_in_use="compute")


def test_keep_in_use_alone_counts_as_a_keep_rule() -> None:
    assert CleanupRules(repository_name=REPO, keep_in_use=True).has_rules


def test_cleanup_images_dry_run_names_the_in_use_images_in_the_plan(served: Any) -> None:
    model, ids = registry_with(("v1",), ("v2",), ("v3",))
    add_instance(model, f"cr.yandex/{REPO}:v2", name="vm-1")
    registry, workloads = served(model)
    report = cleanup_images(backend=registry, workloads=workloads, repository_name=REPO, keep_last=1,
                            keep_in_use=True, dry_run=True, now=NOW)
    assert set(report.in_use) == {ids[1]} and "instance vm-1" in report.in_use[ids[1]]
    assert "would delete 1" in report.summary() and "kept 1 selected because a workload runs them" in report.summary()
    assert plan_in_use(registry, CleanupRules(repository_name=REPO, keep_last=1, keep_in_use=True),
                       in_use_reader(workloads, CleanupRules(repository_name=REPO, keep_last=1, keep_in_use=True)),
                       now=NOW) == report.in_use
    assert len(model.images) == 3


def test_a_scope_that_is_gone_reads_no_workload(served: Any) -> None:
    # given keep_in_use over a repository that no longer holds anything (its registry's folder cannot be told)
    model, _ = registry_with()
    registry, workloads = served(model)
    # when the cleanup runs, then it deletes nothing and reads no workload (no folder lookup that could fail)
    report = clean(registry, workloads, keep_last=1, keep_in_use=True)
    assert report.selected_count == 0 and model.calls["ContainerService.List"] == 0
    assert plan_in_use(registry, CleanupRules(repository_name=REPO, keep_last=1, keep_in_use=True),
                       in_use_reader(workloads, CleanupRules(repository_name=REPO, keep_last=1, keep_in_use=True)),
                       now=NOW) == {}


def test_cleanup_images_reads_workloads_through_the_backends_transport(served: Any) -> None:
    # given only an image backend (no WorkloadsClient)
    model, ids = registry_with(("v1",), ("v2",))
    add_container_revision(model, f"cr.yandex/{REPO}:v1")
    registry, _ = served(model)
    # when cleanup_images runs with keep_in_use, then it reads the workloads on the backend's own transport
    report = cleanup_images(backend=registry, repository_name=REPO, keep_last=1, keep_in_use=True, now=NOW)
    assert set(report.kept) == {ids[0]} and report.deleted == []


@pytest.mark.parametrize("listed_with_metadata, gets", [(False, 2), (True, 0)])
def test_instances_are_read_with_their_metadata_whichever_view_list_answers(served: Any, listed_with_metadata: bool,
                                                                           gets: int) -> None:
    # given two instances, one running v1; InstanceService.List answering without metadata (the documented
    # default view) or with it
    model, ids = registry_with(("v1",), ("v2",))
    add_instance(model, f"cr.yandex/{REPO}:v1", name="runs-v1")
    add_instance(model, "cr.yandex/crpelsewhere/other:v9", name="other")
    model.workloads.knobs.list_instance_metadata = listed_with_metadata
    registry, workloads = served(model)
    # when the cleanup runs
    report = clean(registry, workloads, keep_last=1, keep_in_use={"sources": ["compute"]})
    # then v1 is kept either way; instances listed without metadata are each read with view FULL
    assert set(report.kept) == {ids[0]}
    assert model.calls["InstanceService.Get"] == gets * model.calls["InstanceService.List"]
