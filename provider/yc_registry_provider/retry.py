"""When to retry and how long to wait: jittered exponential backoff inside a total budget. Pure."""

from __future__ import annotations

import random
from dataclasses import dataclass

ALWAYS_RETRYABLE = frozenset({"UNAVAILABLE", "RESOURCE_EXHAUSTED"})
READ_ONLY_RETRYABLE = frozenset({"DEADLINE_EXCEEDED"})


def is_retryable(code: str, *, read: bool) -> bool:
    """UNAVAILABLE and RESOURCE_EXHAUSTED always; DEADLINE_EXCEEDED only for reads (a write may have landed)."""
    return code in ALWAYS_RETRYABLE or (read and code in READ_ONLY_RETRYABLE)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for retryable calls: bounded jitter under the exponential cap, within ``budget`` seconds.

    One policy is one logical call's whole budget: nothing above the transport retries the same call again
    (retries never nest), so ``max_attempts`` is the number of times a call can be sent, and the message of the
    final failure gives the real count.
    """

    initial_backoff: float = 0.05
    max_backoff: float = 5.0
    multiplier: float = 2.0
    budget: float = 20.0
    max_attempts: int = 10
    notice_every: float = 5.0   # seconds between two "still retrying" notices of one call (the first comes at once)

    def cap(self, attempt: int) -> float:
        """The longest delay before retry number ``attempt`` (1-based)."""
        return min(self.max_backoff, self.initial_backoff * (self.multiplier ** (attempt - 1)))

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before retry number ``attempt`` (1-based): uniform in [cap/2, cap] (bounded jitter)."""
        cap = self.cap(attempt)
        return (rng or random).uniform(cap / 2, cap)

    def longest_wait(self) -> float:
        """The most time one logical call can spend backing off: its retries' caps, bounded by the budget."""
        return min(self.budget, sum(self.cap(attempt) for attempt in range(1, self.max_attempts)))


@dataclass(frozen=True)
class WaitPolicy:
    """Operation polling: first poll soon, then jittered exponential steps up to a cap."""

    first_poll: float = 0.05
    initial_interval: float = 0.1
    multiplier: float = 1.5
    max_interval: float = 2.0
    jitter: float = 0.1            # +- fraction of each interval
    not_found_grace: int = 5       # NOT_FOUND tolerated on this many first polls of a fresh operation
    min_hint: float = 0.05         # bounds on a server-suggested interval (x-operation-poll-interval)
    max_hint: float = 10.0
    cancel_on_timeout: bool = False
    learned_step: float = 0.005    # after a first poll placed at a learned duration, back off from this step

    def interval_after_learned(self, poll: int, rng: random.Random | None = None) -> float:
        """Delay after poll number ``poll`` when the first poll was placed at a learned duration: short steps
        (the operation is due), growing by ``multiplier``, never longer than :meth:`interval`."""
        return min(self.interval(poll, rng), self.learned_step * (self.multiplier ** (poll - 1)))

    def interval(self, poll: int, rng: random.Random | None = None) -> float:
        """Delay after poll number ``poll`` (1-based)."""
        base = min(self.max_interval, self.initial_interval * (self.multiplier ** (poll - 1)))
        return base * (1 + (rng or random).uniform(-self.jitter, self.jitter))


DEFAULT_RETRY = RetryPolicy()
"""10 attempts: a call to an endpoint that refuses connections fails after 8 to 17 s of backoff (never 30 s)."""
DEFAULT_WAIT = WaitPolicy()

__all__ = sorted(["DEFAULT_RETRY", "DEFAULT_WAIT", "RetryPolicy", "WaitPolicy", "is_retryable"])
