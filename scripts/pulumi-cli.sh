#!/usr/bin/env bash
# Build the Pulumi CLI and Pulumi's own language hosts from source (no prebuilt binaries) into a cache folder
# outside the checkout, so fresh clones on this machine reuse it. Idempotent: nothing is rebuilt when every binary
# is there at the recorded versions. The last line printed is the folder to put first on PATH.
#
#   PULUMI_CLI_DIR        where the binaries go (default ~/.cache/pulumi-yc-registry/cli-<version>/bin)
#   PULUMI_CLI_VERSION    the pulumi/pulumi release of `pulumi` (default in tools/pulumi-cli/versions.env)
#   PULUMI_YAML_VERSION   the pulumi/pulumi-yaml release for pulumi-language-yaml (likewise)
#   PULUMI_HOSTS_ARCHIVE  Pulumi's language hosts, unmodified source (default ../shared/vendor/pulumi-language-hosts-*.tar.gz)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/tools/pulumi-cli/versions.env"
version="${PULUMI_CLI_VERSION:-$PULUMI_CLI_VERSION_DEFAULT}"
yaml_version="${PULUMI_YAML_VERSION:-$PULUMI_YAML_VERSION_DEFAULT}"
hosts_archive="${PULUMI_HOSTS_ARCHIVE:-$root/../shared/vendor/$PULUMI_HOSTS_ARCHIVE_DEFAULT}"
bin="${PULUMI_CLI_DIR:-$HOME/.cache/pulumi-yc-registry/cli-$version/bin}"
stamp="$bin/.versions"
hosts="hosts=$PULUMI_HOSTS_VERSION_DEFAULT/python,go@$version/nodejs@$PULUMI_NODEJS_MODULES_VERSION_DEFAULT"
want="pulumi=$version yaml=$yaml_version $hosts"
binaries="pulumi pulumi-language-yaml pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python
  pulumi-language-nodejs pulumi-language-go"

say() { printf 'pulumi-cli: %s\n' "$*" >&2; }
run() {  # run a command; on failure print its output and stop
  local log; log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    say "FAILED: $*"; cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
}
all_there() { for b in $binaries; do [ -x "$bin/$b" ] || return 1; done; }

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && all_there; then
  say "up to date ($want)"
  echo "$bin"; exit 0
fi

command -v go >/dev/null || { say "FAILED: go is not on PATH (Go >= 1.26.6 is needed)"; exit 1; }
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS="-mod=mod"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
ldflags() { echo "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$1"; }
start=$(date +%s)

if [ "$("$bin/pulumi" version 2>/dev/null)" != "$version" ]; then
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
  say "building pulumi $version (cold: about 6 minutes on 2 cores)"
  (cd "$work/cli" && run go build -trimpath -tags osusergo,grpcnotrace -ldflags "$(ldflags "$version")" \
     -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
fi

if ! go version -m "$bin/pulumi-language-yaml" 2>/dev/null | grep -qE "^\s+mod\s+github.com/pulumi/pulumi-yaml\s+$yaml_version\s"; then
  say "building pulumi-language-yaml $yaml_version"
  run env GOBIN="$bin" go install -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$yaml_version" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@"$yaml_version"
fi

# The scripts that ship inside the sdk/v3 module: the python executor (the python host runs programs through it)
# and the dynamic-provider plugin. The module cache is read-only and drops run bits, so copy them out and set them.
run go mod download github.com/pulumi/pulumi/sdk/v3@"$version"
sdk="$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@$version"
for f in python/cmd/pulumi-language-python-exec python/dist/pulumi-resource-pulumi-python; do
  install -m 0755 "$sdk/$f" "$bin/$(basename "$f")"
done
rm -f "$bin/pulumi_language_python_host.py"  # the stand-in host of earlier versions of this script

# Pulumi's own language hosts. The module proxy refuses their modules (403), so they are built from their
# unmodified source (../shared/vendor, Apache-2.0): each folder's go.mod replaces pkg/v3 and sdk/v3 with paths of the
# Pulumi monorepo; here they are required at a version the proxy serves instead (python and go: the CLI's version;
# nodejs: the modules it was written against, since its monitor proxy lacks a method later sdk versions require).
if ! grep -q " $hosts" "$stamp" 2>/dev/null || [ ! -x "$bin/pulumi-language-python" ] \
   || [ ! -x "$bin/pulumi-language-nodejs" ] || [ ! -x "$bin/pulumi-language-go" ] \
   || head -c 2 "$bin/pulumi-language-python" | grep -q '#!'; then
  [ -f "$hosts_archive" ] || { say "FAILED: Pulumi's language hosts archive is missing: $hosts_archive (set PULUMI_HOSTS_ARCHIVE)"; exit 1; }
  mkdir -p "$work/hosts"
  tar xzf "$hosts_archive" -C "$work/hosts"
  src="$(find "$work/hosts" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
  build_host() {  # build_host <name> <folder in the archive> <pulumi modules version>
    local name="$1" dir="$src/$2" mods="$3"
    say "building $name from $(basename "$hosts_archive") against pkg/v3 + sdk/v3 $mods"
    (cd "$dir" \
      && run go mod edit -dropreplace=github.com/pulumi/pulumi/pkg/v3 -dropreplace=github.com/pulumi/pulumi/sdk/v3 \
           -require=github.com/pulumi/pulumi/pkg/v3@"$mods" -require=github.com/pulumi/pulumi/sdk/v3@"$mods" \
      && run go mod tidy \
      && run go build -trimpath -tags osusergo,grpcnotrace -ldflags "$(ldflags "$PULUMI_HOSTS_VERSION_DEFAULT")" \
           -o "$bin/$name" .)
  }
  build_host pulumi-language-python sdk/python/cmd/pulumi-language-python "$version"
  build_host pulumi-language-go sdk/go/pulumi-language-go "$version"
  build_host pulumi-language-nodejs sdk/nodejs/cmd/pulumi-language-nodejs "$PULUMI_NODEJS_MODULES_VERSION_DEFAULT"
fi

echo "$want" >"$stamp"
say "ready after $(( $(date +%s) - start )) s: $("$bin/pulumi" version), hosts $PULUMI_HOSTS_VERSION_DEFAULT, yaml $yaml_version"
echo "$bin"
