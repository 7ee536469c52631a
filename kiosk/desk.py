"""Everything the citizen's screens ask of the kiosk, answered on one database connection.

The screens never touch the database or the search index themselves: they hand a call on
a :class:`ServiceDesk` to the background worker (:mod:`kiosk.background`), which owns the
desk and its connection, and show the answer when it comes back. Answers are plain frozen
values, safe to pass to the UI thread.

The search index remembers the words typed into it (a cache of expansions); when a session
is wiped the desk builds a fresh index (:meth:`ServiceDesk.forget_queries`), so what one
citizen typed is not kept for the next.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from kiosk import clock, receipt_code
from kiosk.application_status import (
    OfficeLookup,
    OfficeUnreachableError,
    StatusRecord,
    is_dossier_code,
    lookup_status,
)
from kiosk.card_applications import (
    CardAnswer,
    CardOffice,
    card_key_from_setting,
    look_up_card,
    with_procedures,
)
from kiosk.catalog import (
    Catalog,
    LifeEvent,
    Procedure,
    Service,
    installed_version,
    load_catalog,
    procedure_index,
    procedures_by_field,
    seed_demo_catalog,
)
from kiosk.catalog_overlay import installed_overlay_version
from kiosk.config import Config
from kiosk.directory import Commune, directory_index, load_directory, seed_directory
from kiosk.idcard import CitizenCard
from kiosk.kinds import Request, slip_for_submission
from kiosk.kinds.base import SubmissionKind
from kiosk.kinds.rating import RatingLevel
from kiosk.language import Language
from kiosk.queue_state import WaitEstimate, queue_overview, ticket_wait
from kiosk.receipt import Receipt, SlipContext, procedure_checklist
from kiosk.sealing import sealer_for
from kiosk.search import SearchIndex
from kiosk.servicepoint.ticket_page import page_token, token_from_scan
from kiosk.servicepoint.ticket_rating import (
    HubRatings,
    RatingAnswer,
    TicketAnswer,
    check_ticket,
    rate_ticket,
)
from kiosk.staff_help import StaffCaller, StaffHelp
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox, OutboxState, Submission, ticket_parts
from kiosk.sync_state import SyncFact, read_fact

#: Results shown for a search: more do not fit a screen and nobody reads them.
SEARCH_LIMIT = 12


@dataclass(frozen=True)
class FieldSummary:
    """One field (lĩnh vực) of procedures, for browsing."""

    name: str
    procedures: tuple[Procedure, ...]
    #: The field's English name (the Vietnamese one when the catalog has none).
    name_en: str = ""


@dataclass(frozen=True)
class LifeEventSteps:
    """A life event and the procedures it usually needs, in the order they are done."""

    event: LifeEvent
    procedures: tuple[Procedure, ...]


class LookupOutcome(enum.Enum):
    """What a status look-up found."""

    NOT_A_CODE = "not_a_code"  # the text is not a valid receipt code (typo caught)
    UNKNOWN_CODE = "unknown_code"  # valid, but neither this kiosk nor the office knows it
    NOT_YET_SENT = "not_yet_sent"  # made here, still waiting to reach the office
    NO_STATUS_YET = "no_status_yet"  # the office has it, no status published yet
    STATUS = "status"  # the office published a status


class OfficeCheck(enum.Enum):
    """Whether the office was asked about a code this kiosk does not know."""

    NOT_ASKED = "not_asked"  # known here, not a code, or no office to ask
    ANSWERED = "answered"  # the office answered just now
    UNREACHABLE = "unreachable"  # the office could not be asked just now


@dataclass(frozen=True)
class StatusAnswer:
    """The answer to a status look-up, for the status screen."""

    outcome: LookupOutcome
    code: str | None = None
    submission: Submission | None = None
    procedure: Procedure | None = None
    latest: StatusRecord | None = None
    #: When the kiosk last heard from the office (device clock, ISO), None if never.
    synced_at: str | None = None
    #: Whether the office was asked (a code from another kiosk).
    office: OfficeCheck = OfficeCheck.NOT_ASKED


def open_desk_database(config: Config) -> Database:
    """The kiosk database for the desk: migrated, the directory seeded, in demo mode the
    shipped demo catalog imported when there is none."""
    db = open_database(config.database_path)
    seed_directory(db)
    if config.demo:
        seed_demo_catalog(db)
    return db


class ServiceDesk:
    """The screens' questions and actions, on one database connection (one thread)."""

    def __init__(
        self, db: Database, config: Config, *, office: OfficeLookup | None = None,
        cards: CardOffice | None = None,
        hub: HubRatings | None = None,
        staff: StaffCaller | None = None,
    ) -> None:
        self.db = db
        self.config = config
        #: Asked about codes this kiosk does not know (None: never asked).
        self.office = office
        #: Asked for the applications of a scanned ID card (None: never asked).
        self.cards = cards
        #: The city's card lookup key from enrolment (None: look-up by card is off).
        self.card_key = card_key_from_setting(config.text("sync.card_lookup_key"))
        #: The service point's hub, for ratings of served tickets (None: no hub).
        self.hub = hub
        #: "Cần hỗ trợ" (None as ``staff``: no hub, the citizen is sent to the desk).
        self.help = StaffHelp(staff)
        self.outbox = Outbox(
            db,
            kiosk_id=config.text("kiosk.id"),
            queue_prefix=config.text("kiosk.queue_prefix"),
            sealer=sealer_for(config.text("sync.backend_public_key")),
        )
        self._catalog: Catalog | None = None
        self._catalog_version: tuple[int | None, int | None] | None = None
        self._index: SearchIndex[str] | None = None
        self._communes: list[Commune] | None = None
        self._commune_index: SearchIndex[int] | None = None

    def close(self) -> None:
        """Close the database connection and the office's connections."""
        self.db.close()
        if self.office is not None:
            self.office.close()
        if self.hub is not None:
            self.hub.close()
        self.help.close()

    # -- catalog ----------------------------------------------------------------------------

    def catalog(self) -> Catalog | None:
        """The catalog with Hà Nội's overlay; reloaded when the sync agent installed a
        newer catalog or overlay."""
        version = (installed_version(self.db), installed_overlay_version(self.db))
        if version != self._catalog_version:
            self._catalog = load_catalog(self.db)
            self._catalog_version = version
            self._index = None
        return self._catalog

    def _procedures(self) -> tuple[Procedure, ...]:
        catalog = self.catalog()
        return () if catalog is None else catalog.procedures

    def fields(self) -> list[FieldSummary]:
        """Procedures grouped by field, for browsing."""
        catalog = self.catalog()
        return [
            FieldSummary(
                name, tuple(procedures),
                name if catalog is None else catalog.field_name(name, "en"),
            )
            for name, procedures in procedures_by_field(self._procedures()).items()
        ]

    def english_field_names(self) -> dict[str, str]:
        """Each field's English name, by its Vietnamese name (those the catalog gives)."""
        catalog = self.catalog()
        return {} if catalog is None else {f.name: f.name_en for f in catalog.fields}

    def life_events(self) -> list[LifeEventSteps]:
        """The life events to browse by, each with its procedures, in the catalog's order
        (a format 1 catalog has none)."""
        catalog = self.catalog()
        events = () if catalog is None else catalog.life_events
        return [steps for event in events if (steps := self.life_event(event.key)) is not None]

    def life_event(self, key: str) -> LifeEventSteps | None:
        """Life event ``key`` and its procedures in order; None when there is no such event.

        A procedure the kiosk cannot take (a hidden central- or district-level variant) is
        left out, as it is when browsing by field.
        """
        catalog = self.catalog()
        event = None if catalog is None else catalog.life_event(key)
        if catalog is None or event is None:
            return None
        found = (catalog.procedure(code) for code in event.procedures)
        return LifeEventSteps(
            event, tuple(p for p in found if p is not None and not p.hidden)
        )

    def search(self, query: str, limit: int = SEARCH_LIMIT) -> list[Procedure]:
        """Procedures matching what the citizen typed, best first."""
        if self.catalog() is None:
            return []
        if self._index is None:
            self._index = procedure_index(self._procedures())
        by_code = {procedure.code: procedure for procedure in self._procedures()}
        hits = [by_code[hit.key] for hit in self._index.search(query, limit=limit)]
        # A hidden variant (central or district level) only for its exact code.
        return [p for p in hits if not p.hidden or p.code == query.strip()]

    def procedure(self, code: str) -> Procedure | None:
        """One procedure by code, or by a former code (old receipts and links)."""
        catalog = self.catalog()
        return None if catalog is None else catalog.procedure(code)

    def services(self) -> tuple[Service, ...]:
        """The queue services of this service point."""
        catalog = self.catalog()
        return () if catalog is None else catalog.services

    def service_for(self, procedure: Procedure) -> Service | None:
        """The queue service that handles ``procedure``."""
        return next((s for s in self.services() if s.code == procedure.service), None)

    # -- directory --------------------------------------------------------------------------

    def communes(self) -> list[Commune]:
        """Hanoi's communes and wards, phường first, each by name."""
        if self._communes is None:
            self._communes = load_directory(self.db)
        return self._communes

    def search_communes(self, query: str, limit: int = SEARCH_LIMIT) -> list[Commune]:
        """Units matching ``query`` best first; every unit for an empty query."""
        communes = self.communes()
        if not query.strip():
            return communes
        if self._commune_index is None:
            self._commune_index = directory_index(communes)
        by_code = {commune.code: commune for commune in communes}
        return [by_code[hit.key] for hit in self._commune_index.search(query, limit=limit)]

    def commune(self, code: int) -> Commune | None:
        """One unit by its code."""
        return next((c for c in self.communes() if c.code == code), None)

    # -- submissions and slips ------------------------------------------------------------

    def submit(self, request: Request, citizen: CitizenCard | None) -> Submission:
        """Store a submission in the outbox (raises SubmissionError saying why not)."""
        return self.outbox.create(request, citizen=citizen)

    def slip_context(self, language: Language) -> SlipContext:
        """Where slips come from, in the citizen's language."""
        return SlipContext.from_config(self.config, language)

    def slip_for(
        self, submission: Submission, language: Language, wait: WaitEstimate | None = None
    ) -> Receipt:
        """The slip for a submission, in ``language`` (a ticket's with its ``wait``)."""
        return slip_for_submission(
            submission, self.slip_context(language), self.catalog(), wait=wait
        )

    def checklist(
        self, procedure_code: str, language: Language, case_key: str | None = None
    ) -> Receipt:
        """The checklist slip of a procedure for the citizen's case ``case_key``.

        Without a case key: a one-case procedure's papers, or every paper of a procedure
        with several cases. KeyError when the procedure or the case is not in the catalog.
        """
        procedure = self.procedure(procedure_code)
        if procedure is None:
            raise KeyError(procedure_code)
        case = None
        if case_key is not None:
            case = procedure.case(case_key)
            if case is None:
                raise KeyError(f"{procedure_code} has no case {case_key!r}")
        return procedure_checklist(
            procedure, self.slip_context(language), case=case,
            service=self.service_for(procedure),
        )

    # -- the queue --------------------------------------------------------------------------

    def _queue_max_age(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.config.number("queue.max_age_minutes"))

    def ticket_wait(self, submission: Submission) -> WaitEstimate | None:
        """People ahead of a queue ticket just issued, and its estimated wait, when a fresh
        queue publication covers its service (None otherwise, and for other submissions)."""
        if submission.ticket_number is None:
            return None
        parts = ticket_parts(submission.ticket_number)
        return ticket_wait(
            self.db, parts.service, priority=parts.priority, number=parts.number,
            max_age=self._queue_max_age(),
        )

    def queue_overview(self) -> dict[str, WaitEstimate]:
        """Per service with a fresh publication: the wait of a ticket taken now."""
        return queue_overview(self.db, max_age=self._queue_max_age())

    # -- status look-up ---------------------------------------------------------------------

    def look_up(self, typed: str) -> StatusAnswer:
        """The status of the application with the receipt code the citizen typed or scanned."""
        code = receipt_code.normalise(typed)
        if code is None:
            dossier = typed.strip()
            if self.office is not None and is_dossier_code(dossier):
                # Not a receipt code, but maybe the official dossier code the office
                # linked to an intake: only the office knows those.
                return self._ask_office(dossier, read_fact(self.db, SyncFact.LAST_SUCCESS_AT),
                                        dossier=True)
            return StatusAnswer(LookupOutcome.NOT_A_CODE)
        synced_at = read_fact(self.db, SyncFact.LAST_SUCCESS_AT)
        statuses = lookup_status(self.db, code)
        local = self.outbox.find_by_receipt(code)
        submission = local[0] if local else None
        procedure_code = submission.procedure_code if submission is not None else None
        procedure = self.procedure(procedure_code) if procedure_code else None
        if statuses:
            outcome = LookupOutcome.STATUS
        elif submission is None:
            return self._ask_office(code, synced_at)
        elif submission.state is OutboxState.SENT:
            outcome = LookupOutcome.NO_STATUS_YET
        else:
            outcome = LookupOutcome.NOT_YET_SENT
        return StatusAnswer(
            outcome,
            code=code,
            submission=submission,
            procedure=procedure,
            latest=statuses[0] if statuses else None,
            synced_at=synced_at,
        )

    def _ask_office(self, code: str, synced_at: str | None, *,
                    dossier: bool = False) -> StatusAnswer:
        """A code unknown here: maybe another kiosk printed it, and the office knows it.
        ``dossier``: ``code`` is an official dossier code; the answer carries the receipt
        code of the intake linked to it."""
        shown = None if dossier else code
        if self.office is None:
            return StatusAnswer(LookupOutcome.UNKNOWN_CODE, code=shown, synced_at=synced_at)
        try:
            found = self.office.look_up(code)
        except OfficeUnreachableError:
            return StatusAnswer(LookupOutcome.UNKNOWN_CODE, code=shown, synced_at=synced_at,
                                office=OfficeCheck.UNREACHABLE)
        if not found:
            return StatusAnswer(LookupOutcome.UNKNOWN_CODE, code=shown, synced_at=synced_at,
                                office=OfficeCheck.ANSWERED)
        latest = found[0]
        status = latest.status_record()
        return StatusAnswer(
            LookupOutcome.STATUS if status is not None else LookupOutcome.NO_STATUS_YET,
            code=latest.receipt_code,
            procedure=self.procedure(latest.procedure_code) if latest.procedure_code else None,
            latest=status,
            # The office answered just now: that is the latest word from it.
            synced_at=clock.now().isoformat(timespec="seconds"),
            office=OfficeCheck.ANSWERED,
        )

    # -- rating a served ticket -------------------------------------------------------------

    def applications_by_card(self, card: CitizenCard) -> CardAnswer:
        """The applications made with ``card``, asked of the office by the keyed hash of
        its number (kiosk/card_applications.py); each with this catalog's procedure."""
        answer = look_up_card(self.card_key, self.cards, card.id_number)
        codes = {item.procedure_code for item in answer.applications if item.procedure_code}
        procedures = {code: found for code in codes
                      if (found := self.procedure(code)) is not None}
        return with_procedures(answer, procedures)

    def rating_token(self, scanned: str) -> str | None:
        """The page token of the ticket a citizen scanned to rate the service: from its QR's
        address, or from the receipt code of a queue ticket printed at this kiosk (slips
        printed before tickets carried the address). None: not a ticket."""
        token = token_from_scan(scanned)
        if token is not None:
            return token
        code = receipt_code.normalise(scanned)
        if code is None:
            return None
        for submission in self.outbox.find_by_receipt(code):
            if submission.kind is SubmissionKind.QUEUE_TICKET:
                return page_token(submission.uuid)
        return None

    def check_rating_ticket(self, token: str) -> TicketAnswer:
        """Whether ticket ``token`` can be rated now (asks the hub)."""
        return check_ticket(self.hub, token)

    def rate_ticket(self, token: str, level: RatingLevel) -> RatingAnswer:
        """Record the citizen's rating of ticket ``token`` at the hub (once per ticket)."""
        return rate_ticket(self.hub, token, level)

    # -- privacy ----------------------------------------------------------------------------

    def forget_queries(self) -> None:
        """Drop the search indexes and what they cached of the last citizen's typing."""
        self._index = None
        self._commune_index = None
        self.help.forget()


def parse_moment(text: str | None) -> dt.datetime | None:
    """An ISO time stored by the core, or None when missing or unreadable."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None
