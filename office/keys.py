"""The backend's sealing keys: kiosks seal citizens' data for it, it alone opens.

The private keys live in one file readable only by the backend's user (mode 0600),
outside the database, so a copy of the database reveals nothing without it. ``kiosk
backend keygen`` makes it once and prints the public key that technicians set on each
kiosk (``sync.backend_public_key``); see docs/sync.md.

The file holds one base64 private key per line (blank lines are ignored). The first is
the **current** key: its public half is what kiosks seal with and what ``GET
/v1/kiosk/identity`` publishes. Any others are **retired** keys, newest first, kept only
to open blobs that kiosks sealed before a rotation. ``kiosk backend rotate-key``
(:func:`rotate_keys`) puts a new current key in front of the others, so nothing sealed
before becomes unreadable.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
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


def _private_key(text: str) -> PrivateKey:
    """A private key from its base64 text; the error never repeats the text."""
    try:
        return PrivateKey(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError, CryptoError, TypeError):
        raise SealingKeyError("not a base64 Curve25519 private key") from None


class SealingKeys:
    """Opens what kiosks sealed with the current public key or a retired one."""

    def __init__(self, private_key: PrivateKey, retired: Sequence[PrivateKey] = ()) -> None:
        self._private_key = private_key
        self._retired = tuple(retired)
        self._boxes = tuple(SealedBox(key) for key in (private_key, *self._retired))

    @classmethod
    def from_base64(cls, text: str) -> SealingKeys:
        """Keys from one base64 private key."""
        return cls(_private_key(text))

    @classmethod
    def from_key_file_text(cls, text: str) -> SealingKeys:
        """Keys from a key file's text: one base64 key per line, the current one first.

        Blank lines are ignored; a bad line is a SealingKeyError naming its line number.
        """
        keys: list[PrivateKey] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                keys.append(_private_key(line))
            except SealingKeyError as error:
                raise SealingKeyError(f"line {number}: {error}") from None
        if not keys:
            raise SealingKeyError("holds no key")
        return cls(keys[0], keys[1:])

    @classmethod
    def generate(cls) -> SealingKeys:
        """A fresh random key pair."""
        return cls(PrivateKey.generate())

    @property
    def public_key(self) -> str:
        """The current public key, base64: what kiosks are configured with."""
        return _encode(bytes(self._private_key.public_key))

    @property
    def retired_public_keys(self) -> list[str]:
        """The public halves of the retired keys, newest first (for display)."""
        return [_encode(bytes(key.public_key)) for key in self._retired]

    def private_key_text(self) -> str:
        """The current private key, base64 (for writing the key file only)."""
        return _encode(bytes(self._private_key))

    def oldest_private_key_bytes(self) -> bytes:
        """The oldest private key's bytes (the file's last line): stable across rotations,
        for deriving the card lookup key (office/card_key.py) only."""
        return bytes((self._private_key, *self._retired)[-1])

    def key_file_text(self) -> str:
        """The whole key file: the current private key, then the retired ones."""
        return "".join(_encode(bytes(key)) + "\n" for key in (self._private_key, *self._retired))

    def rotated(self) -> SealingKeys:
        """These keys with a fresh current key; the current one joins the retired."""
        return SealingKeys(PrivateKey.generate(), (self._private_key, *self._retired))

    def open(self, sealed_base64: str) -> dict[str, JsonValue]:
        """The JSON object sealed in ``sealed_base64``, or SealedDataError.

        Tried with the current key, then with each retired key.
        """
        unopened = SealedDataError(
            "citizen_sealed does not open with this backend's key (was the kiosk given "
            "another backend's public key?)"
        )
        try:
            sealed = base64.b64decode(sealed_base64, validate=True)
        except (binascii.Error, ValueError):
            raise unopened from None
        for box in self._boxes:
            try:
                clear = box.decrypt(sealed)
            except CryptoError:
                continue
            try:
                value = json.loads(clear.decode("utf-8"))
            except ValueError:
                raise unopened from None
            if not isinstance(value, dict):
                raise SealedDataError("citizen_sealed does not hold a JSON object")
            return value
        raise unopened


def load_keys(path: Path) -> SealingKeys:
    """The keys in the file at ``path``."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise SealingKeyError(
            f"no sealing key at {path}: make one with 'kiosk backend keygen'"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SealingKeyError(f"cannot read the sealing key {path}: {error}") from None
    try:
        return SealingKeys.from_key_file_text(text)
    except SealingKeyError as error:
        raise SealingKeyError(f"{path}: {error}") from None


def create_keys(path: Path) -> SealingKeys:
    """Make a new key pair at ``path`` (mode 0600); refuses to replace an existing one.

    Replacing the key would make every blob sealed with the old public key unreadable,
    so that is never done by accident (:func:`rotate_keys` keeps the old one).
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


@contextlib.contextmanager
def _locked_directory(directory: Path) -> Iterator[int]:
    """The directory open (for fsync) and exclusively locked: one rotation at a time."""
    handle = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle
    finally:
        os.close(handle)  # closing releases the lock


def rotate_keys(path: Path) -> SealingKeys:
    """Put a new current key at the front of the key file at ``path``; the old keys stay.

    The new file is written beside the old one (mode 0600), synced, and renamed over it,
    then the directory is synced: after a crash the file is either the old one or the new
    one, never a mix. The new file keeps the old one's owner when root rotates it (so the
    backend's user can still read it). Refuses when there is no key file yet (``kiosk
    backend keygen`` makes the first). The running backend keeps its keys until it is
    restarted.
    """
    if not path.is_file():
        raise SealingKeyError(f"no sealing key at {path}: make one with 'kiosk backend keygen'")
    try:
        with _locked_directory(path.parent) as directory:
            keys = load_keys(path).rotated()
            owner = path.stat()
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                                 suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="ascii") as stream:
                    os.fchmod(stream.fileno(), 0o600)  # mkstemp's mode, made explicit
                    if os.geteuid() == 0:
                        os.fchown(stream.fileno(), owner.st_uid, owner.st_gid)
                    stream.write(keys.key_file_text())
                    stream.flush()
                    os.fsync(stream.fileno())
                Path(temporary).replace(path)  # os.replace: atomic on one file system
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            os.fsync(directory)
    except OSError as error:
        raise SealingKeyError(f"cannot rotate the sealing key {path}: {error}") from None
    return keys
