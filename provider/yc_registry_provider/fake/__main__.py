"""``python -m yc_registry_provider.fake``: serve the fake cloud until SIGINT/SIGTERM.

Prints the plaintext address on the first line (a loopback one when listening on 0.0.0.0), then one line saying
which token and environment to use, then what it holds.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from types import FrameType
from typing import Callable

from yc_registry_provider.backends import cloud_registry_mapping as mapping
from yc_registry_provider.fake.builders import (DEMO_FOLDER_ID, DEMO_TOKEN, add_container_revision, add_images,
                                               add_instance, add_registry, seed_demo)
from yc_registry_provider.fake.cloud import FakeModel
from yc_registry_provider.fake.model import MISSING_ANSWERS, SHUTDOWN_ANSWERS
from yc_registry_provider.fake.server import FakeServer


def port_number(text: str) -> int:
    """A TCP port, 0 (pick a free one) to 65535."""
    value = _integer(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535 (got {text!r})")
    return value


def non_negative_int(text: str) -> int:
    """A count: 0 or more."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more (got {text!r})")
    return value


def non_negative_seconds(text: str) -> float:
    """A finite number of seconds, 0 or more."""
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds (got {text!r})")
    return value


def positive_seconds(text: str) -> float:
    """A finite number of seconds, more than 0."""
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds (got {text!r})")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds (got {text!r})") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds (got {text!r})")
    return value


def failing_tag(text: str) -> tuple[str, tuple[str, str]]:
    """``<registry>/<repository>:<tag>=<CODE>[:<message>]``: a version the migration cannot move."""
    key, sep, failure = text.partition("=")
    where, colon, version = key.rpartition(":")
    code, _, message = failure.partition(":")
    if not sep or not colon or "/" not in where or not version or not code.strip():
        raise argparse.ArgumentTypeError(
            f"must be <registry>/<repository>:<tag>=<CODE>[:<message>], e.g. "
            f"'crpr0000000000000001/app:latest=BLOB_UNKNOWN:layer missing' (got {text!r})")
    return key, (code.strip(), message.strip() or f"injected failure of {key} (--failing-tag)")


BULK_REPOSITORY = "bulk"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options: listener, seed and knobs; a bad value exits 2 with a message naming the option."""
    return build_parser().parse_args(argv)


def build_parser() -> argparse.ArgumentParser:
    """The options, each with its help text."""
    parser = argparse.ArgumentParser(prog="python -m yc_registry_provider.fake", description=__doc__,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on; 0.0.0.0 listens on every interface (the printed YC_ENDPOINT "
                             "is then 127.0.0.1, since plaintext is allowed only to loopback)")
    parser.add_argument("--port", type=port_number, default=0,
                        help="plaintext port; 0 picks a free one; a port already taken is refused")
    parser.add_argument("--tls", action="store_true",
                        help="also serve TLS on a second free port, with a fresh self-signed certificate "
                             "(for the official SDK, which sends credentials only over TLS)")
    parser.add_argument("--seed", choices=("demo", "migrated", "empty"), default="demo",
                        help="demo: registries, repositories and images to point a program at; migrated: the demo "
                             f"with folder {DEMO_FOLDER_ID} already migrated to Cloud Registry (its images are "
                             "Cloud Registry artifacts too); empty: nothing")
    parser.add_argument("--artifact-layout", choices=mapping.LAYOUTS, default=mapping.DEFAULT_LAYOUT,
                        help="how Cloud Registry lays out a Docker image's version artifacts (undocumented, so "
                             "each plausible layout can be served): "
                             + "; ".join(f"{name}: {text}" for name, text in mapping.LAYOUT_HELP.items()))
    parser.add_argument("--seed-images", type=non_negative_int, default=0, metavar="N",
                        help=f"also push N untagged images into repository {BULK_REPOSITORY!r} of the first "
                             "registry (one is added if there is none)")
    parser.add_argument("--latency", type=non_negative_seconds, default=0.0,
                        help="seconds every call sleeps before it is answered")
    parser.add_argument("--operation-duration", type=non_negative_seconds, default=0.5,
                        help="seconds until a delete operation is done")
    parser.add_argument("--early-not-found-polls", type=non_negative_int, default=0,
                        help="a fresh delete operation answers NOT_FOUND to its first N polls")
    parser.add_argument("--unavailable-every", type=non_negative_int, default=0,
                        help="every Nth ImageService/OperationService call answers UNAVAILABLE (0: never)")
    parser.add_argument("--max-unfinished-operations", type=non_negative_int, default=0,
                        help="a Delete beyond N unfinished operations answers RESOURCE_EXHAUSTED (0: no limit)")
    parser.add_argument("--poll-interval-header", type=positive_seconds, default=None,
                        help="send x-operation-poll-interval with this many seconds on operation answers")
    parser.add_argument("--read-only", action="store_true",
                        help="refuse deletes (FAILED_PRECONDITION) like the 2026 sunset does")
    parser.add_argument("--container-revision", action="append", default=[], metavar="IMAGE_URL",
                        help="a Serverless Containers revision in the demo folder runs IMAGE_URL "
                             "(cr.yandex/<registry>/<repo>:<tag> or @<digest>); repeatable")
    parser.add_argument("--instance", action="append", default=[], metavar="IMAGE_URL",
                        help="a Compute instance in the demo folder whose container declaration runs IMAGE_URL; "
                             "repeatable")
    parser.add_argument("--deny-source", action="append", default=[],
                        choices=("serverless-containers", "compute", "instance-groups"),
                        help="that workload source answers PERMISSION_DENIED; repeatable")
    parser.add_argument("--failing-tag", type=failing_tag, action="append", default=[], metavar="REG/REPO:TAG=CODE:MSG",
                        help="a version a folder migration cannot move: the dashboard's top_failed_tags names it "
                             "with CODE and MSG; repeatable")
    parser.add_argument("--start-operation-spans-migration", action="store_true",
                        help="StartFolder's Operation lasts the whole migration and, when tags failed, ends with "
                             "error code 13 'migration of folder F failed for N tag(s)', naming none of them")
    parser.add_argument("--container-registry-shutdown", type=_answer(SHUTDOWN_ANSWERS), default=None,
                        metavar="ANSWER",
                        help="Container Registry is shut down: every ImageService / RegistryService call answers "
                             f"ANSWER, one of {_choices(SHUTDOWN_ANSWERS)} (absent: not in endpoint discovery, "
                             "and UNIMPLEMENTED 'Method not found!' if called anyway)")
    parser.add_argument("--cloud-registry-missing", type=_answer(MISSING_ANSWERS), default=None, metavar="ANSWER",
                        help="serve Container Registry only: every Cloud Registry call answers ANSWER, one of "
                             f"{_choices(MISSING_ANSWERS)}")
    return parser


def _choices(answers: tuple[str, ...]) -> str:
    return ", ".join(a.lower().replace("_", "-") for a in answers)


def _answer(answers: tuple[str, ...]) -> Callable[[str], str]:
    """An answer given as unimplemented / not-found / ... (any case, - or _), as the knob's value."""
    def parse(text: str) -> str:
        value = text.strip().upper().replace("-", "_")
        if value not in answers:
            raise argparse.ArgumentTypeError(f"must be one of {_choices(answers)} (got {text!r})")
        return value
    return parse


def build_model(args: argparse.Namespace) -> FakeModel:
    """A model seeded and tuned as the options say; the demo token is always accepted."""
    model = FakeModel()
    cloud = model.cloud_registry.knobs
    cloud.artifact_layout = args.artifact_layout
    cloud.failing_tags.update(dict(args.failing_tag))
    cloud.start_operation_spans_migration = args.start_operation_spans_migration
    if args.seed in ("demo", "migrated"):
        seed_demo(model)
    if args.seed_images:
        registry = next(iter(model.registries.values()), None) or add_registry(model)
        add_images(model, registry.id, BULK_REPOSITORY, args.seed_images)
    if args.seed == "migrated":  # done already: started long enough ago for every version to have moved
        model.cloud_registry.start_folder_migration(DEMO_FOLDER_ID, already_running_for=3600.0)
    model.accept_iam_token(DEMO_TOKEN)
    knobs = model.knobs
    knobs.container_registry_shutdown = args.container_registry_shutdown
    knobs.cloud_registry_missing = args.cloud_registry_missing
    knobs.latency = args.latency
    knobs.operation_duration = args.operation_duration
    knobs.early_not_found_polls = args.early_not_found_polls
    knobs.unavailable_every = args.unavailable_every
    knobs.max_unfinished_operations = args.max_unfinished_operations
    knobs.poll_interval_header = args.poll_interval_header
    knobs.read_only = args.read_only
    for n, url in enumerate(args.container_revision):
        add_container_revision(model, url, container=f"container-{n + 1}")
    for n, url in enumerate(args.instance):
        add_instance(model, url, name=f"vm-{n + 1}")
    for source in args.deny_source:
        model.workloads.deny(source)
    return model


def describe(model: FakeModel) -> str:
    """What the fake holds, for a person about to point a program at it: registries, repositories, images."""
    lines = []
    for registry in model.registries.values():
        repos: dict[str, list[str]] = {}
        for image in model.images.values():
            if image.registry_id == registry.id:
                repos.setdefault(image.repository, []).append(
                    f"{image.id} {image.digest} tags={','.join(image.tags) or '-'}")
        lines.append(f"registry {registry.id} ({registry.name}, folder {registry.folder_id})")
        for repo, images in repos.items():
            lines.append(f"  repository {registry.id}/{repo}")
            lines.extend(f"    {entry}" for entry in images)
    workloads = model.workloads
    for revision in workloads.revisions.values():
        container = workloads.containers[revision.container_id]
        lines.append(f"serverless container {container.name} ({container.id}, folder {container.folder_id}) "
                     f"revision {revision.id} {revision.status}: {revision.image_url}")
    for instance in workloads.instances.values():
        lines.append(f"instance {instance.name} ({instance.id}, folder {instance.folder_id}): "
                     f"{', '.join(sorted(instance.metadata))}")
    if workloads.knobs.denied:
        lines.append(f"PERMISSION_DENIED for: {', '.join(sorted(workloads.knobs.denied))}")
    cloud = model.cloud_registry
    for cloud_registry in cloud.registries.values():
        versions = sum(1 for a in cloud.artifacts.values() if a.registry_id == cloud_registry.id and a.manifest_digest)
        lines.append(f"Cloud Registry registry {cloud_registry.id} ({cloud_registry.status}, folder "
                     f"{cloud_registry.folder_id}): {versions} version artifacts, layout {cloud.knobs.artifact_layout}")
    return "\n".join(lines) if lines else "(no registries: --seed empty)"


def main(argv: list[str] | None = None) -> int:
    """Start the server, print its address and the env to use, serve until a signal arrives."""
    args = parse_args(argv)
    try:
        server = FakeServer(build_model(args), host=args.host, port=args.port, tls=args.tls).start()
    except OSError as exc:
        print(f"python -m yc_registry_provider.fake: error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(server.address)
    hint = f"YC_ENDPOINT={server.address} YC_PLAINTEXT=1 YC_TOKEN={DEMO_TOKEN}"
    if server.tls_address:
        hint += f" (TLS listener: {server.tls_address}, self-signed)"
    print(hint)
    print(describe(server.model))
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.stop(grace=1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
