"""Image cleanup: rules that pick images (pure) and the engine that deletes them through an ImageBackend."""

from __future__ import annotations

from .engine import (CleanupFailedError, CleanupReport, ProgressCallback, ProgressEvent, cleanup_images,
                     log_progress, preview, run_cleanup)
from .rules import CleanupRules, KeepRule, Selection, is_protected, parse_older_than, select

__all__ = sorted([
    "CleanupFailedError", "CleanupReport", "CleanupRules", "KeepRule", "ProgressCallback", "ProgressEvent", "Selection",
    "cleanup_images", "is_protected", "log_progress", "parse_older_than", "preview", "run_cleanup", "select",
])
