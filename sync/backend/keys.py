"""The backend's sealing key pair: kiosks seal citizens' data for it, it alone opens.

The private key lives in one file readable only by the backend's user (mode 0600),
outside the database, so a copy of the database reveals nothing without it. ``kiosk
backend keygen`` makes it once and prints the public key that technicians set on each
kiosk (``sync.backend_public_key``); see docs/sync.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox
from pydantic import JsonValue

#: Demo mode only: a key pair published in the source, matching ``backend_public_key`` in
#: kiosk/data/demo.toml. Anyone can open what it seals; it protects nothing real.
DEMO_PRIVATE_KEY = "n9Skfdnol+arn22lYA1M1HrIoodPc2iTViteCSf8z5M="


class SealingKeyError(Exception):
    """The sealing key cannot be read or made, and why."""


class SealedDataError(ValueError):
    """A sealed blob that this backend's key does not open."""


def _encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class SealingKeys:
    """Opens what kiosks sealed with the public half."""

    def __init__(self, private_key: PrivateKey) -> None:
        self._private_key = private_key
        self._box = SealedBox(private_key)

    @classmethod
    def from_base64(cls, text: str) -> SealingKeys:
        """Keys from a base64 private key."""
        try:
            raw = base64.b64decode(text.strip(), validate=True)
            return cls(PrivateKey(raw))
        except (binascii.Error, ValueError, CryptoError, TypeError):
            raise SealingKeyError("not a base64 Curve25519 private key") from None

    @classmethod
    def generate(cls) -> SealingKeys:
        """A fresh random key pair."""
        return cls(PrivateKey.generate())

    @property
    def public_key(self) -> str:
        """The public key, base64: what kiosks are configured with."""
        return _encode(bytes(self._private_key.public_key))

    def private_key_text(self) -> str:
        """The private key, base64 (for writing the key file only)."""
        return _encode(bytes(self._private_key))

    def open(self, sealed_base64: str) -> dict[str, JsonValue]:
        """The JSON object sealed in ``sealed_base64``, or SealedDataError."""
        try:
            clear = self._box.decrypt(base64.b64decode(sealed_base64, validate=True))
            value = json.loads(clear.decode("utf-8"))
        except (binascii.Error, ValueError, CryptoError):
            raise SealedDataError(
                "citizen_sealed does not open with this backend's key (was the kiosk given "
                "another backend's public key?)"
            ) from None
        if not isinstance(value, dict):
            raise SealedDataError("citizen_sealed does not hold a JSON object")
        return value


def load_keys(path: Path) -> SealingKeys:
    """The key pair from the file at ``path``."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise SealingKeyError(
            f"no sealing key at {path}: make one with 'kiosk backend keygen'"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SealingKeyError(f"cannot read the sealing key {path}: {error}") from None
    try:
        return SealingKeys.from_base64(text)
    except SealingKeyError as error:
        raise SealingKeyError(f"{path}: {error}") from None


def create_keys(path: Path) -> SealingKeys:
    """Make a new key pair at ``path`` (mode 0600); refuses to replace an existing one.

    Replacing the key would make every blob sealed with the old public key unreadable,
    so that is never done by accident.
    """
    keys = SealingKeys.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SealingKeyError(f"{path} exists: the backend already has a sealing key") from None
    with os.fdopen(handle, "w", encoding="ascii") as stream:
        stream.write(keys.private_key_text() + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    return keys
