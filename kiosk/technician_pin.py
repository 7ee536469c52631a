"""The technician PIN: a scrypt hash, growing delays after wrong PINs, and a lock.

The PIN is never stored, only ``scrypt$N$r$p$salt$hash`` (hashlib's scrypt: memory-hard,
in the standard library). Each wrong PIN doubles the wait before the next try (1, 2, 4 ...
up to 60 s); after :data:`MAX_FAILURES` wrong PINs in a row the entry locks for
:data:`LOCK_SECONDS`, or until ``kiosk technician unlock`` is run on the device. The
failure count is kept in a small file in the data directory so that restarting the app
does not reset it.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Config

MAX_FAILURES = 8
#: The failure count's file in the data directory.
PIN_STATE_FILE = "technician-pin.json"
LOCK_SECONDS = 3600
MAX_DELAY_SECONDS = 60
PIN_PATTERN = re.compile(r"[0-9]{6,12}")
#: scrypt cost: 2^14 x 8 x 1 takes ~50 ms and 16 MiB on a Pi 4, far too slow to guess.
_N, _R, _P = 2**14, 8, 1


class PinError(ValueError):
    """A PIN that cannot be set, or a stored hash that cannot be read."""


class PinOutcome(enum.Enum):
    """What an entered PIN did."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WAIT = "wait"
    LOCKED = "locked"
    NOT_SET = "not_set"


@dataclass(frozen=True)
class PinResult:
    """The outcome and, for WAIT and LOCKED, the seconds until the next try."""

    outcome: PinOutcome
    retry_after: float = 0.0
    failures: int = 0


def hash_pin(pin: str) -> str:
    """The stored form of a new PIN (6 to 12 digits)."""
    if PIN_PATTERN.fullmatch(pin) is None:
        raise PinError("a technician PIN is 6 to 12 digits")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches the stored hash (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt, validate=True),
            n=int(n), r=int(r), p=int(p), dklen=len(expected),
        )
    except ValueError as error:
        raise PinError(f"the stored PIN hash is not readable: {error}") from None
    return hmac.compare_digest(actual, expected)


class PinGate:
    """Checks entered PINs and keeps the failure count between app restarts."""

    def __init__(
        self, state_path: Path, stored_hash: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._path = state_path
        self._stored = stored_hash
        self._clock = clock

    def _load(self) -> tuple[int, float]:
        try:
            state = json.loads(self._path.read_text(encoding="utf-8"))
            return int(state["failures"]), float(state["last_failure"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0

    def _save(self, failures: int, last_failure: float) -> None:
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"failures": failures, "last_failure": last_failure}))
        temporary.replace(self._path)

    def status(self) -> PinResult:
        """Whether a PIN may be entered now, without entering one."""
        if not self._stored:
            return PinResult(PinOutcome.NOT_SET)
        failures, last = self._load()
        now = self._clock()
        if failures >= MAX_FAILURES:
            # A clock that went backwards keeps the lock on: the safe side.
            remaining = last + LOCK_SECONDS - now
            if remaining > 0 or now < last:
                return PinResult(PinOutcome.LOCKED, max(remaining, 0.0), failures)
            return PinResult(PinOutcome.ACCEPTED, 0.0, 0)  # lock expired: may try again
        if failures:
            wait = min(2 ** (failures - 1), MAX_DELAY_SECONDS) - (now - last)
            if wait > 0:
                return PinResult(PinOutcome.WAIT, wait, failures)
        return PinResult(PinOutcome.ACCEPTED, 0.0, failures)

    def enter(self, pin: str) -> PinResult:
        """Try ``pin``. ACCEPTED clears the failures; REJECTED counts one more."""
        allowed = self.status()
        if allowed.outcome is not PinOutcome.ACCEPTED:
            return allowed
        failures, _ = self._load()
        if failures >= MAX_FAILURES:
            failures = 0  # the lock expired
        if verify_pin(pin, self._stored):
            self._save(0, 0.0)
            return PinResult(PinOutcome.ACCEPTED)
        failures += 1
        self._save(failures, self._clock())
        if failures >= MAX_FAILURES:
            return PinResult(PinOutcome.LOCKED, float(LOCK_SECONDS), failures)
        return PinResult(PinOutcome.REJECTED, float(min(2 ** (failures - 1), MAX_DELAY_SECONDS)),
                         failures)

    def unlock(self) -> None:
        """Clear failures and the lock (run by someone with a shell on the device)."""
        self._save(0, 0.0)


def pin_gate(config: Config) -> PinGate:
    """The PIN gate of this kiosk: the technician screen and the CLI share it."""
    return PinGate(config.data_dir / PIN_STATE_FILE, config.text("technician.pin_hash"))
