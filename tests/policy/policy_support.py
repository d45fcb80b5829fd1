"""Helpers for the policy-pack tests (run in policy/.venv: pulumi-policy, protobuf 5.29)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
POLICY_DIR = os.path.join(ROOT, "policy")
FIXTURE = os.path.join(HERE, "fixtures", "registered_resources.json")
if POLICY_DIR not in sys.path:
    sys.path.insert(0, POLICY_DIR)

from google.protobuf import empty_pb2, struct_pb2
import grpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

PROJECT, STACK = "demo", "dev"

def load_registered() -> Dict[str, Any]:
    with open(FIXTURE, encoding="utf-8") as fh:
        return json.load(fh)

def urn_for(res: Dict[str, Any]) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{res['type']}::{res['name']}"

def plain_inputs(res: Dict[str, Any]) -> Dict[str, Any]:
    """Inputs with the secret wrapper unwrapped (as the analyzer hands them to policies)."""
    out = {}
    for k, v in res["inputs"].items():
        if isinstance(v, dict) and "4dabf18193072939515e22adb298388d" in v:
            v = v.get("value")
        out[k] = v
    return out

def stack_resource(res: Dict[str, Any], name: Optional[str] = None, **changes: Any) -> Dict[str, Any]:
    """A captured resource as AnalyzeStack takes it: its captured outputs (as the provider returned them),
    optionally under another name or with a few output values changed (for a test needing a variant)."""
    outputs = copy.deepcopy(res["outputs"])
    outputs.update(changes)
    return {"type": res["type"], "name": name or res["name"], "outputs": outputs}

def stack_resources(by_name: Dict[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Every captured resource with its captured outputs."""
    return [stack_resource(r) for r in by_name.values()]

def is_image_res(res: Dict[str, Any]) -> bool:
    return res["type"].endswith(":Image")

def to_struct(d: Dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(d)
    return s

# ----------------------------------------------------------- the analyzer
class Analyzer:
    """A running policy pack, driven over its Analyzer gRPC API."""

    def __init__(self, env: Optional[Dict[str, str]] = None) -> None:
        cmd = [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", POLICY_DIR]
        full_env = dict(os.environ)
        for k in ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN"):
            full_env.pop(k, None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=full_env, cwd=ROOT)
        self.stderr: List[bytes] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.port = self._read_port(timeout=30)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=15)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def _read_port(self, timeout: float) -> int:
        # PolicyPack.__init__ writes the bound port, then a newline, to stdout.
        result: Dict[str, Any] = {}

        def reader() -> None:
            assert self.proc.stdout is not None
            result["line"] = self.proc.stdout.readline()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        t.join(timeout)
        line = result.get("line", b"").strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"policy pack did not print its port (got {line!r}); stderr:\n"
                               + b"".join(self.stderr).decode(errors="replace"))
        return int(line)

    # --- RPCs
    def info(self):
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, policy_config: Dict[str, Dict[str, Any]]) -> None:
        """policy_config: {policy: {"enforcementLevel": "advisory"|..., other props}}.
        Like the CLI, send every policy with its resolved level."""
        info = self.info()
        req = analyzer_pb2.ConfigureAnalyzerRequest()
        for p in info.policies:
            cfg = dict(policy_config.get(p.name, {}))
            level = cfg.pop("enforcementLevel", None)
            pc = req.policyConfig[p.name]
            pc.enforcementLevel = (analyzer_pb2.EnforcementLevel.Value(level.upper())
                                   if level else p.enforcementLevel)
            if cfg:
                pc.properties.update(cfg)
        self.stub.Configure(req)
        self.stub.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=STACK, project=PROJECT, organization="organization", dry_run=False))

    def analyze(self, res_type: str, name: str, inputs: Dict[str, Any]):
        return self.stub.Analyze(analyzer_pb2.AnalyzeRequest(
            type=res_type, name=name, urn=f"urn:pulumi:{STACK}::{PROJECT}::{res_type}::{name}",
            properties=to_struct(inputs)))

    def analyze_stack(self, resources: List[Dict[str, Any]]):
        """resources: [{"type", "name", "outputs"}]."""
        req = analyzer_pb2.AnalyzeStackRequest()
        for r in resources:
            req.resources.append(analyzer_pb2.AnalyzerResource(
                type=r["type"], name=r["name"],
                urn=f"urn:pulumi:{STACK}::{PROJECT}::{r['type']}::{r['name']}",
                properties=to_struct(r["outputs"])))
        return self.stub.AnalyzeStack(req)

    def close(self) -> None:
        try:
            if getattr(self, "channel", None) is not None:
                self.channel.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)

def diags(resp, policy: str) -> list:
    return [d for d in resp.diagnostics if d.policyName == policy]

