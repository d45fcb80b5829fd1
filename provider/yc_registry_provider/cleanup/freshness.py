"""The in-use set, fresh at the moment of delete: never older than the re-read of the image it is checked against.

The engine re-reads each image right before its Delete (``engine._recheck``); ``InUseTracker.current(since=...)``
gives an in-use set whose read *started* after that re-read had its answer, so the in-use set is never older than
the image: a revision deployed (or a tag pushed) before the image was re-read is seen. One read serves every worker waiting for one at least as recent (single flight):
with N deletes in flight the workloads are read about once per wave, not once per image.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from ..in_use import InUseSet

InUseReader = Callable[[], InUseSet]
"""Reads every live reference now (raises WorkloadSourceError when a source cannot be read)."""


class InUseTracker:
    """Shares fresh reads of the in-use set between the engine's workers."""

    def __init__(self, read: InUseReader, clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read
        self._clock = clock
        self._cond = threading.Condition()
        self._snapshot: InUseSet | None = None
        self._started = float("-inf")  # when the read that gave _snapshot began
        self._reading = False
        self.reads = 0

    def current(self, since: float) -> InUseSet:
        """An in-use set read no earlier than ``since`` (a ``clock()`` value): the last one if it is recent
        enough, else the one being read (if it began late enough), else a new read."""
        with self._cond:
            while True:
                if self._snapshot is not None and self._started >= since:
                    return self._snapshot
                if not self._reading:
                    self._reading = True
                    break
                self._cond.wait()
        started = self._clock()
        try:
            snapshot = self._read()
        except BaseException:
            with self._cond:
                self._reading = False
                self._cond.notify_all()
            raise
        with self._cond:
            self.reads += 1
            if started >= self._started:
                self._snapshot, self._started = snapshot, started
            self._reading = False
            self._cond.notify_all()
        return snapshot


__all__ = ["InUseReader", "InUseTracker"]
