"""Sealing personal data for the city backend, so a stolen kiosk reveals nothing.

When a submission that needs the citizen's identity is created, the identity is sealed
with the backend's public key (a libsodium *sealed box*: an anonymous sender encrypts for
one recipient's Curve25519 key). Only the backend's private key opens it; the kiosk keeps
the sealed blob and the masked display form, never the clear text.

Why PyNaCl is imported here, in the core: the core keeps out libraries that tie it to a
user interface, a piece of hardware or the network, so that it runs and is tested
anywhere. PyNaCl is none of these: it is a pure computation (a thin binding to libsodium,
with wheels for the Pi's ARM processors), and sealing must happen inside
:meth:`kiosk.submissions.Outbox.create`, in whichever process creates the submission (the
UI), in the same moment the data is first stored. Putting it behind a driver in another
package would only add a way to store personal data unsealed by forgetting to plug one
in. The :class:`Sealer` protocol stays, so tests can record what was sealed.

Key provisioning (docs/sync.md): ``kiosk backend keygen`` makes the backend's key pair and
prints the public key; a technician sets it on each kiosk with ``kiosk config set
sync.backend_public_key KEY``. The key is not secret; the private key never leaves the
backend.
"""

from __future__ import annotations

import base64
import binascii
from typing import Protocol

from nacl.exceptions import CryptoError
from nacl.public import PublicKey, SealedBox

#: Length of a Curve25519 public key in bytes (44 characters in base64).
PUBLIC_KEY_BYTES = 32


class SealingError(ValueError):
    """A sealing key that cannot be used, and why."""


class Sealer(Protocol):
    """Encrypts data so that only the city backend can read it."""

    def seal(self, plaintext: bytes) -> bytes:
        """``plaintext`` sealed for the backend (a fresh ciphertext on every call)."""
        ...


def decode_public_key(text: str) -> bytes:
    """The 32 raw bytes of a base64 public key, or SealingError saying what is wrong."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SealingError("the backend public key is not base64 text") from None
    if len(raw) != PUBLIC_KEY_BYTES:
        raise SealingError(
            f"the backend public key has {len(raw)} bytes; a Curve25519 key has "
            f"{PUBLIC_KEY_BYTES}"
        )
    return raw


class SealedBoxSealer:
    """Seals with the backend's Curve25519 public key (libsodium ``crypto_box_seal``)."""

    def __init__(self, public_key: str) -> None:
        try:
            self._box = SealedBox(PublicKey(decode_public_key(public_key)))
        except CryptoError as error:  # pragma: no cover - 32 bytes are always a key
            raise SealingError(f"the backend public key cannot be used: {error}") from None

    def seal(self, plaintext: bytes) -> bytes:
        """``plaintext`` sealed for the backend."""
        return bytes(self._box.encrypt(plaintext))


def sealer_for(public_key: str) -> SealedBoxSealer | None:
    """The sealer for a configured ``sync.backend_public_key``; None when it is empty."""
    return SealedBoxSealer(public_key) if public_key.strip() else None
