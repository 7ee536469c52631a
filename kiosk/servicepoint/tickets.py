"""A ticket's life at the service point: its states and the moves allowed between them.

::

    WAITING --call--> CALLED --start--> SERVING --finish--> DONE
                        |  ^               |
                   skip |  | recall        | transfer
                        v  |               v
                     NO_SHOW   CALLED --transfer--> TRANSFERRED --call--> CALLED

A recall keeps a CALLED ticket CALLED (the display shows and speaks it again). A citizen
who comes back after being skipped is called by number: NO_SHOW -> CALLED. A TRANSFERRED
ticket waits again, for another service or one counter, and is called from there. A DONE
ticket may be rated (it stays DONE; the hub keeps one rating per ticket).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class TicketState(enum.Enum):
    """Where a ticket stands."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"


class TicketAction(enum.Enum):
    """What an officer (or the kiosk, for ISSUE) does to a ticket."""

    ISSUE = "issue"
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    SKIP = "skip"
    TRANSFER = "transfer"
    #: The citizen rates the service (once, after it finished; the state stays DONE).
    RATE = "rate"


#: Tickets a counter may call: never called yet, or sent on by another counter.
CALLABLE_STATES = frozenset({TicketState.WAITING, TicketState.TRANSFERRED})
#: Tickets at a counter right now (its "current" ticket).
AT_COUNTER_STATES = frozenset({TicketState.CALLED, TicketState.SERVING})
#: Tickets whose day at the service point is over.
FINAL_STATES = frozenset({TicketState.DONE})

#: (state, action) -> the state it leads to. Anything else is refused.
TRANSITIONS: Mapping[tuple[TicketState, TicketAction], TicketState] = {
    (TicketState.WAITING, TicketAction.CALL): TicketState.CALLED,
    (TicketState.TRANSFERRED, TicketAction.CALL): TicketState.CALLED,
    (TicketState.NO_SHOW, TicketAction.CALL): TicketState.CALLED,
    (TicketState.CALLED, TicketAction.RECALL): TicketState.CALLED,
    (TicketState.CALLED, TicketAction.START): TicketState.SERVING,
    (TicketState.CALLED, TicketAction.SKIP): TicketState.NO_SHOW,
    (TicketState.CALLED, TicketAction.TRANSFER): TicketState.TRANSFERRED,
    (TicketState.SERVING, TicketAction.FINISH): TicketState.DONE,
    (TicketState.SERVING, TicketAction.TRANSFER): TicketState.TRANSFERRED,
    (TicketState.DONE, TicketAction.RATE): TicketState.DONE,
}


class TransitionError(ValueError):
    """An action the ticket's state does not allow (e.g. finishing a ticket never called)."""


def next_state(state: TicketState, action: TicketAction) -> TicketState:
    """The state ``action`` moves a ticket in ``state`` to, or TransitionError."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionError(
            f"cannot {action.value} a ticket that is {state.value}"
        ) from None
