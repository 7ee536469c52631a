"""The status screen's answer to a scanned ID card: the applications made with it.

Thin: the desk asks the office (kiosk/card_applications.py); this module words each
outcome and makes one button per application (tap: its status, as if its code was typed).
"""

from __future__ import annotations

import datetime as dt

from kivy.properties import StringProperty

from kiosk import receipt_code
from kiosk.application_status import ApplicationStatus
from kiosk.card_applications import CardApplication, CardOutcome
from kiosk.clock import HANOI
from kiosk.desk import parse_moment
from screens.base import N_
from screens.i18n import _
from screens.procedures import procedure_title
from screens.widgets import KioskButton

#: What the citizen is told above the list, or instead of it.
CARD_TEXTS: dict[CardOutcome, str] = {
    CardOutcome.LISTED: N_(
        "Applications made with your ID card, newest first. Tap one to see its status:"
    ),
    CardOutcome.NONE_FOUND: N_(
        "The office has no application made with this ID card in the last 12 months. If "
        "you applied at the counter, please type the code on your receipt."
    ),
    CardOutcome.NOT_SET_UP: N_(
        "This kiosk cannot look up applications by ID card yet. Please type the code on "
        "your receipt, or ask at the reception counter."
    ),
    CardOutcome.KEY_OUTDATED: N_(
        "This kiosk cannot look up applications by ID card yet. Please type the code on "
        "your receipt, or ask at the reception counter."
    ),
    CardOutcome.UNREACHABLE: N_(
        "The office could not be reached just now, so your applications cannot be listed. "
        "Please try again in a few minutes, or type the code on your receipt."
    ),
}
#: While the office is asked.
LOOKING = N_("Looking up the applications made with your ID card…")


class CardApplicationButton(KioskButton):
    """One application of the scanned card; ``code`` is its receipt code."""

    code = StringProperty("")


def day_text(text: str | None) -> str:
    """A backend time (UTC) as the day in Hà Nội: "07/12/2026"."""
    moment = parse_moment(text)
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(HANOI).strftime("%d/%m/%Y")


def button_text(item: CardApplication, status_names: dict[ApplicationStatus, str]) -> str:
    """"ABCD-EFGH: Đăng ký khai sinh" over "Being processed · handed in 07/12/2026"; a
    procedure this kiosk's catalog lacks is named by its code, none at all left out."""
    if item.procedure is not None:
        what = procedure_title(item.procedure)
    elif item.procedure_code:
        what = _("Procedure {code}").format(code=item.procedure_code)
    else:
        what = ""
    status = (_(status_names[item.status]) if item.status is not None
              else _("Received by the office; no status yet"))
    code = receipt_code.display(item.receipt_code)
    line = _("{status} · handed in {date}").format(status=status,
                                                   date=day_text(item.received_at))
    return f"{code}: {what}\n{line}" if what else f"{code}\n{line}"
