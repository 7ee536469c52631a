"""Short human receipt codes: typable at a counter, checked, printed and put in QR codes.

A code is 7 random symbols and 1 check symbol from a 29-symbol alphabet without
look-alikes (0, 1, I, L, O, U and Z are left out: O/0, I/1/L, U/V and Z/2 are confused on
paper), shown as ``XXXX-XXXX``. Random rather than sequential, so that nobody can guess a
neighbour's code and look up their application. The check symbol makes the weighted sum
of all eight symbols (weights 1..8) divisible by 29; 29 is prime and the weights are
distinct, so every single wrong symbol and every swap of two symbols is caught, the two
usual typing mistakes.
Uniqueness per kiosk and day is enforced by the database (see ``kiosk.submissions``).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXY"
BODY_LENGTH = 7
CODE_LENGTH = BODY_LENGTH + 1
#: What our receipt QR codes hold before the code, so a scan is told apart from other QR codes.
QR_PREFIX = "MOTCUA:R:"
#: The query parameter of the city's public status page (office/web/public.py: /tra-cuu?ma=).
STATUS_PAGE_PARAMETER = "ma"

_INDEX = {symbol: i for i, symbol in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-_.]+")


def _check_symbol(body: str) -> str:
    """The symbol that makes the weighted sum of ``body`` plus itself divisible by 29."""
    base = len(ALPHABET)
    total = sum(weight * _INDEX[symbol] for weight, symbol in enumerate(body, start=1))
    # Solve total + CODE_LENGTH * check == 0 (mod base) for check.
    inverse = pow(CODE_LENGTH, -1, base)
    return ALPHABET[(-total * inverse) % base]


def new_code() -> str:
    """A fresh random code (canonical form, no separator)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + _check_symbol(body)


def is_valid(code: str) -> bool:
    """Whether canonical ``code`` has the right length, alphabet and check symbol."""
    return (
        len(code) == CODE_LENGTH
        and all(symbol in _INDEX for symbol in code)
        and _check_symbol(code[:BODY_LENGTH]) == code[BODY_LENGTH]
    )


def normalise(typed: str) -> str | None:
    """The canonical code from what a person typed or a scanner read, or None.

    Case, spaces and dashes do not matter; a receipt QR payload (``MOTCUA:R:...``, or a
    status page's address with ``?ma=CODE``) is accepted too.
    """
    text = typed.strip()
    if text.upper().startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :]
    elif text.lower().startswith(("https://", "http://")):
        found = parse_qs(urlsplit(text).query).get(STATUS_PAGE_PARAMETER)
        if not found:
            return None
        text = found[0]
    candidate = _SEPARATORS.sub("", text).upper()
    return candidate if is_valid(candidate) else None


def display(code: str) -> str:
    """``code`` as printed and shown: ``XXXX-XXXX``."""
    return f"{code[:4]}-{code[4:]}"


def qr_payload(code: str, status_page_url: str = "") -> str:
    """What a receipt's QR code holds: the city's public status page of ``code`` when
    ``status_page_url`` is set (``receipt.status_page_url``, e.g.
    ``https://city.example/tra-cuu``: a phone opens it), else ``MOTCUA:R:`` + ``code``."""
    if status_page_url:
        return f"{status_page_url}?{urlencode({STATUS_PAGE_PARAMETER: display(code)})}"
    return QR_PREFIX + code
