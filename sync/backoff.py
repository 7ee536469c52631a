"""How long the agent waits after a failed round: exponential, jittered, capped.

Each failure in a row doubles the ceiling (``base``, ``2 * base``, ... up to ``cap``);
the wait is drawn between half the ceiling and the ceiling ("equal jitter"), so kiosks
that lost the network together do not all come back in the same second, yet the wait
still grows. A server's ``Retry-After`` is a floor, honoured even above the cap (up to
:data:`MAX_RETRY_AFTER`). Time comes from the caller's monotonic clock, never the
device's wall clock.

Hand-written rather than tenacity or backoff: those wrap one function call, while here
the retry state is the outbox itself and survives restarts; what is left is this class.
"""

from __future__ import annotations

import random

#: Longest ``Retry-After`` honoured, so a wrong header cannot park a kiosk for days.
MAX_RETRY_AFTER = 3600.0


class Backoff:
    """Waits between failed rounds; :meth:`reset` after a success."""

    def __init__(self, *, base: float, cap: float, rng: random.Random | None = None) -> None:
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.failures = 0
        # Jitter spreads retries out; it needs no cryptographic randomness.
        self._rng = rng or random.Random()  # noqa: S311

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds to wait after one more failure (and the server's ``Retry-After``)."""
        ceiling = min(self.cap, self.base * 2.0 ** min(self.failures, 62))
        self.failures += 1
        delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
        return delay

    def reset(self) -> None:
        """A round succeeded: the next failure starts from ``base`` again."""
        self.failures = 0
