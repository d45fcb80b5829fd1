#!/usr/bin/env bash
# The test suite: the project's tests (real sockets, real plugin processes), type checks, then the policy pack's
# tests in the pack's own environment (pulumi-policy pins protobuf 5.x, which cannot share one with yandexcloud).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/python -m mypy provider sdk
.venv/bin/python -m pytest tests --ignore=tests/policy "$@"
bash policy/run-tests.sh
