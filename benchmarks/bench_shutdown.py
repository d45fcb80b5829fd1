"""Benchmark: `pulumi refresh` and `pulumi destroy` of a stack of N Images (default 20) made before 2026-12-14, run
after it, for each answer the dead Container Registry may give, beside the same before the shutdown; real CLI.

For each scenario: a fresh fake (in this process, so its call counters can be read) with one registry of N images,
a stack adopting each by repository and digest (`pulumi up` while Container Registry serves, not timed), then the
world of the scenario (the folder migrated; Container Registry shut down answering UNIMPLEMENTED, NOT_FOUND,
PERMISSION_DENIED, UNAVAILABLE, or left out of endpoint discovery), then `pulumi refresh` and `pulumi destroy`
timed by the wall clock, with the calls each service received. It fails (exit 1) when a command fails, the
refresh drops an Image, or an image is left after destroy.

Needs the CLI (`bash scripts/pulumi-cli.sh`). Run: .venv/bin/python benchmarks/bench_shutdown.py [--images 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))

from engine import BUILD_COMMAND, Project, cli_path, offline_env, program_project  # noqa: E402

from yc_registry_provider.fake import (DEMO_FOLDER_ID, DEMO_TOKEN, FakeModel, FakeServer, add_image,  # noqa: E402
                                      add_registry, copy_to_cloud_registry)

IMAGE_TYPE = "pulumi-python:dynamic/yc-registry:Image"
AFTER = "2026-12-15"
# scenario -> (migrated, what Container Registry answers: None while it serves)
SCENARIOS: dict[str, tuple[bool, str | None]] = {
    "before: Container Registry serves": (False, None),
    "before: migrated, both serve": (True, None),
    "after: UNIMPLEMENTED": (True, "UNIMPLEMENTED"),
    "after: NOT_FOUND": (True, "NOT_FOUND"),
    "after: PERMISSION_DENIED": (True, "PERMISSION_DENIED"),
    "after: UNAVAILABLE": (True, "UNAVAILABLE"),
    "after: absent (UNIMPLEMENTED 'Method not found!')": (True, "ABSENT"),
}


class _Aim:
    def __init__(self, server: FakeServer) -> None:
        self.server = server


def run(name: str, migrated: bool, answer: str | None, count: int, env: dict[str, str], workdir: Path,
        operation_duration: float) -> dict[str, object]:
    model = FakeModel()
    model.accept_iam_token(DEMO_TOKEN)
    model.knobs.operation_duration = operation_duration
    registry = add_registry(model, folder_id=DEMO_FOLDER_ID)
    start = datetime.now(timezone.utc) - timedelta(days=10)
    images = [add_image(model, registry.id, "app", tags=(f"v{n}",), created_at=start + timedelta(minutes=n))
              for n in range(count)]
    with FakeServer(model) as server:
        project = program_project(workdir, env, name=f"shutdown-{len(list(workdir.iterdir()))}")
        project.init()
        project.aim_at(_Aim(server))
        project.pulumi("config", "set", "images", json.dumps(
            [{"name": f"image-{n:03d}", "repository_name": f"{registry.id}/app", "digest": image.digest}
             for n, image in enumerate(images)]))
        project.up()
        if migrated:
            copy_to_cloud_registry(model)
        if answer:
            model.knobs.container_registry_shutdown = answer
            project.pulumi("config", "set", "yc-registry:today", AFTER)
        model.calls.clear()
        began = time.perf_counter()
        project.pulumi("refresh", "--yes")
        refresh_s = time.perf_counter() - began
        refresh_calls = (model.calls_to("container-registry"), model.calls_to("cloud-registry"))
        kept = len(project.resources(IMAGE_TYPE))
        model.calls.clear()
        began = time.perf_counter()
        project.pulumi("destroy", "--yes")
        destroy_s = time.perf_counter() - began
        destroy_calls = (model.calls_to("container-registry"), model.calls_to("cloud-registry"))
        if migrated:
            left = sum(1 for a in model.cloud_registry.artifacts.values() if a.kind == "ARTIFACT")
        else:
            left = len(model.images)
    return {"scenario": name, "refresh_s": refresh_s, "destroy_s": destroy_s, "refresh_calls": refresh_calls,
            "destroy_calls": destroy_calls, "kept_after_refresh": kept, "left_after_destroy": left}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=20, help="Images in the stack (default 20)")
    parser.add_argument("--operation-duration", type=float, default=0.2, help="seconds a delete operation takes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-shutdown-") as tmp:
        env = offline_env(Path(tmp) / "offline")
        if cli_path(env) is None:
            print(f"the Pulumi CLI is not built: run `{BUILD_COMMAND}`", file=sys.stderr)
            return 2
        work = Path(tmp) / "projects"
        work.mkdir()
        rows = [run(name, migrated, answer, args.images, env, work, args.operation_duration)
                for name, (migrated, answer) in SCENARIOS.items()]
    print(f"{args.images} Images adopted before the shutdown; delete operations of {args.operation_duration:g} s")
    print(f"{'scenario':<50} {'refresh s':>9} {'destroy s':>9}  refresh calls CR/Cloud  destroy calls CR/Cloud")
    failed = False
    for row in rows:
        rc, dc = row["refresh_calls"], row["destroy_calls"]
        print(f"{row['scenario']:<50} {row['refresh_s']:>9.1f} {row['destroy_s']:>9.1f}  "
              f"{rc[0]:>13}/{rc[1]:<8} {dc[0]:>13}/{dc[1]}")  # type: ignore[index]
        if row["kept_after_refresh"] != args.images or row["left_after_destroy"]:
            print(f"  FAILED: {row['kept_after_refresh']} Images kept by refresh, {row['left_after_destroy']} "
                  "images left after destroy", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
