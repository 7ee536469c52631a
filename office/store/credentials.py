"""Who may call the backend: tokens of kiosks and back-office clients, stored as digests."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart


class Role(enum.Enum):
    """Who a token belongs to."""

    KIOSK = "kiosk"
    BACK_OFFICE = "back_office"


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


class Credentials(StorePart):
    """Adding, revoking and checking tokens."""

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
        return result.rowcount

    def authenticate(self, token: str) -> Principal | None:
        """The caller holding ``token``, or None when it is unknown or revoked."""
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(schema.credentials.c.client_id, schema.credentials.c.role,
                          schema.credentials.c.scopes).where(
                    schema.credentials.c.token_sha256 == token_digest(token),
                    schema.credentials.c.revoked_at.is_(None),
                )
            ).first()
        if row is None:
            return None
        role = Role(row[1])
        return Principal(row[0], role, _scopes(row[2]) if role is Role.BACK_OFFICE
                         else frozenset())
