"""The Python SDK tells Pulumi's Python language host that it needs no resource plugin (issue 17, defect 1).

The real host counts every installed distribution named ``pulumi-*`` as a resource plugin unless the import folder
it maps the distribution to holds a ``pulumi-plugin.json``; without one the engine wants
``pulumi-resource-yc-registry`` and, with plugin acquisition on, tries to download it on every preview. The script
below is the host's own (``pulumiPluginJSONPathsScript`` in pulumi-language-python's main.go, v3.259.0), run in
this environment; tests/e2e/test_languages.py proves the same with ``pulumi about`` and a preview.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HOST_SCRIPT = """import importlib.metadata, importlib.util, os, sys, json
result = {}
for pkg_name in sys.argv[1:]:
\ttry:
\t\tdist = importlib.metadata.distribution(pkg_name)
\t\tmodule = dist.metadata['Name'].replace('-', '_')
\t\tspec = importlib.util.find_spec(module)
\t\tlocs = list(spec.submodule_search_locations or []) if spec else []
\t\tfound = [p for l in locs for p in [os.path.join(str(l), 'pulumi-plugin.json')] if os.path.isfile(p)]
\t\tresult[pkg_name] = found[0] if found else ''
\texcept Exception:
\t\tresult[pkg_name] = ''
print(json.dumps(result))"""


def test_the_host_finds_a_plugin_json_that_says_no_resource_plugin() -> None:
    # given this environment's installed pulumi-yc-registry, looked up the way the python host does
    out = subprocess.run([sys.executable, "-c", HOST_SCRIPT, "pulumi-yc-registry"], capture_output=True, text=True,
                         check=True).stdout
    path = json.loads(out)["pulumi-yc-registry"]
    # then the host finds the file in the SDK's import folder, and it names no resource plugin
    assert path, "no pulumi-plugin.json in the import folder of pulumi_yc_registry"
    assert Path(path).parent.name == "pulumi_yc_registry"
    assert json.loads(Path(path).read_text(encoding="utf-8")) == {"resource": False}

