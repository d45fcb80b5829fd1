"""The fake's RegistryService (containerregistry/v1): Get and List over the model's registries. No gRPC here.

Registries live in :attr:`ContainerRegistryModel.registries` (images need them); this module holds the service's own rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from yc_registry_provider.fake import api_limits as limits
from yc_registry_provider.fake.common import FakeError
from yc_registry_provider.fake.model import ContainerRegistryModel, Registry

DEFAULT_REGISTRY_PAGE_SIZE = 100   # assumed like ImageService's default (see ASSUMPTIONS.md)


@dataclass(frozen=True)
class RegistryPage:
    """One page of RegistryService.List."""

    registries: list[Registry]
    next_page_token: str


def get_registry(model: ContainerRegistryModel, registry_id: str) -> Registry:
    """RegistryService.Get: the registry, or NOT_FOUND naming the id."""
    if not registry_id:
        raise FakeError("INVALID_ARGUMENT", "registry_id: required, got an empty string")
    if len(registry_id) > limits.MAX_ID_LENGTH:
        raise FakeError("INVALID_ARGUMENT", f"registry_id: length {len(registry_id)} exceeds the maximum of "
                                            f"{limits.MAX_ID_LENGTH}")
    with model._lock:
        registry = model.registries.get(registry_id)
    if registry is None:
        raise FakeError("NOT_FOUND", f"registry {registry_id} not found")
    return registry


def list_registries(model: ContainerRegistryModel, *, folder_id: str, page_size: int = 0, page_token: str = "",
                    filter: str = "") -> RegistryPage:
    """RegistryService.List: the registries of one folder (required), in creation order, optionally by name."""
    if not folder_id:
        raise FakeError("INVALID_ARGUMENT", "folder_id: required, got an empty string")
    if len(folder_id) > limits.MAX_ID_LENGTH:
        raise FakeError("INVALID_ARGUMENT", f"folder_id: length {len(folder_id)} exceeds the maximum of "
                                            f"{limits.MAX_ID_LENGTH}")
    if not 0 <= page_size <= limits.MAX_PAGE_SIZE:
        raise FakeError("INVALID_ARGUMENT", f"page_size: {page_size} is outside 0..{limits.MAX_PAGE_SIZE}")
    if len(page_token) > limits.MAX_PAGE_TOKEN_LENGTH:
        raise FakeError("INVALID_ARGUMENT", f"page_token: length {len(page_token)} exceeds the maximum of "
                                            f"{limits.MAX_PAGE_TOKEN_LENGTH}")
    name = None
    if filter.strip():
        match = limits.FILTER_RE.fullmatch(filter)
        if match is None:
            raise FakeError("INVALID_ARGUMENT", f'filter: only name="<registry name>" is supported, got {filter!r}')
        name = match.group("value")
    fingerprint = hashlib.sha256(f"registries\0{folder_id}\0{name or ''}".encode()).hexdigest()[:16]
    offset = model._decode_page_token(page_token, fingerprint) if page_token else 0
    size = page_size or DEFAULT_REGISTRY_PAGE_SIZE
    with model._lock:
        chosen = [r for r in model.registries.values()
                  if r.folder_id == folder_id and (name is None or r.name == name)]
        page = chosen[offset:offset + size]
        token = model._issue_page_token(offset + size, fingerprint) if offset + size < len(chosen) else ""
    return RegistryPage(registries=page, next_page_token=token)


__all__ = ["DEFAULT_REGISTRY_PAGE_SIZE", "RegistryPage", "get_registry", "list_registries"]
