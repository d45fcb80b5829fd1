"""Cleanup progress on a terminal (one redrawn bar) or in a log (plain lines): a ProgressCallback each."""

from __future__ import annotations

import threading
from typing import TextIO

from ..cleanup import ProgressEvent

BAR_WIDTH = 30


class ProgressBar:
    """Redraws ``[#####.....] done/total`` on one terminal line; the final summary goes on its own line."""

    def __init__(self, stream: TextIO, width: int = BAR_WIDTH) -> None:
        self.stream = stream
        self.width = width
        self._lock = threading.Lock()
        self._drawn = False

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            if event.kind == "progress" or (event.kind == "start" and event.total):
                filled = self.width * event.done // max(1, event.total)
                bar = "#" * filled + "." * (self.width - filled)
                self.stream.write(f"\r[{bar}] {event.done}/{event.total} done")
                self._drawn = True
            elif event.kind in ("throttled", "retrying", "warning"):
                self._line(event.message)
            elif event.kind == "done":
                if self._drawn:
                    bar = "#" * self.width
                    self.stream.write(f"\r[{bar}] {event.total}/{event.total} done\n")
                    self._drawn = False
            self.stream.flush()

    def _line(self, text: str) -> None:
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False
        self.stream.write(text + "\n")


class ProgressLines:
    """One plain line per progress event the engine sends (about every tenth of the images), for logs."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "done":
            return  # the report follows
        with self._lock:
            self.stream.write(event.message + "\n")
            self.stream.flush()


__all__ = ["ProgressBar", "ProgressLines"]
