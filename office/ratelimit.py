"""Rate limits per client: a misbehaving kiosk or script cannot starve the others.

The ``limits`` library keeps a moving window per client in memory (one backend process);
a request over the limit is answered 429 with ``Retry-After`` in whole seconds, which the
kiosk agent honours.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

#: The default limit per client: far above what a kiosk needs (a batch every few
#: seconds while draining), low enough to stop a runaway loop.
DEFAULT_RATE_LIMIT = "50/second"


class RateLimitError(ValueError):
    """A rate-limit text that cannot be parsed."""


class RateLimiter:
    """Counts requests per client key against one limit such as ``"50/second"``."""

    def __init__(self, limit: str, *, wall_clock: Callable[[], float] = time.time) -> None:
        try:
            self.item = limits.parse(limit)
        except ValueError as error:
            raise RateLimitError(f"rate limit {limit!r}: {error}") from None
        self.limit = limit
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._wall_clock = wall_clock

    def retry_after(self, key: str) -> int | None:
        """Count one request for ``key``: None if allowed, else seconds to wait (>= 1)."""
        if self._limiter.hit(self.item, key):
            return None
        stats = self._limiter.get_window_stats(self.item, key)
        return max(1, math.ceil(stats.reset_time - self._wall_clock()))
