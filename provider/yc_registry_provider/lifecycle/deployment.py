"""Which Pulumi command this provider process serves: ``pulumi destroy``, or something else (an ``up``).

Pulumi does not tell a provider which command runs: a Delete request is the same whether ``pulumi destroy`` sends
it or a ``pulumi up`` whose program no longer declares the resource (checked against pulumi v3.274.1: DeleteRequest
holds id, urn, name, type, properties, old inputs, timeout; ConfigureRequest holds the config; the engine adds no
environment variable naming the command). An ImageCleanup must know, since removing it from the program must not run
it. The signals, most reliable first:

1. ``declared``: a host that runs deployments in its own process says which (``pulumi_yc_registry.testing``).
2. The command line of the ``pulumi`` process this process descends from (the engine starts a dynamic provider
   through ``pulumi-resource-pulumi-python``, a shell script; a native plugin through the language host): its
   subcommand, ``destroy`` (aliases ``down``, ``dn``) or another (``up``, ``update``, ``refresh``...). Read from
   ``/proc/<pid>/cmdline`` on Linux, ``ps`` elsewhere; the Automation API runs the same CLI.
3. What this process served before the delete: a Check, Diff, Create, Update or Invoke means a program ran (an
   ``up``): ``pulumi destroy`` sends none of them (a Read may come from ``destroy --refresh``, so it does not count).

When none of them answers (no ``pulumi`` ancestor can be read, e.g. a provider started by hand for a debugger, a
platform without ``ps``, or a process-listing restriction; and no other call came first), the command is
**unknown**, and an ImageCleanup treats it as *not* a destroy: it deletes nothing and says how to run it.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

DESTROY, UPDATE, UNKNOWN = "destroy", "update", "unknown"
DESTROY_COMMANDS = frozenset({"destroy", "down", "dn"})
OTHER_COMMANDS = frozenset({"up", "update", "preview", "pre", "refresh", "import", "watch"})
PROGRAM_CALLS = frozenset({"check", "diff", "create", "update", "invoke"})
MAX_ANCESTORS = 8

_lock = threading.Lock()
_declared: str | None = None
_seen: set[str] = set()


@dataclass(frozen=True)
class Command:
    """What this process serves (``destroy``, ``update`` or ``unknown``) and how that was found out."""

    kind: str
    how: str

    @property
    def is_destroy(self) -> bool:
        return self.kind == DESTROY


def declare(kind: str | None) -> None:
    """A host running deployments in this process says which one runs now (None: find out); forgets what was seen."""
    if kind not in (None, DESTROY, UPDATE):
        raise ValueError(f"kind must be {DESTROY!r}, {UPDATE!r} or None, not {kind!r}")
    global _declared
    with _lock:
        _declared = kind
        _seen.clear()


def saw(call: str) -> None:
    """Record a call this process served (check, diff, create, update, invoke, read)."""
    with _lock:
        _seen.add(call)


def subcommand(argv: list[str]) -> str | None:
    """The Pulumi subcommand in a ``pulumi`` command line: the first argument that names one, else None."""
    for arg in argv[1:]:
        if arg in DESTROY_COMMANDS:
            return DESTROY
        if arg in OTHER_COMMANDS:
            return UPDATE
    return None


def _parent_and_argv(pid: int) -> tuple[int, list[str]] | None:
    """(parent pid, argv) of a process, or None when it cannot be read."""
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            argv = proc.joinpath("cmdline").read_bytes().decode(errors="replace").split("\0")
            stat = proc.joinpath("stat").read_text(errors="replace")
            parent = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return None
        return parent, [arg for arg in argv if arg != ""] or [""]
    try:
        out = subprocess.run(["ps", "-o", "ppid=", "-o", "args=", "-p", str(pid)], capture_output=True, text=True,
                             timeout=5, check=False).stdout.strip()
        ppid, _, args = out.partition(" ")
        return int(ppid), args.split()
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def from_ancestors(pid: int | None = None) -> Command | None:
    """The subcommand of the nearest ``pulumi`` ancestor of ``pid`` (default: this process), or None."""
    pid = os.getppid() if pid is None else pid
    for _ in range(MAX_ANCESTORS):
        if pid <= 1:
            return None
        found = _parent_and_argv(pid)
        if found is None:
            return None
        parent, argv = found
        if Path(argv[0]).name in ("pulumi", "pulumi.exe"):
            kind = subcommand(argv)
            if kind is not None:
                return Command(kind, f"the Pulumi CLI runs `pulumi {' '.join(argv[1:])}` (process {pid})")
        pid = parent
    return None


def current() -> Command:
    """What this process serves now: declared, else the ``pulumi`` ancestor's command line, else the calls seen."""
    with _lock:
        declared, seen = _declared, set(_seen)
    if declared is not None:
        return Command(declared, "declared by the host running the deployment")
    found = from_ancestors()
    if found is not None:
        return found
    if seen & PROGRAM_CALLS:
        return Command(UPDATE, f"this provider served {', '.join(sorted(seen & PROGRAM_CALLS))} first, so a "
                               "program runs (pulumi destroy sends none)")
    return Command(UNKNOWN, "no pulumi command line could be read and no program call came first")


__all__ = sorted(["Command", "DESTROY", "DESTROY_COMMANDS", "UNKNOWN", "UPDATE", "current", "declare",
                  "from_ancestors", "saw", "subcommand"])
