"""``python -m yc_registry_provider.fake``: its options are checked by argparse, and it says what it serves."""

from __future__ import annotations

import subprocess
import sys

import pytest

from yc_registry_provider import RegistryClient, resolve_settings
from yc_registry_provider.fake import DEMO_FOLDER_ID, FakeModel, FakeServer
from yc_registry_provider.fake.__main__ import build_model, build_parser, describe, main, parse_args
from yc_registry_provider.fake.builders import seed_demo


def test_defaults() -> None:
    args = parse_args([])
    assert (args.port, args.latency, args.operation_duration, args.poll_interval_header) == (0, 0.0, 0.5, None)
    assert (args.early_not_found_polls, args.unavailable_every, args.max_unfinished_operations) == (0, 0, 0)


def test_good_values_reach_the_knobs() -> None:
    args = parse_args(["--port", "65535", "--latency", "0", "--operation-duration", "1.5",
                       "--poll-interval-header", "0.25", "--early-not-found-polls", "2", "--unavailable-every", "3",
                       "--max-unfinished-operations", "4", "--seed", "empty"])
    assert args.port == 65535
    knobs = build_model(args).knobs
    assert (knobs.latency, knobs.operation_duration, knobs.poll_interval_header) == (0.0, 1.5, 0.25)
    assert (knobs.early_not_found_polls, knobs.unavailable_every, knobs.max_unfinished_operations) == (2, 3, 4)
    assert parse_args(["--port", "0"]).port == 0


@pytest.mark.parametrize("option, value", [
    ("--port", "-1"), ("--port", "65536"), ("--port", "http"), ("--port", "80.5"),
    ("--latency", "-0.1"), ("--latency", "nan"), ("--latency", "inf"), ("--latency", "soon"),
    ("--operation-duration", "-1"), ("--operation-duration", "infinity"),
    ("--poll-interval-header", "0"), ("--poll-interval-header", "-2"), ("--poll-interval-header", "nan"),
    ("--early-not-found-polls", "-1"), ("--early-not-found-polls", "1.5"),
    ("--unavailable-every", "-3"), ("--seed-images", "-1"), ("--seed-images", "2.5"), ("--max-unfinished-operations", "-1"), ("--max-unfinished-operations", "x"),
])
def test_bad_values_exit_2_naming_the_option(option: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args([option, value])
    assert stopped.value.code == 2
    assert f"argument {option}" in capsys.readouterr().err


def test_describe_lists_registries_repositories_and_full_digests() -> None:
    model = seed_demo(FakeModel())
    text = describe(model)
    for registry in model.registries.values():
        assert f"registry {registry.id} ({registry.name}" in text
    for image in model.images.values():
        assert f"repository {image.registry_id}/{image.repository}" in text
        assert f"{image.id} {image.digest} " in text
        assert image.digest.startswith("sha256:") and len(image.digest) == len("sha256:") + 64
    assert describe(FakeModel()) == "(no registries: --seed empty)"


def test_help_describes_every_option() -> None:
    parser = build_parser()
    options = [action for action in parser._actions if action.option_strings]
    assert len(options) >= 12
    assert all(action.help and len(action.help) > 15 for action in options), [
        action.option_strings for action in options if not action.help]


def test_a_port_already_taken_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # given a fake listening on a port
    with FakeServer() as first:
        port = first.address.rsplit(":", 1)[1]
        # when a second fake is asked for the same port, then it refuses with one line, and the first serves on
        assert main(["--port", port, "--seed", "empty"]) == 2
        error = capsys.readouterr().err.strip()
        assert "already taken" in error and port in error and "\n" not in error
        with pytest.raises(OSError, match="already taken"):
            FakeServer(port=int(port)).start()


def test_a_host_it_cannot_bind_is_a_one_line_error() -> None:
    # given an address that is not on this machine (TEST-NET-1), in a process of its own (gRPC logs to the real stderr)
    done = subprocess.run([sys.executable, "-m", "yc_registry_provider.fake", "--host", "192.0.2.55"],
                          capture_output=True, text=True, timeout=60)
    # then it exits 2 with one line naming the host
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "192.0.2.55" in done.stderr and "not an address" in done.stderr, \
        done.stderr


def test_bound_to_every_interface_it_prints_a_loopback_endpoint() -> None:
    # given a fake listening on 0.0.0.0
    fake = subprocess.Popen([sys.executable, "-u", "-m", "yc_registry_provider.fake", "--host", "0.0.0.0",
                             "--seed", "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert fake.stdout is not None
        address, hint = fake.stdout.readline().strip(), fake.stdout.readline().strip()
        # then what it prints is a loopback address, and a client using it as printed works
        assert address.startswith("127.0.0.1:") and f"YC_ENDPOINT={address} " in hint
        env = dict(item.split("=", 1) for item in hint.split(" ") if "=" in item)
        with RegistryClient(resolve_settings({}, {}, env)) as client:
            assert list(client.list_images(folder_id=DEMO_FOLDER_ID, limit=1))
    finally:
        fake.terminate()
        fake.wait(10)


def test_seed_images_pushes_n_untagged_images_into_one_repository() -> None:
    # given an empty seed with 3 bulk images, and the demo seed with 2
    empty = build_model(parse_args(["--seed", "empty", "--seed-images", "3"]))
    demo = build_model(parse_args(["--seed-images", "2"]))
    # then the images are in <first registry>/bulk, untagged, beside whatever the seed holds
    (registry,) = empty.registries.values()
    bulk = [image for image in empty.images.values() if image.repository == "bulk"]
    assert len(bulk) == len(empty.images) == 3
    assert {image.registry_id for image in bulk} == {registry.id} and all(not image.tags for image in bulk)
    first = next(iter(demo.registries.values()))
    assert sorted(i.registry_id for i in demo.images.values() if i.repository == "bulk") == [first.id] * 2
    assert len(demo.images) == len(seed_demo(FakeModel()).images) + 2
    assert parse_args([]).seed_images == 0


def test_workload_options_seed_revisions_instances_and_denied_sources() -> None:
    # given a container revision and an instance on the command line, and compute denied
    model = build_model(parse_args(["--container-revision", "cr.yandex/crpr0000000000000001/app:latest",
                                    "--instance", "registry.yandexcloud.net/crpr0000000000000001/worker:v1.0.0",
                                    "--deny-source", "compute"]))
    # then the revision runs the digest latest names now, the instance declares its image, compute is denied
    (revision,) = model.workloads.revisions.values()
    (latest,) = [i for i in model.images.values() if i.name == "crpr0000000000000001/app" and "latest" in i.tags]
    assert revision.image_digest == latest.digest and revision.status == "ACTIVE"
    (instance,) = model.workloads.instances.values()
    assert "registry.yandexcloud.net/crpr0000000000000001/worker:v1.0.0" in \
        instance.metadata["docker-container-declaration"]
    assert model.workloads.knobs.denied == {"compute"}
    assert "revision" in describe(model) and "PERMISSION_DENIED for: compute" in describe(model)


def test_artifact_layout_and_the_migrated_seed_reach_the_cloud_registry_model() -> None:
    # when the fake starts with the demo folder migrated, versions laid out as path = repository, name = version
    model = build_model(parse_args(["--seed", "migrated", "--artifact-layout", "version-in-name-no-slash"]))
    # then every demo image is in Cloud Registry, each tag an artifact at its repository's path, and it says so
    versions = [a for a in model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT"]
    assert {a.manifest_digest for a in versions} == {i.digest for i in model.images.values()}
    latest = {(a.path, a.name) for a in versions if a.name == "latest"}
    assert latest == {("app", "latest"), ("worker", "latest"), ("tools/ci", "latest")}
    assert "layout version-in-name-no-slash" in describe(model)
    assert build_model(parse_args([])).cloud_registry.artifacts == {}


def test_an_unknown_artifact_layout_exits_2_naming_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--artifact-layout", "tag-in-path"])
    assert stopped.value.code == 2 and "version-in-name" in capsys.readouterr().err


def test_failing_tags_and_a_start_operation_spanning_the_migration_reach_the_knobs() -> None:
    args = parse_args(["--failing-tag", "crpr1/app:latest=BLOB_UNKNOWN:layer sha256:ab missing",
                       "--failing-tag", "crpr1/tools/ci:v1=MANIFEST_INVALID", "--start-operation-spans-migration"])
    knobs = build_model(args).cloud_registry.knobs
    assert knobs.failing_tags == {"crpr1/app:latest": ("BLOB_UNKNOWN", "layer sha256:ab missing"),
                                  "crpr1/tools/ci:v1": ("MANIFEST_INVALID",
                                                        "injected failure of crpr1/tools/ci:v1 (--failing-tag)")}
    assert knobs.start_operation_spans_migration is True


@pytest.mark.parametrize("value", ["crpr1/app:latest", "app:latest=CODE", "crpr1/app=CODE", "crpr1/app:v1= :x"])
def test_a_malformed_failing_tag_exits_2_saying_the_form(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--failing-tag", value])
    assert stopped.value.code == 2 and "<registry>/<repository>:<tag>=<CODE>" in capsys.readouterr().err
