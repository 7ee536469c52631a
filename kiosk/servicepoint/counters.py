"""Counters and officers of a service point."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CounterState(enum.Enum):
    """Whether a counter calls tickets."""

    #: Nobody signed in at it.
    CLOSED = "closed"
    OPEN = "open"
    #: The officer stepped away: it calls nobody, and the display leaves it out.
    PAUSED = "paused"


@dataclass(frozen=True)
class Counter:
    """A counter (quầy): its number, the services it serves, who is at it."""

    number: int
    name: str
    services: tuple[str, ...]
    state: CounterState = CounterState.CLOSED
    officer: str | None = None
    #: Regular tickets called here since the last priority one (the ordering rule's count).
    regular_since_priority: int = 0

    def serves(self, service: str) -> bool:
        """Whether tickets of ``service`` are called here."""
        return service in self.services


@dataclass(frozen=True)
class Officer:
    """An officer who signs in at a counter (the PIN is kept only as a hash)."""

    login: str
    name: str
