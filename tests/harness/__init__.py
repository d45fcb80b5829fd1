"""Test harness for any dynamic resource: drive the real plugin process, or run programs under mocks."""

from .cloud import REPO_ROOT, FakeCloud, start_fake_cloud
from pulumi_yc_registry.testing import CapturedResource, ExecutingMocks, RecordingMocks, run_program
from .plugin import DynamicPlugin, Response, struct_from, struct_to_dict

__all__ = sorted(["REPO_ROOT", "FakeCloud", "start_fake_cloud", "CapturedResource", "DynamicPlugin", "ExecutingMocks", "RecordingMocks", "Response",
                  "run_program", "struct_from", "struct_to_dict"])
