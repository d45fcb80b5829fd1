"""The real Pulumi CLI against the embedded fake: offline settings, project copies, the fake as its own process.

The CLI comes from ``scripts/pulumi-cli.sh``; its offline settings from ``scripts/pulumi-offline.sh`` (sourced here,
the one place that defines them, shared with the README). Each project is a temporary copy of an example whose
virtualenv option points at this checkout's ``.venv`` and whose ``packages`` entry points at this checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from yc_registry_provider.config import resolve_settings
from yc_registry_provider.fake import DEMO_FOLDER_ID, DEMO_TOKEN
from yc_registry_provider.models import ImageInfo

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"
VENV_PYTHON = Path(sys.executable)
BUILD_COMMAND = "bash scripts/pulumi-cli.sh"


def offline_env(state_dir: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment ``scripts/pulumi-offline.sh`` sets up, with its state under ``state_dir``."""
    env = {k: v for k, v in (base or os.environ).items() if not k.startswith(("YC_", "PULUMI_"))}
    env["PULUMI_OFFLINE_DIR"] = str(state_dir)
    env["PULUMI_PYTHON_CMD"] = str(VENV_PYTHON)
    out = subprocess.run(["bash", "-c", f". {REPO_ROOT}/scripts/pulumi-offline.sh && env -0"], env=env,
                         capture_output=True, check=True).stdout
    result = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    result["PULUMI_LANGHOST_PYTHON"] = str(VENV_PYTHON)
    return result


# Caches of the TypeScript and Go toolchains, outside the checkout so that reruns (and CI with a cached home) are fast.
TOOL_CACHE = Path(os.environ.get("YC_REGISTRY_TOOL_CACHE", Path.home() / ".cache" / "pulumi-yc-registry"))


def language_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` plus the npm cache and the Go build cache under TOOL_CACHE (the Go module cache is Go's own)."""
    result = dict(env)
    result["npm_config_cache"] = str(TOOL_CACHE / "npm")
    result["npm_config_update_notifier"] = "false"
    result["npm_config_fund"] = "false"
    result["npm_config_audit"] = "false"
    result["GOCACHE"] = str(TOOL_CACHE / "go-build")
    return result


def cli_path(env: Mapping[str, str]) -> str | None:
    """The ``pulumi`` the offline PATH finds, if it was built."""
    return shutil.which("pulumi", path=env.get("PATH"))


# -- the fake as its own process ---------------------------------------------------------------------------------
class FakeProcess:
    """``python -m yc_registry_provider.fake`` on a free loopback port; read back over gRPC like any client."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([str(VENV_PYTHON), "-m", "yc_registry_provider.fake", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        self.address = self.proc.stdout.readline().strip()
        if not re.fullmatch(r"127\.0\.0\.1:\d+", self.address):
            rest = self.proc.stdout.read() if self.proc.poll() is not None else ""
            raise RuntimeError(f"the fake did not start: {self.address!r} {rest}")
        self.lines: list[str] = []  # everything else it prints (what it holds), read as it comes
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def env(self) -> dict[str, str]:
        return {"YC_ENDPOINT": self.address, "YC_PLAINTEXT": "1", "YC_TOKEN": DEMO_TOKEN}

    def client(self) -> Any:
        from yc_registry_provider.backends.container_registry import RegistryClient

        return RegistryClient(resolve_settings({}, {}, self.env))

    def images(self, **scope: str) -> list[ImageInfo]:
        """Every image the fake holds now in ``scope`` (repository_name= or registry_id=; default the demo folder)."""
        scope = scope or {"folder_id": DEMO_FOLDER_ID}
        with self.client() as client:
            return list(client.list_images(**scope))

    def image_ids(self, **scope: str) -> set[str]:
        return {image.id for image in self.images(**scope)}

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._drain.join(5)


# -- a project ---------------------------------------------------------------------------------------------------
@dataclass
class Result:
    args: Sequence[str]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Project:
    """A copy of an example (or a program written by the test) with its own stack, run by the real CLI."""

    directory: Path
    env: dict[str, str]
    log: list[Result] = field(default_factory=list)

    def __post_init__(self) -> None:
        state = self.directory.parent / f".state-{self.directory.name}"  # a file backend of its own
        state.mkdir(exist_ok=True)
        self.env["PULUMI_BACKEND_URL"] = f"file://{state}"

    @classmethod
    def copy_of(cls, example: str | Path, workdir: Path, env: Mapping[str, str]) -> "Project":
        source = EXAMPLES / example if isinstance(example, str) else example
        target = workdir / source.name
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(
            "venv", "__pycache__", "Pulumi.*.yaml", "node_modules", "sdks", "bin", "package-lock.json", "go.sum"))
        project = cls(target, dict(env))
        project.point_at_checkout()
        return project

    def point_at_checkout(self) -> None:
        """This checkout's .venv for Python programs, this checkout as the yc-registry package."""
        path = self.directory / "Pulumi.yaml"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"virtualenv: \S+", f"virtualenv: {VENV_PYTHON.parent.parent}", text)
        text = re.sub(r"yc-registry: \.\./\.\.", f"yc-registry: {REPO_ROOT}", text)
        path.write_text(text, encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        (self.directory / name).write_text(text, encoding="utf-8")

    def pulumi(self, *args: str, check: bool = True, timeout: float = 600, input_: str | None = None) -> Result:
        """Run ``pulumi <args>`` in the project; ``check`` raises with the CLI's output when it fails."""
        proc = subprocess.run(["pulumi", *args], cwd=self.directory, env=self.env, capture_output=True, text=True,
                              timeout=timeout, input=input_)
        result = Result(list(args), proc.returncode, proc.stdout, proc.stderr)
        self.log.append(result)
        if check and proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {proc.returncode}:\n{result.output[-6000:]}")
        return result

    def run(self, *command: str, timeout: float = 900) -> Result:
        """Another tool in the project (``npx tsc``, ``go build``) with the project's environment; raises on failure."""
        proc = subprocess.run(list(command), cwd=self.directory, env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        result = Result(list(command), proc.returncode, proc.stdout, proc.stderr)
        self.log.append(result)
        if proc.returncode != 0:
            raise AssertionError(f"{' '.join(command)} exited {proc.returncode}:\n{result.output[-6000:]}")
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        """``pulumi <args>`` in the background (for a test that interrupts it)."""
        return subprocess.Popen(["pulumi", *args], cwd=self.directory, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def background(self, *args: str) -> "Running":
        """``pulumi <args>`` in the background, its output collected line by line as it comes."""
        return Running(self, list(args), self.start(*args))

    def init(self, stack: str = "e2e", config: Mapping[str, Any] | None = None,
             secrets: Mapping[str, str] | None = None) -> None:
        self.pulumi("stack", "init", stack)
        for key, value in (config or {}).items():
            if isinstance(value, list):
                for index, item in enumerate(value):
                    self.pulumi("config", "set", "--path", f"{key}[{index}]", str(item))
            else:
                self.pulumi("config", "set", key, str(value))
        for key, value in (secrets or {}).items():
            self.pulumi("config", "set", "--secret", key, value)

    def aim_at(self, fake: FakeProcess | Any, namespace: str = "yandex") -> None:
        """Stack config that points the providers at ``fake`` (token as a secret)."""
        self.pulumi("config", "set", f"{namespace}:endpoint", fake.address if isinstance(fake, FakeProcess)
                    else fake.server.address)
        self.pulumi("config", "set", f"{namespace}:plaintext", "true")
        self.pulumi("config", "set", "--secret", f"{namespace}:token", DEMO_TOKEN)

    def up(self, *args: str, **kw: Any) -> Result:
        return self.pulumi("up", "--yes", "--skip-preview", *args, **kw)

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.pulumi("stack", "output", "--json", "--show-secrets").stdout)  # type: ignore[no-any-return]

    def export(self) -> dict[str, Any]:
        return json.loads(self.pulumi("stack", "export").stdout)  # type: ignore[no-any-return]

    def resources(self, type_: str | None = None) -> list[dict[str, Any]]:
        deployment = self.export()["deployment"]
        return [r for r in deployment.get("resources") or [] if type_ is None or r["type"] == type_]

    def all_output(self) -> str:
        """Everything the CLI printed in this project so far."""
        return "\n".join(result.output for result in self.log)


class Running:
    """A CLI command running in the background: each output line with the moment it arrived; signals; the end."""

    def __init__(self, project: Project, args: list[str], proc: subprocess.Popen[str]) -> None:
        self.project, self.args, self.proc = project, args, proc
        self.lines: list[tuple[float, str]] = []  # (time.monotonic() when read, line)
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def matching(self, pattern: str) -> list[tuple[float, str]]:
        """The lines so far that contain ``pattern`` (a regular expression)."""
        return [(at, line) for at, line in list(self.lines) if re.search(pattern, line)]

    def send(self, signum: int) -> None:
        """Send ``signum`` to the CLI process itself (not its plugins)."""
        self.proc.send_signal(signum)

    def wait(self, timeout: float = 600) -> Result:
        """Wait for the end (killing the CLI's session when it overstays); the result joins the project's log."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self._drain.join(10)
        result = Result(self.args, self.proc.returncode, "\n".join(line for _, line in self.lines), "")
        self.project.log.append(result)
        return result


def wait_for(predicate: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())




# -- a program written by a test -----------------------------------------------------------------------------------
IMAGES_PROGRAM = '''"""Images from the stack config `images`: a JSON list of {"name": ..., <Image arguments>...}."""
import json

import pulumi

import pulumi_yc_registry as ycr

for spec in json.loads(pulumi.Config().require("images")):
    name = spec.pop("name")
    ycr.Image(name, **spec)
'''


def program_project(workdir: Path, env: Mapping[str, str], name: str = "e2e-images",
                    program: str = IMAGES_PROGRAM) -> Project:
    """A Python project of the test's own, on this checkout's .venv."""
    directory = workdir / name
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {VENV_PYTHON.parent.parent}\n", encoding="utf-8")
    (directory / "__main__.py").write_text(program, encoding="utf-8")
    return Project(directory, dict(env))


__all__ = ["BUILD_COMMAND", "EXAMPLES", "IMAGES_PROGRAM", "REPO_ROOT", "TOOL_CACHE", "FakeProcess", "Project", "Result",
           "Running", "cli_path", "language_env", "offline_env", "program_project", "wait_for"]
