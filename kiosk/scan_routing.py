"""What a scanned code means where the kiosk is now: the scan-routing policy.

The scanner reads whatever is held up to it, whatever screen is on show. :func:`route_scan`
decides what the app does with it, from the code's kind (:mod:`kiosk.scanned`), whom the
kiosk serves (:class:`~kiosk.kiosk_mode.KioskMode`) and the citizen already identified.
The rules:

- With a technician at the kiosk nothing scanned is a citizen's business: in technician
  mode the code goes to the technician screen (testing the reader); on the PIN pad it is
  ignored.
- A technician's card opens the hidden entry (the PIN is still asked).
- An ID card identifies its holder. A *different* ID card from the one identified means
  the last citizen may have walked away: start over first, never mix two citizens.
- On the status screen an ID card (of nobody yet, or of the citizen already here) lists
  the applications made with it (kiosk/card_applications.py): the card is present, so
  its holder may see them.
- Anything else is the citizen's activity: a queue ticket's QR (its phone page's address)
  opens the rating of the service it got; on the rating screen a receipt code does too (a
  ticket printed with its code in the QR); elsewhere a receipt code opens its status; a web
  address, an ID card that could not be read, or an unknown code is explained.

Plain Python, no UI: the app dispatches on the :class:`ScanAction` returned.
"""

from __future__ import annotations

import enum

from kiosk.idcard import CitizenCard
from kiosk.kiosk_mode import KioskMode
from kiosk.scanned import ScanKind, ScannedCode
from kiosk.servicepoint.ticket_page import token_from_scan


class ScanAction(enum.Enum):
    """What the app does with a scan."""

    IGNORE = "ignore"  # the PIN pad is up: nobody's business
    TO_TECHNICIAN = "to_technician"  # technician mode: show it on the technician screen
    OPEN_TECHNICIAN_ENTRY = "open_technician_entry"  # a technician card: ask for the PIN
    IDENTIFY = "identify"  # the ID card of nobody yet, or of the citizen already here
    START_OVER_WITH_NEW_CARD = "start_over_with_new_card"  # another card: wipe, then identify
    LIST_CARD_APPLICATIONS = "list_card_applications"  # status screen: this card's applications
    OPEN_STATUS = "open_status"  # one of our receipts: its application's status
    RATE_TICKET = "rate_ticket"  # a queue ticket: rate the service it got
    WEB_ADDRESS_BANNER = "web_address_banner"  # a web address: "use your phone"
    UNREADABLE_CARD_BANNER = "unreadable_card_banner"  # looked like an ID card, refused
    UNKNOWN_CODE_BANNER = "unknown_code_banner"  # not a card, not a receipt


#: The actions that identify the card's holder (after starting over for a new card).
IDENTIFY_ACTIONS = frozenset({ScanAction.IDENTIFY, ScanAction.START_OVER_WITH_NEW_CARD})
#: The actions that only explain the code with a passing message.
BANNER_ACTIONS = frozenset(
    {
        ScanAction.WEB_ADDRESS_BANNER,
        ScanAction.UNREADABLE_CARD_BANNER,
        ScanAction.UNKNOWN_CODE_BANNER,
    }
)


def route_scan(
    scanned: ScannedCode, *, mode: KioskMode, citizen: CitizenCard | None,
    rating: bool = False, status: bool = False,
) -> ScanAction:
    """What to do with ``scanned`` in ``mode``, ``citizen`` being the one identified (if
    any), ``rating`` whether the rating screen is on show, ``status`` whether the status
    screen is; see the module docstring for the rules."""
    if mode is KioskMode.TECHNICIAN:
        return ScanAction.TO_TECHNICIAN
    if mode is KioskMode.TECHNICIAN_PIN:
        return ScanAction.IGNORE
    if scanned.kind is ScanKind.CITIZEN_ID and scanned.card is not None:
        if citizen is not None and citizen.id_number != scanned.card.id_number:
            return ScanAction.START_OVER_WITH_NEW_CARD
        return ScanAction.LIST_CARD_APPLICATIONS if status else ScanAction.IDENTIFY
    return _not_an_id_card(scanned, rating=rating)


def _not_an_id_card(scanned: ScannedCode, *, rating: bool) -> ScanAction:
    """What a code other than a citizen's ID card does while citizens are served."""
    if scanned.kind is ScanKind.TECHNICIAN_CARD:
        return ScanAction.OPEN_TECHNICIAN_ENTRY
    if scanned.kind is ScanKind.RECEIPT_CODE and scanned.receipt_code is not None:
        return ScanAction.RATE_TICKET if rating else ScanAction.OPEN_STATUS
    if scanned.kind is ScanKind.URL and token_from_scan(scanned.raw) is not None:
        return ScanAction.RATE_TICKET
    if scanned.kind is ScanKind.URL:
        return ScanAction.WEB_ADDRESS_BANNER
    if scanned.problem is not None:
        return ScanAction.UNREADABLE_CARD_BANNER
    return ScanAction.UNKNOWN_CODE_BANNER
