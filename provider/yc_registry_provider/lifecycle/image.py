"""The Image resource's rules: check, adopt, read, diff, update, delete. Plain dicts in and out.

An Image adopts one existing image (nothing is created in the cloud) and deletes it on destroy.
Outputs hold every ImageInfo field, the inputs, and ``adopted_by`` (the selector as given), so a diff
against old outputs can tell a changed selector from the resolved id and digest.

Where the image lives is read from what the state records (``service``, ``registry_id``, ``repository``, ``digest``):
a backend that can place it (``locate_image``: ``auto``, Cloud Registry) finds an image adopted in Container
Registry as its successor in Cloud Registry (same registry id and digest) once its registry has migrated, so a
refresh moves the resource onto the successor's id and a destroy deletes the successor, with no change to the program.

An Image is pinned to the image it adopted. Changes made in the cloud (a tag moved to another image, tags added
or removed) are reported by a refresh (``tags``, ``tag_moved_to`` and a warning) and never cause a replace or a
delete: the refresh keeps the id and the user's selector. Only a change the user makes to the inputs can replace.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Callable, Mapping

from .. import validation
from ..backends.base import DeleteResult, ImageBackend
from ..errors import InvalidArgumentError, NotFoundError, SelectionError
from ..limits import DEFAULT_DELETE_TIMEOUT
from ..lookups import find_image
from ..models import IMAGE_OUTPUT_FIELDS, ImageInfo
from .values import UNKNOWN, DiffPlan, same
from .values import given as _given
from .values import known as _known

SELECTOR_FIELDS: tuple[str, ...] = ("image_id", "repository_name", "tag", "digest")
INPUT_FIELDS: tuple[str, ...] = SELECTOR_FIELDS + ("delete_timeout",)
OUTPUT_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(
    IMAGE_OUTPUT_FIELDS + ("repository_name", "tag", "delete_timeout", "adopted_by", "tag_moved_to")))


# -- images this deployment holds ------------------------------------------------------------------------------
# One provider process serves one deployment and starts with nothing held. An image that a resource of this deployment
# adopts (create), keeps (a diff without replace) or updates is held; a delete of a held image keeps it. So a
# rename without an alias, `pulumi up --replace` on the same image, or two Images on one image never delete the
# image a resource of the stack still holds. `pulumi destroy` (a deployment with no create or diff) deletes all.
_held: set[str] = set()
_held_lock = threading.Lock()


def begin_deployment() -> None:
    """Forget what was held: for hosts that run several deployments in one process (the testing module)."""
    with _held_lock:
        _held.clear()


def hold(image_id: str, props: Mapping[str, Any] | None = None) -> None:
    """Hold an image by id and, when ``props`` record them, by ``<registry_id>@<digest>``: the same image under
    its successor's id after a migration is held too."""
    with _held_lock:
        _held.add(image_id)
        if props and props.get("registry_id") and props.get("digest"):
            _held.add(f"{props['registry_id']}@{props['digest']}")


def is_held(image_id: str) -> bool:
    with _held_lock:
        return image_id in _held


HELD_REASON = "an Image of this deployment still adopts it"


def held_reason(image_id: str) -> str | None:
    """Why a cleanup of this deployment must spare ``image_id`` (an Image still adopts it), or None."""
    return HELD_REASON if is_held(image_id) else None


def check_image(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every rule an Image's inputs break, as (field, reason); empty when they are fine. Unknowns pass."""
    failures: list[tuple[str, str]] = []
    image_id, repo, tag, digest = (inputs.get(name) for name in SELECTOR_FIELDS)
    if _given(image_id):
        if any(_given(v) for v in (repo, tag, digest)):
            failures.append(("image_id", "give image_id alone, or repository_name with tag or digest, not both"))
        if _known(image_id):
            _collect(failures, lambda: validation.check_id("image_id", image_id))
    else:
        if not _given(repo):
            if _given(tag) or _given(digest):
                failures.append(("repository_name", "is required with tag or digest"))
            else:
                failures.append(("image_id", "give image_id, or repository_name with tag or digest"))
        elif not (_given(tag) or _given(digest)):
            failures.append(("tag", "give tag or digest with repository_name (tags and digests are unique "
                                    "within a repository)"))
    if _given(repo) and _known(repo):
        _collect(failures, lambda: validation.check_repository_name(repo))
    failures.extend(validation.selector_conflicts(tag=_given(tag), digest=_given(digest)))
    if _given(tag) and _known(tag):
        _collect(failures, lambda: validation.check_tag(tag))
    if _given(digest) and _known(digest):
        _collect(failures, lambda: validation.check_digest(digest))
    timeout = inputs.get("delete_timeout")
    if timeout is not None and _known(timeout):
        _collect(failures, lambda: validation.check_timeout(timeout, "delete_timeout"))
    return failures


def _collect(failures: list[tuple[str, str]], check: Any) -> None:
    try:
        check()
    except InvalidArgumentError as exc:
        failures.append((exc.field, str(exc)))


def normalize_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Only the input fields that are given; delete_timeout as a float (the engine sends numbers as floats)."""
    result: dict[str, Any] = {}
    for name in INPUT_FIELDS:
        value = inputs.get(name)
        if _given(value):
            result[name] = float(value) if name == "delete_timeout" and _known(value) else value  # type: ignore[arg-type]
    return result


def selector(props: Mapping[str, Any]) -> dict[str, Any]:
    """The selector an Image was adopted by: from ``adopted_by`` in outputs, else the inputs themselves."""
    recorded = props.get("adopted_by")
    source = recorded if isinstance(recorded, Mapping) else props
    return {name: source.get(name) for name in SELECTOR_FIELDS if _given(source.get(name))}


def outputs_for(image: ImageInfo, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs of an Image adopting ``image``: every ImageInfo field, the inputs and the selector."""
    given = normalize_inputs(inputs)
    outs: dict[str, Any] = {name: None for name in OUTPUT_FIELDS}
    outs.update(image.to_dict())
    outs["repository_name"] = given.get("repository_name")
    outs["tag"] = given.get("tag")
    outs["delete_timeout"] = given.get("delete_timeout")
    outs["adopted_by"] = selector(given)
    outs["tag_moved_to"] = None
    return outs


def adopt(backend: ImageBackend, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Resolve the inputs to exactly one existing image and return its outputs (``image_id`` is the resource id)."""
    sel = selector(normalize_inputs(inputs))
    image = find_image(backend, image_id=sel.get("image_id"), repository_name=sel.get("repository_name"),
                       tag=sel.get("tag"), digest=sel.get("digest"))
    hold(image.id, image.to_dict())
    return outputs_for(image, inputs)


def recorded_place(image_id: str, props: Mapping[str, Any]) -> dict[str, str]:
    """Where the state says the image lives (service, registry id, repository, digest); empty when it says nothing
    about this id (``Image.get(name, id)``)."""
    if props.get("image_id") not in (None, image_id) or not props.get("registry_id") or not props.get("digest"):
        return {}
    place = {name: props.get(name) for name in ("registry_id", "digest", "repository", "service")}
    return {k: str(v) for k, v in place.items() if isinstance(v, str) and v}


def locate(backend: ImageBackend, image_id: str, props: Mapping[str, Any]) -> ImageInfo:
    """The adopted image where it lives now (its successor in Cloud Registry after a migration); NotFoundError
    only when it is in neither service. Backends that cannot place images read it by id."""
    place = recorded_place(image_id, props)
    find = getattr(backend, "locate_image", None)
    if find is None or not place:
        return backend.get_image(image_id)
    return find(image_id, **place)  # type: ignore[no-any-return]


def read(backend: ImageBackend, image_id: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Refresh: (id, outputs, inputs); ("", {}, {}) when the image is gone from both services.

    The id is the image's id where it lives now: the successor's, once its registry has migrated (same registry id
    and digest); the resource stays and nothing is replaced or deleted.

    The image stays the one adopted and the refreshed inputs are the user's selector as recorded, so the next diff
    plans nothing because of the cloud. ``tags`` shows the image's tags now; when the selector's tag has moved,
    ``tag_moved_to`` is the id of the image the tag names now (None when no image carries it, or it has not moved):
    :func:`moved_tag_warning` says so.
    """
    try:
        image = locate(backend, image_id, props)
    except NotFoundError:
        return "", {}, {}
    sel = selector(props)
    if not sel:  # Image.get(name, id): nothing recorded, the id is the selector
        sel = {"image_id": image_id}
    inputs = dict(sel)
    if props.get("delete_timeout") is not None:
        inputs["delete_timeout"] = float(props["delete_timeout"])
    outs = outputs_for(image, inputs)
    outs["tag_moved_to"] = _tag_moved_to(backend, image, sel)
    return image.id, outs, inputs


def _tag_moved_to(backend: ImageBackend, image: ImageInfo, sel: Mapping[str, Any]) -> str | None:
    """The id of the image the selector's tag names now, when that is not the adopted image; else None."""
    tag, repo = sel.get("tag"), sel.get("repository_name")
    if not tag or not repo or tag in image.tags:
        return None
    try:
        now = find_image(backend, repository_name=repo, tag=tag)
    except SelectionError:  # no image carries the tag any more
        return None
    return now.id if now.id != image.id else None


def moved_tag_warning(outs: Mapping[str, Any]) -> str | None:
    """What a refresh tells the user when the tag an Image was adopted by no longer names its image; else None."""
    recorded = outs.get("adopted_by")
    sel: Mapping[str, Any] = recorded if isinstance(recorded, Mapping) else {}
    tag, repo, image_id = sel.get("tag"), sel.get("repository_name"), outs.get("image_id")
    if not tag or not image_id or tag in (outs.get("tags") or []):
        return None
    moved = outs.get("tag_moved_to")
    pinned = (f"this Image stays pinned to image {image_id} (nothing is replaced or deleted because of a change "
              "in the cloud)")
    if moved:
        return (f"tag {tag} of {repo} now names image {moved}, not the adopted image {image_id}: {pinned}. To adopt "
                f"image {moved} instead, replace this resource (pulumi up --replace); the replacement deletes "
                f"image {image_id}")
    return f"tag {tag} of {repo} names no image any more (the adopted image {image_id} lost it): {pinned}"


def diff(old_props: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> DiffPlan:
    """Compare the selector and delete_timeout (``__provider`` and outputs are ignored).

    A changed selector replaces (adopt the new image, then delete the old one); delete_timeout updates in place.
    A recorded selector of a repository alone is a tag that an older version's refresh dropped when the tag moved
    (no user can give it): the tag coming back is an update, never a replace.
    """
    old_sel, new_sel = selector(old_props), selector(new_inputs)
    changed = [name for name in SELECTOR_FIELDS if not same(old_sel.get(name), new_sel.get(name))]
    replaces = list(changed)
    if set(old_sel) == {"repository_name"} and same(old_sel["repository_name"], new_sel.get("repository_name")):
        replaces = [name for name in replaces if name != "tag"]
    old_timeout = old_props.get("delete_timeout")
    new_timeout = normalize_inputs(new_inputs).get("delete_timeout")
    if not same(old_timeout, new_timeout):
        changed.append("delete_timeout")
    return DiffPlan(changed=changed, replaces=replaces)


def resolves_to_same_image(backend: ImageBackend, old_props: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> bool:
    """True when a changed selector still names the adopted image (replacing would delete what it adopts).

    Any failure is raised, so the diff fails instead of planning a replace: a new selector that names no single
    image (a typo; several matches) would make the replacement's create fail after, with delete_before_replace,
    the old image was already deleted; an outage or throttling tells nothing about which image is meant.
    A selector not known yet (preview) answers False: the real diff runs again at update time.
    """
    new_sel = selector(new_inputs)
    old_id = old_props.get("image_id")
    if not old_id or not new_sel or any(not _known(v) for v in new_sel.values()):
        return False
    image = find_image(backend, image_id=new_sel.get("image_id"), repository_name=new_sel.get("repository_name"),
                       tag=new_sel.get("tag"), digest=new_sel.get("digest"))
    return image.id == old_id or (image.registry_id == old_props.get("registry_id")
                                  and image.digest == old_props.get("digest"))  # its successor after a migration


def settle_diff(plan: DiffPlan, same_image: bool, old_props: Mapping[str, Any]) -> DiffPlan:
    """The final plan: no replace when the new selector names the same image; an image that stays is held."""
    if plan.replaces and same_image:
        plan = DiffPlan(changed=plan.changed, replaces=[])
    if not plan.replaces and _given(old_props.get("image_id")):
        hold(str(old_props["image_id"]), old_props)
    return plan


def update(old_props: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> dict[str, Any]:
    """In-place update: keep every output of the adopted image, take the new inputs and selector."""
    if _given(old_props.get("image_id")):
        hold(str(old_props["image_id"]), old_props)
    outs = {name: old_props.get(name) for name in OUTPUT_FIELDS}
    given = normalize_inputs(new_inputs)
    outs["repository_name"] = given.get("repository_name")
    outs["tag"] = given.get("tag")
    outs["delete_timeout"] = given.get("delete_timeout")
    outs["adopted_by"] = selector(given)
    if not same(selector(old_props).get("tag"), given.get("tag")):
        outs["tag_moved_to"] = None  # it was about the old tag; the new one names the adopted image (same-image diff)
    return outs


def delete_timeout(props: Mapping[str, Any]) -> float:
    """The delete deadline in seconds: the recorded delete_timeout, else 30 minutes."""
    value = props.get("delete_timeout")
    return float(value) if value is not None else DEFAULT_DELETE_TIMEOUT


def delete(backend: ImageBackend, image_id: str, props: Mapping[str, Any], *,
           on_started: Callable[[str], None] | None = None) -> DeleteResult:
    """Delete the adopted image and wait for its Operation; an image already gone is success.

    An image that another resource of this deployment still holds (a renamed or force-replaced Image adopting
    the same image, a second Image on it) is kept: ``DeleteResult.kept``. ``on_started(operation_id)`` is called
    once the cloud has accepted the delete (progress messages can then name the operation).
    """
    if is_held(image_id):
        return DeleteResult(image_id=image_id, operation_id=None, already_gone=False, kept=True)
    target = image_id
    if getattr(backend, "locate_image", None) is not None and recorded_place(image_id, props):
        try:  # where it lives now: the successor of an image adopted before its registry migrated
            target = locate(backend, image_id, props).id
        except NotFoundError:
            return DeleteResult(image_id=image_id, operation_id=None, already_gone=True)
        if target != image_id and is_held(target):
            return DeleteResult(image_id=image_id, operation_id=None, already_gone=False, kept=True)
    if on_started is None:  # backends written before on_started existed still work
        result = backend.delete_image(target, timeout=delete_timeout(props))
    else:
        result = backend.delete_image(target, timeout=delete_timeout(props), on_started=on_started)
    return replace(result, image_id=image_id) if target != image_id else result


__all__ = sorted([
    "DiffPlan", "HELD_REASON", "INPUT_FIELDS", "OUTPUT_FIELDS", "SELECTOR_FIELDS", "UNKNOWN", "adopt", "begin_deployment",
    "check_image", "delete", "delete_timeout", "diff", "held_reason", "hold", "is_held", "locate", "moved_tag_warning",
    "normalize_inputs", "recorded_place",
    "outputs_for", "read",
    "resolves_to_same_image", "selector", "settle_diff",
    "update",
])
