"""The city's card lookup key, derived from its sealing key file (kiosk/card_lookup.py).

Why derived rather than a file of its own: the backend already keeps one secret file
(``sealing.key``, mode 0600, backed up offline); a second file would be a second thing to
back up and to copy to every worker. The key is an HMAC of the **oldest** private key in
that file (its last line), so ``kiosk backend rotate-key`` (which only puts a new key in
front) leaves it unchanged and the hashes stored at ingest stay valid. The key's id names
the derivation and a fingerprint of the key (not of the private key), so a kiosk with a
stale key is told so rather than silently finding nothing.

Dropping the oldest sealing key from the file changes the lookup key: kiosks must then be
provisioned again and ``kiosk backend card-hashes`` run (it recomputes every stored hash).
"""

from __future__ import annotations

import hashlib
import hmac

from kiosk.card_lookup import CardLookupKey
from office.keys import SealingKeys

#: Bound into the derivation, so the lookup key is useless for anything else.
_DERIVATION = b"motcua-card-lookup-key/1"


def card_lookup_key(keys: SealingKeys) -> CardLookupKey:
    """The city's card lookup key for ``keys`` (the same for every rotation of them)."""
    secret = hmac.new(keys.oldest_private_key_bytes(), _DERIVATION, hashlib.sha256).digest()
    fingerprint = hashlib.sha256(secret).hexdigest()[:12]
    return CardLookupKey(f"c1-{fingerprint}", secret)
