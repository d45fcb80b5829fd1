"""gRPC statuses become the project's exceptions in one place, each naming the subject and what to do."""

from __future__ import annotations

import pytest

from yc_registry_provider import errors
from yc_registry_provider.transport import map_rpc_error


@pytest.mark.parametrize("code,details,expected", [
    ("FAILED_PRECONDITION", "registry is read-only", errors.RegistryReadOnlyError),
    ("FAILED_PRECONDITION", "operation is not allowed", errors.RegistryReadOnlyError),  # wording undocumented
    ("PERMISSION_DENIED", "Registry crp1 is in read only mode", errors.RegistryReadOnlyError),
    ("PERMISSION_DENIED", "Permission denied", errors.PermissionDeniedError),
    ("NOT_FOUND", "", errors.NotFoundError),
    ("UNAUTHENTICATED", "", errors.UnauthenticatedError),
    ("RESOURCE_EXHAUSTED", "", errors.ThrottledError),
    ("UNAVAILABLE", "", errors.UnavailableError),
    ("DEADLINE_EXCEEDED", "", errors.DeadlineExceededError),
    ("INTERNAL", "boom", errors.ApiError),
])
def test_a_refused_delete_maps_to_one_class_per_kind(code: str, details: str, expected: type) -> None:
    error = map_rpc_error(code, details, action="ImageService.Delete", read=False, image_id="crpi1")
    assert type(error) is expected and "crpi1" in str(error)


def test_read_only_and_denied_deletes_mention_the_sunset() -> None:
    read_only = map_rpc_error("FAILED_PRECONDITION", "", action="ImageService.Delete", read=False, image_id="crpi1")
    denied = map_rpc_error("PERMISSION_DENIED", "Permission denied", action="ImageService.Delete", read=False,
                           image_id="crpi1")
    for error in (read_only, denied):
        assert "2026-11-10" in str(error) and "2026-12-14" in str(error)


def test_reads_keep_their_plain_meaning() -> None:
    assert type(map_rpc_error("FAILED_PRECONDITION", "x", action="ImageService.List")) is errors.FailedPreconditionError
    assert type(map_rpc_error("DEADLINE_EXCEEDED", "", action="ImageService.Get")) is errors.UnavailableError
    denied = map_rpc_error("PERMISSION_DENIED", "no", action="ImageService.Get", image_id="crpi1")
    assert type(denied) is errors.PermissionDeniedError and "2026-12-14" not in str(denied)
