"""``yc-registry`` run as a subprocess (the installed console script) against the fake served in this process."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest

from yc_registry_provider.fake import DEMO_TOKEN, FakeModel, FakeServer, add_image, add_registry

REGISTRY = "crpcli"
APP = f"{REGISTRY}/app"
START = datetime(2026, 3, 1, tzinfo=timezone.utc)


def script() -> str:
    """The console script installed beside this interpreter (``pip install -e .`` creates it)."""
    beside = Path(sys.executable).with_name("yc-registry")
    found = str(beside) if beside.exists() else shutil.which("yc-registry")
    assert found, "the yc-registry console script is not installed: run scripts/bootstrap.sh"
    return found


# --- builders ---------------------------------------------------------------------------------------------

@pytest.fixture()
def model() -> FakeModel:
    """A registry with app (v1.0.0, v1.1.0, latest, two untagged) and app/api (one image), web (one image)."""
    fake = FakeModel()
    fake.accept_iam_token(DEMO_TOKEN)
    add_registry(fake, REGISTRY)
    for day, tags in enumerate([("v1.0.0",), (), ("v1.1.0",), (), ("v1.2.0", "latest")]):
        add_image(fake, REGISTRY, "app", tags=tags, created_at=START + timedelta(days=day))
    add_image(fake, REGISTRY, "app/api", tags=("dev-1",), created_at=START)
    add_image(fake, REGISTRY, "web", created_at=START)
    return fake


@pytest.fixture()
def server(model: FakeModel) -> Iterator[FakeServer]:
    with FakeServer(model) as running:
        yield running


def env_for(server: FakeServer, token: str = DEMO_TOKEN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YC_")}
    env.update(YC_ENDPOINT=server.address, YC_PLAINTEXT="1", YC_TOKEN=token)
    return env


def yc(server: FakeServer, *args: str, token: str = DEMO_TOKEN) -> subprocess.CompletedProcess[str]:
    return subprocess.run([script(), *args], capture_output=True, text=True, timeout=60, env=env_for(server, token))


def ids_in(model: FakeModel, repository: str) -> list[str]:
    return sorted(image.id for image in model.images.values() if image.name == repository)


# --- images list ------------------------------------------------------------------------------------------

def test_list_table_shows_every_field(server: FakeServer, model: FakeModel) -> None:
    done = yc(server, "images", "list", "--repository", APP)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "TAGS", "DIGEST", "SIZE", "CREATED_AT", "URI"]
    assert sorted(row.split()[0] for row in rows) == ids_in(model, APP)
    assert any("v1.2.0,latest" in row and "cr.yandex/crpcli/app@sha256:" in row for row in rows)


def test_list_json_and_csv_hold_the_same_images(server: FakeServer, model: FakeModel) -> None:
    as_json = json.loads(yc(server, "images", "list", "--registry", REGISTRY, "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(yc(server, "images", "list", "--registry", REGISTRY, "--format",
                                                "csv").stdout)))
    assert sorted(item["id"] for item in as_json) == sorted(model.images) == sorted(row["id"] for row in as_csv)
    newest = next(item for item in as_json if "latest" in item["tags"])
    assert newest["tags"] == ["v1.2.0", "latest"] and newest["uri"].endswith(newest["digest"])
    assert set(newest) == {"id", "name", "tags", "digest", "size", "created_at", "uri"}
    assert next(row for row in as_csv if row["id"] == newest["id"])["tags"] == "v1.2.0,latest"


def test_list_streams_page_by_page(server: FakeServer, model: FakeModel) -> None:
    # given a page size of 2 / then every image still comes, through several List calls
    done = yc(server, "images", "list", "--folder", "b1g-fake-folder", "--page-size", "2", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == len(model.images) == 7
    assert model.calls["ImageService.List"] == 4


# --- cleanup ----------------------------------------------------------------------------------------------

def test_a_dry_run_prints_the_plan_and_deletes_nothing(server: FakeServer, model: FakeModel) -> None:
    before = sorted(model.images)
    done = yc(server, "cleanup", "--repository", APP, "--keep-tags", r"v1\..*", "--keep-rule", "latest=1")
    assert done.returncode == 0, done.stderr
    assert sorted(model.images) == before and model.calls["ImageService.Delete"] == 0
    assert "delete 2 of 5 images, keep 3" in done.stdout and "--yes" in done.stdout
    assert "because tag 'v1.0.0' matches keep_tags[0]" in done.stdout
    # a pattern that only starts the tags is pointed out (it keeps nothing)
    short = yc(server, "cleanup", "--repository", APP, "--keep-tags", "v1")
    assert "delete 5 of 5" in short.stdout and "keep_tags[0] 'v1' keeps no image: it must match the whole tag" \
        in short.stderr
    plan = json.loads(yc(server, "cleanup", "--repository", APP, "--untagged-only", "--format", "json").stdout)
    assert len(plan["delete"]) == 2 and all(not item["tags"] for item in plan["delete"])
    assert all("untagged_only" in item["reason"] for item in plan["keep"])


def test_yes_deletes_what_the_plan_showed_and_exits_0(server: FakeServer, model: FakeModel) -> None:
    plan = json.loads(yc(server, "cleanup", "--repository", APP, "--recursive", "--keep-last", "1",
                         "--format", "json").stdout)
    wanted = sorted(item["id"] for item in plan["delete"])
    done = yc(server, "cleanup", "--repository", APP, "--recursive", "--keep-last", "1", "--yes", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and sorted(report["deleted"]) == wanted == sorted(model.deleted_image_ids)
    assert len(wanted) == 4 and ids_in(model, f"{REGISTRY}/web") != []  # web is not under app/
    assert "done" in done.stderr  # progress lines (not a terminal) go to stderr with --format json


def test_a_failed_delete_exits_non_zero_naming_it(server: FakeServer, model: FakeModel) -> None:
    broken = ids_in(model, APP)[0]
    model.knobs.failing_images = {broken}
    done = yc(server, "cleanup", "--repository", APP, "--delete-all", "--yes")
    assert done.returncode == 1
    assert f"failed   {broken}" in done.stdout and "still there" in done.stderr


@pytest.mark.parametrize("args, field", [
    (["--keep-rule", "(=2"], "--keep-rule #1 (PATTERN of PATTERN=N)"),
    (["--keep-rule", "v.*=0"], "--keep-rule #1 (N of PATTERN=N)"),
    (["--older-than", "30"], "--older-than"),
    (["--delete-tags-matching", "x", "--untagged-only"], "--delete-tags-matching"),
    ([], "--delete-all"),
])
def test_a_bad_rule_is_one_line_exit_2_and_nothing_is_sent(server: FakeServer, model: FakeModel, args: list[str],
                                                            field: str) -> None:
    done = yc(server, "cleanup", "--repository", APP, *args, "--yes")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and f"invalid {field}" in done.stderr
    assert "Traceback" not in done.stderr and sum(model.calls.values()) == 0


def test_a_malformed_keep_rule_is_refused_by_the_parser(server: FakeServer) -> None:
    done = yc(server, "cleanup", "--repository", APP, "--keep-rule", "v.*")
    assert done.returncode == 2 and "PATTERN=N" in done.stderr


def test_a_wrong_token_is_one_line_and_debug_adds_the_traceback(server: FakeServer) -> None:
    done = yc(server, "images", "list", "--repository", APP, token="t1.wrong")
    assert done.returncode == 1 and done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("yc-registry: error:") and "YC_TOKEN" in line and "t1.wrong" not in line
    debug = yc(server, "cleanup", "--repository", APP, "--keep-last", "1", "--debug", token="t1.wrong")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_an_unknown_registry_is_an_error_naming_it(server: FakeServer, model: FakeModel) -> None:
    listed = yc(server, "images", "list", "--registry", "crpnosuchregistry")
    assert listed.returncode == 1 and listed.stdout == ""
    assert "registry crpnosuchregistry does not exist" in listed.stderr
    assert len(listed.stderr.strip().splitlines()) == 1 and "Traceback" not in listed.stderr
    for extra in ((), ("--yes",)):
        cleaned = yc(server, "cleanup", "--registry", "crpnosuchregistry", "--keep-last", "1", *extra)
        assert cleaned.returncode == 1 and "registry crpnosuchregistry does not exist" in cleaned.stderr
    assert model.calls["ImageService.Delete"] == 0
    bad = yc(server, "images", "list", "--registry", "x" * 51)
    assert bad.returncode == 2 and "invalid --registry" in bad.stderr


def test_a_terminal_sees_a_progress_bar(server: FakeServer, model: FakeModel) -> None:
    # given stdout is a pseudo-terminal / when the cleanup runs with --yes / then a bar is redrawn in place
    model.knobs.operation_duration = 0.05
    primary, secondary = pty.openpty()
    process = subprocess.Popen([script(), "cleanup", "--repository", APP, "--delete-all", "--yes",
                                "--concurrency", "1"], stdout=secondary, stderr=subprocess.PIPE,
                               env=env_for(server))
    os.close(secondary)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(primary)
    assert process.wait(30) == 0, process.stderr.read() if process.stderr else ""
    text = seen.decode()
    assert "\r[" in text and "] 2/5 done" in text and "[" + "#" * 30 + "] 5/5 done" in text
    assert "deleted 5" in text and not model.images.keys() & set(ids_in(model, APP))


def test_list_writes_each_page_before_asking_for_the_next(server: FakeServer, model: FakeModel) -> None:
    # given slow List calls and pages of one image
    model.knobs.latency = 0.3
    process = subprocess.Popen([script(), "images", "list", "--repository", APP, "--page-size", "1", "--format",
                                "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env_for(server))
    assert process.stdout is not None
    header, first = process.stdout.readline(), process.stdout.readline()
    # then the first image is out while most pages are still to be fetched
    calls_when_first_row_came = model.calls["ImageService.List"]
    rest = process.stdout.read()
    assert process.wait(60) == 0
    assert header.startswith("id,name") and first.startswith("crpi")
    assert calls_when_first_row_came <= 2 < model.calls["ImageService.List"] == 5
    assert len(rest.splitlines()) == 4


def test_an_image_skipped_because_a_protecting_tag_arrived_is_not_counted_as_gone(server: FakeServer,
                                                                                   model: FakeModel) -> None:
    # given a cleanup keeping release-* tags, and a push of release-9 onto the oldest image between the listing
    # and its re-read (issue 15, item 9)
    oldest = sorted(model.images.values(), key=lambda image: image.created_at)[0]
    assert oldest.name == APP
    model.knobs.tags_pushed_on_get = {oldest.id: "release-9"}
    # when the cleanup runs with --yes
    done = yc(server, "cleanup", "--repository", APP, "--keep-tags", "release-.*", "--keep-last", "1", "--yes")
    # then the image is still there, the report names it as kept and why, and the exit status says not all went
    assert oldest.id in model.images
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"kept     {oldest.id}: now protected: tag 'release-9'" in done.stdout
    assert "3 of 4 selected" not in done.stderr and "1 of 4 selected images are still there" in done.stderr
    # and the plan came first, then every image deleted with its tags
    assert done.stdout.index("Plan for repository") < done.stdout.index("Cleanup of repository")
    for image in [i for i in model.deleted_image_ids]:
        assert f"  deleted  {image} (" in done.stdout


def test_delete_tags_matching_takes_tagged_images_only(server: FakeServer, model: FakeModel) -> None:
    # given app with two untagged images / when the tag filter is the only rule
    untagged = sorted(image.id for image in model.images.values() if image.name == APP and not image.tags)
    done = yc(server, "cleanup", "--repository", APP, "--delete-tags-matching", "v1\\.0\\..*", "--yes")
    # then only the v1.0.0 image went; the untagged images stay
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(image_id in model.images for image_id in untagged) and len(model.deleted_image_ids) == 1
    assert "untagged, and delete_tags_matching selects tagged images only" in done.stdout


# --- the command speaks its own language (issue 16, item 6) ----------------------------------------------

def test_a_rule_error_names_the_flag_not_the_field(server: FakeServer) -> None:
    done = yc(server, "cleanup", "--repository", APP)
    assert done.returncode == 2
    assert "--delete-all" in done.stderr and "delete_all" not in done.stderr and "--keep-tags" in done.stderr
    bad = yc(server, "cleanup", "--repository", APP, "--keep-rule", "v.*=2", "--keep-rule", "(=1")
    assert "--keep-rule #2 (PATTERN of PATTERN=N)" in bad.stderr and "keep_rules[" not in bad.stderr


def test_a_usage_error_is_one_line_and_a_hint(server: FakeServer) -> None:
    done = yc(server, "cleanup", "--repository", APP, "--keep-last", "many")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--help" in done.stderr, done.stderr


def test_a_refused_loopback_endpoint_fails_at_once_naming_it(server: FakeServer) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = env_for(server)
    env["YC_ENDPOINT"] = f"127.0.0.1:{port}"
    started = time.monotonic()
    done = subprocess.run([script(), "images", "list", "--repository", APP], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 1 and time.monotonic() - started < 10
    assert f"127.0.0.1:{port}" in done.stderr and "is the fake running? check YC_ENDPOINT" in done.stderr


def test_an_unknown_folder_is_an_error(server: FakeServer) -> None:
    done = yc(server, "images", "list", "--folder", "b1g-no-such-folder")
    assert done.returncode == 1 and "folder b1g-no-such-folder" in done.stderr and "--folder" in done.stderr


def test_head_ends_quietly(server: FakeServer, model: FakeModel) -> None:
    for n in range(300):
        add_image(model, REGISTRY, "bulk", created_at=START + timedelta(minutes=n))
    done = subprocess.run(f"'{script()}' images list --registry {REGISTRY} --format csv | head -2", shell=True,
                          capture_output=True, text=True, timeout=60, env=env_for(server))
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == "", done.stderr  # no traceback, no "Broken pipe" error line


def test_the_table_aligns_and_csv_has_an_empty_field_for_no_tags(server: FakeServer, model: FakeModel) -> None:
    table = yc(server, "images", "list", "--registry", REGISTRY).stdout.splitlines()
    starts = {line.index("sha256:") for line in table[1:]}
    assert len(starts) == 1 and table[0].index("DIGEST") in starts
    rows = list(csv.DictReader(io.StringIO(yc(server, "images", "list", "--registry", REGISTRY, "--format",
                                              "csv").stdout)))
    assert "" in {row["tags"] for row in rows} and "-" not in {row["tags"] for row in rows}


def test_a_read_only_registry_is_warned_in_the_plan_and_yes_stops_at_the_first_refusal(server: FakeServer,
                                                                                         model: FakeModel) -> None:
    # given Container Registry after 2026-11-10 (read-only)
    model.knobs.read_only = True
    # when the plan is asked for / then it warns before anything is tried
    plan = yc(server, "cleanup", "--repository", APP, "--keep-last", "1")
    assert plan.returncode == 0 and "read-only since 2026-11-10" in plan.stderr and "--yes stops" in plan.stderr
    assert model.calls.get("ImageService.Delete", 0) == 0
    # when it runs with --yes / then one Delete is tried, and one error line says why, without "run again"
    done = yc(server, "cleanup", "--repository", APP, "--keep-last", "1", "--concurrency", "1", "--yes")
    assert done.returncode == 1
    assert model.calls["ImageService.Delete"] == 1 and not model.deleted_image_ids
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "refused the first delete" in errors[0], done.stderr
    assert "run the cleanup again" not in done.stdout + done.stderr
    assert (done.stdout + done.stderr).count("read-only since 2026-11-10") <= 3  # warning, summary, error


# --- keep_in_use ---------------------------------------------------------------------------------------------

def test_keep_in_use_plan_names_the_workload_and_yes_keeps_its_image(server: FakeServer, model: FakeModel) -> None:
    # given a container revision running app:v1.0.0 (the oldest image)
    from yc_registry_provider.fake import add_container_revision

    container_id, _ = add_container_revision(model, f"cr.yandex/{APP}:v1.0.0", container="api")
    (oldest,) = [image.id for image in model.images.values() if "v1.0.0" in image.tags]
    # when the plan is asked with --keep-in-use
    plan = yc(server, "cleanup", "--repository", APP, "--keep-last", "1", "--keep-in-use")
    # then the image is kept, naming the container
    assert plan.returncode == 0, plan.stderr
    assert "delete 3 of 5 images, keep 2" in plan.stdout
    assert f"keep    {oldest}" in plan.stdout and f"serverless-container api (id {container_id}" in plan.stdout
    # and --yes deletes the others and lists it as kept
    done = yc(server, "cleanup", "--repository", APP, "--keep-last", "1", "--keep-in-use", "--yes")
    assert done.returncode == 0, done.stderr
    assert oldest in model.images and f"kept     {oldest}: in use by serverless-container api" in done.stdout
    assert len(ids_in(model, APP)) == 2


def test_keep_in_use_without_permission_fails_before_any_delete(server: FakeServer, model: FakeModel) -> None:
    model.workloads.deny("compute")
    done = yc(server, "cleanup", "--repository", APP, "--keep-last", "1", "--keep-in-use", "--yes")
    assert done.returncode == 1 and "compute.viewer" in done.stderr and "keep_in_use.sources" in done.stderr
    assert model.calls["ImageService.Delete"] == 0
    # dropping the source lets it run
    done = yc(server, "cleanup", "--repository", APP, "--keep-last", "1",
              "--keep-in-use", "serverless-containers,instance-groups", "--yes")
    assert done.returncode == 0, done.stderr


def test_a_bad_keep_in_use_source_is_exit_2_naming_it(server: FakeServer, model: FakeModel) -> None:
    done = yc(server, "cleanup", "--repository", APP, "--keep-in-use", "k8s")
    assert done.returncode == 2 and "keep_in_use.sources[0]: must be one of" in done.stderr
    assert model.calls["ImageService.List"] == 0
