"""What every kind of submission is made of, so that each kind fits in one module.

A kind (queue ticket, intake, feedback, rating) is a :class:`Kind`: the request a screen
makes, how that request is checked and turned into the details stored with it, the slip
the citizen gets and the next step the done screen tells them. :mod:`kiosk.kinds` holds
the table that picks a kind; the outbox and the slip builder look a kind up there instead
of asking "which kind is this" themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from kiosk.catalog import Catalog, Procedure, Service
from kiosk.queue_state import WaitEstimate
from kiosk.receipt import Receipt, SlipContext

if TYPE_CHECKING:
    # Only a type: the outbox (kiosk.submissions) imports this package to pick a kind.
    from kiosk.submissions import Submission


class SubmissionKind(enum.StrEnum):
    """What a citizen handed in.

    A string enumeration: the wire schema (``sync/wire.py``) tells the kinds apart by this
    value, and pydantic matches a JSON string against a member only when it is a string.
    """

    QUEUE_TICKET = "queue_ticket"
    APPLICATION_INTAKE = "application_intake"
    FEEDBACK = "feedback"
    RATING = "rating"


class SubmissionError(ValueError):
    """A submission that cannot be created, and why (nothing was stored)."""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``message`` for translation: the screens translate it where they show it."""
    return message


class Records(Protocol):
    """The catalog tables a request is checked against (the outbox's database)."""

    def has_service(self, code: str) -> bool:
        """Whether queue service ``code`` is in the catalog."""

    def procedure(self, code: str) -> Mapping[str, Any]:
        """The stored record of procedure ``code`` (SubmissionError when it is unknown)."""


@dataclass(frozen=True)
class Prepared:
    """A valid request as it is stored: its details (JSON-ready) and its procedure."""

    details: dict[str, Any]
    procedure_code: str | None = None


@dataclass(frozen=True)
class SlipSources:
    """What a slip may draw on besides the submission: the catalog and a ticket's wait."""

    catalog: Catalog | None = None
    wait: WaitEstimate | None = None

    def procedure(self, code: str | None) -> Procedure | None:
        """Procedure ``code`` of the catalog (also by a former code), if there is one."""
        if self.catalog is None or code is None:
            return None
        return self.catalog.procedure(code)

    def service(self, code: str | None) -> Service | None:
        """Queue service ``code`` of the catalog, if there is one."""
        if self.catalog is None or code is None:
            return None
        return next((s for s in self.catalog.services if s.code == code), None)


RequestT = TypeVar("RequestT")


@dataclass(frozen=True)
class Kind(Generic[RequestT]):
    """One kind of submission: everything that differs from one kind to another.

    ``prepare`` checks a request against the catalog (SubmissionError, nothing stored,
    when it is not valid) and gives the details to store; ``slip`` makes the citizen's
    slip; ``next_step`` is the message id the done screen translates and shows (it may
    use ``{number}`` and ``{counter}``); ``keeps_identity``: the card holder's identity
    is sealed and kept with the submission.
    """

    kind: SubmissionKind
    request_type: type[RequestT]
    prepare: Callable[[RequestT, Records], Prepared]
    slip: Callable[[Submission, SlipContext, SlipSources], Receipt]
    next_step: str
    keeps_identity: bool = False
