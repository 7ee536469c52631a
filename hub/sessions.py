"""Officers' sessions: a signed cookie, a CSRF token, and a brake on PIN guessing.

The session cookie holds the officer, the counter and a CSRF token, signed with the hub's
secret (itsdangerous, the signing library Flask and Starlette use) and valid for one
working day; nothing is kept on the server, so a hub restart signs nobody out. Every
state-changing request carries the CSRF token (a form field, or the ``X-CSRF-Token`` header
htmx sends), which a page of another site cannot read.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "hub_session"
#: Before sign-in: the CSRF token of the sign-in form (double-submit cookie).
SIGNIN_COOKIE = "hub_signin"
SESSION_SECONDS = 12 * 3600
#: Wrong PINs for one officer before sign-in pauses for PAUSE_SECONDS.
MAX_FAILURES = 5
PAUSE_SECONDS = 60


@dataclass(frozen=True)
class Session:
    """Who is signed in at which counter."""

    officer: str
    counter: int
    csrf: str


class SessionSigner:
    """Signs and reads session cookies with the hub's secret."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="hub-session")

    @staticmethod
    def new_token() -> str:
        """A fresh CSRF token (the sign-in form's)."""
        return secrets.token_urlsafe(24)

    def new(self, officer: str, counter: int) -> tuple[Session, str]:
        """A new session and its cookie value."""
        session = Session(officer, counter, secrets.token_urlsafe(24))
        return session, self.dump(session)

    def dump(self, session: Session) -> str:
        """The cookie value of ``session``."""
        return self._serializer.dumps([session.officer, session.counter, session.csrf])

    def load(self, value: str | None) -> Session | None:
        """The session in a cookie, or None (missing, forged, expired)."""
        if not value:
            return None
        try:
            officer, counter, csrf = self._serializer.loads(value, max_age=SESSION_SECONDS)
        except (BadSignature, ValueError, TypeError):
            return None
        return Session(str(officer), int(counter), str(csrf))


def same_token(expected: str, given: str | None) -> bool:
    """Whether a CSRF token matches (in constant time)."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


class PinBrake:
    """Counts wrong PINs per officer; after MAX_FAILURES, sign-in waits PAUSE_SECONDS."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic

    def wait_seconds(self, login: str) -> float:
        """Seconds before ``login`` may try again (0: now)."""
        with self._lock:
            count, last = self._failures.get(login, (0, 0.0))
        if count < MAX_FAILURES:
            return 0.0
        return max(0.0, last + PAUSE_SECONDS - self._monotonic())

    def failed(self, login: str) -> None:
        """One more wrong PIN."""
        with self._lock:
            count, _ = self._failures.get(login, (0, 0.0))
            self._failures[login] = (count + 1, self._monotonic())

    def succeeded(self, login: str) -> None:
        """The right PIN: the count starts over."""
        with self._lock:
            self._failures.pop(login, None)
