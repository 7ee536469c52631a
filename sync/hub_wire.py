"""What kiosks and the service-point hub say to each other (API v1 of the hub).

A kiosk registers each queue ticket it issued (``POST /api/v1/tickets``, idempotent by the
submission UUID: the same ticket again is answered 200 with what the hub holds, a different
ticket under a known UUID is 409) and reads the live queue (``GET /api/v1/queue``: the same
shape as the city's queue publication, so the kiosk keeps one policy for both) and one
ticket's place (``GET /api/v1/tickets/{uuid}``). Shared by ``sync/`` (the kiosk's client)
and ``hub/`` (the server).
"""

from __future__ import annotations

import enum
import uuid as uuid_module
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from sync import wire
from sync.wire import SERVICE_CODE_PATTERN, PriorityValue, RatingLevelValue

PREFIX = "/api/v1"
#: A printed queue number (kiosk.submissions.ticket_number): ``A1-007``, ``A1-U007``.
TICKET_NUMBER_PATTERN = r"^[A-Z][1-9A-Z]-U?[0-9]{3,6}$"
SERVICE_DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: An officer's login at the hub (``kiosk hub add-officer``).
OFFICER_LOGIN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"


class HubEndpoint(enum.Enum):
    """Every endpoint of the hub's kiosk API."""

    TICKETS = f"{PREFIX}/tickets"
    #: One ticket by its submission UUID (a path template).
    TICKET = f"{PREFIX}/tickets/{{submission_uuid}}"
    QUEUE = f"{PREFIX}/queue"
    #: A ticket by its page token, for a rating at a kiosk (GET: what it is; POST: rate it).
    RATING = f"{PREFIX}/ratings/{{token}}"
    #: A citizen at a kiosk asks for staff ("Cần hỗ trợ").
    HELP = f"{PREFIX}/help"


TicketStateValue = Literal["waiting", "called", "serving", "done", "no_show", "transferred"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TicketRegistration(_Model):
    """A ticket a kiosk issued (the kiosk's id comes from its token)."""

    submission_uuid: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")]
    number: Annotated[str, Field(pattern=TICKET_NUMBER_PATTERN)]
    service: Annotated[str, Field(pattern=SERVICE_CODE_PATTERN)]
    priority: PriorityValue = "none"
    service_day: Annotated[str, Field(pattern=SERVICE_DAY_PATTERN)]
    issued_at: AwareDatetime


class TicketPlace(_Model):
    """Where a ticket stands at the hub."""

    submission_uuid: str
    number: str
    service: str
    state: str = Field(description="waiting, called, serving, done, no_show, transferred")
    people_ahead: Annotated[int, Field(ge=0)]
    counter: int | None = None


class TicketForRating(_Model):
    """A ticket as the hub describes it for a rating at a kiosk: who served it, when."""

    number: str
    service: str
    state: TicketStateValue
    counter: int | None = None
    counter_name: str | None = None
    officer: str | None = None
    officer_name: str | None = None
    called_at: AwareDatetime | None = None
    serving_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    rated: bool


class TicketRating(_Model):
    """A citizen's rating of a served ticket, made at a kiosk (``POST`` to ``RATING``)."""

    level: RatingLevelValue
class HelpRequest(_Model):
    """A citizen touched "Cần hỗ trợ" (the kiosk's id comes from its token)."""

    screen: Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,39}$",
                                 description="the screen the citizen is on")]


class HelpAnswer(_Model):
    """The call for staff as the hub holds it."""

    call_id: Annotated[int, Field(ge=1)]
    consoles: Annotated[int, Field(ge=0, description="officers' consoles showing it now")]


# -- queue events, hub -> city ----------------------------------------------------------------

#: Most events in one delivery.
MAX_EVENT_BATCH = 500
QUEUE_EVENTS = wire.Endpoint.QUEUE_EVENTS.value
QueueActionValue = Literal["issue", "call", "recall", "start", "finish", "skip", "transfer",
                           "rate"]


class QueueEventItem(_Model):
    """One move of one ticket at a service point (the city's dashboards count these)."""

    uuid: uuid_module.UUID = Field(description="the event's idempotency key")
    action: QueueActionValue
    state: TicketStateValue = Field(description="the ticket's state after the move")
    ticket_number: Annotated[str, Field(pattern=TICKET_NUMBER_PATTERN)]
    ticket_uuid: uuid_module.UUID = Field(description="the kiosk submission of the ticket")
    service: Annotated[str, Field(pattern=SERVICE_CODE_PATTERN)]
    priority: PriorityValue = "none"
    service_day: Annotated[str, Field(pattern=SERVICE_DAY_PATTERN)]
    counter: Annotated[int | None, Field(ge=1, le=999)] = None
    officer: Annotated[str | None, Field(pattern=OFFICER_LOGIN_PATTERN)] = None
    at: AwareDatetime = Field(description="the hub's clock")
    #: For ``rate``: the citizen's rating, and the served ticket's times (from the hub's
    #: clock), so the city ties it to the counter, officer, service and wait.
    rating: RatingLevelValue | None = None
    called_at: AwareDatetime | None = None
    serving_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None


class QueueEventBatch(_Model):
    """Events a hub delivers, oldest first (``POST /v1/queue-events``)."""

    unit_code: Annotated[int, Field(ge=1, le=99999)]
    events: Annotated[list[QueueEventItem], Field(min_length=1, max_length=MAX_EVENT_BATCH)]


class QueueEventAck(_Model):
    """Which events the city now holds: new ones, and ones it had already (a retry)."""

    accepted: list[uuid_module.UUID]
    duplicates: list[uuid_module.UUID]
    conflicts: list[uuid_module.UUID] = Field(
        description="a known UUID with another body: refused, never overwritten")


class QueueEventRecord(_Model):
    """An event as the city's pull feed serves it (``GET /v1/queue-events``)."""

    cursor: str
    hub_id: str
    unit_code: int
    event: QueueEventItem
    received_at: str


class QueueEventPage(_Model):
    """A page of the feed."""

    items: list[QueueEventRecord]
    next_cursor: str
    has_more: bool


# -- the queue as the citizens' phones see it, hub -> city -----------------------------------

#: Hubs post their public queue state here (office/ticket_pages.py serves the phone pages).
TICKET_PAGES = wire.Endpoint.TICKET_PAGES.value
#: Most tickets in one publication (a busy point's day is about 1,000).
MAX_PUBLIC_TICKETS = 5000
#: The page token of a ticket (kiosk.servicepoint.ticket_page).
PAGE_TOKEN_PATTERN = r"^[a-z2-7]{20}$"  # noqa: S105 - a pattern, not a secret


class PublicTicket(_Model):
    """One ticket as its holder's phone shows it: no personal data (there is none to show)."""

    token: Annotated[str, Field(pattern=PAGE_TOKEN_PATTERN)]
    number: Annotated[str, Field(pattern=TICKET_NUMBER_PATTERN)]
    service: Annotated[str, Field(pattern=SERVICE_CODE_PATTERN)]
    state: TicketStateValue
    people_ahead: Annotated[int, Field(ge=0, le=100_000)]
    counter: Annotated[int | None, Field(ge=1, le=999)] = None


class PublicService(_Model):
    """A queue service's load, with its name for the page."""

    service: Annotated[str, Field(pattern=SERVICE_CODE_PATTERN)]
    name: Annotated[str, Field(max_length=200)]
    name_en: Annotated[str | None, Field(max_length=200)] = None
    waiting: Annotated[int, Field(ge=0, le=100_000)]
    counters_open: Annotated[int, Field(ge=0, le=999)]
    average_service_seconds: Annotated[int | None, Field(ge=1, le=86_400)] = None


class TicketPagePublication(_Model):
    """A hub's queue now, for its tickets' phone pages (``POST /v1/ticket-pages``): the
    day's tickets still of interest and each service's load. It replaces the hub's last one."""

    unit_code: Annotated[int, Field(ge=1, le=99999)]
    published_at: AwareDatetime = Field(description="the hub's clock")
    service_day: Annotated[str, Field(pattern=SERVICE_DAY_PATTERN)]
    services: Annotated[list[PublicService], Field(max_length=wire.MAX_QUEUE_SERVICES)]
    tickets: Annotated[list[PublicTicket], Field(max_length=MAX_PUBLIC_TICKETS)]


class TicketPageAck(_Model):
    """What the city now serves for the hub."""

    tickets: int
    published_at: AwareDatetime


# -- a service point's counters and officers, city -> hub -----------------------------------

#: An officer's PIN as the hub stores it (kiosk.technician_pin.hash_pin: scrypt, the same
#: cost); a PIN in clear never travels.
PIN_HASH_PATTERN = r"^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$"


class PointCounter(_Model):
    """A counter and the queue services it serves."""

    number: Annotated[int, Field(ge=1, le=999)]
    name: Annotated[str, Field(min_length=1, max_length=80)]
    services: Annotated[list[Annotated[str, Field(pattern=SERVICE_CODE_PATTERN)]],
                        Field(min_length=1, max_length=26)]


class PointOfficer(_Model):
    """An officer who may sign in at the point's counters."""

    login: Annotated[str, Field(pattern=OFFICER_LOGIN_PATTERN)]
    name: Annotated[str, Field(min_length=1, max_length=120)]
    pin_hash: Annotated[str, Field(pattern=PIN_HASH_PATTERN)]


class PointSetup(_Model):
    """What the back office publishes for a service point (``PUT /v1/service-points/{unit}``)."""

    counters: Annotated[list[PointCounter], Field(max_length=200)]
    officers: Annotated[list[PointOfficer], Field(max_length=500)]

    @model_validator(mode="after")
    def _unique(self) -> PointSetup:
        numbers = [counter.number for counter in self.counters]
        logins = [officer.login for officer in self.officers]
        if len(numbers) != len(set(numbers)) or len(logins) != len(set(logins)):
            raise ValueError("each counter number and officer login may appear once")
        return self


class PointSetupState(_Model):
    """A published set-up as served (``GET /v1/hub/service-point`` to the point's hub)."""

    unit_code: int
    version: Annotated[int, Field(ge=1, description="grows with each publication")]
    published_at: str = Field(description="backend clock, UTC")
    setup: PointSetup
