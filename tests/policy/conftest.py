"""Shared fixtures for the policy-pack tests.

These tests run in the policy pack's own environment (policy/.venv, with
pulumi-policy and protobuf 5.29): ``bash policy/run-tests.sh``.  In the
project's main environment (protobuf 6, no pulumi-policy) they are not
collected at all.
"""

from __future__ import annotations

import os
import sys

from typing import Any, Dict

import pytest

try:
    import pulumi_policy  # noqa: F401
except ImportError:  # main environment: this folder is for the pack's venv only
    collect_ignore_glob = ["*"]
else:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from policy_support import Analyzer, load_registered

    @pytest.fixture(scope="session")
    def registered() -> Dict[str, Any]:
        return load_registered()

    @pytest.fixture(scope="session")
    def by_name(registered) -> Dict[str, Dict[str, Any]]:
        return {r["name"]: r for r in registered["resources"]}

    @pytest.fixture(scope="module")
    def analyzer():
        a = Analyzer()
        try:
            yield a
        finally:
            a.close()
