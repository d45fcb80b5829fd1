#!/usr/bin/env bash
# The smoke suite on the installed wheel, as users install it (tests/smoke, run by scripts/test.sh):
#   1. `python -m build` (an sdist, then a wheel from it) and `python -m build --wheel` (a wheel from the tree);
#   2. a fresh virtual environment with that wheel (and pytest) installed, nothing of the source tree on its path;
#   3. tests/smoke (with tests/e2e/engine.py) copied to a folder outside the tree and run there by that environment's
#      Python, with the offline Pulumi CLI of scripts/pulumi-offline.sh on PATH.
# Usage: bash scripts/smoke.sh [SOURCE_DIR] [pytest args...]   (SOURCE_DIR: the tree to build, default this checkout)
#   SMOKE_WORKDIR  where the builds, the venv and the run go (default: a new temporary folder, removed when passed)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$repo"
if [ $# -gt 0 ] && [ -d "$1" ]; then source_dir="$(cd "$1" && pwd)"; shift; fi
work="${SMOKE_WORKDIR:-$(mktemp -d -t yc-registry-smoke.XXXXXX)}"
builder="$repo/.venv/bin/python"   # has build and twine (the test extras; scripts/bootstrap.sh)
[ -x "$builder" ] || bash "$repo/scripts/bootstrap.sh"
mkdir -p "$work"
rm -rf "$work/dist" "$work/dist-tree" "$work/venv" "$work/run"

# Build from the files git would commit (tracked and new ones, not ignored ones such as a build/ left behind by an
# earlier build, whose stale modules setuptools would put into the wheel); a tree outside git is built as it is.
tree="$source_dir"
if git -C "$source_dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  tree="$work/tree"
  rm -rf "$tree" && mkdir -p "$tree"
  (cd "$source_dir" && git ls-files -z --cached --others --exclude-standard \
     | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done \
     | xargs -0 cp --parents -t "$tree")
fi

echo "smoke: building the sdist and the wheels of $source_dir in $work" >&2
(cd "$tree" && "$builder" -m build --outdir "$work/dist" && "$builder" -m build --wheel --outdir "$work/dist-tree") \
  > "$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
"$builder" -m twine check --strict "$work"/dist/* >&2

echo "smoke: installing the wheel into a fresh venv" >&2
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$work"/dist/*.whl "pytest>=8" >&2

mkdir -p "$work/run"
cp -r "$repo/tests/smoke" "$work/run/smoke"
cp "$repo/tests/e2e/engine.py" "$work/run/smoke/engine.py"   # the fake as a process, projects run by the real CLI
rm -rf "$work/run/smoke/__pycache__"
export PULUMI_PYTHON_CMD="$work/venv/bin/python"
export PULUMI_OFFLINE_DIR="$work/pulumi"
. "$repo/scripts/pulumi-offline.sh"
export SMOKE_CHECKOUT="$source_dir" SMOKE_SOURCE="$tree" SMOKE_DIST="$work/dist" SMOKE_TREE_DIST="$work/dist-tree" SMOKE_BUILD_PYTHON="$builder"
cd "$work/run"
status=0
env -u PYTHONPATH "$work/venv/bin/python" -m pytest smoke -p no:cacheprovider --rootdir "$work/run" -q "$@" || status=$?
if [ "$status" = 0 ] && [ -z "${SMOKE_WORKDIR:-}" ]; then rm -rf "$work"; else echo "smoke: kept $work" >&2; fi
exit "$status"
