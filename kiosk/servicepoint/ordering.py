"""Which waiting ticket a counter calls next: the ordering rule, as data.

Priority citizens (elderly, disabled, pregnant, with small children) are served before
their turn, but neither always (a steady stream of priority tickets would stop the regular
queue: NovoSGA's issue #431) nor never. Two rules, chosen per service point:

- :attr:`RuleKind.INTERLEAVE`: one priority ticket after every ``every_n_regular`` regular
  ones at a counter (while both are waiting). A priority ticket waits for at most that many
  regular calls; a regular ticket is passed by at most one priority ticket per turn.
- :attr:`RuleKind.WEIGHTED`: oldest first, a priority ticket counted as if taken
  ``priority_head_start_seconds`` earlier. A priority ticket passes only the regular
  tickets taken less than that before it; a regular ticket is never passed by one taken
  longer than that after it.

Under both, a ticket transferred from another counter is called first (its holder already
waited their turn), and within a kind tickets go in issue order (the hub's sequence, never a
device clock).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass


class RuleKind(enum.Enum):
    """How priority tickets are mixed with regular ones."""

    INTERLEAVE = "interleave"
    WEIGHTED = "weighted"


@dataclass(frozen=True)
class OrderingRule:
    """A service point's ordering rule (stored at the hub, shown in docs/queue.md)."""

    kind: RuleKind = RuleKind.INTERLEAVE
    #: INTERLEAVE: regular calls between two priority calls (>= 1).
    every_n_regular: int = 3
    #: WEIGHTED: how much earlier a priority ticket counts as taken.
    priority_head_start_seconds: int = 900

    def __post_init__(self) -> None:
        if self.every_n_regular < 1:
            raise ValueError("every_n_regular must be at least 1")
        if self.priority_head_start_seconds < 0:
            raise ValueError("priority_head_start_seconds cannot be negative")


@dataclass(frozen=True)
class Candidate:
    """A ticket a counter may call, as the rule sees it."""

    ticket_id: int
    #: The hub's issue order (unique, increasing).
    sequence: int
    priority: bool
    issued_at: dt.datetime
    transferred: bool = False


def choose_next(
    rule: OrderingRule, waiting: Sequence[Candidate], regular_since_priority: int
) -> Candidate | None:
    """The ticket to call now, or None when nobody waits.

    ``regular_since_priority`` is how many regular tickets this counter called since its
    last priority one (the counter keeps it; :func:`count_after_call` updates it).
    """
    if not waiting:
        return None
    transferred = [candidate for candidate in waiting if candidate.transferred]
    if transferred:
        return min(transferred, key=lambda candidate: candidate.sequence)
    priority = sorted((c for c in waiting if c.priority), key=lambda c: c.sequence)
    regular = sorted((c for c in waiting if not c.priority), key=lambda c: c.sequence)
    if not priority:
        return regular[0]
    if not regular:
        return priority[0]
    if rule.kind is RuleKind.INTERLEAVE:
        return priority[0] if regular_since_priority >= rule.every_n_regular else regular[0]
    head_start = dt.timedelta(seconds=rule.priority_head_start_seconds)
    # Ties (same effective time) go to the regular ticket: it was there first.
    return priority[0] if priority[0].issued_at - head_start < regular[0].issued_at \
        else regular[0]


def count_after_call(called: Candidate, regular_since_priority: int) -> int:
    """The counter's regular-since-priority count once ``called`` is called."""
    if called.transferred:
        return regular_since_priority
    return 0 if called.priority else regular_since_priority + 1
