# Source this file (`. scripts/pulumi-offline.sh`): the offline settings for the Pulumi CLI that
# scripts/pulumi-cli.sh builds, shared by the README and tests/e2e. Nothing the CLI does then tries the network:
# state in a file backend, plugins only from PATH or a project's own path, no update check, no registry.
#   PULUMI_OFFLINE_DIR  where PULUMI_HOME and the file backend go (default: ~/.cache/pulumi-yc-registry/offline,
#                       the same folder in every terminal, so a stack made in one is there in the next)
_ycr_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
. "$_ycr_root/tools/pulumi-cli/versions.env"
_ycr_bin="${PULUMI_CLI_DIR:-$HOME/.cache/pulumi-yc-registry/cli-${PULUMI_CLI_VERSION:-$PULUMI_CLI_VERSION_DEFAULT}/bin}"
_ycr_state="${PULUMI_OFFLINE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-yc-registry/offline}"
mkdir -p "$_ycr_state/home" "$_ycr_state/state"
export PATH="$_ycr_bin:$PATH"
export PULUMI_HOME="$_ycr_state/home"
export PULUMI_BACKEND_URL="file://$_ycr_state/state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-offline-passphrase}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
export PULUMI_SKIP_CONFIRMATIONS=true
# The Python that runs the native plugin (PulumiPlugin.yaml) and the language host: this checkout's .venv.
if [ -x "$_ycr_root/.venv/bin/python" ]; then
  export PULUMI_PYTHON_CMD="${PULUMI_PYTHON_CMD:-$_ycr_root/.venv/bin/python}"
fi
unset _ycr_root _ycr_bin _ycr_state
