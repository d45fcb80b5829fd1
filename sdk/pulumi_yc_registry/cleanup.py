"""ImageCleanup: empties a repository or registry (by rules) when it is destroyed; and the same as a function.

Declare it with ``depends_on`` the registry (or repository) it empties, so that ``pulumi destroy`` deletes it,
and so runs the cleanup, before the registry. While it exists nothing is deleted: its outputs show what a destroy
would delete now (``candidate_count``, ``candidate_ids``), recomputed at create, update and refresh.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi.dynamic

from yc_registry_provider.cleanup import CleanupFailedError, CleanupReport, ProgressEvent, cleanup_images
from yc_registry_provider.dynamic.cleanup import ImageCleanupProvider
from yc_registry_provider.lifecycle.cleanup import OUTPUT_FIELDS
from yc_registry_provider.validation import whole_number

from ._pickling import pickler_restored


def _listed(value: Any) -> Any:
    """A tuple as a list (the engine serializes lists); anything else unchanged."""
    return list(value) if isinstance(value, tuple) else value


class ImageCleanup(pulumi.dynamic.Resource, module="yc-registry", name="ImageCleanup"):
    """Deletes the images of one repository (``repository_name``) or registry (``registry_id``) on destroy.

    Any keep rule protects an image: ``keep_tags`` (regular expressions that must match the *whole* tag:
    ``"v1"`` keeps only the tag ``v1``, ``"v1\\..*"`` keeps ``v1.0.0``), ``keep_tag_prefixes`` (tags starting with
    one of them), ``keep_last`` (newest N per repository), ``keep_rules`` (ordered ``{"tag_pattern", "keep_last"}``
    entries, as ECR lifecycle rules: each image counts for the first entry whose pattern matches one of its tags,
    which keeps its newest N), ``older_than`` (``"30d"``: younger images are kept), ``untagged_only``.
    ``delete_tags_matching`` (whole-tag regexes) with ``tag_match_mode`` ``"any"`` (default) or ``"all"`` makes a
    tagged image a candidate only when any / all of its tags match; it selects tagged images only (untagged images
    are kept: clean them with a cleanup of their own, ``untagged_only=True``). ``recursive=True`` with
    ``repository_name`` cleans that repository and every one under it.
    ``keep_in_use`` keeps every image a live workload runs (``True``: Serverless Containers revisions, Compute
    instances' and instance groups' container declarations in the registry's folder; or ``{"sources": [...],
    "folders": [...]}``): named by digest or by a tag it carries when it would be deleted, through ``cr.yandex`` or
    ``registry.yandexcloud.net``. ``kept_in_use`` shows which candidates a workload runs now. A source the account
    cannot read (``serverless.containers.viewer``, ``compute.viewer``) stops the cleanup before anything is deleted;
    leave that source out of ``sources`` to clean without it.
    With no rule at all, ``delete_all=True`` is required. ``dry_run`` only reports.
    ``concurrency`` (1 to 50, default 10) bounds deletes in flight; ``timeout`` (seconds) bounds the whole run.

    A move of the scope to another registry replaces the resource (the old registry is emptied when the old
    resource goes); any other change, a new scope inside the same registry included, updates in place and
    deletes nothing. Only ``pulumi destroy`` (whole stack or ``--target``) runs the cleanup: removing the resource
    from the program (or replacing it) during ``pulumi up`` deletes nothing, and the log says how to run it, unless
    ``run_on_remove=True`` was set on it. ``candidate_ids`` is the plan: a destroy deletes none outside it (unless
    ``delete_all``); images the rules select later are kept and listed until a refresh shows them.
    If some images cannot be deleted, destroy fails with a summary and the resource stays in the stack;
    what was deleted stays deleted, and running destroy again continues with what is left.
    """

    repository_name: pulumi.Output[Optional[str]]
    registry_id: pulumi.Output[Optional[str]]
    keep_tags: pulumi.Output[Optional[list]]
    keep_last: pulumi.Output[Optional[int]]
    older_than: pulumi.Output[Optional[str]]
    untagged_only: pulumi.Output[Optional[bool]]
    delete_all: pulumi.Output[Optional[bool]]
    dry_run: pulumi.Output[Optional[bool]]
    concurrency: pulumi.Output[Optional[int]]
    timeout: pulumi.Output[Optional[float]]
    keep_tag_prefixes: pulumi.Output[Optional[list]]
    delete_tags_matching: pulumi.Output[Optional[list]]
    tag_match_mode: pulumi.Output[Optional[str]]
    keep_rules: pulumi.Output[Optional[list]]
    recursive: pulumi.Output[Optional[bool]]
    run_on_remove: pulumi.Output[Optional[bool]]
    candidate_count: pulumi.Output[int]
    candidate_ids: pulumi.Output[list]
    candidate_refs: pulumi.Output[list]
    keep_in_use: pulumi.Output[Optional[Any]]
    kept_in_use: pulumi.Output[dict]

    def __init__(self, resource_name: str, *, repository_name: pulumi.Input[Optional[str]] = None,
                 registry_id: pulumi.Input[Optional[str]] = None, recursive: pulumi.Input[bool] = False,
                 keep_tags: pulumi.Input[Optional[Sequence[pulumi.Input[str]]]] = None,
                 keep_last: pulumi.Input[int] = 0, older_than: pulumi.Input[Optional[str]] = None,
                 untagged_only: pulumi.Input[bool] = False, delete_all: pulumi.Input[bool] = False,
                 keep_tag_prefixes: pulumi.Input[Optional[Sequence[pulumi.Input[str]]]] = None,
                 delete_tags_matching: pulumi.Input[Optional[Sequence[pulumi.Input[str]]]] = None,
                 tag_match_mode: pulumi.Input[str] = "any",
                 keep_rules: pulumi.Input[Optional[Sequence[pulumi.Input[Mapping[str, Any]]]]] = None,
                 keep_in_use: pulumi.Input[Optional[Any]] = None,
                 dry_run: pulumi.Input[bool] = False, concurrency: pulumi.Input[Optional[int]] = None,
                 timeout: pulumi.Input[Optional[float]] = None, run_on_remove: pulumi.Input[bool] = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props: dict[str, Any] = {name: None for name in OUTPUT_FIELDS}  # outputs exist on the object (#2931)
        props.update(repository_name=repository_name, registry_id=registry_id,
                     keep_tags=list(keep_tags) if isinstance(keep_tags, tuple) else keep_tags,
                     keep_last=keep_last, older_than=older_than, untagged_only=untagged_only,
                     delete_all=delete_all, dry_run=dry_run, concurrency=concurrency, timeout=timeout,
                     keep_tag_prefixes=_listed(keep_tag_prefixes), delete_tags_matching=_listed(delete_tags_matching),
                     tag_match_mode=tag_match_mode, keep_rules=_listed(keep_rules), recursive=recursive,
                     keep_in_use=keep_in_use, run_on_remove=run_on_remove)
        with pickler_restored():
            super().__init__(ImageCleanupProvider(), resource_name, props, opts)
        # The engine returns every number as a float: give programs ints.
        self.candidate_count = self.candidate_count.apply(whole_number)
        self.keep_last = self.keep_last.apply(whole_number)
        self.concurrency = self.concurrency.apply(whole_number)


__all__ = ["CleanupFailedError", "CleanupReport", "ImageCleanup", "ProgressEvent", "cleanup_images"]
