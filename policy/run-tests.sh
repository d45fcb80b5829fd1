#!/usr/bin/env bash
# Run the policy-pack tests (tests/policy) in the pack's own environment
# (policy/.venv: pulumi-policy + protobuf 5.29), building it first if needed.
# Extra arguments go to pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
if ! "$here/.venv/bin/python" -c "import pulumi_policy, pytest" >/dev/null 2>&1; then
  bash "$here/setup-env.sh"
fi
cd "$root"
# -c/--rootdir/--confcutdir: use only tests/policy's own conftest, never the
# main suite's (which may import yandexcloud, impossible in this venv).
exec "$here/.venv/bin/python" -m pytest -c "$root/tests/policy/pytest.ini" \
  --rootdir "$root/tests/policy" --confcutdir "$root/tests/policy" \
  -p no:cacheprovider "$root/tests/policy" "$@"
