#!/usr/bin/env bash
# The test suite: the project's tests (real sockets, real plugin processes), type checks, then the policy pack's
# tests in the pack's own environment (pulumi-policy pins protobuf 5.x, which cannot share one with yandexcloud), then
# the smoke suite on the built wheel installed into a fresh venv (scripts/smoke.sh: what users install).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/python -m mypy provider sdk
.venv/bin/python -m pytest tests --ignore=tests/policy "$@"
bash policy/run-tests.sh
bash scripts/smoke.sh
