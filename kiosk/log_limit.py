"""Repeated faults logged once a minute with a count, not at every retry.

A scanner unplugged for a night fails to open every 2 s: 14,000 identical journal lines
that push everything else out of the size-limited journal. :class:`RepeatLimiter` logs
the first occurrence of a message at once, then at most one line per ``interval`` saying
how many times it happened since; a different message is logged at once (a new fault is
news), and :meth:`RepeatLimiter.recovered` closes the episode with its final count.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

#: How often a fault that keeps repeating is logged again.
REPEAT_INTERVAL_SECONDS = 60.0


@dataclass
class _Episode:
    message: str
    logged_at: float
    suppressed: int = 0


class RepeatLimiter:
    """Rate-limits one source's repeated log messages (one instance per device)."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = REPEAT_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval
        self._monotonic = monotonic
        self._episode: _Episode | None = None

    def log(self, level: int, message: str, *, exc_info: bool = False) -> bool:
        """Log ``message`` unless it repeats the last one within the interval; True if
        logged. A repeat logged after the interval carries the count it stands for."""
        now = self._monotonic()
        episode = self._episode
        if episode is None or episode.message != message:
            self._close_episode()
            self._logger.log(level, "%s", message, exc_info=exc_info)
            self._episode = _Episode(message, now)
            return True
        if now - episode.logged_at < self._interval:
            episode.suppressed += 1
            return False
        count = episode.suppressed + 1
        self._logger.log(level, "%s (%d times in the last %d s)", message, count,
                         round(now - episode.logged_at), exc_info=exc_info)
        episode.logged_at, episode.suppressed = now, 0
        return True

    def recovered(self) -> None:
        """The fault is over: say how many repeats were not logged yet, and start afresh."""
        self._close_episode()
        self._episode = None

    def _close_episode(self) -> None:
        episode = self._episode
        if episode is not None and episode.suppressed:
            self._logger.info("%s (%d more, not logged one by one)", episode.message,
                              episode.suppressed)
