"""A citizen's applications, found by scanning their ID card at the status screen.

The kiosk sends the city only the keyed hash of the card's number (kiosk/card_lookup.py)
and shows what comes back: receipt codes, procedures, statuses and dates, nothing
personal. It asks only when a card is scanned there (the card is present); the answer
lives on the status screen alone and is wiped with it (leaving it, idle, start over).

This module is the policy: whether the kiosk can ask at all (a lookup key from enrolment
and an office to ask), and what each answer means to the citizen (:class:`CardOutcome`).
The office is behind :class:`CardOffice` (sync/office.py over the city's API).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from typing import Protocol

from kiosk.application_status import ApplicationStatus, OfficeUnreachableError
from kiosk.card_lookup import CardKeyError, CardLookupKey
from kiosk.catalog import Procedure

#: ``sync.card_lookup_key`` as configured: ``KEY_ID:HEX`` (what ``kiosk provision`` writes).
SETTING_PATTERN = r"([a-z0-9-]{1,40}:[0-9a-f]{64})?"


class CardOutcome(enum.Enum):
    """What the citizen is told after scanning their card at the status screen."""

    LISTED = "listed"  # their applications, newest first
    NONE_FOUND = "none_found"  # the office knows no application made with this card
    NOT_SET_UP = "not_set_up"  # no lookup key or no office: this kiosk cannot ask
    KEY_OUTDATED = "key_outdated"  # the city no longer holds this kiosk's key
    UNREACHABLE = "unreachable"  # the office could not be asked just now


@dataclass(frozen=True)
class CardApplication:
    """One application made with the card (no personal data)."""

    receipt_code: str
    procedure_code: str | None
    received_at: str
    #: None: the office has it but published no status yet.
    status: ApplicationStatus | None
    updated_at: str | None
    #: The catalog's procedure, when this kiosk's catalog has it (filled by the desk).
    procedure: Procedure | None = None


@dataclass(frozen=True)
class CardReply:
    """The office's answer: whether it holds the key the hash was made with, and the
    applications (newest first)."""

    key_known: bool
    applications: tuple[CardApplication, ...]


@dataclass(frozen=True)
class CardAnswer:
    """What the status screen shows after a card was scanned."""

    outcome: CardOutcome
    applications: tuple[CardApplication, ...] = ()


class CardOffice(Protocol):
    """Asks the office for the applications made with a card, by its keyed hash."""

    def applications_by_card(self, key_id: str, card_hash: str) -> CardReply:
        """The office's answer for ``card_hash`` (made with key ``key_id``); raises
        OfficeUnreachableError when it cannot be asked now."""
        ...


def card_key_from_setting(text: str) -> CardLookupKey | None:
    """The lookup key from ``sync.card_lookup_key`` (``KEY_ID:HEX``); None when it is empty
    or unusable (the kiosk then says it cannot look up by card, never guesses)."""
    if re.fullmatch(SETTING_PATTERN, text) is None or not text:
        return None
    key_id, _, secret = text.partition(":")
    try:
        return CardLookupKey.from_hex(key_id, secret)
    except CardKeyError:
        return None


def setting_text(key_id: str, secret_hex: str) -> str:
    """``sync.card_lookup_key``'s value for a key received at enrolment."""
    return f"{key_id}:{secret_hex}"


def look_up_card(
    key: CardLookupKey | None, office: CardOffice | None, id_number: str
) -> CardAnswer:
    """Ask ``office`` for the applications made with the card numbered ``id_number``.

    Only its keyed hash leaves this function; the number is not kept.
    """
    if key is None or office is None:
        return CardAnswer(CardOutcome.NOT_SET_UP)
    try:
        reply = office.applications_by_card(key.key_id, key.card_hash(id_number))
    except OfficeUnreachableError:
        return CardAnswer(CardOutcome.UNREACHABLE)
    if not reply.key_known:
        return CardAnswer(CardOutcome.KEY_OUTDATED)
    if not reply.applications:
        return CardAnswer(CardOutcome.NONE_FOUND)
    return CardAnswer(CardOutcome.LISTED, reply.applications)


def with_procedures(
    answer: CardAnswer, procedures: dict[str, Procedure]
) -> CardAnswer:
    """``answer`` with each application's procedure from this kiosk's catalog."""
    return replace(answer, applications=tuple(
        replace(item, procedure=procedures.get(item.procedure_code or ""))
        for item in answer.applications))
