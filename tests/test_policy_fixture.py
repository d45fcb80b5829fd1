"""The policy tests replay resources as the SDK registers them: the fixture must match a fresh capture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "policy" / "capture_resources.py"


def test_policy_fixture_matches_what_the_sdk_registers_now() -> None:
    # given the SDK as it is, when its resources are captured under mocks in a fresh process,
    # then they equal the fixture the policy pack's analyzer tests replay
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
