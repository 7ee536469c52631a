"""``kiosk submissions``: create, list and export submissions (technicians and tests)."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from kiosk import clock
from kiosk.command import Context, UsageError, print_json
from kiosk.idcard import CitizenCard, IdCardError, parse_id_qr
from kiosk.kinds import (
    FeedbackCategory,
    FeedbackRequest,
    IntakeRequest,
    PriorityGroup,
    QueueTicketRequest,
    RatingLevel,
    RatingRequest,
    Request,
    SubmissionError,
    SubmissionKind,
)
from kiosk.receipt_code import display
from kiosk.salvage import (
    OpenMode,
    SalvageError,
    SalvageReport,
    export_submissions,
    open_read_only,
)
from kiosk.sealing import sealer_for
from kiosk.submissions import Outbox, OutboxState, Submission


def _values(kind: type[FeedbackCategory | RatingLevel | PriorityGroup | SubmissionKind
                       | OutboxState]) -> list[str]:
    return [member.value for member in kind]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk submissions ...``."""
    area = commands.add_parser("submissions", help="queue tickets, intakes, feedback, ratings")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a submission and queue it for sync")
    create.add_argument("--kind", required=True, choices=_values(SubmissionKind))
    create.add_argument("--procedure", help="procedure code (intake; optional for a ticket)")
    create.add_argument("--citizen-qr", help="the ID card QR payload of the citizen")
    create.add_argument("--service", help="queue service letter (ticket; else the procedure's)")
    create.add_argument("--priority", choices=_values(PriorityGroup), default="none")
    create.add_argument("--documents", default="",
                        help="intake: comma-separated numbers (from 0) of documents present")
    create.add_argument("--category", choices=_values(FeedbackCategory))
    create.add_argument("--text", help="feedback text")
    create.add_argument("--contact", help="feedback: optional phone or e-mail")
    create.add_argument("--level", choices=_values(RatingLevel), help="rating level")
    create.add_argument("--counter", help="rating: the counter rated")
    create.add_argument("--ticket", help="rating: the ticket number served")
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(handler=_create)

    listing = actions.add_parser("list", help="submissions and their outbox state")
    listing.add_argument("--state", choices=_values(OutboxState))
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)

    purge = actions.add_parser(
        "purge", help="remove personal data of acknowledged submissions past retention"
    )
    purge.set_defaults(handler=_purge)

    export = actions.add_parser(
        "export",
        help="copy every submission with its outbox state out of the database (JSON lines)",
        description=(
            "Copy every submission row, with its outbox state, out of the kiosk database "
            "as JSON lines, reading the file read-only and as far as a damaged file "
            "allows: run it before moving a damaged database aside, so unsent "
            "submissions are kept. The output holds personal data (sealed or masked): "
            "keep it safe. Exit status 0 when every row was read, 1 when some could not be."
        ),
    )
    export.add_argument("--output", type=Path,
                        help="file to write (must not exist; default: standard output)")
    export.add_argument("--database", type=Path,
                        help="database file to read (default: the kiosk's own)")
    export.set_defaults(handler=_export)


def outbox_for(context: Context) -> Outbox:
    """The outbox of this kiosk, as configured."""
    return Outbox(
        context.database,
        kiosk_id=context.config.text("kiosk.id"),
        queue_prefix=context.config.text("kiosk.queue_prefix"),
        sealer=sealer_for(context.config.text("sync.backend_public_key")),
    )


def _documents(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UsageError(f"--documents {text!r}: give numbers separated by commas") from None


def _request(args: argparse.Namespace, outbox: Outbox) -> Request:
    kind = SubmissionKind(args.kind)
    if kind is SubmissionKind.QUEUE_TICKET:
        service = args.service
        if service is None and args.procedure is not None:
            row = outbox.db.execute(
                "SELECT service FROM procedures WHERE code = ?", [args.procedure]
            ).fetchone()
            service = None if row is None else row[0]
        if service is None:
            raise UsageError("a queue ticket needs --service (or a --procedure that has one)")
        return QueueTicketRequest(
            service=service, priority=PriorityGroup(args.priority), procedure_code=args.procedure
        )
    if kind is SubmissionKind.APPLICATION_INTAKE:
        if args.procedure is None:
            raise UsageError("an application intake needs --procedure")
        return IntakeRequest(args.procedure, _documents(args.documents))
    if kind is SubmissionKind.FEEDBACK:
        if args.category is None or args.text is None:
            raise UsageError("feedback needs --category and --text")
        return FeedbackRequest(FeedbackCategory(args.category), args.text, args.contact)
    if args.level is None:
        raise UsageError("a rating needs --level")
    return RatingRequest(RatingLevel(args.level), args.counter, args.ticket)


def _citizen(payload: str | None) -> CitizenCard | None:
    if payload is None:
        return None
    try:
        return parse_id_qr(payload, today=clock.trusted_today())
    except IdCardError as error:
        raise UsageError(f"--citizen-qr: {error.message}") from None


def _print(submission: Submission) -> None:
    ticket = f"  {submission.ticket_number}" if submission.ticket_number else ""
    print(
        f"{display(submission.receipt_code)}  {submission.kind.value:<18} "
        f"{submission.state.value:<7}{ticket}  {submission.uuid}"
    )
    if submission.last_error:
        print(f"    last error: {submission.last_error}")


def _create(args: argparse.Namespace, context: Context) -> int:
    outbox = outbox_for(context)
    citizen = _citizen(args.citizen_qr)
    try:
        submission = outbox.create(_request(args, outbox), citizen=citizen)
    except SubmissionError as error:
        raise UsageError(f"not created: {error}") from None
    if args.json:
        print_json(submission.to_json())
    else:
        _print(submission)
    return 0


def _list(args: argparse.Namespace, context: Context) -> int:
    state = None if args.state is None else OutboxState(args.state)
    submissions = outbox_for(context).list(state=state)
    if args.json:
        print_json([submission.to_json() for submission in submissions])
    else:
        for submission in submissions:
            _print(submission)
    return 0


def _purge(args: argparse.Namespace, context: Context) -> int:
    days = context.config.number("privacy.retention_days")
    purged = outbox_for(context).purge_personal_data(retention_days=days)
    print(json.dumps({"purged": purged, "retention_days": days}))
    return 0


def _export(args: argparse.Namespace, context: Context) -> int:
    # Never context.database: it migrates (writes) and refuses a damaged file.
    path: Path = args.database or context.config.database_path
    try:
        conn, mode = open_read_only(path)
    except SalvageError as error:
        print(f"kiosk: submissions export: {error}", file=sys.stderr)
        return 1
    report = SalvageReport(mode)
    try:
        if args.output is None:
            _write_lines(conn, report, sys.stdout)
        else:
            try:
                # "x": an earlier export is never overwritten.
                with args.output.open("x", encoding="utf-8") as out:
                    _write_lines(conn, report, out)
                    out.flush()
                    os.fsync(out.fileno())
            except FileExistsError:
                raise UsageError(f"--output {args.output} exists: choose another name") from None
            except OSError as error:
                print(f"kiosk: submissions export: cannot write {args.output}: "
                      f"{error.strerror}", file=sys.stderr)
                return 1
    finally:
        conn.close()
    _say_what_was_exported(report, path, args.output)
    return 0 if report.complete else 1


def _write_lines(conn: sqlite3.Connection, report: SalvageReport, out: TextIO) -> None:
    for submission in export_submissions(conn, report):
        out.write(json.dumps(submission, ensure_ascii=False) + "\n")


def _say_what_was_exported(report: SalvageReport, path: Path, output: Path | None) -> None:
    def say(text: str) -> None:
        print(f"kiosk: submissions export: {text}", file=sys.stderr)

    if report.mode is OpenMode.IMMUTABLE:
        say(f"{path} could only be opened immutable (read-only opening was refused, e.g. "
            "in a read-only directory): commits still in its -wal file are not included")
    for problem in report.problems:
        say(problem)
    if report.unreadable_rows:
        rows = report.unreadable_rows
        say(f"{len(rows)} submission(s) could not be read (numbers {rows[0]} to {rows[-1]})")
    states = ", ".join(f"{count} {state}" for state, count in sorted(report.states.items()))
    target = "standard output" if output is None else str(output)
    say(f"{report.exported} submission(s) from {path} to {target}"
        + (f" ({states})" if states else ""))
