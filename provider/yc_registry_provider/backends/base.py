"""The narrow interface between the Pulumi layer and the cloud.

Everything above this line (lookups, Image, ImageCleanup, the plugin) talks to an ImageBackend;
the Container Registry client implements it today, a Cloud Registry one can sit beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

from ..models import ImageInfo


@dataclass(frozen=True)
class DeleteResult:
    """What one delete did: ``already_gone`` when the image did not exist (not an error); ``kept`` when it was
    not deleted because another resource of the same deployment still holds it. ``polls``, ``pending_after`` and
    ``done_after`` say what the wait for the Operation saw (see ``operations.PollStats``; None when it did not wait)."""

    image_id: str
    operation_id: str | None
    already_gone: bool
    kept: bool = False
    polls: int = 0
    pending_after: float | None = None
    done_after: float | None = None


class ImageBackend(Protocol):
    """List, get and delete images; delete waits for the cloud's Operation."""

    def list_images(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    folder_id: str | None = None, filter: str | None = None, order_by: str | None = None,
                    page_size: int | None = None, limit: int | None = None,
                    timeout: float | None = None) -> Iterator[ImageInfo]:
        """Lazily iterate images of a scope (repository > registry > folder), page by page."""
        ...

    def get_image(self, image_id: str, *, timeout: float | None = None) -> ImageInfo:
        """One image by id; NotFoundError when it does not exist."""
        ...

    def check_scope(self, *, repository_name: str | None = None, registry_id: str | None = None,
                    timeout: float | None = None) -> None:
        """NotFoundError naming the id and its folder when the registry (or the repository) does not exist."""
        ...

    def delete_image(self, image_id: str, *, timeout: float | None = None,
                     on_started: Callable[[str], None] | None = None, retry_send: bool = True,
                     first_poll: float | None = None) -> DeleteResult:
        """Delete and wait for the Operation, all within ``timeout`` seconds (else OperationTimeoutError).

        ``on_started(operation_id)`` is called when the cloud has accepted the delete; ``retry_send=False``
        sends the Delete once, for callers that re-check the image before each attempt; ``first_poll`` places
        the first poll of the Operation (seconds after the Delete's answer), e.g. at a learned duration.
        """
        ...

    def close(self) -> None:
        ...
