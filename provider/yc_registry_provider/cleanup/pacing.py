"""When to poll a delete's Operation first, learned within one cleanup run from the deletes already done. Pure.

A cleanup's operations take about the same time. Before any has finished the waiter's own schedule applies;
each finished wait then says the operation was not done at ``pending_after`` and done at ``done_after`` (seconds
after the Delete's answer). The first such bracket gives the estimate (its middle). A first poll placed at the
estimate that finds the operation done moves the next one slightly earlier (``step`` of it); one that finds it
unfinished moves it up: by two steps when the next poll found it done (the estimate had just crossed the real
duration), to the middle of what the wait saw when it took longer (the operations got slower). So most deletes
take one poll, each lands within a few milliseconds of the operation's end, and a change of pace is followed.
"""

from __future__ import annotations

import threading

from ..backends.base import DeleteResult

MIN_FIRST_POLL = 0.01
MAX_FIRST_POLL = 60.0


class OperationPacer:
    """Shared by a run's workers (thread-safe): ``first_poll()`` to use, ``observe()`` what a delete saw."""

    def __init__(self, step: float = 0.005) -> None:
        self.step = step
        self._estimate: float | None = None
        self._lock = threading.Lock()

    def first_poll(self) -> float | None:
        """Seconds after a Delete's answer to poll its Operation first; None until a delete has been seen done."""
        with self._lock:
            return self._estimate

    def observe(self, used: float | None, result: DeleteResult) -> None:
        """Learn from one finished delete that waited (``used``: the first poll it was given, or None)."""
        done, pending = result.done_after, result.pending_after
        if done is None:
            return  # done at once or already gone: nothing was timed
        middle = done if pending is None else (pending + done) / 2
        with self._lock:
            if used is None:  # the waiter's own schedule: the operation finished inside (pending, done]
                if self._estimate is None:
                    new = middle
                else:
                    new = min(max(self._estimate, pending or 0.0), done)
            elif result.polls <= 1:  # done at the first poll: it may have been done earlier, try a bit sooner
                new = min(self._estimate if self._estimate is not None else used, used * (1 - self.step))
            else:  # still running at the first poll: move up, a little if the next poll found it done
                bump = min(done, (pending or used) + 2 * self.step * used) if result.polls == 2 else middle
                new = max(self._estimate if self._estimate is not None else 0.0, bump)
            self._estimate = min(MAX_FIRST_POLL, max(MIN_FIRST_POLL, new))


__all__ = ["MAX_FIRST_POLL", "MIN_FIRST_POLL", "OperationPacer"]
