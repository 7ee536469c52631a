"""Sessions in signed cookies, CSRF tokens, and who may open what.

The session cookie holds the user's id, their session epoch and a CSRF token, signed with
the server's secret (itsdangerous, HMAC-SHA1 over a timestamped payload): it cannot be
forged or altered, it expires after :data:`SESSION_SECONDS`, and it dies when the user's
epoch moves on (sign-out, lock-out, new password). Every form carries the session's
CSRF token and every POST is refused (403) without the right one; the sign-in form, made
before any session, carries a token that must match a short-lived cookie of its own
(double submit). Cookies are HttpOnly and SameSite=Lax.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from office.store import Store
from office.store.users import User

SESSION_COOKIE = "motcua_bo"
SIGN_IN_COOKIE = "motcua_bo_signin"
#: How long a session lasts: a working day.
SESSION_SECONDS = 10 * 3600
#: How long a sign-in form stays valid.
SIGN_IN_FORM_SECONDS = 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


class SignInRequiredError(Exception):
    """No valid session: the page redirects to the sign-in form."""


class ForbiddenError(Exception):
    """A signed-in user asked for something their role or unit does not allow, or a form
    without its CSRF token."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Session:
    """A signed-in user and the CSRF token of their session."""

    user: User
    csrf: str


class Sessions:
    """Making and reading the signed cookies."""

    def __init__(self, secret: str) -> None:
        self._sessions = URLSafeTimedSerializer(secret, salt="motcua-back-office-session")
        self._sign_in = URLSafeTimedSerializer(secret, salt="motcua-back-office-sign-in")

    def start(self, response: Response, request: Request, user: User) -> None:
        """Set the session cookie for ``user`` (a fresh CSRF token with it)."""
        value = self._sessions.dumps({"u": user.id, "e": user.session_epoch,
                                      "c": secrets.token_urlsafe(24)})
        response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_SECONDS, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https", path="/")
        response.delete_cookie(SIGN_IN_COOKIE, path="/")

    def current(self, request: Request, store: Store) -> Session | None:
        """The session of ``request``, or None (no cookie, bad signature, expired, or the
        user's epoch moved on)."""
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data: Any = self._sessions.loads(raw, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), int):
            return None
        user = store.users.get(data["u"])
        if user is None or user.session_epoch != data.get("e"):
            return None
        return Session(user, str(data.get("c")))

    def set_sign_in_token(self, request: Request, response: Response, token: str) -> None:
        """Put the sign-in form's CSRF token's twin in a short-lived cookie."""
        response.set_cookie(SIGN_IN_COOKIE, self._sign_in.dumps(token),
                            max_age=SIGN_IN_FORM_SECONDS, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")

    def check_sign_in_token(self, request: Request, sent: str | None) -> bool:
        """Whether the sign-in form's token matches its cookie."""
        raw = request.cookies.get(SIGN_IN_COOKIE)
        if not raw or not sent:
            return False
        try:
            token = self._sign_in.loads(raw, max_age=SIGN_IN_FORM_SECONDS)
        except BadSignature:
            return False
        return isinstance(token, str) and hmac.compare_digest(token, sent)


def end_session(response: Response) -> None:
    """Drop the session cookie (the user's epoch is moved on by the caller)."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def check_csrf(session: Session, sent: str | None) -> None:
    """Refuse (ForbiddenError) a form whose CSRF token is not the session's."""
    if not sent or not hmac.compare_digest(sent, session.csrf):
        raise ForbiddenError("Yêu cầu bị từ chối: thiếu hoặc sai mã chống giả mạo (CSRF). "
                        "Hãy tải lại trang và thử lại.")
