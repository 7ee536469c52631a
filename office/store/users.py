"""People who sign in to the back office: roles, unit scope, passwords, lock-out.

Passwords are hashed with Argon2id (argon2-cffi, RFC 9106's parameters as the library
ships them): memory-hard, so a stolen table is slow to attack even on GPUs, and each
hash carries its own parameters, so stronger ones later re-hash at the next sign-in
(:meth:`Users.sign_in`). scrypt (hashlib) would do too, but leaves choosing and storing
the parameters to us. After :data:`MAX_FAILED_SIGN_INS` wrong passwords in a row an
account is locked for :data:`LOCK_MINUTES`; the lock is logged and audited by the caller.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart

#: Wrong passwords in a row that lock an account.
MAX_FAILED_SIGN_INS = 10
#: How long a locked account stays locked.
LOCK_MINUTES = 15
#: Shortest password accepted (a passphrase is better: no upper bound but the form's).
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,59}$"


class UserRole(enum.Enum):
    """What a person may do in the back office."""

    #: Every unit: reads, handles and exports, personal data included.
    CITY_ADMIN = "city_admin"
    #: Their own commune or ward only: reads, handles and exports, personal data included.
    COMMUNE_OFFICER = "commune_officer"
    #: Every unit, read-only, no personal data; the only role that reads the audit log.
    AUDITOR = "auditor"

    @property
    def all_units(self) -> bool:
        """Sees every unit (else only the user's own)."""
        return self is not UserRole.COMMUNE_OFFICER

    @property
    def may_handle(self) -> bool:
        """May triage, answer and link cases."""
        return self is not UserRole.AUDITOR

    @property
    def may_see_personal(self) -> bool:
        """May open citizens' identities and contacts (each view audited)."""
        return self is not UserRole.AUDITOR

    @property
    def may_read_audit(self) -> bool:
        """May read the audit log."""
        return self is UserRole.AUDITOR

    @property
    def may_manage_users(self) -> bool:
        """May add users, change their roles, lock them and reset their passwords."""
        return self is UserRole.CITY_ADMIN


@dataclass(frozen=True)
class User:
    """A signed-in person, as the pages see them."""

    id: int
    username: str
    role: UserRole
    #: The commune or ward of a commune officer; None for the city-wide roles.
    unit_code: int | None
    session_epoch: int

    def sees_unit(self, unit_code: int | None) -> bool:
        """Whether this user may see what is filed under ``unit_code``."""
        return self.role.all_units or (unit_code is not None and unit_code == self.unit_code)


class SignInOutcome(enum.Enum):
    """How a sign-in went."""

    SIGNED_IN = "signed_in"
    #: Unknown name or wrong password (the page says the same for both).
    REFUSED = "refused"
    #: Locked: too many wrong passwords in a row (also when this one locked it).
    LOCKED = "locked"


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in; ``just_locked``: this failure locked the account."""

    outcome: SignInOutcome
    user: User | None = None
    #: The name is a user's (so a failure is audited under it).
    known: bool = False
    just_locked: bool = False
    locked_until: str | None = None


class UserError(ValueError):
    """A user that cannot be added or changed, and why."""


def check_password(password: str) -> None:
    """Raise UserError when ``password`` is too short or too long."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise UserError(f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} "
                        "characters")


class Users(StorePart):
    """Adding users, checking passwords, locking after failures, ending sessions."""

    hasher = PasswordHasher()
    #: Verified when the name is unknown, so an unknown name takes as long as a wrong
    #: password (no telling which names exist by timing).
    _dummy_hash: str | None = None

    def add_user(self, username: str, role: UserRole, unit_code: int | None,
                 password: str) -> User:
        """A new user; UserError when the name is taken or the values do not fit."""
        if re.fullmatch(USERNAME_PATTERN, username) is None:
            raise UserError("a username is 3 to 60 lower-case letters, digits, '.', '_' "
                            "or '-'")
        if (role is UserRole.COMMUNE_OFFICER) != (unit_code is not None):
            raise UserError("a commune officer needs --unit; the city-wide roles take none")
        check_password(password)
        users = schema.users
        with write_transaction(self.engine) as connection:
            taken = connection.execute(
                sa.select(users.c.id).where(users.c.username == username)).first()
            if taken is not None:
                raise UserError(f"{username!r} exists already")
            user_id = connection.execute(users.insert().values(
                username=username, role=role.value, unit_code=unit_code,
                password_hash=self.hasher.hash(password), failed_sign_ins=0,
                session_epoch=1, created_at=self._stamp(),
            )).inserted_primary_key
        assert user_id is not None
        return User(int(user_id[0]), username, role, unit_code, 1)

    def set_password(self, username: str, password: str) -> None:
        """Replace ``username``'s password, unlock it and end its sessions."""
        check_password(password)
        users = schema.users
        with write_transaction(self.engine) as connection:
            changed = connection.execute(
                users.update().where(users.c.username == username).values(
                    password_hash=self.hasher.hash(password), failed_sign_ins=0,
                    locked_until=None, session_epoch=users.c.session_epoch + 1)
            ).rowcount
        if not changed:
            raise UserError(f"no user {username!r}")

    def get(self, user_id: int) -> User | None:
        """The active user with ``user_id``, or None."""
        users = schema.users
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(users.c.id, users.c.username, users.c.role, users.c.unit_code,
                          users.c.session_epoch)
                .where(users.c.id == user_id, users.c.disabled_at.is_(None))
            ).first()
        return None if row is None else _user(row)

    def handlers(self, unit_code: int | None) -> list[str]:
        """Usernames who may be assigned a case of ``unit_code``: its officers and the
        city administrators."""
        users = schema.users
        scope = users.c.role == UserRole.CITY_ADMIN.value
        if unit_code is not None:
            scope = scope | ((users.c.role == UserRole.COMMUNE_OFFICER.value)
                             & (users.c.unit_code == unit_code))
        with read_snapshot(self.engine) as connection:
            return [row[0] for row in connection.execute(
                sa.select(users.c.username).where(scope, users.c.disabled_at.is_(None))
                .order_by(users.c.username))]

    def sign_in(self, username: str, password: str) -> SignIn:
        """Check ``password``; count failures and lock after :data:`MAX_FAILED_SIGN_INS`."""
        users = schema.users
        now = self.clock()
        with write_transaction(self.engine) as connection:
            row = connection.execute(
                sa.select(users.c.id, users.c.username, users.c.role, users.c.unit_code,
                          users.c.session_epoch, users.c.password_hash,
                          users.c.failed_sign_ins, users.c.locked_until)
                .where(users.c.username == username, users.c.disabled_at.is_(None))
            ).first()
            if row is None:
                self._verify(self._dummy(), password)
                return SignIn(SignInOutcome.REFUSED)
            locked_until = row[7]
            if locked_until is not None and dt.datetime.fromisoformat(locked_until) > now:
                return SignIn(SignInOutcome.LOCKED, known=True, locked_until=locked_until)
            if not self._verify(row[5], password):
                failures = 0 if locked_until is not None else int(row[6])
                failures += 1
                values: dict[str, object] = {"failed_sign_ins": failures, "locked_until": None}
                locked = failures >= MAX_FAILED_SIGN_INS
                if locked:
                    until = (now + dt.timedelta(minutes=LOCK_MINUTES)).astimezone(dt.UTC)
                    values = {"failed_sign_ins": 0,
                              "locked_until": until.isoformat(timespec="seconds"),
                              "session_epoch": users.c.session_epoch + 1}
                connection.execute(users.update().where(users.c.id == row[0]).values(**values))
                if locked:
                    return SignIn(SignInOutcome.LOCKED, known=True, just_locked=True,
                                  locked_until=str(values["locked_until"]))
                return SignIn(SignInOutcome.REFUSED, known=True)
            values = {"failed_sign_ins": 0, "locked_until": None}
            if self.hasher.check_needs_rehash(row[5]):
                values["password_hash"] = self.hasher.hash(password)
            connection.execute(users.update().where(users.c.id == row[0]).values(**values))
        return SignIn(SignInOutcome.SIGNED_IN, user=_user(row), known=True)

    def end_sessions(self, user_id: int) -> None:
        """Sign ``user_id`` out everywhere: every cookie issued so far stops working."""
        users = schema.users
        with write_transaction(self.engine) as connection:
            connection.execute(users.update().where(users.c.id == user_id)
                               .values(session_epoch=users.c.session_epoch + 1))

    def password_matches(self, user_id: int, password: str) -> bool:
        """Whether ``password`` is the active user ``user_id``'s (no failure is counted)."""
        users = schema.users
        with read_snapshot(self.engine) as connection:
            stored = connection.execute(
                sa.select(users.c.password_hash)
                .where(users.c.id == user_id, users.c.disabled_at.is_(None))
            ).scalar_one_or_none()
        return stored is not None and self._verify(stored, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if Users._dummy_hash is None:
            Users._dummy_hash = self.hasher.hash("not a password of anyone")
        return Users._dummy_hash


def _user(row: Sequence[Any]) -> User:
    return User(int(str(row[0])), str(row[1]), UserRole(row[2]),
                None if row[3] is None else int(str(row[3])), int(str(row[4])))
