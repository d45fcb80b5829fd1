"""Benchmark: `pulumi up` and `pulumi destroy` of N `Image` resources, each adopting its own image, real CLI.

For each N: the fake as its own process (``--seed empty --seed-images N``), a Python program of N
``pulumi_yc_registry.Image(image_id=...)``, then ``pulumi up`` and ``pulumi destroy`` timed by the wall clock.
Reported: seconds, seconds per resource, and the peak resident memory (VmHWM) of the dynamic-provider process
(``pulumi-resource-pulumi-python``, which execs ``python -m pulumi.dynamic``) and of the program's process.
It fails (exit 1) when a command fails, a RecursionError shows up (the stock SDK's pickling dies near 1,000
dynamic resources: pulumi#17803), the state does not hold N Images after up, or the fake still holds any of the
N images after destroy.

Memory: a sampler thread walks /proc every 50 ms for the descendants of the CLI and reads each one's VmHWM, the
kernel's own high-water mark of its resident set. Being a peak kept by the kernel, a sample taken at any moment
already covers everything before it, so only growth in the last 50 ms of a process's life could be missed. Wrapping
the provider via PATH would not be reliable: the engine looks for its bundled plugins next to the `pulumi` binary
first, and kills plugins at the end, so an atexit hook need not run.

Needs the CLI (`bash scripts/pulumi-cli.sh`). Run: .venv/bin/python benchmarks/bench_engine.py [--sizes 100,500,2000]
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

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))

from engine import BUILD_COMMAND, FakeProcess, Project, cli_path, offline_env, program_project  # noqa: E402

PROVIDER_MARKER = "pulumi.dynamic"  # the dynamic-provider plugin's command line: python -u -m pulumi.dynamic
PROGRAM_MARKER = "pulumi-language-python-exec"  # the language host runs the program through this script
DYNAMIC_IMAGE = "pulumi-python:dynamic/yc-registry:Image"
PROGRAM = '''"""N Images, each adopting its own image by id (ids from images.json)."""
import json
from pathlib import Path

import pulumi_yc_registry as ycr

for n, image_id in enumerate(json.loads(Path("images.json").read_text())):
    ycr.Image(f"image-{n:05d}", image_id=image_id)
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


# -- one size --------------------------------------------------------------------------------------------------------
@dataclass
class Row:
    size: int
    up_s: float
    destroy_s: float
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


def run_size(size: int, workdir: Path, env: dict[str, str], operation_duration: float, timeout: float) -> Row:
    fake = FakeProcess("--seed", "empty", "--seed-images", str(size), "--operation-duration", str(operation_duration))
    try:
        ids = sorted(fake.image_ids())  # --seed empty: the bulk images are all the fake holds
        assert len(ids) == size, f"the fake holds {len(ids)} images, not {size}"
        project = program_project(workdir, env, name=f"bench-{size}", program=PROGRAM)
        project.write("images.json", json.dumps(ids))
        project.init("bench")
        project.aim_at(fake)
        up_s, up_code, up_out, up_mem = timed(project, ["up", "--yes", "--skip-preview"], timeout)
        problems = _problems("up", up_code, up_out)
        if up_code == 0:
            adopted = len(project.resources(DYNAMIC_IMAGE))
            if adopted != size:
                problems.append(f"the state holds {adopted} Images after up, not {size}")
        down_s, down_code, down_out, down_mem = timed(project, ["destroy", "--yes", "--skip-preview"], timeout)
        problems += _problems("destroy", down_code, down_out)
        left = set(ids) & fake.image_ids()
        if left:
            problems.append(f"the fake still holds {len(left)} of the {size} images after destroy")
        return Row(size, up_s, down_s,
                   max(up_mem.peak_mib(PROVIDER_MARKER), down_mem.peak_mib(PROVIDER_MARKER)),
                   max(up_mem.peak_mib(PROGRAM_MARKER), down_mem.peak_mib(PROGRAM_MARKER)),
                   not problems, "; ".join(problems))
    finally:
        fake.close()


def _problems(command: str, code: int, output: str) -> list[str]:
    problems = []
    if code != 0:
        problems.append(f"pulumi {command} exited {code}: {output[-400:]!r}")
    if "RecursionError" in output:
        problems.append(f"RecursionError during pulumi {command}")
    return problems


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
    parser.add_argument("--sizes", type=sizes, default=[100, 500, 2000], help="comma-separated N (default 100,500,2000)")
    parser.add_argument("--operation-duration", type=float, default=0.1,
                        help="seconds until the fake finishes a delete (default 0.1)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per pulumi command")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        workdir = Path(tmp)
        env = offline_env(workdir / "offline")
        if cli_path(env) is None:
            print(f"the Pulumi CLI is not built: run `{BUILD_COMMAND}`", file=sys.stderr)
            return 2
        print(f"pulumi up / destroy of N Images (each adopting its own image), fake operations of "
              f"{args.operation_duration:g} s, {os.cpu_count()} CPUs")
        print(f"{'N':>6}{'up s':>9}{'up s/res':>10}{'destroy s':>11}{'destroy s/res':>15}"
              f"{'provider MiB':>14}{'program MiB':>13}  result")
        rows = []
        for size in args.sizes:
            row = run_size(size, workdir, env, args.operation_duration, args.timeout)
            rows.append(row)
            print(f"{row.size:>6}{row.up_s:>9.1f}{row.up_s / row.size:>10.4f}{row.destroy_s:>11.1f}"
                  f"{row.destroy_s / row.size:>15.4f}{row.provider_mib:>14.1f}{row.program_mib:>13.1f}  "
                  f"{'ok' if row.ok else 'FAILED: ' + row.problem}", flush=True)
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
