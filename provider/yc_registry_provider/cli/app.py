"""The ``yc-registry`` commands: ``images list``, ``cleanup`` (a plan without ``--yes``, the deletes with it) and
``artifacts`` (a Cloud Registry registry's raw artifacts and the layout recognised: ``cli/artifacts.py``).

Settings come from ``config.resolve_settings`` with the provider's precedence: these options first, then the
environment (``YC_TOKEN``, ``YC_SERVICE_ACCOUNT_KEY_FILE``, ``YC_ENDPOINT``, ``YC_PLAINTEXT``, ``YC_FOLDER_ID``),
then the VM metadata service. A token is read from the environment only (a command line shows in ``ps``).
Exit status: 0 done (a cleanup: every selected image is gone), 1 not everything went or the cloud refused,
2 bad input (nothing was sent), 130 interrupted. Errors are one line each; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sys
import traceback
from datetime import date, datetime, timezone
from typing import Any, Callable, NoReturn, Sequence, TextIO

from ..cleanup import CleanupRules, Selection, run_cleanup, select
from ..cleanup.engine import in_use_reader
from ..cleanup.rules import TAG_MATCH_MODES, WHOLE_TAG_HINT
from ..errors import SUNSET_EXPLANATION, InvalidArgumentError, RegistryError
from ..in_use import SOURCES
from ..models import ImageInfo
from ..version import distribution_version
from . import artifacts, render
from .progress import ProgressBar, ProgressLines

PROG = "yc-registry"
EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# The rules' field names (what CleanupRules and the config say) -> this command's words.
FLAGS = {"repository_name": "--repository", "registry_id": "--registry", "folder_id": "--folder",
         "keep_tags": "--keep-tags", "keep_tag_prefixes": "--keep-tag-prefixes", "keep_last": "--keep-last",
         "keep_rules": "--keep-rule", "older_than": "--older-than", "untagged_only": "--untagged-only",
         "delete_tags_matching": "--delete-tags-matching", "tag_match_mode": "--tag-match-mode",
         "recursive": "--recursive", "delete_all": "--delete-all", "concurrency": "--concurrency",
         "timeout": "--timeout", "page_size": "--page-size"}
CONFIG_WORDS = {"yandex:token": "YC_TOKEN", "yc-registry:token": "YC_TOKEN", "yandex:endpoint": "YC_ENDPOINT",
                "yandex:plaintext": "YC_PLAINTEXT", "yandex:folderId": "YC_FOLDER_ID",
                "yandex:serviceAccountKeyFile": "YC_SERVICE_ACCOUNT_KEY_FILE"}


def cli_words(message: str, flags: dict[str, str] | None = None) -> str:
    """A message of the shared rules in this command's language: flags instead of field names (``keep_rules[1]``
    is the second ``--keep-rule``; ``delete_all=True`` is ``--delete-all``), YC_* instead of Pulumi config."""
    message = re.sub(r"\bkeep_rules\[(\d+)\](?:\.(\w+))?",
                     lambda m: f"--keep-rule #{int(m.group(1)) + 1}" + (
                         f" ({ {'tag_pattern': 'PATTERN', 'keep_last': 'N'}.get(m.group(2), m.group(2))} of "
                         "PATTERN=N)" if m.group(2) else ""),
                     message)
    message = re.sub(r"\b(\w+)\[(\d+)\]", lambda m: f"{FLAGS[m.group(1)]} #{int(m.group(2)) + 1}"
                     if m.group(1) in FLAGS else m.group(0), message)
    message = re.sub(r"\b(untagged_only|delete_all|recursive)=True\b", lambda m: FLAGS[m.group(1)], message)
    for name, flag in {**FLAGS, **(flags or {})}.items():
        message = re.sub(rf"(?<![\w-]){name}\b", flag, message)
    for key, word in CONFIG_WORDS.items():
        message = message.replace(key, word)
    return message


class Parser(argparse.ArgumentParser):
    """Usage errors are one line and a hint, like every other error of this command."""

    def error(self, message: str) -> "NoReturn":  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see {self.prog} --help)\n")


def check_reachable(endpoint: str, env_name: str = "YC_ENDPOINT") -> None:
    """A loopback endpoint that refuses connections fails at once (no retry budget spent on a fake not running)."""
    from ..config import is_loopback, split_host

    host = split_host(endpoint)
    if not is_loopback(host):
        return
    port = endpoint.rsplit(":", 1)[-1]
    try:
        socket.create_connection((host, int(port)), timeout=2.0).close()
    except (ConnectionRefusedError, ValueError, socket.timeout) as exc:
        reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc) or "no answer"
        raise RegistryConnectionError(f"cannot connect to {endpoint} ({reason}): is the fake running? "
                                      f"check {env_name}") from None


class RegistryConnectionError(OSError):
    """The endpoint cannot be reached at all."""


def keep_rule(text: str) -> dict[str, Any]:
    """``PATTERN=N`` -> ``{"tag_pattern": PATTERN, "keep_last": N}`` (the last ``=`` splits; N is checked later)."""
    pattern, sep, count = text.rpartition("=")
    if not sep or not pattern:
        raise argparse.ArgumentTypeError(f"must be PATTERN=N, e.g. 'release-.*=10' (got {text!r})")
    try:
        number: Any = int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"N must be a whole number in PATTERN=N (got {text!r})") from None
    return {"tag_pattern": pattern, "keep_last": number}


def _connection(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection (else YC_* environment variables, then the metadata service)")
    group.add_argument("--endpoint", help="API endpoint host:port (default api.cloud.yandex.net:443; YC_ENDPOINT)")
    group.add_argument("--plaintext", action="store_true", default=None,
                       help="plaintext gRPC, loopback endpoints only (a local fake; YC_PLAINTEXT)")
    group.add_argument("--service-account-key-file", help="authorized key JSON file (YC_SERVICE_ACCOUNT_KEY_FILE); "
                                                          "an IAM or OAuth token comes from YC_TOKEN")
    group.add_argument("--debug", action="store_true", help="show tracebacks")


def _rules(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(f"rules (any keep rule wins; {WHOLE_TAG_HINT})")
    group.add_argument("--keep-last", type=int, default=0, metavar="N", help="keep the newest N images of each "
                                                                            "repository")
    group.add_argument("--keep-tags", action="append", metavar="REGEX",
                       help=r"keep images with a tag matching REGEX; the whole tag must match (v1\..* keeps v1.0.0, "
                            "v1 only the tag v1); repeatable")
    group.add_argument("--keep-tag-prefixes", action="append", metavar="PREFIX",
                       help="keep images with a tag starting with PREFIX; repeatable")
    group.add_argument("--keep-rule", action="append", type=keep_rule, metavar="PATTERN=N", dest="keep_rules",
                       help="ordered: keep the newest N images whose tag matches PATTERN (whole tag); each image "
                            "counts for the first matching rule; repeatable")
    group.add_argument("--older-than", metavar="AGE", help="keep images not older than AGE (30d, 12h; s m h d w)")
    group.add_argument("--untagged-only", action="store_true", help="keep every tagged image")
    group.add_argument("--delete-tags-matching", action="append", metavar="REGEX",
                       help="delete a tagged image only when its tags match REGEX (whole tag; see "
                            "--tag-match-mode); selects tagged images only (untagged ones are kept: "
                            "--untagged-only cleans them); repeatable")
    group.add_argument("--tag-match-mode", choices=TAG_MATCH_MODES, default="any",
                       help="any: one matching tag is enough (default); all: every tag must match")
    group.add_argument("--keep-in-use", nargs="?", const=",".join(SOURCES), default=None, metavar="SOURCES",
                       help="keep every image a live workload runs (by digest, or a tag it carries at the delete); "
                            f"SOURCES: comma-separated among {', '.join(SOURCES)} (default all); a source that "
                            "cannot be read stops the cleanup before any delete")
    group.add_argument("--in-use-folder", action="append", metavar="FOLDER", dest="in_use_folders",
                       help="with --keep-in-use: a folder whose workloads to read (default: the registry's "
                            "folder); repeatable")
    group.add_argument("--recursive", action="store_true",
                       help="with --repository: also every repository under <repository>/")
    group.add_argument("--delete-all", action="store_true", help="confirm deleting every image when no rule is set")
    group.add_argument("--concurrency", type=int, default=None, metavar="N", help="deletes in flight (1-50, "
                                                                                  "default 10)")
    group.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="bound of the whole run")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (argparse, like the fake's command line)."""
    parser = Parser(prog=PROG, description="List and clean up Yandex Cloud Container Registry "
                                                            "images.")
    parser.add_argument("--version", action="version", version=f"{PROG} {distribution_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{images,cleanup,artifacts}",
                                     parser_class=Parser)

    images = commands.add_parser("images", help="image inventory")
    images_commands = images.add_subparsers(dest="images_command", required=True, metavar="{list}",
                                            parser_class=Parser)
    listing = images_commands.add_parser("list", help="list images (id, name, tags, digest, size, created_at, "
                                                      "pull URI), streamed page by page")
    scope = listing.add_mutually_exclusive_group(required=True)
    scope.add_argument("--repository", help="<registry_id>/<repository path>")
    scope.add_argument("--registry", help="registry id: every repository")
    scope.add_argument("--folder", help="folder id: every registry")
    listing.add_argument("--format", choices=("table", "json", "csv"), default="table")
    listing.add_argument("--page-size", type=int, default=None, help="images per List call (max 1000)")
    _connection(listing)
    listing.set_defaults(handler=list_images)

    cleanup = commands.add_parser("cleanup", help="plan a cleanup (default) or run it (--yes)",
                                  description="Without --yes, print what would be deleted and what is kept (and "
                                              "why); delete nothing. With --yes, delete and print the report.")
    where = cleanup.add_mutually_exclusive_group(required=True)
    where.add_argument("--repository", help="<registry_id>/<repository path>")
    where.add_argument("--registry", help="registry id: every repository (keep counts are per repository)")
    _rules(cleanup)
    cleanup.add_argument("--yes", action="store_true", help="really delete")
    cleanup.add_argument("--format", choices=("text", "json"), default="text")
    _connection(cleanup)
    cleanup.set_defaults(handler=run)
    artifacts.add_parser(commands, _connection)
    return parser


def _client(args: argparse.Namespace, err: TextIO) -> Any:
    """A backend from the flags, then YC_* (YC_REGISTRY_SERVICE picks the service); while a call is retried it says
    so on ``err``."""
    from ..backends.service import backend_from_config  # gRPC only once the arguments are fine

    def on_retry(message: str) -> None:
        err.write(f"{PROG}: {message}\n")
        err.flush()

    from ..config import resolve_settings

    explicit = {"endpoint": args.endpoint, "plaintext": args.plaintext,
                "service_account_key_file": args.service_account_key_file}
    given = {k: v for k, v in explicit.items() if v is not None}
    settings = resolve_settings(given, {}, os.environ)
    check_reachable(settings.endpoint, "--endpoint" if args.endpoint else "YC_ENDPOINT")
    return backend_from_config({}, os.environ, on_retry=on_retry, **given)


def _in_use_plan(client: Any, rules: CleanupRules, selection: Selection) -> dict[str, str]:
    """The selected images a workload runs now, with the workloads (fails closed: WorkloadSourceError)."""
    from ..backends.workloads import workloads_for
    reader = in_use_reader(workloads_for(client), rules)
    assert reader is not None
    current = reader()
    return {image.id: reason for image in selection.selected if (reason := current.reason(image))}


def list_images(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``images list``: stream the scope's images in the chosen format."""
    with _client(args, err) as client:
        images = client.list_images(repository_name=args.repository, registry_id=args.registry,
                                    folder_id=args.folder, page_size=args.page_size)
        count = render.stream_images(images, args.format, out)
        if count == 0:
            if args.repository or args.registry:  # a scope that does not exist is an error, as in the provider
                client.check_scope(repository_name=args.repository, registry_id=args.registry)
            elif not folder_registries(client, args.folder):
                err.write(f"{PROG}: error: folder {args.folder} holds no registry these credentials can see: "
                          "check --folder (or YC_FOLDER_ID)\n")
                return EXIT_INCOMPLETE
            scope = (f"repository {args.repository}" if args.repository else
                     f"registry {args.registry}" if args.registry else f"folder {args.folder}")
            err.write(f"{PROG}: no images in {scope}\n")
    return EXIT_OK


def folder_registries(client: Any, folder_id: str) -> set[str]:
    """The registry ids a folder holds in either service (what these credentials can see)."""
    found: set[str] = set()
    for service in (getattr(client, "container", client), getattr(client, "cloud", None)):
        if service is not None and hasattr(service, "registry_ids"):
            try:
                found |= set(service.registry_ids(folder_id))
            except RegistryError:
                pass
    return found


def cleanup_rules(args: argparse.Namespace) -> CleanupRules:
    """The flags as CleanupRules: validated there, as for every other front door."""
    return CleanupRules(
        repository_name=args.repository, registry_id=args.registry, recursive=args.recursive,
        keep_tags=args.keep_tags, keep_last=args.keep_last, older_than=args.older_than,
        untagged_only=args.untagged_only, delete_all=args.delete_all, keep_tag_prefixes=args.keep_tag_prefixes,
        delete_tags_matching=args.delete_tags_matching, tag_match_mode=args.tag_match_mode,
        keep_rules=args.keep_rules, dry_run=not args.yes, concurrency=args.concurrency, timeout=args.timeout,
        keep_in_use=_keep_in_use(args))


def _keep_in_use(args: argparse.Namespace) -> dict[str, Any] | None:
    """``--keep-in-use [SOURCES]`` and ``--in-use-folder`` as the keep_in_use rule (checked by CleanupRules)."""
    if args.keep_in_use is None:
        if args.in_use_folders:
            raise InvalidArgumentError("--in-use-folder", "needs --keep-in-use", args.in_use_folders)
        return None
    return {"sources": [name.strip() for name in args.keep_in_use.split(",")],
            "folders": list(args.in_use_folders or [])}


READ_ONLY_SINCE = date(2026, 11, 10)


def read_only_warning(selection: Any, by_id: dict[str, ImageInfo], today: date | None = None) -> str | None:
    """A warning when the plan would delete images Container Registry serves after it became read-only."""
    today = today or datetime.now(timezone.utc).date()
    served = sorted({by_id[image_id].registry_id for image_id in selection.selected_ids
                     if getattr(by_id[image_id], "service", "container-registry") == "container-registry"})
    if not served or today < READ_ONLY_SINCE:
        return None
    return (f"registry {', '.join(served)} is served by Container Registry, read-only since 2026-11-10: the cloud "
            "will most likely refuse these deletes, and --yes stops at the first refusal. Migrate the folder to "
            "Cloud Registry first (FolderMigration), then clean up there")


def whole_tag_notes(rules: CleanupRules, images: Sequence[ImageInfo]) -> list[str]:
    """keep_tags patterns that match no whole tag but the start of some (``v1`` for ``v1.0.0``): say so."""
    tags = {tag for image in images for tag in image.tags}
    notes = []
    for index, pattern in enumerate(rules.tag_patterns):
        if not any(pattern.fullmatch(tag) for tag in tags):
            partial = sorted(tag for tag in tags if pattern.match(tag))
            if partial:
                notes.append(f"keep_tags[{index}] {pattern.pattern!r} keeps no image: it must match the whole tag, "
                             f"and only starts {partial[0]!r}; use {pattern.pattern + '.*'!r} or "
                             f"--keep-tag-prefixes {pattern.pattern}")
    return notes


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``cleanup``: the plan (dry run), or the deletes and their report (``--yes``)."""
    rules = cleanup_rules(args)  # bad rules fail here, before any client exists
    with _client(args, err) as client:
        where = rules.listing  # a scope that does not exist fails here, as ImageCleanup's check does
        client.check_scope(repository_name=where["repository_name"],
                           registry_id=None if where["repository_name"] else where["registry_id"])
        listed = list(client.list_images(repository_name=where["repository_name"],
                                         registry_id=where["registry_id"], page_size=1000, timeout=rules.timeout))
        selection = select(listed, rules)
        planned = selection.selected_ids  # what --yes may delete (in-use images are re-checked at their delete)
        if rules.keep_in_use is not None:  # the plan names the workload that runs each kept image
            used = _in_use_plan(client, rules, selection)
            selection = Selection(selected=[image for image in selection.selected if image.id not in used],
                                  protected={**selection.protected, **used})
        by_id = {image.id: image for image in listed}
        warning = read_only_warning(selection, by_id)
        if warning:  # before anything is tried
            err.write(f"{PROG}: warning: {warning}\n")
        if not args.yes:
            out.write((render.plan_json if args.format == "json" else render.plan_text)(
                rules.scope, selection, by_id) + "\n")
            for note in whole_tag_notes(rules, listed):
                err.write(f"{PROG}: note: {note}\n")
            return EXIT_OK
        stream = out if args.format == "text" else err
        # the plan first, even with --yes: a CI log shows what goes before it goes; nothing outside it is deleted
        stream.write(render.plan_text(rules.scope, selection, by_id, dry_run=False) + "\n")
        stream.flush()
        terminal = stream.isatty()
        progress: Callable[..., None] = ProgressBar(stream) if terminal else ProgressLines(stream)
        from ..backends.workloads import workloads_for

        report = run_cleanup(client, rules, progress=progress, progress_every=1 if terminal else None,
                             in_use=in_use_reader(workloads_for(client), rules) if rules.keep_in_use else None,
                             plan=planned, plan_hint="not in the plan printed above; run again")
    out.write((render.report_json if args.format == "json" else render.report_text)(report) + "\n")
    if report.selected_count == 0 and report.protected_count == 0:
        err.write(f"{PROG}: no images in {rules.scope}\n")
    gone = report.ok and not report.skipped  # a skipped image (a protecting tag arrived) did not go
    if report.read_only:  # one message, no advice that cannot help
        err.write(f"{PROG}: error: the registry refused the first delete: {SUNSET_EXPLANATION}\n")
        return EXIT_INCOMPLETE
    if not gone:
        left = len(report.failed) + len(report.not_attempted) + len(report.skipped)
        err.write(f"{PROG}: {left} of {report.selected_count} selected images are still there"
                  + (f", and {len(report.not_in_plan)} more the rules select now" if report.not_in_plan else "")
                  + "\n")
    return EXIT_OK if gone else EXIT_INCOMPLETE


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one command; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args, out, err))
    except BrokenPipeError:  # `| head` closed the pipe: end quietly, as other command-line tools do
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        err.write(f"\n{PROG}: interrupted; deletes already sent finish in the cloud, run again to continue\n")
        return EXIT_INTERRUPTED
    except (RegistryError, OSError) as exc:
        if args.debug:
            traceback.print_exc(file=err)
        own = {"registry_id": "--registry-id"} if args.command == "artifacts" else None  # that command's flag
        message = cli_words(" ".join(str(exc).split()) or type(exc).__name__, own)
        err.write(f"{PROG}: error: {message}\n")
        return EXIT_USAGE if isinstance(exc, InvalidArgumentError) else EXIT_INCOMPLETE


__all__ = ["build_parser", "check_reachable", "cleanup_rules", "cli_words", "keep_rule", "list_images", "main", "run",
           "whole_tag_notes"]
