"""A queue ticket's public code: what its QR carries, and how a scan of it is recognised.

Each ticket has a *page token*, derived from its submission UUID (random, version 4) by a
one-way hash: the kiosk prints it before any hub or city has heard of the ticket,
the hub computes the same token when the ticket reaches it, and nobody can go from a token
back to the UUID or guess a neighbour's token (100 random bits). The token is the ticket's
only name on the public phone page (``{queue.ticket_page_url}{token}``) and what the kiosk
asks the hub about when the citizen scans the ticket to rate the service.
"""

from __future__ import annotations

import base64
import hashlib
import re

#: Versioned, so that a later scheme can never collide with tokens already printed.
_DOMAIN = b"motcua-ticket-page/1:"
TOKEN_LENGTH = 20
#: 20 symbols of base32 (lower case): 100 bits.
TOKEN_PATTERN = r"[a-z2-7]{20}"  # noqa: S105 - a pattern, not a secret
_TOKEN = re.compile(TOKEN_PATTERN)
#: A ticket page's address: any site, a path ending in ``/ve/<token>`` (vé: ticket).
_PAGE_URL = re.compile(rf"https?://[^\s/?#]+(?:/[^\s?#]*)?/ve/({TOKEN_PATTERN})/?",
                       re.IGNORECASE)


def page_token(submission_uuid: str) -> str:
    """The public token of the ticket stored as ``submission_uuid``."""
    digest = hashlib.sha256(_DOMAIN + submission_uuid.strip().lower().encode("ascii")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:TOKEN_LENGTH]


def is_token(text: str) -> bool:
    """Whether ``text`` has a token's shape."""
    return _TOKEN.fullmatch(text) is not None


def page_url(base: str, token: str) -> str:
    """The phone page of ``token`` under ``base`` (``queue.ticket_page_url``, e.g.
    ``https://city.example/ve/``)."""
    return base.rstrip("/") + "/" + token


def token_from_scan(raw: str) -> str | None:
    """The token in a scanned ticket QR (a ticket page's address), or None."""
    match = _PAGE_URL.fullmatch(raw.strip())
    return match.group(1).lower() if match else None
