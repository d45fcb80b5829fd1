#!/usr/bin/env bash
# The demo: examples/adopt-and-destroy end to end on the embedded fake registry (no Pulumi CLI, no cloud).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python demo.py "$@"
