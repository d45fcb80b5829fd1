#!/usr/bin/env bash
# Build the Pulumi CLI and its plugins from Go modules (no prebuilt binaries) into a cache folder outside the
# checkout, so fresh clones on this machine reuse it. Idempotent: nothing is rebuilt when every binary is there at
# the recorded versions. The last line printed is the folder to put first on PATH.
#
#   PULUMI_CLI_DIR      where the binaries go (default ~/.cache/pulumi-yc-registry/cli-<version>/bin)
#   PULUMI_CLI_VERSION  the pulumi/pulumi release (default in tools/pulumi-cli/versions.env)
#   PULUMI_YAML_VERSION the pulumi/pulumi-yaml release for pulumi-language-yaml (likewise)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/tools/pulumi-cli/versions.env"
version="${PULUMI_CLI_VERSION:-$PULUMI_CLI_VERSION_DEFAULT}"
yaml_version="${PULUMI_YAML_VERSION:-$PULUMI_YAML_VERSION_DEFAULT}"
bin="${PULUMI_CLI_DIR:-$HOME/.cache/pulumi-yc-registry/cli-$version/bin}"
stamp="$bin/.versions"
want="pulumi=$version yaml=$yaml_version shims=$(cat "$root"/tools/pulumi-cli/pulumi-language-python "$root"/tools/pulumi-cli/pulumi_language_python_host.py | sha1sum | cut -c1-12)"

say() { printf 'pulumi-cli: %s\n' "$*" >&2; }
run() {  # run a command; on failure print its output and stop
  local log; log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    say "FAILED: $*"; cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
   && [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-yaml" ] && [ -x "$bin/pulumi-language-python" ] \
   && [ -x "$bin/pulumi-language-python-exec" ] && [ -x "$bin/pulumi-resource-pulumi-python" ]; then
  say "up to date ($want)"
  echo "$bin"; exit 0
fi

command -v go >/dev/null || { say "FAILED: go is not on PATH (Go >= 1.26.6 is needed)"; exit 1; }
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS="-mod=mod"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"

if [ ! -x "$bin/pulumi" ] || ! grep -q "pulumi=$version " "$stamp" 2>/dev/null; then
  # pkg/go.mod replaces sdk/v3 with ../sdk, so `go install pkg@version` is refused: build from a wrapper module that
  # requires pkg and sdk at the same version and repeats pkg's non-local replace lines.
  say "resolving github.com/pulumi/pulumi/pkg/v3@$version"
  run go mod download github.com/pulumi/pulumi/pkg/v3@"$version"
  pkgmod="$(go env GOMODCACHE)/cache/download/github.com/pulumi/pulumi/pkg/v3/@v/$version.mod"
  mkdir -p "$work/cli"
  cp "$root/tools/pulumi-cli/tools.go" "$work/cli/"
  {
    echo "module pulumi-yc-registry/tools/pulumi-cli"
    echo
    echo "go $(sed -n 's/^go //p' "$pkgmod")"
    echo
    echo "require ("
    echo "	github.com/pulumi/pulumi/pkg/v3 $version"
    echo "	github.com/pulumi/pulumi/sdk/v3 $version"
    echo ")"
    grep -E '^replace .* => [^.]' "$pkgmod" || true
  } >"$work/cli/go.mod"
  say "downloading modules for pulumi $version (cold: a few hundred modules)"
  (cd "$work/cli" && run go mod tidy)
  say "building pulumi $version (cold: 10-20 minutes on 2 cores)"
  (cd "$work/cli" && run go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
fi

if [ ! -x "$bin/pulumi-language-yaml" ] || ! grep -q "yaml=$yaml_version" "$stamp" 2>/dev/null; then
  say "building pulumi-language-yaml $yaml_version"
  run env GOBIN="$bin" go install -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$yaml_version" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@"$yaml_version"
fi

# The scripts that ship inside the sdk/v3 module: the python executor and the dynamic-provider plugin. The module
# cache is read-only and drops run bits, so copy them out and set them.
run go mod download github.com/pulumi/pulumi/sdk/v3@"$version"
sdk="$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@$version"
for f in python/cmd/pulumi-language-python-exec python/dist/pulumi-resource-pulumi-python; do
  install -m 0755 "$sdk/$f" "$bin/$(basename "$f")"
done
# The language hosts pulumi-language-python and pulumi-language-nodejs are modules of their own that the module
# proxy refuses (403, see docs/ENGINE.md); the python one is replaced by this project's small host (programs, source
# plugins and policy packs), which starts pulumi's own executor above.
install -m 0755 "$root/tools/pulumi-cli/pulumi-language-python" "$bin/pulumi-language-python"
install -m 0644 "$root/tools/pulumi-cli/pulumi_language_python_host.py" "$bin/pulumi_language_python_host.py"

echo "$want" >"$stamp"
say "ready: $("$bin/pulumi" version)"
echo "$bin"
