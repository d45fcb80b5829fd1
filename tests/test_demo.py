"""The README's demo command stays true: demo.py runs end to end on the embedded fake and says OK."""

from __future__ import annotations

import subprocess
import sys

from harness import REPO_ROOT


def test_the_demo_looks_up_adopts_and_deletes_only_the_adopted_images() -> None:
    # given a fresh process, when the demo runs, then it exits 0, says what it did, and prints nothing on stderr
    done = subprocess.run([sys.executable, str(REPO_ROOT / "demo.py")], capture_output=True, text=True, timeout=120,
                          cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    for step in ("looked up: 6 images", "adopted 2 untagged images", "destroy deleted", "left in the fake: 22 images",
                 "OK: only the adopted images were deleted"):
        assert step in done.stdout
    assert "Traceback" not in done.stderr
