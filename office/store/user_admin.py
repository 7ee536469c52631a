"""City administrators managing the back office's people: listing, adding, changing a role
or unit, locking and unlocking, resetting a password; and anyone changing their own.

Every change here ends the user's sessions (their session epoch moves on), so a new role,
a lock or a new password takes effect at the next page. The caller audits each change.
A lock set by an administrator (``disabled_at``) lasts until unlocked; unlocking also
lifts a lock-out after wrong passwords.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart
from office.store.users import User, UserError, UserRole, Users, check_password

#: Characters of a password made by :meth:`UserAdmin.reset_password` (about 96 bits).
NEW_PASSWORD_BYTES = 12


class UserState:
    """How a user stands (strings for the page; one of three)."""

    ACTIVE = "active"
    #: Locked by an administrator until unlocked.
    LOCKED = "locked"
    #: Locked for a while after repeated wrong passwords.
    LOCKED_OUT = "locked_out"


@dataclass(frozen=True)
class UserRow:
    """One user as the administration page lists them."""

    username: str
    role: UserRole
    unit_code: int | None
    created_at: str
    disabled_at: str | None
    locked_until: str | None

    def state(self, now: dt.datetime) -> str:
        """:class:`UserState`'s value at ``now``."""
        if self.disabled_at is not None:
            return UserState.LOCKED
        if self.locked_until is not None and dt.datetime.fromisoformat(self.locked_until) > now:
            return UserState.LOCKED_OUT
        return UserState.ACTIVE


def new_password() -> str:
    """A random password to hand over once (URL-safe, 16 characters)."""
    return secrets.token_urlsafe(NEW_PASSWORD_BYTES)


class UserAdmin(StorePart):
    """Changes to users, each ending the user's sessions."""

    def list_users(self) -> list[UserRow]:
        """Every user, by name."""
        users = schema.users
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(
                sa.select(users.c.username, users.c.role, users.c.unit_code,
                          users.c.created_at, users.c.disabled_at, users.c.locked_until)
                .order_by(users.c.username)).all()
        return [UserRow(row[0], UserRole(row[1]), None if row[2] is None else int(row[2]),
                        row[3], row[4], row[5]) for row in rows]

    def find(self, username: str) -> UserRow | None:
        """One user by name, or None."""
        return next((row for row in self.list_users() if row.username == username), None)

    def change_role(self, username: str, role: UserRole, unit_code: int | None) -> None:
        """Give ``username`` a new role (and unit: a commune officer's only)."""
        if (role is UserRole.COMMUNE_OFFICER) != (unit_code is not None):
            raise UserError("a commune officer needs a unit; the city-wide roles take none")
        self._update(username, role=role.value, unit_code=unit_code)

    def set_locked(self, username: str, locked: bool) -> None:
        """Lock ``username`` until unlocked, or unlock (which also lifts a lock-out)."""
        if locked:
            self._update(username, disabled_at=self._stamp())
        else:
            self._update(username, disabled_at=None, locked_until=None, failed_sign_ins=0)

    def reset_password(self, username: str) -> str:
        """Give ``username`` a new random password; returns it (to show once)."""
        password = new_password()
        self._update(username, password_hash=Users.hasher.hash(password), failed_sign_ins=0,
                     locked_until=None)
        return password

    def change_own_password(self, user: User, current: str, new: str) -> User:
        """Replace ``user``'s password after checking the current one; returns the user with
        their new session epoch. UserError when the current one is wrong or the new one
        does not fit."""
        check_password(new)
        if not Users(self.engine, clock=self.clock).password_matches(user.id, current):
            raise UserError("the current password is wrong")
        self._update(user.username, password_hash=Users.hasher.hash(new))
        changed = Users(self.engine, clock=self.clock).get(user.id)
        if changed is None:
            raise UserError(f"no user {user.username!r}")
        return changed

    def _update(self, username: str, **values: object) -> None:
        users = schema.users
        with write_transaction(self.engine) as connection:
            changed = connection.execute(
                users.update().where(users.c.username == username)
                .values(session_epoch=users.c.session_epoch + 1, **values)).rowcount
        if not changed:
            raise UserError(f"no user {username!r}")
