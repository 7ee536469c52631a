"""What a scanned code is: an ID card, one of our receipts, a web address or anything else.

The kiosk's scanner reads whatever a citizen holds up: the QR code on their chip ID card,
the QR code on a receipt this kiosk printed, a bank or portal QR code with a web address,
or a product barcode. :func:`classify` tells them apart so that each screen reacts to the
codes it expects and explains the others. It never raises for any text.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from kiosk import receipt_code
from kiosk.idcard import FIELD_SEPARATOR, CitizenCard, IdCardError, parse_id_qr

# A scheme, a non-empty host and no whitespace: the shape of the web addresses printed in
# QR codes. Anything looser would call "http:" or a sentence with a link in it a URL. The
# host and the rest are split at the first "/", "?" or "#" so that the pattern cannot
# backtrack quadratically on long text.
_URL = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?", re.IGNORECASE)

#: What a technician's QR card holds: "MOTCUA:TECH", optionally ":" and the card's own label
#: (for the log). The card is no secret, only a way in: the PIN is still asked.
TECHNICIAN_CARD = re.compile(r"MOTCUA:TECH(?::[A-Za-z0-9._-]{1,32})?", re.IGNORECASE)


class ScanKind(enum.Enum):
    """What kind of code was scanned."""

    CITIZEN_ID = "citizen_id"
    RECEIPT_CODE = "receipt_code"
    URL = "url"
    TECHNICIAN_CARD = "technician_card"
    OTHER = "other"


@dataclass(frozen=True)
class ScannedCode:
    """One scan, classified.

    ``card`` is set for :attr:`ScanKind.CITIZEN_ID`, ``receipt_code`` (canonical form) for
    :attr:`ScanKind.RECEIPT_CODE`. ``problem`` is set when the text looked like an ID card
    QR code (it has ``|`` separators) but was refused: the technician's reason from
    :class:`~kiosk.idcard.IdCardError`, so that a misreading scanner can be diagnosed.
    """

    kind: ScanKind
    raw: str
    card: CitizenCard | None = None
    receipt_code: str | None = None
    problem: str | None = None

    def parsed_json(self) -> dict[str, str | None] | None:
        """The card's JSON object, ``{"receipt_code": code}``, or None for other kinds."""
        if self.card is not None:
            return self.card.to_json()
        if self.receipt_code is not None:
            return {"receipt_code": self.receipt_code}
        return None


def classify(raw: str, *, today: dt.date | None) -> ScannedCode:
    """Classify the text ``raw`` read by a scanner.

    ``today`` is the trusted date for the ID card checks (None when the clock is not
    trusted; see :func:`kiosk.idcard.parse_id_qr`). A technician's card
    (:data:`TECHNICIAN_CARD`) is recognised first; web addresses (http and https) come
    next, so that a URL containing ``|`` is still a URL; then text with ``|`` separators,
    which is an ID card or is refused with a ``problem``; then receipt codes, in any form
    :func:`kiosk.receipt_code.normalise` accepts; everything else is OTHER.
    """
    text = raw.strip()
    if TECHNICIAN_CARD.fullmatch(text):
        return ScannedCode(kind=ScanKind.TECHNICIAN_CARD, raw=raw)
    if _URL.fullmatch(text):
        # A slip's QR may be the city's status page of its receipt code (/tra-cuu?ma=...).
        code = receipt_code.normalise(text)
        kind = ScanKind.URL if code is None else ScanKind.RECEIPT_CODE
        return ScannedCode(kind=kind, raw=raw, receipt_code=code)
    if FIELD_SEPARATOR in text:
        try:
            card = parse_id_qr(raw, today=today)
        except IdCardError as error:
            return ScannedCode(kind=ScanKind.OTHER, raw=raw, problem=error.message)
        return ScannedCode(kind=ScanKind.CITIZEN_ID, raw=raw, card=card)
    code = receipt_code.normalise(text)
    if code is not None:
        return ScannedCode(kind=ScanKind.RECEIPT_CODE, raw=raw, receipt_code=code)
    return ScannedCode(kind=ScanKind.OTHER, raw=raw)
