"""Benchmark: `pulumi up` and `pulumi destroy` of N resources under the real CLI, three kinds, with and without
checkpoints.

Kinds (``--kinds``):
- ``images``: a Python program of N ``pulumi_yc_registry.Image(image_id=...)`` (dynamic resources), each adopting
  its own image of the fake; destroy deletes them through the Python dynamic-provider server, which answers at most
  4 requests at once (``pulumi/dynamic/__main__.py``: a thread pool of 4), whatever ``--parallel`` says;
- ``floor``: the engine's own floor, a Python program of N do-nothing dynamic resources (the stock
  ``pulumi.dynamic.ResourceProvider``: create returns an id, delete does nothing). The stock SDK re-wraps
  ``pickle._Pickler._batch_setitems`` each time it pickles a provider (pulumi#17803), one more level of recursion per
  resource, so this program **raises its recursion limit** (``sys.setrecursionlimit(100000)``); without it it dies
  of RecursionError between 300 and 1,000 resources;
- ``native``: a YAML program of N ``yc-registry:index:Image`` served by the native plugin (PulumiPlugin.yaml,
  ``pulumi install`` once before, untimed); its deletes run in a thread pool of ``plugin.provider.PLUGIN_THREADS``,
  so as many run at once as the engine sends (the CLI's ``--parallel``; pass it with this script's ``--parallel``).

Each kind runs with the file backend's checkpoints (every step rewrites the whole state) and with
``PULUMI_SKIP_CHECKPOINTS=true`` (state written once at the end; ``--checkpoints on,off``). Reported: seconds and
milliseconds per resource for up and destroy, the peak number of deletes in flight at the fake during destroy (from
the fake's own operation records: each delete operation lasts exactly ``--operation-duration``), and the peak
resident memory (VmHWM) of the provider process and of the program's process. It fails (exit 1) when a command
fails, a RecursionError shows up, the state does not hold N resources after up, or the fake still holds any of the
N images after destroy.

Memory: a sampler thread walks /proc every 50 ms for the descendants of the CLI and reads each one's VmHWM, the
kernel's own high-water mark of its resident set. Being a peak kept by the kernel, a sample taken at any moment
already covers everything before it, so only growth in the last 50 ms of a process's life could be missed. Wrapping
the provider via PATH would not be reliable: the engine looks for its bundled plugins next to the `pulumi` binary
first, and kills plugins at the end, so an atexit hook need not run.

Needs the CLI (`bash scripts/pulumi-cli.sh`). Run:
  .venv/bin/python benchmarks/bench_engine.py [--sizes 100,1000] [--kinds images,floor,native] [--checkpoints on,off]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from engine import BUILD_COMMAND, FakeProcess, Project, cli_path, offline_env, program_project  # noqa: E402
from harness.cloud import peak_overlap  # noqa: E402
from yc_registry_provider.fake import DEMO_TOKEN  # noqa: E402

KINDS = ("images", "floor", "native")
CHECKPOINTS = ("on", "off")
# (resource type in the state, provider process marker, program process marker) per kind
MARKERS = {
    "images": ("pulumi-python:dynamic/yc-registry:Image", "pulumi.dynamic", "pulumi-language-python-exec"),
    "floor": ("pulumi-python:dynamic:Noop", "pulumi.dynamic", "pulumi-language-python-exec"),
    "native": ("yc-registry:index:Image", "venv/bin/python", "pulumi-language-yaml"),
}
IMAGES_PROGRAM = '''"""N Images, each adopting its own image by id (ids from images.json)."""
import json
from pathlib import Path

import pulumi_yc_registry as ycr

for n, image_id in enumerate(json.loads(Path("images.json").read_text())):
    ycr.Image(f"image-{n:05d}", image_id=image_id)
'''
FLOOR_PROGRAM = '''"""N do-nothing dynamic resources: the stock Python dynamic provider, the engine's own floor."""
import json
import sys
from pathlib import Path

# The stock SDK recurses one level deeper per resource it pickles (pulumi#17803): without this, RecursionError
# somewhere between 300 and 1,000 resources.
sys.setrecursionlimit(100_000)

from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Nothing(ResourceProvider):
    def create(self, props):
        return CreateResult(id_=props["n"], outs={})

    def delete(self, id, props):
        pass


class Noop(Resource, name="Noop"):
    def __init__(self, name, n):
        super().__init__(Nothing(), name, {"n": n})


for n in range(len(json.loads(Path("images.json").read_text()))):
    Noop(f"noop-{n:05d}", str(n))
'''


# -- peak memory of the CLI's descendants --------------------------------------------------------------------------
def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name in (...) may hold spaces
        children.setdefault(ppid, []).append(int(entry))
    return children


def _descendants(root: int) -> list[int]:
    children, found, todo = _children_map(), [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def _peak_kib(pid: int) -> tuple[str, int] | None:
    """(command line, VmHWM in KiB) of a live process, None when it is gone or has no memory (a zombie)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return cmdline, int(line.split()[1])
    except OSError:
        pass
    return None


@dataclass
class PeakSampler:
    """Polls the VmHWM of every descendant of ``root`` until stopped; keeps each process's highest value."""

    root: int
    interval: float = 0.05
    peaks: dict[int, tuple[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in _descendants(self.root):
                seen = _peak_kib(pid)
                if seen and seen[1] >= self.peaks.get(pid, ("", 0))[1]:
                    self.peaks[pid] = seen
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mib(self, marker: str) -> float:
        """The highest peak among processes whose command line contains ``marker`` (0 when none was seen)."""
        return max((kib for cmd, kib in self.peaks.values() if marker in cmd), default=0) / 1024


# -- deletes in flight, from the fake's own records ------------------------------------------------------------------
def peak_in_flight(fake: FakeProcess, count: int, duration: float) -> int:
    """The most delete operations that were running at once: the fake numbers its operations from 1 and each one
    runs exactly ``duration`` seconds from its ``created_at``, so the peak overlap of those intervals is read back
    over OperationService.Get."""
    from yandex.cloud.operation import operation_service_pb2, operation_service_pb2_grpc

    metadata = (("authorization", f"Bearer {DEMO_TOKEN}"),)
    starts = []
    with grpc.insecure_channel(fake.address) as channel:
        stub = operation_service_pb2_grpc.OperationServiceStub(channel)
        for number in range(1, count + 1):
            request = operation_service_pb2.GetOperationRequest(operation_id=f"crpo{number:016d}")
            try:
                operation = stub.Get(request, metadata=metadata, timeout=10)
            except grpc.RpcError:
                continue
            starts.append(operation.created_at.ToNanoseconds() / 1e9)
    return peak_overlap(starts, duration)


# -- one run ---------------------------------------------------------------------------------------------------------
@dataclass
class Row:
    kind: str
    checkpoints: str
    size: int
    up_s: float
    destroy_s: float
    in_flight: int
    provider_mib: float
    program_mib: float
    ok: bool
    problem: str = ""


def timed(project: Project, args: list[str], timeout: float) -> tuple[float, int, str, PeakSampler]:
    """Run ``pulumi <args>`` in the project; wall seconds, exit code, output, and the memory peaks seen."""
    started = time.perf_counter()
    proc = project.start(*args)
    sampler = PeakSampler(proc.pid)
    try:
        output, _ = proc.communicate(timeout=timeout)
    finally:
        sampler.stop()
    return time.perf_counter() - started, proc.returncode, output or "", sampler


def native_project(workdir: Path, env: dict[str, str], name: str, ids: list[str]) -> Project:
    """A YAML program of one native ``Image`` per id, using this checkout as the plugin."""
    directory = workdir / name
    directory.mkdir()
    lines = [f"name: {name}", "runtime: yaml", "packages:", f"  yc-registry: {REPO_ROOT}",
             "resources:" if ids else "resources: {}"]
    for n, image_id in enumerate(ids):
        lines += [f"  image-{n:05d}:", "    type: yc-registry:index:Image", "    properties:",
                  f"      imageId: {image_id}"]
    (directory / "Pulumi.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Project(directory, {key: value for key, value in env.items() if key != "PULUMI_PYTHON_CMD"})


def make_project(kind: str, workdir: Path, env: dict[str, str], name: str, ids: list[str]) -> Project:
    if kind == "native":
        return native_project(workdir, env, name, ids)
    project = program_project(workdir, env, name=name, program=IMAGES_PROGRAM if kind == "images" else FLOOR_PROGRAM)
    project.write("images.json", json.dumps(ids))
    return project


def run_one(kind: str, checkpoints: str, size: int, workdir: Path, env: dict[str, str], operation_duration: float,
            timeout: float, extra: list[str]) -> Row:
    fake = FakeProcess("--seed", "empty", "--seed-images", str(size), "--operation-duration", str(operation_duration))
    try:
        ids = sorted(fake.image_ids())  # --seed empty: the bulk images are all the fake holds
        assert len(ids) == size, f"the fake holds {len(ids)} images, not {size}"
        run_env = dict(env)
        if checkpoints == "off":
            run_env["PULUMI_SKIP_CHECKPOINTS"] = "true"
        project = make_project(kind, workdir, run_env, f"bench-{kind}-{checkpoints}-{size}", ids)
        project.init("bench")
        project.aim_at(fake, namespace="yc-registry" if kind == "native" else "yandex")
        resource_type, provider_marker, program_marker = MARKERS[kind]
        up_s, up_code, up_out, up_mem = timed(project, ["up", "--yes", "--skip-preview", *extra], timeout)
        problems = _problems("up", up_code, up_out)
        if up_code == 0:
            held = len(project.resources(resource_type))
            if held != size:
                problems.append(f"the state holds {held} {resource_type} after up, not {size}")
        down_s, down_code, down_out, down_mem = timed(project, ["destroy", "--yes", "--skip-preview", *extra],
                                                      timeout)
        problems += _problems("destroy", down_code, down_out)
        left = set(ids) & fake.image_ids()
        if kind != "floor" and left:
            problems.append(f"the fake still holds {len(left)} of the {size} images after destroy")
        in_flight = peak_in_flight(fake, size, operation_duration) if kind != "floor" else 0
        return Row(kind, checkpoints, size, up_s, down_s, in_flight,
                   max(up_mem.peak_mib(provider_marker), down_mem.peak_mib(provider_marker)),
                   max(up_mem.peak_mib(program_marker), down_mem.peak_mib(program_marker)),
                   not problems, "; ".join(problems))
    finally:
        fake.close()


def install_native_plugin(workdir: Path, env: dict[str, str]) -> None:
    """`pulumi install` once (creates <repo>/venv with this project in it), outside the timed runs."""
    project = native_project(workdir, env, "bench-native-install", [])
    project.pulumi("install", timeout=900)


def _problems(command: str, code: int, output: str) -> list[str]:
    problems = []
    if code != 0:
        problems.append(f"pulumi {command} exited {code}: {output[-400:]!r}")
    if "RecursionError" in output:
        problems.append(f"RecursionError during pulumi {command}")
    return problems


def choices(allowed: tuple[str, ...]):  # type: ignore[no-untyped-def]
    def parse(text: str) -> list[str]:
        values = [part.strip() for part in text.split(",") if part.strip()]
        wrong = [value for value in values if value not in allowed]
        if not values or wrong:
            raise argparse.ArgumentTypeError(f"must be one or more of {', '.join(allowed)} separated by commas "
                                             f"(got {text!r})")
        return values
    return parse


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be whole numbers separated by commas (got {text!r})") from None
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(f"must be one or more numbers of at least 1 (got {text!r})")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=sizes, default=[100, 1000], help="comma-separated N (default 100,1000)")
    parser.add_argument("--kinds", type=choices(KINDS), default=list(KINDS),
                        help="comma-separated: images (dynamic Image), floor (do-nothing dynamic resource), "
                             "native (plugin Image, YAML program); default all")
    parser.add_argument("--checkpoints", type=choices(CHECKPOINTS), default=list(CHECKPOINTS),
                        help="on (the file backend's checkpoints), off (PULUMI_SKIP_CHECKPOINTS=true); default both")
    parser.add_argument("--parallel", type=int, default=0,
                        help="pass --parallel N to up and destroy (default: the engine's own default)")
    parser.add_argument("--operation-duration", type=float, default=0.1,
                        help="seconds until the fake finishes a delete (default 0.1)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per pulumi command")
    args = parser.parse_args(argv)
    extra = ["--parallel", str(args.parallel)] if args.parallel else []

    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        workdir = Path(tmp)
        env = offline_env(workdir / "offline")
        if cli_path(env) is None:
            print(f"the Pulumi CLI is not built: run `{BUILD_COMMAND}`", file=sys.stderr)
            return 2
        if "native" in args.kinds:
            install_native_plugin(workdir, env)
        print(f"pulumi up / destroy of N resources, fake delete operations of {args.operation_duration:g} s, "
              f"{os.cpu_count()} CPUs, --parallel {args.parallel or 'default'}")
        print(f"{'kind':<8}{'ckpt':<6}{'N':>6}{'up s':>9}{'up ms/res':>11}{'destroy s':>11}{'destroy ms/res':>16}"
              f"{'deletes at once':>17}{'provider MiB':>14}{'program MiB':>13}  result")
        rows = []
        for size in args.sizes:
            for kind in args.kinds:
                for checkpoints in args.checkpoints:
                    row = run_one(kind, checkpoints, size, workdir, env, args.operation_duration, args.timeout,
                                  extra)
                    rows.append(row)
                    in_flight = str(row.in_flight) if row.kind != "floor" else "-"
                    print(f"{row.kind:<8}{row.checkpoints:<6}{row.size:>6}{row.up_s:>9.1f}"
                          f"{1000 * row.up_s / row.size:>11.1f}{row.destroy_s:>11.1f}"
                          f"{1000 * row.destroy_s / row.size:>16.1f}{in_flight:>17}{row.provider_mib:>14.1f}"
                          f"{row.program_mib:>13.1f}  {'ok' if row.ok else 'FAILED: ' + row.problem}", flush=True)
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
