"""The back office's inbox and the handling of cases: triage, states, answers, dossiers.

A *case* is a feedback or an application intake someone acted on (one row of ``cases``).
Every change of state also appends a status event (:mod:`office.store.statuses`), so the
citizen's kiosk hears of it through its status feed and any kiosk's look-up shows it; a
feedback's written answer travels as the event's note.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kiosk.application_status import ApplicationStatus
from kiosk.clock import HANOI
from kiosk.kinds import FeedbackCategory, SubmissionKind
from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart
from office.store.statuses import STATUS_FEED_LOCK
from sync import wire

#: Rows per page of the inbox, and most rows one export holds.
INBOX_PAGE = 50
MAX_EXPORT_ROWS = 10_000
#: Longest written answer; the kiosk's note carries at most wire's 500 characters of it.
MAX_ANSWER_LENGTH = 2000
MAX_NOTE_LENGTH = 500
#: What official dossier codes (mã hồ sơ) are made of: letters, digits, '.', '/', '-'.
DOSSIER_CODE_PATTERN = wire.DOSSIER_CODE_PATTERN
#: The kinds the back office handles as cases.
HANDLED_KINDS = (SubmissionKind.FEEDBACK, SubmissionKind.APPLICATION_INTAKE)


class FeedbackState(enum.Enum):
    """Where a feedback (phản ánh kiến nghị) stands."""

    RECEIVED = "received"
    PROCESSING = "processing"
    ANSWERED = "answered"
    CLOSED = "closed"


#: How each feedback state reads on a kiosk's status look-up (its statuses are those of
#: applications): answered and closed are both done.
FEEDBACK_AS_STATUS = {
    FeedbackState.RECEIVED: ApplicationStatus.RECEIVED,
    FeedbackState.PROCESSING: ApplicationStatus.IN_PROGRESS,
    FeedbackState.ANSWERED: ApplicationStatus.COMPLETED,
    FeedbackState.CLOSED: ApplicationStatus.COMPLETED,
}


class CaseError(ValueError):
    """A change that cannot be made, and the field it is about (for the form)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows; None everywhere: everything in the user's scope."""

    unit_code: int | None = None
    kind: SubmissionKind | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    state: str | None = None
    procedure_code: str | None = None


@dataclass(frozen=True)
class InboxRow:
    """One submission as the inbox lists it (no personal data but the masked one)."""

    submission_uuid: uuid.UUID
    received_at: str
    kind: SubmissionKind
    unit_code: int | None
    kiosk_id: str
    receipt_code: str
    procedure_code: str | None
    state: str | None
    assignee: str | None
    due_date: str | None
    dossier_code: str | None
    submission: wire.WireSubmission


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox and how many rows match in all."""

    rows: list[InboxRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        """How many pages the filter has (at least one)."""
        return max(1, -(-self.total // INBOX_PAGE))


@dataclass(frozen=True)
class StatusChange:
    """One status event of a submission, oldest first in :attr:`Case.history`."""

    status: str
    note: str | None
    updated_at: str
    client_id: str


@dataclass(frozen=True)
class Case:
    """A submission with the back office's handling of it."""

    row: InboxRow
    category: str | None
    answer: str | None
    answered_at: str | None
    answered_by: str | None
    history: list[StatusChange] = field(default_factory=list)


def hanoi_day_start(day: dt.date) -> str:
    """The backend's stamp (UTC text) of midnight in Hà Nội at the start of ``day``."""
    start = dt.datetime.combine(day, dt.time(0), HANOI).astimezone(dt.UTC)
    return start.isoformat(timespec="milliseconds")


def _select_rows() -> sa.Select[Any]:
    s, c = schema.submissions, schema.cases
    return (
        sa.select(s.c.uuid, s.c.received_at, s.c.kind, s.c.unit_code, s.c.kiosk_id,
                  s.c.receipt_code, s.c.procedure_code, c.c.state, c.c.assignee,
                  c.c.due_date, c.c.dossier_code, s.c.body, c.c.category, c.c.answer,
                  c.c.answered_at, c.c.answered_by)
        .select_from(s.outerjoin(c, c.c.submission_uuid == s.c.uuid))
    )


def _row(row: Sequence[Any]) -> InboxRow:
    submission = wire.read_submission(str(row[11]))
    return InboxRow(
        submission_uuid=uuid.UUID(str(row[0])), received_at=str(row[1]),
        kind=submission.kind, unit_code=None if row[3] is None else int(str(row[3])),
        kiosk_id=str(row[4]), receipt_code=str(row[5]),
        procedure_code=None if row[6] is None else str(row[6]),
        state=_text(row[7]) or _initial_state(submission.kind),
        assignee=_text(row[8]), due_date=_text(row[9]), dossier_code=_text(row[10]),
        submission=submission,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _initial_state(kind: SubmissionKind) -> str | None:
    """What a case not acted on yet is: received, for the kinds handled as cases."""
    return FeedbackState.RECEIVED.value if kind in HANDLED_KINDS else None


class Cases(StorePart):
    """The inbox's queries and the handling of feedback and intakes."""

    def _where(self, query: sa.Select[Any], units: Collection[int] | None,
               wanted: InboxFilter) -> sa.Select[Any]:
        s, c = schema.submissions, schema.cases
        if units is not None:
            query = query.where(s.c.unit_code.in_(sorted(units)))
        if wanted.unit_code is not None:
            query = query.where(s.c.unit_code == wanted.unit_code)
        if wanted.kind is not None:
            query = query.where(s.c.kind == wanted.kind.value)
        if wanted.procedure_code is not None:
            query = query.where(s.c.procedure_code == wanted.procedure_code)
        if wanted.date_from is not None:
            query = query.where(s.c.received_at >= hanoi_day_start(wanted.date_from))
        if wanted.date_to is not None:
            query = query.where(
                s.c.received_at < hanoi_day_start(wanted.date_to + dt.timedelta(days=1)))
        if wanted.state is not None:
            handled = s.c.kind.in_([kind.value for kind in HANDLED_KINDS])
            if wanted.state == FeedbackState.RECEIVED.value:
                query = query.where(handled, sa.or_(c.c.state.is_(None),
                                                    c.c.state == wanted.state))
            else:
                query = query.where(c.c.state == wanted.state)
        return query

    def inbox(self, units: Collection[int] | None, wanted: InboxFilter,
              page: int = 1) -> InboxPage:
        """Page ``page`` of the submissions in ``units`` (None: all) that match ``wanted``,
        newest first."""
        s = schema.submissions
        with read_snapshot(self.engine) as connection:
            total = int(connection.execute(self._where(
                sa.select(sa.func.count()).select_from(
                    s.outerjoin(schema.cases, schema.cases.c.submission_uuid == s.c.uuid)),
                units, wanted)).scalar_one())
            rows = connection.execute(
                self._where(_select_rows(), units, wanted).order_by(s.c.cursor.desc())
                .limit(INBOX_PAGE).offset((page - 1) * INBOX_PAGE)
            ).all()
        return InboxPage([_row(row) for row in rows], total, page)

    def export_rows(self, units: Collection[int] | None, wanted: InboxFilter) -> list[InboxRow]:
        """Every row that matches (at most :data:`MAX_EXPORT_ROWS`), newest first."""
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(
                self._where(_select_rows(), units, wanted)
                .order_by(schema.submissions.c.cursor.desc()).limit(MAX_EXPORT_ROWS)
            ).all()
        return [_row(row) for row in rows]

    def case(self, submission_uuid: uuid.UUID) -> Case | None:
        """The submission ``submission_uuid`` with its handling and status history."""
        s, events = schema.submissions, schema.status_events
        with read_snapshot(self.engine) as connection:
            row = connection.execute(_select_rows().where(s.c.uuid == submission_uuid)).first()
            if row is None:
                return None
            history = [
                StatusChange(str(event[0]), _text(event[1]), str(event[2]), str(event[3]))
                for event in connection.execute(
                    sa.select(events.c.status, events.c.note, events.c.updated_at,
                              events.c.client_id)
                    .where(events.c.submission_uuid == submission_uuid)
                    .order_by(events.c.cursor))
            ]
        return Case(_row(row), category=_text(row[12]), answer=_text(row[13]),
                    answered_at=_text(row[14]), answered_by=_text(row[15]), history=history)

    def triage(self, case: Case, by: str, *, assignee: str | None, category: str | None,
               due_date: dt.date | None, handlers: Collection[str]) -> None:
        """Assign ``case`` to one of ``handlers``, set its category and due date."""
        if case.row.kind is not SubmissionKind.FEEDBACK:
            raise CaseError("category", "only feedback is triaged")
        if assignee is not None and assignee not in handlers:
            raise CaseError("assignee", "không phải cán bộ của đơn vị này")
        if category is not None and category not in {item.value for item in FeedbackCategory}:
            raise CaseError("category", "lĩnh vực không hợp lệ")
        with write_transaction(self.engine) as connection:
            self._upsert(connection, case, by, assignee=assignee, category=category,
                         due_date=None if due_date is None else due_date.isoformat())

    def set_feedback_state(self, case: Case, by: str, state: FeedbackState,
                           answer: str | None) -> None:
        """Move a feedback to ``state``; answered needs a written answer, which the kiosk's
        look-up and the phone page show (the kiosk's note: its first 500 characters)."""
        if case.row.kind is not SubmissionKind.FEEDBACK:
            raise CaseError("state", "not a feedback")
        answer = None if answer is None else answer.strip().replace("\x00", "") or None
        if state is FeedbackState.ANSWERED and answer is None:
            raise CaseError("answer", "Hãy viết câu trả lời trước khi chuyển sang “đã trả lời”.")
        if answer is not None and len(answer) > MAX_ANSWER_LENGTH:
            raise CaseError("answer", f"Câu trả lời dài quá {MAX_ANSWER_LENGTH} ký tự.")
        values: dict[str, object] = {"state": state.value}
        if answer is not None:
            values |= {"answer": answer, "answered_at": self._stamp(), "answered_by": by}
        note = answer if answer is not None else case.answer
        with write_transaction(self.engine) as connection:
            self._upsert(connection, case, by, **values)
            self._event(connection, case, by, FEEDBACK_AS_STATUS[state], _note(note))

    def set_application_status(self, case: Case, by: str, status: ApplicationStatus,
                               note: str | None) -> None:
        """Publish ``status`` for an intake (with an optional note for the citizen)."""
        if case.row.kind is not SubmissionKind.APPLICATION_INTAKE:
            raise CaseError("status", "not an application intake")
        note = None if note is None else note.strip().replace("\x00", "") or None
        if note is not None and len(note) > MAX_NOTE_LENGTH:
            raise CaseError("note", f"Ghi chú dài quá {MAX_NOTE_LENGTH} ký tự.")
        with write_transaction(self.engine) as connection:
            self._upsert(connection, case, by, state=status.value)
            self._event(connection, case, by, status, note)

    def link_dossier(self, case: Case, by: str, dossier_code: str) -> None:
        """Link an intake to its official dossier code (mã hồ sơ), unique across intakes."""
        if case.row.kind is not SubmissionKind.APPLICATION_INTAKE:
            raise CaseError("dossier_code", "only an application intake has a dossier")
        code = dossier_code.strip()
        if re.fullmatch(DOSSIER_CODE_PATTERN, code) is None:
            raise CaseError("dossier_code", "Mã hồ sơ gồm chữ, số và các dấu . / - "
                            "(tối đa 60 ký tự).")
        c = schema.cases
        with write_transaction(self.engine) as connection:
            other = connection.execute(
                sa.select(c.c.submission_uuid).where(
                    c.c.dossier_code == code, c.c.submission_uuid != case.row.submission_uuid)
            ).first()
            if other is not None:
                raise CaseError("dossier_code", "Mã hồ sơ này đã gắn với một hồ sơ khác.")
            self._upsert(connection, case, by, dossier_code=code)

    def by_dossier_code(self, dossier_code: str) -> tuple[uuid.UUID, str] | None:
        """The intake linked to ``dossier_code`` (exact): its UUID and receipt code."""
        s, c = schema.submissions, schema.cases
        with read_snapshot(self.engine) as connection:
            found = connection.execute(
                sa.select(s.c.uuid, s.c.receipt_code).select_from(
                    s.join(c, c.c.submission_uuid == s.c.uuid))
                .where(c.c.dossier_code == dossier_code)
            ).first()
        return None if found is None else (uuid.UUID(str(found[0])), str(found[1]))

    def answers(self, receipt_code: str) -> dict[uuid.UUID, str]:
        """The full written answers of the feedback with ``receipt_code``."""
        s, c = schema.submissions, schema.cases
        with read_snapshot(self.engine) as connection:
            return {
                uuid.UUID(str(row[0])): str(row[1]) for row in connection.execute(
                    sa.select(c.c.submission_uuid, c.c.answer)
                    .select_from(s.join(c, c.c.submission_uuid == s.c.uuid))
                    .where(s.c.receipt_code == receipt_code, c.c.answer.is_not(None)))
            }

    def _upsert(self, connection: Connection, case: Case, by: str, **values: object) -> None:
        c = schema.cases
        stamp = self._stamp()
        exists = connection.execute(sa.select(c.c.state).where(
            c.c.submission_uuid == case.row.submission_uuid)).first()
        if exists is None:
            values.setdefault("state", case.row.state or FeedbackState.RECEIVED.value)
            connection.execute(c.insert().values(
                submission_uuid=case.row.submission_uuid, updated_at=stamp, updated_by=by,
                **values))
        else:
            connection.execute(c.update().where(c.c.submission_uuid == case.row.submission_uuid)
                               .values(updated_at=stamp, updated_by=by, **values))

    def _event(self, connection: Connection, case: Case, by: str, status: ApplicationStatus,
               note: str | None) -> None:
        self._serialize(connection, STATUS_FEED_LOCK)
        connection.execute(schema.status_events.insert().values(
            submission_uuid=case.row.submission_uuid, kiosk_id=case.row.kiosk_id,
            receipt_code=case.row.receipt_code, status=status.value, note=note,
            updated_at=self._stamp(), client_id=by))


def _note(answer: str | None) -> str | None:
    """The kiosk's note for an answer: all of it, or its start and an ellipsis."""
    if answer is None or len(answer) <= MAX_NOTE_LENGTH:
        return answer
    return answer[: MAX_NOTE_LENGTH - 1] + "…"
