"""The keyed hash that lets a citizen find their applications by scanning their ID card.

"Scan your ID card to see your applications" must not send the ID number to the city, nor
anything from which it can be recovered. A plain hash does not do: a 12-digit căn cước
number is 3 digits of province, 1 of sex and century, 2 of birth year and 6 more, so the
numbers of one province and birth year are 10^6 candidates, and every number in the
country about 10^11: a GPU hashes all of them with SHA-256 in minutes, so a leaked request
(a proxy's log, a captured packet, a copy of the city's table) would give the number back.

The kiosk therefore sends ``HMAC-SHA256(key, "motcua-card/1:" + number)``, with a lookup
key the city gives every kiosk of the city at enrolment (the same key for all of them,
since an application handed in at one kiosk is looked up at another). Without the key, a
request or a stored hash is 256 random-looking bits: trying numbers needs the key, which
is never sent. The intake is to store the same hash when it is handed in, so that the city
answers with exactly the applications made with that card. The key has a version (``key_id``): the
city issues a new key to rotate it, and a kiosk that lost its key cannot compute hashes.

Why not only a server-side pepper: the city would have to receive the number to pepper
it. The kiosk seals the intake's identity for the city already (kiosk/sealing.py), so a
sealed number would be safe in transit, but every look-up would then make the city open a
citizen's number, which the city logs as a reading of personal data; the keyed hash lets it
compare without reading anyone's number. The limit of this design, said plainly: a stolen
kiosk gives the thief the key, and with it a captured hash can be brute-forced. The
answers carry no personal data (receipt codes, procedures and statuses), the city limits
look-ups per kiosk token, and the key is rotated when a kiosk is lost.

Nothing is to be shown without the card: the kiosk looks up only when a card is scanned
at the status screen, and the answer is wiped with the session (idle, "start over").

Where it is used: the city derives the key from its sealing key file (office/card_key.py)
and hands it out in ``GET /v1/kiosk/identity``; ``kiosk provision`` stores it as the secret
setting ``sync.card_lookup_key``. The city stores each intake's hash when it opens the
sealed identity at ingest (office/store/submissions.py) and answers
``POST /v1/kiosk/applications-by-card`` (office/store/card_lookups.py); the kiosk's side is
kiosk/card_applications.py and the status screen (screens/card_list.py).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

#: Bound into every hash: a hash for this purpose is never equal to one made for another.
PURPOSE = b"motcua-card/1:"
#: A lookup key's least length (bytes): 256 bits, like the hash.
MIN_KEY_BYTES = 32


class CardKeyError(Exception):
    """A lookup key that cannot be used (missing, too short, not hex), and why."""


@dataclass(frozen=True)
class CardLookupKey:
    """The city's lookup key as a kiosk holds it (from enrolment)."""

    key_id: str
    secret: bytes = field(repr=False)

    @classmethod
    def from_hex(cls, key_id: str, secret_hex: str) -> CardLookupKey:
        """The key from its configured form (``key_id`` and hex secret)."""
        try:
            secret = bytes.fromhex(secret_hex.strip())
        except ValueError:
            raise CardKeyError("the card lookup key is not hexadecimal") from None
        if len(secret) < MIN_KEY_BYTES:
            raise CardKeyError(
                f"the card lookup key has {len(secret)} bytes; at least {MIN_KEY_BYTES} needed")
        if not key_id:
            raise CardKeyError("the card lookup key has no id")
        return cls(key_id, secret)

    def card_hash(self, id_number: str) -> str:
        """The keyed hash of ``id_number`` (hex): what the kiosk sends and the city stores.

        The number is stripped of surrounding spaces, so a card read with a trailing space
        finds the same applications.
        """
        message = PURPOSE + id_number.strip().encode("ascii")
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()
