#!/usr/bin/env bash
# Build the policy pack's own virtualenv at policy/.venv (separate from the
# project's main environment: pulumi-policy pins protobuf 5.29, yandexcloud
# needs protobuf >= 6.31).  Idempotent: re-running only tops up.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$here/requirements.txt" "pytest>=8" 2> >(grep -v "is ignored: it is neither" >&2)
"$venv/bin/python" - <<'PY'
import google.protobuf, pulumi_policy, importlib.metadata as md
print("policy venv ready: pulumi-policy", md.version("pulumi-policy"),
      "pulumi", md.version("pulumi"), "protobuf", google.protobuf.__version__)
PY
