"""Release signatures: Ed25519 over the manifest's bytes, checked against trusted keys.

The city signs each release manifest on an offline machine (``kiosk release sign``) with
a private release key that never lives on the city server; every kiosk holds the public
keys in ``update.release_keys`` (usually two: the current key and the next, so the key
can be rotated). The artifact is covered through the SHA-256 in the signed manifest
(kiosk/release.py's :func:`check_artifact`), so one signature protects the whole release.

Why PyNaCl in the core: as for kiosk/sealing.py, it is a pure computation (libsodium's
audited Ed25519), not a device, a display or the network; the decision "this release is
the city's" belongs to the core and is tested here with real keys.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from kiosk.release import Manifest, ManifestError, parse_manifest

#: Raw sizes: an Ed25519 seed / public key, and a signature.
KEY_BYTES = 32
SIGNATURE_BYTES = 64


class SignatureError(ManifestError):
    """A signature or key that does not prove the release is the city's."""


@dataclass(frozen=True)
class ReleaseKeyPair:
    """A new release key: the private seed (keep offline) and its public key, in base64."""

    private: str
    public: str


def generate_key_pair() -> ReleaseKeyPair:
    """A fresh Ed25519 release key pair."""
    key = SigningKey.generate()
    return ReleaseKeyPair(
        private=base64.b64encode(bytes(key)).decode(),
        public=base64.b64encode(bytes(key.verify_key)).decode(),
    )


def public_key_of(private: str) -> str:
    """The base64 public key of a base64 private release key."""
    return base64.b64encode(bytes(SigningKey(_decode(private, "private key")).verify_key)).decode()


def sign(manifest_bytes: bytes, private: str) -> str:
    """The base64 detached signature of ``manifest_bytes`` with the private release key."""
    key = SigningKey(_decode(private, "private key", KEY_BYTES))
    return base64.b64encode(key.sign(manifest_bytes).signature).decode()


def parse_trusted_keys(text: str) -> tuple[str, ...]:
    """The keys in a whitespace- or comma-separated list, each checked to be a key."""
    keys = tuple(part for part in text.replace(",", " ").split() if part)
    for key in keys:
        _decode(key, "release public key", KEY_BYTES)
    return keys


def verify(manifest_bytes: bytes, signature: str, trusted_keys: Iterable[str]) -> Manifest:
    """The parsed manifest if ``signature`` is valid under one trusted key, else SignatureError.

    The signature is checked before a byte of the manifest is interpreted: parsing
    untrusted input is where surprises live.
    """
    raw_signature = _decode(signature, "signature", SIGNATURE_BYTES)
    keys = list(trusted_keys)
    if not keys:
        raise SignatureError(
            "no release key is trusted (update.release_keys is empty): updates are refused"
        )
    for key in keys:
        try:
            VerifyKey(_decode(key, "release public key", KEY_BYTES)).verify(
                manifest_bytes, raw_signature
            )
        except BadSignatureError:
            continue
        return parse_manifest(manifest_bytes)
    raise SignatureError("the manifest's signature does not match any trusted release key")


def _decode(text: str, what: str, size: int = KEY_BYTES) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"the {what} is not base64 text") from None
    if len(raw) != size:
        raise SignatureError(f"the {what} has {len(raw)} bytes; it must have {size}")
    return raw
