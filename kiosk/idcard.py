"""The QR code on the chip ID card (căn cước công dân, CCCD): parsed and checked.

The code holds one line of fields separated by ``|``, dates written DDMMYYYY::

    ID number|old CMND number|full name|birth date|Nam or Nữ|permanent address|issue date

The old 9-digit CMND number is often empty. Some cards and readers append more fields (an
expiry date, for one); no authoritative layout for them is published, so any fields after
the seventh are kept as they are in :attr:`CitizenCard.extra_fields` and not interpreted.

The 12-digit ID number carries facts that must agree with the other fields: digits 1-3
are the province of birth registration, digit 4 the sex and century of birth (even male,
odd female; 0/1 born 1900-1999, 2/3 2000-2099, 4/5 2100-2199, 6/7 2200-2299, 8/9
1800-1899), digits 5-6 the last two digits of the birth year. Checking them catches a
misread scan, a payload typed by hand, or a QR code that is not a real card.

:func:`parse_id_qr` either returns a :class:`CitizenCard` or raises :class:`IdCardError`,
whatever text it is given: it sits between a scanner and the screen, and a crash there
would strand a citizen at the kiosk. Every refusal has a stable machine code (listed in
:data:`ERROR_CODES`) and an English message for the technician. Messages never repeat the
name, the address, dates of birth or whole ID numbers, because they end up in logs.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

from kiosk.text import nfc

#: Payloads longer than this are refused before any other work. A real card's QR code
#: holds a line of about 150 characters; the cap leaves room for long addresses and extra
#: fields, and keeps a misdirected scan of a large document from costing anything.
MAX_PAYLOAD_CHARS = 1000

#: The fields every card has; more are allowed and kept in ``extra_fields``.
MIN_FIELDS = 7

FIELD_SEPARATOR = "|"

#: Every ``IdCardError.code`` that :func:`parse_id_qr` can raise.
ERROR_CODES = frozenset(
    {
        "not_text",
        "too_long",
        "bad_character",
        "not_enough_fields",
        "bad_id_number",
        "unknown_province",
        "bad_old_id_number",
        "empty_name",
        "bad_birth_date",
        "bad_sex",
        "bad_issue_date",
        "sex_century_mismatch",
        "birth_year_mismatch",
        "born_in_future",
        "issued_before_birth",
        "issued_in_future",
    }
)

# ASCII digits only: str.isdigit() and a plain \d would also accept Arabic-Indic or
# full-width digits, which no card holds and which int() would silently convert.
_ID_NUMBER = re.compile(r"[0-9]{12}")
_OLD_ID_NUMBER = re.compile(r"[0-9]{9}")
_DATE = re.compile(r"[0-9]{8}")

# Characters no card holds, by Unicode category, with what to call them in a message.
# They would garble the screen, the printed slip or the JSON sent on; a lone surrogate
# (how Python keeps bytes that were not UTF-8) cannot even be encoded as UTF-8.
_BAD_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "Cc": "a control character",
        "Cf": "an invisible formatting character",
        "Cs": "a lone surrogate (bytes that were not valid UTF-8)",
        "Co": "a private-use character",
    }
)

_BYTE_ORDER_MARK = "\ufeff"

_PROVINCES_RESOURCE = "id-province-codes.json"


class Sex(enum.Enum):
    """The sex printed on the card (field 5, "Nam" or "Nữ")."""

    MALE = "male"
    FEMALE = "female"


# Casefolded field text -> sex. "nu" because keyboard-wedge scanners drop diacritics;
# case does not matter because those scanners also type in whatever case Caps Lock says.
_SEX_WORDS: Mapping[str, Sex] = MappingProxyType(
    {"nam": Sex.MALE, "nữ": Sex.FEMALE, "nu": Sex.FEMALE}
)

# ID digit 4, rounded down to even -> first year of the century of birth.
_CENTURY_STARTS: Mapping[int, int] = MappingProxyType({0: 1900, 2: 2000, 4: 2100, 6: 2200, 8: 1800})


class IdCardError(ValueError):
    """Why a payload is not a valid ID card QR code.

    ``code`` is stable and meant for programs (one of :data:`ERROR_CODES`); ``message``
    explains the reason to a technician, in English.
    """

    def __init__(self, code: str, message: str) -> None:
        # Both in args, so that the error survives pickling (multiprocessing, test runners).
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CitizenCard:
    """What the QR code of one chip ID card says, checked for consistency.

    Text fields are NFC, stripped, and (name and address) have runs of spaces collapsed.
    """

    # Personal fields stay out of repr(): a card in a log line or a traceback must not
    # reveal who the citizen is.
    id_number: str = field(repr=False)
    old_id_number: str | None = field(repr=False)
    full_name: str = field(repr=False)
    birth_date: dt.date = field(repr=False)
    sex: Sex = field(repr=False)
    address: str = field(repr=False)
    issue_date: dt.date = field(repr=False)
    extra_fields: tuple[str, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, str | None]:
        """The card as a JSON object: ISO dates, sex as "male" or "female".

        Extra fields are left out: their meaning is unknown.
        """
        return {
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "full_name": self.full_name,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex.value,
            "address": self.address,
            "issue_date": self.issue_date.isoformat(),
        }


@cache
def province_codes() -> Mapping[str, str]:
    """The official 3-digit province codes that open an ID number, with province names.

    The 63 provinces before the July 2025 merge: ID numbers do not change with the merge.
    """
    source = resources.files("kiosk").joinpath("data", _PROVINCES_RESOURCE)
    loaded: dict[str, str] = json.loads(source.read_text(encoding="utf-8"))
    return MappingProxyType(loaded)


def parse_id_qr(payload: str, *, today: dt.date | None) -> CitizenCard:
    """The card in an ID card QR ``payload``, or :class:`IdCardError` saying why not.

    ``today`` is the trusted current date (:func:`kiosk.clock.trusted_today`): when it is
    None the device clock is not believed, and only the checks that a birth date and an
    issue date are not in the future are skipped; every other check still applies.
    Surrounding whitespace (a scanner's CR/LF), a byte order mark and NFD text are
    tolerated. Never raises anything but :class:`IdCardError`.
    """
    # Callers outside the type checker (a UI callback, a test double) may pass bytes or
    # None; answer them with the same error type rather than an AttributeError.
    untyped: object = payload
    if not isinstance(untyped, str):
        raise IdCardError("not_text", f"the payload is not text but {type(untyped).__name__}")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise IdCardError(
            "too_long",
            f"the payload has {len(payload):,} characters; an ID card QR code has at most "
            f"{MAX_PAYLOAD_CHARS:,}",
        )
    if isinstance(today, dt.datetime):
        # A datetime is a date, but comparing it with a date raises TypeError.
        today = today.date()

    text = nfc(payload).strip().removeprefix(_BYTE_ORDER_MARK).strip()
    _check_characters(text)
    fields = [field.strip() for field in text.split(FIELD_SEPARATOR)]
    if len(fields) < MIN_FIELDS:
        raise IdCardError(
            "not_enough_fields",
            f"an ID card QR code has at least {MIN_FIELDS} fields separated by "
            f"'{FIELD_SEPARATOR}'; this payload has {len(fields)}",
        )
    (
        id_field,
        old_id_field,
        name_field,
        birth_field,
        sex_field,
        address_field,
        issue_field,
        *extra,
    ) = fields

    id_number = _parse_id_number(id_field)
    old_id_number = _parse_old_id_number(old_id_field)
    full_name = " ".join(name_field.split())
    if not full_name:
        raise IdCardError("empty_name", "the full name (field 3) is empty")
    birth_date = _parse_date(birth_field, code="bad_birth_date", label="birth date (field 4)")
    sex = _parse_sex(sex_field)
    address = " ".join(address_field.split())
    issue_date = _parse_date(issue_field, code="bad_issue_date", label="issue date (field 7)")

    _check_id_against_fields(id_number, birth_date, sex)
    if today is not None and birth_date > today:
        raise IdCardError(
            "born_in_future",
            f"the birth date is after today ({today.isoformat()}); if the card is real, "
            "the kiosk clock is wrong",
        )
    if issue_date < birth_date:
        raise IdCardError("issued_before_birth", "the issue date is before the birth date")
    if today is not None and issue_date > today:
        raise IdCardError(
            "issued_in_future",
            f"the issue date is after today ({today.isoformat()}); if the card is real, "
            "the kiosk clock is wrong",
        )

    return CitizenCard(
        id_number=id_number,
        old_id_number=old_id_number,
        full_name=full_name,
        birth_date=birth_date,
        sex=sex,
        address=address,
        issue_date=issue_date,
        extra_fields=tuple(extra),
    )


def _check_characters(text: str) -> None:
    """Refuse characters that no card holds (see ``_BAD_CATEGORIES``)."""
    for char in text:
        kind = _BAD_CATEGORIES.get(unicodedata.category(char))
        if kind is not None:
            # The code point, not the character: it may be invisible or unprintable.
            raise IdCardError(
                "bad_character",
                f"the payload contains U+{ord(char):04X}, {kind}, which no ID card QR code holds",
            )


def _parse_id_number(field: str) -> str:
    """The 12-digit ID number of field 1, with a known province prefix."""
    if not _ID_NUMBER.fullmatch(field):
        raise IdCardError(
            "bad_id_number",
            f"the ID number (field 1) must be exactly 12 digits; it has {_describe(field)}",
        )
    province = field[:3]
    if province not in province_codes():
        raise IdCardError(
            "unknown_province",
            f"the ID number starts with {province}, which is not a province code in the "
            "official list",
        )
    return field


def _parse_old_id_number(field: str) -> str | None:
    """The old 9-digit CMND number of field 2, or None when the field is empty."""
    if not field:
        return None
    if not _OLD_ID_NUMBER.fullmatch(field):
        raise IdCardError(
            "bad_old_id_number",
            "the old ID number (field 2) must be empty or exactly 9 digits; it has "
            f"{_describe(field)}",
        )
    return field


def _parse_date(field: str, *, code: str, label: str) -> dt.date:
    """A DDMMYYYY date that exists in the calendar."""
    if not _DATE.fullmatch(field):
        raise IdCardError(code, f"the {label} must be 8 digits DDMMYYYY; it has {_describe(field)}")
    try:
        return dt.date(int(field[4:]), int(field[2:4]), int(field[:2]))
    except ValueError:
        # Day 31 of a 30-day month, 29 February of a common year, month 13, year 0000.
        raise IdCardError(code, f"the {label} is not a real calendar date") from None


def _parse_sex(field: str) -> Sex:
    """Field 5: "Nam" (male) or "Nữ" (female), also "Nu" without its accent."""
    sex = _SEX_WORDS.get(field.casefold())
    if sex is None:
        # The value is not personal beyond the sex itself; showing it (briefly) lets a
        # technician see what the scanner made of "Nữ".
        shown = field if len(field) <= 12 else field[:12] + "…"
        raise IdCardError("bad_sex", f"the sex (field 5) must be 'Nam' or 'Nữ', not {shown!r}")
    return sex


def _check_id_against_fields(id_number: str, birth_date: dt.date, sex: Sex) -> None:
    """ID digit 4 must match sex and century of birth, digits 5-6 the birth year."""
    digit = int(id_number[3])
    century_start = _CENTURY_STARTS[digit - digit % 2]
    coded_sex = Sex.FEMALE if digit % 2 else Sex.MALE
    if not century_start <= birth_date.year < century_start + 100:
        raise IdCardError(
            "sex_century_mismatch",
            f"ID digit 4 is {digit}, meaning born {century_start}-{century_start + 99}, "
            "but the birth date is not in those years",
        )
    if coded_sex is not sex:
        raise IdCardError(
            "sex_century_mismatch",
            f"ID digit 4 is {digit}, meaning {coded_sex.value}, but the sex field says {sex.value}",
        )
    if id_number[4:6] != f"{birth_date.year % 100:02d}":
        raise IdCardError(
            "birth_year_mismatch",
            "ID digits 5-6 must be the last two digits of the birth year, and they are not",
        )


def _describe(field: str) -> str:
    """What is wrong with a number field's shape, without repeating its value."""
    if not field:
        return "nothing (the field is empty)"
    others = sum(1 for char in field if char not in "0123456789")
    if others:
        return f"{len(field)} characters, {others} of them not digits"
    return f"{len(field)} digits"
