"""The audit log: who viewed or exported which citizens' personal data, and when; the
sign-in failures and lock-outs; and every change to a user. Only auditors read it (the
pages check the role)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart

#: Entries per page of the audit log.
AUDIT_PAGE = 50


class AuditAction(enum.Enum):
    """What an audit entry records."""

    VIEW_PERSONAL = "view_personal"
    EXPORT = "export"
    EXPORT_PERSONAL = "export_personal"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCKED = "locked"
    #: A city administrator's changes to users (office/web/users.py).
    USER_ADDED = "user_added"
    USER_CHANGED = "user_changed"
    USER_LOCKED = "user_locked"
    USER_UNLOCKED = "user_unlocked"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an action's name
    #: A user changing their own password.
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an action's name
    #: A service point's counters or officers published from /bo/service-points/N/counters.
    POINT_SETUP_CHANGED = "point_setup_changed"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: str
    actor: str
    action: AuditAction
    submission_uuids: list[str]
    detail: str


class Audit(StorePart):
    """Appending to the audit log and reading it, newest first."""

    def record(self, actor: str, action: AuditAction, submissions: Iterable[uuid.UUID] = (),
               detail: str = "") -> None:
        """Append one entry (its own transaction: it stays even if the view fails after)."""
        with write_transaction(self.engine) as connection:
            connection.execute(schema.audit_log.insert().values(
                at=self._stamp(), actor=actor, action=action.value,
                submission_uuids=" ".join(str(item) for item in submissions),
                detail=detail[:300]))

    def entries(self, before: int | None = None, limit: int = AUDIT_PAGE) -> list[AuditEntry]:
        """Up to ``limit`` entries older than id ``before`` (None: the newest)."""
        log = schema.audit_log
        query = sa.select(log.c.id, log.c.at, log.c.actor, log.c.action,
                          log.c.submission_uuids, log.c.detail)
        if before is not None:
            query = query.where(log.c.id < before)
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(query.order_by(log.c.id.desc()).limit(limit)).all()
        return [AuditEntry(int(row[0]), row[1], row[2], AuditAction(row[3]),
                           row[4].split() if row[4] else [], row[5]) for row in rows]
