"""Who may call the backend: tokens of kiosks and back-office clients, stored as digests."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart, utc_now


class Role(enum.Enum):
    """Who a token belongs to."""

    KIOSK = "kiosk"
    BACK_OFFICE = "back_office"
    #: A service point's hub: posts its queue events and public queue state, nothing else
    #: (``kiosk backend add-hub``; filed under its unit, whose queue alone it may post).
    HUB = "hub"


class Scope(enum.Enum):
    """What a back-office token may do: one leaked token does only what it was made for."""

    #: Pull submissions with the citizens' identities opened.
    PULL = "pull"
    #: Publish the catalog, the directory and service points' queues.
    PUBLISH = "publish"
    #: Set application statuses that kiosks show.
    STATUS_WRITE = "status-write"
    #: Read the fleet's heartbeats.
    FLEET = "fleet"


#: What a back-office token made without naming scopes may do (as before scopes existed).
ALL_SCOPES = frozenset(Scope)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller; ``scopes`` matter for back-office tokens only."""

    client_id: str
    role: Role
    scopes: frozenset[Scope] = field(default=ALL_SCOPES)

    def may(self, scope: Scope) -> bool:
        """Whether this back-office caller's token grants ``scope``."""
        return self.role is Role.BACK_OFFICE and scope in self.scopes


def _scopes_text(scopes: Iterable[Scope]) -> str:
    return " ".join(sorted(scope.value for scope in scopes))


def _scopes(text: str | None) -> frozenset[Scope]:
    return ALL_SCOPES if text is None else frozenset(Scope(part) for part in text.split())


class CredentialError(ValueError):
    """A credential that cannot be added, and why."""


def token_digest(token: str) -> str:
    """How a token is stored: its SHA-256.

    Tokens are 256 random bits, so a fast hash is enough (nothing to brute-force) and
    lets each request be checked with one indexed look-up.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A new secret token (43 URL-safe characters, 256 bits) that does not start with '-'.

    Technicians paste tokens on command lines (``kiosk config set sync.token TOKEN``), where
    a leading '-' reads as an option: about one token in 64 was refused so.
    """
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


#: Seconds an authenticated token is trusted without reading its row again.
AUTH_CACHE_SECONDS = 600.0
#: Seconds between two looks, by each worker, for tokens revoked meanwhile (by any
#: worker or the command line): a revoked token stops working within this time.
REVOCATION_CHECK_SECONDS = 2.0
#: How far back each look for revocations reaches, beyond the previous look: more than
#: any clock difference between the workers that stamp ``revoked_at``.
REVOCATION_OVERLAP = dt.timedelta(seconds=60)
#: Most tokens remembered per process (more than a country's kiosks and clients).
AUTH_CACHE_SIZE = 50_000


class Credentials(StorePart):
    """Adding, revoking and checking tokens.

    Every request is authenticated, so :meth:`authenticate` remembers each valid token's
    caller (by the token's digest, in this process) and :meth:`cached` answers from that
    memory without blocking. Every :data:`REVOCATION_CHECK_SECONDS` one request of the
    worker reads the tokens revoked since the last look (a query that finds nothing in
    the usual case) and forgets them, so a revocation takes effect within seconds
    although a kiosk polling every 30 s is never read twice in a row. An unknown token is
    never remembered, so a kiosk enrolled a moment ago is let in at once.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = utc_now,
                 monotonic: Callable[[], float] = time.monotonic,
                 cache_seconds: float = AUTH_CACHE_SECONDS,
                 check_seconds: float = REVOCATION_CHECK_SECONDS) -> None:
        super().__init__(engine, clock=clock)
        self._monotonic = monotonic
        self.cache_seconds = cache_seconds
        self.check_seconds = check_seconds
        self._cache: dict[str, tuple[Principal, float]] = {}
        # When the next look for revocations is due (monotonic), and the wall-clock stamp
        # the last one reached back from.
        self._next_check = monotonic() + check_seconds
        self._checked_since = self._stamp_of(clock() - REVOCATION_OVERLAP)
        self._checking = threading.Lock()

    @staticmethod
    def _stamp_of(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")

    def add_credential(
        self, client_id: str, role: Role, token: str | None = None,
        scopes: Iterable[Scope] | None = None,
    ) -> str:
        """A new token for ``client_id``; only its digest is stored. Returns the token.

        ``scopes`` (back-office tokens only): what it may do; None grants every scope.
        ``token`` is for demo mode only, whose token is published in the source.
        """
        granted = None if scopes is None else frozenset(scopes)
        if granted is not None and (role is not Role.BACK_OFFICE or not granted):
            raise CredentialError("scopes are for back-office tokens, at least one")
        token = new_token() if token is None else token
        with write_transaction(self.engine) as connection:
            other_role = connection.execute(
                sa.select(schema.credentials.c.role).where(
                    schema.credentials.c.client_id == client_id,
                    schema.credentials.c.role != role.value,
                )
            ).first()
            if other_role is not None:
                raise CredentialError(
                    f"{client_id!r} is already a {Role(other_role[0]).value} client: "
                    "names are unique across kiosks and back-office clients"
                )
            connection.execute(
                schema.credentials.insert().values(
                    client_id=client_id, role=role.value, token_sha256=token_digest(token),
                    created_at=self._stamp(),
                    scopes=None if granted is None else _scopes_text(granted),
                )
            )
        return token

    def revoke(self, client_id: str) -> int:
        """Revoke every active token of ``client_id``; returns how many."""
        with write_transaction(self.engine) as connection:
            result = connection.execute(
                schema.credentials.update()
                .where(
                    schema.credentials.c.client_id == client_id,
                    schema.credentials.c.revoked_at.is_(None),
                )
                .values(revoked_at=self._stamp())
            )
        # This process forgets at once; other workers within REVOCATION_CHECK_SECONDS.
        self._cache = {digest: entry for digest, entry in self._cache.items()
                       if entry[0].client_id != client_id}
        return result.rowcount

    def cached(self, token: str) -> Principal | None:
        """The caller holding ``token`` from this process's memory (never blocks), or
        None: unknown here, or a look for revocations is due; then ask
        :meth:`authenticate` (in a thread)."""
        cached = self._cache.get(token_digest(token))
        now = self._monotonic()
        if cached is not None and cached[1] > now and now < self._next_check:
            return cached[0]
        return None

    def authenticate(self, token: str) -> Principal | None:
        """The caller holding ``token``, or None when it is unknown or revoked (a
        revocation takes effect within :attr:`check_seconds`)."""
        self.forget_revoked()
        digest = token_digest(token)
        now = self._monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(schema.credentials.c.client_id, schema.credentials.c.role,
                          schema.credentials.c.scopes).where(
                    schema.credentials.c.token_sha256 == digest,
                    schema.credentials.c.revoked_at.is_(None),
                )
            ).first()
        if row is None:
            self._cache.pop(digest, None)
            return None
        role = Role(row[1])
        principal = Principal(row[0], role, _scopes(row[2]) if role is Role.BACK_OFFICE
                              else frozenset())
        self._remember(digest, principal, now)
        return principal

    def authenticate_many(self, tokens: Iterable[str]) -> dict[str, Principal | None]:
        """:meth:`authenticate` for many tokens at once: the ones not in memory are read in
        one query (a burst of kiosks after an outage or a restart costs one round trip per
        batch, not one each)."""
        self.forget_revoked()
        now = self._monotonic()
        found: dict[str, Principal | None] = {}
        digests: dict[str, str] = {}
        for token in tokens:
            cached = self._cache.get(token_digest(token))
            if cached is not None and cached[1] > now:
                found[token] = cached[0]
            else:
                digests[token_digest(token)] = token
        if not digests:
            return found
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(
                sa.select(schema.credentials.c.token_sha256, schema.credentials.c.client_id,
                          schema.credentials.c.role, schema.credentials.c.scopes).where(
                    schema.credentials.c.token_sha256.in_(list(digests)),
                    schema.credentials.c.revoked_at.is_(None),
                )
            ).all()
        known = {row[0]: row for row in rows}
        for digest, token in digests.items():
            row = known.get(digest)
            if row is None:
                self._cache.pop(digest, None)
                found[token] = None
                continue
            role = Role(row[2])
            principal = Principal(row[1], role, _scopes(row[3]) if role is Role.BACK_OFFICE
                                  else frozenset())
            self._remember(digest, principal, now)
            found[token] = principal
        return found

    def _remember(self, digest: str, principal: Principal, now: float) -> None:
        if self.cache_seconds <= 0:
            return
        if len(self._cache) >= AUTH_CACHE_SIZE:
            # Expired entries first; if none, start over (a rare, cheap miss for all).
            self._cache = {key: entry for key, entry in self._cache.items() if entry[1] > now}
            if len(self._cache) >= AUTH_CACHE_SIZE:
                self._cache = {}
        self._cache[digest] = (principal, now + self.cache_seconds)

    @property
    def renew_seconds(self) -> float:
        """Seconds between two looks for revocations (:data:`REVOCATION_CHECK_SECONDS`)."""
        return self.check_seconds

    @property
    def due_at(self) -> float:
        """When (monotonic) the next look is due: until it is done, :meth:`cached` answers
        None and the request goes to :meth:`authenticate`, which looks first."""
        return self._next_check

    def forget_revoked(self) -> None:
        """:meth:`renew` when a look is due: the request path's fallback when the worker's
        background upkeep (:mod:`office.upkeep`) has not looked in time."""
        if self._monotonic() >= self._next_check:
            self.renew()

    def renew(self) -> None:
        """Forget the tokens revoked since the previous look (by any worker), now; one
        thread looks, the others go on with the memory they have."""
        if not self._checking.acquire(blocking=False):
            return
        try:
            since = self._stamp_of(self.clock() - REVOCATION_OVERLAP)
            with read_snapshot(self.engine) as connection:
                revoked = set(connection.execute(
                    sa.select(schema.credentials.c.token_sha256)
                    .where(schema.credentials.c.revoked_at >= self._checked_since)
                ).scalars())
            for digest in revoked:
                self._cache.pop(digest, None)
            self._checked_since = since
            self._next_check = self._monotonic() + self.check_seconds
        finally:
            self._checking.release()
