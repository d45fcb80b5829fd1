"""A small Pulumi Python language host (LanguageRuntime gRPC server) for machines that cannot build the Go one.

It follows sdk/python/cmd/pulumi-language-python/main.go for Run and RunPlugin: the same executor, flags,
environment, virtualenv resolution and exit-code handling. Codegen, packing and linking are not offered.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from concurrent import futures
from typing import Any, Iterator

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
EXECUTOR = os.path.join(HERE, "pulumi-language-python-exec")
VERSION = "3.274.1"
# The executor exits with this code after it printed an error the user can act on (main.go: "bail").
USER_ACTIONABLE_EXIT = 32


def _options(info: Any) -> dict[str, Any]:
    if info is None or not info.HasField("options"):
        return {}
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(info.options)


def python_for(root: str, options: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The interpreter and environment for a program or plugin rooted at ``root`` (the `virtualenv` option)."""
    env = dict(os.environ)
    venv = options.get("virtualenv") or os.environ.get("PULUMI_RUNTIME_VIRTUALENV")
    if venv:
        venv = venv if os.path.isabs(venv) else os.path.join(root, venv)
        python = os.path.join(venv, "bin", "python")
        if not os.path.exists(python):
            raise RuntimeError(
                f"The 'virtualenv' option in Pulumi.yaml is set to {venv!r}, but it is not a virtual environment "
                f"(no {python}); create it with: python3 -m venv {venv} && {venv}/bin/pip install -r requirements.txt")
        env["VIRTUAL_ENV"] = venv
        env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "")
        env.pop("PYTHONHOME", None)
        return python, env
    return os.environ.get("PULUMI_PYTHON_CMD") or shutil.which("python3") or "python3", env


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The LanguageRuntime service: Run for programs, RunPlugin for source providers and policy packs."""

    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self._children: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    # -- handshake and information --------------------------------------------------------------------------
    def Handshake(self, request: Any, context: Any) -> Any:
        self.engine_address = request.engine_address or self.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPackagesResponse()

    def About(self, request: Any, context: Any) -> Any:
        return language_pb2.AboutResponse(executable=sys.executable, version=sys.version.split()[0])

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        return language_pb2.GetProgramDependenciesResponse()

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:
        # Dependencies are the project's to install (its README says how); nothing is downloaded here.
        return iter(())

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:
        return language_pb2.RuntimeOptionsResponse()

    def Cancel(self, request: Any, context: Any) -> Any:
        with self._lock:
            children = list(self._children)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        return empty_pb2.Empty()

    # -- programs --------------------------------------------------------------------------------------------
    def Run(self, request: Any, context: Any) -> Any:
        info = request.info
        try:
            python, env = python_for(info.root_directory or request.pwd, _options(info))
        except RuntimeError as exc:
            return language_pb2.RunResponse(error=str(exc))
        args = [python, "-u", EXECUTOR]
        for flag, value in (("monitor", request.monitor_address), ("engine", self.engine_address),
                            ("project", request.project), ("root_directory", info.root_directory),
                            ("stack", request.stack), ("pwd", request.pwd),
                            ("dry_run", "true" if request.dryRun else "false"),
                            ("parallel", str(request.parallel)), ("organization", request.organization)):
            if value:
                args += [f"--{flag}", value]
        args.append(info.entry_point or ".")
        args += list(request.args)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        proc = subprocess.Popen(args, cwd=request.pwd or None, env=env, stdout=sys.stdout, stderr=sys.stderr)
        code = self._wait(proc)
        sys.stdout.flush()
        sys.stderr.flush()
        if code == 0:
            return language_pb2.RunResponse()
        if code == USER_ACTIONABLE_EXIT:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    # -- plugins and policy packs ----------------------------------------------------------------------------
    def RunPlugin(self, request: Any, context: Any) -> Iterator[Any]:
        info = request.info
        directory = info.program_directory or request.program
        python, env = python_for(info.root_directory or directory, _options(info))
        if request.kind == "analyzer":
            args = [python, "-u", "-m", "pulumi.policy", *request.args, directory]
            cwd = directory
        else:
            args = [python, directory, *request.args]
            cwd = request.pwd or directory
        for entry in request.env:
            key, _, value = entry.partition("=")
            env[key] = value
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        yield from self._stream(proc)

    def _stream(self, proc: subprocess.Popen[bytes]) -> Iterator[Any]:
        """The child's stdout and stderr as RunPluginResponse messages, then its exit code."""
        import queue

        out: queue.Queue[Any] = queue.Queue()

        def pump(stream: Any, field: str) -> None:
            for chunk in iter(lambda: stream.read1(65536), b""):
                out.put(language_pb2.RunPluginResponse(**{field: chunk}))
            out.put(None)

        with self._lock:
            self._children.add(proc)
        threads = [threading.Thread(target=pump, args=(proc.stdout, "stdout"), daemon=True),
                   threading.Thread(target=pump, args=(proc.stderr, "stderr"), daemon=True)]
        for thread in threads:
            thread.start()
        open_streams = len(threads)
        while open_streams:
            item = out.get()
            if item is None:
                open_streams -= 1
            else:
                yield item
        code = self._wait(proc)
        yield language_pb2.RunPluginResponse(exitcode=code)

    def _wait(self, proc: subprocess.Popen[bytes]) -> int:
        with self._lock:
            self._children.add(proc)
        try:
            return proc.wait()
        finally:
            with self._lock:
                self._children.discard(proc)


def main(argv: list[str]) -> int:
    engine = next((arg for arg in argv if not arg.startswith("-")), "")
    if "--version" in argv:
        print(VERSION)
        return 0
    host = LanguageHost(engine)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        host.Cancel(None, None)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stop.wait()
    server.stop(grace=5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
