"""The wire schema between kiosks and the city backend, version 1 (``/v1``).

Defined once, here, and used by both ends: the agent builds its requests and reads the
answers with these models, the backend validates with them and FastAPI turns them into
the OpenAPI spec it serves. A change that old kiosks would not understand gets a new
version prefix, never an edit of v1. docs/sync.md describes the protocol in words.

The submission UUID is the idempotency key: the same UUID with the same body is accepted
again and answered as the first time; the same UUID with a different body is a conflict,
recorded by the backend and not stored. "The same body" means the same canonical JSON
(:func:`canonical_json`).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self, get_args
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
    ValidationError,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict

from kiosk import queue_state
from kiosk.application_status import ApplicationStatus
from kiosk.clock import HANOI
from kiosk.directory import DETAIL_KEYS, MAX_DETAIL_LENGTH, detail_problem
from kiosk.kinds import (
    MAX_CONTACT_LENGTH,
    MAX_FEEDBACK_LENGTH,
    FeedbackCategory,
    PriorityGroup,
    RatingLevel,
    SubmissionKind,
)
from kiosk.update_policy import UpdateState
from kiosk.update_report import UpdateProblem

API_VERSION = "v1"
PREFIX = f"/{API_VERSION}"

#: Most submissions in one batch (the agent's ``sync.batch_size`` is at most this).
MAX_BATCH_ITEMS = 500
#: Largest request body the backend reads for a batch; larger is refused with 413.
MAX_BATCH_BYTES = 4 * 1024 * 1024
#: Largest catalog file the backend accepts.
MAX_CATALOG_BYTES = 8 * 1024 * 1024
#: Largest page a pull may ask for.
MAX_PAGE = 1000

KIOSK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
CLIENT_ID_PATTERN = KIOSK_ID_PATTERN
#: Sealed boxes are base64; a sealed identity is a few hundred bytes.
SEALED_PATTERN = r"^[A-Za-z0-9+/]+={0,2}$"
CURSOR_PATTERN = r"^[0-9]{1,18}$"
#: A receipt code in canonical form (kiosk.receipt_code): 8 symbols, no separator.
RECEIPT_CODE_PATTERN = r"^[2-9A-HJKMNP-TV-Y]{8}$"
#: An official dossier code (mã hồ sơ) of the city's case system, which the back office
#: links to an intake: letters, digits, '.', '/' and '-', at most 60.
DOSSIER_CODE_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9./-]{0,58}[A-Za-z0-9])?$"
#: A queue service's code as the catalog names it: one capital letter (``A``).
SERVICE_CODE_PATTERN = r"^[A-Z]$"
#: The service days the backend accepts, around its own date (Hà Nội): a kiosk may send a
#: year-old submission after months offline, but none dated from a clock that is wrong.
SERVICE_DAY_DAYS_BEFORE = 400
SERVICE_DAY_DAYS_AFTER = 2
#: Characters of a rejected item's reason (the agent keeps it for technicians).
MAX_ITEM_REASON = 300


class Endpoint(enum.Enum):
    """Every endpoint of v1."""

    HEALTH = f"{PREFIX}/health"
    SUBMISSIONS_BATCH = f"{PREFIX}/submissions/batch"
    SUBMISSIONS = f"{PREFIX}/submissions"
    APPLICATION_STATUSES = f"{PREFIX}/application-statuses"
    KIOSK_APPLICATION_STATUSES = f"{PREFIX}/kiosk/application-statuses"
    CATALOG = f"{PREFIX}/catalog"
    #: Hà Nội's overlay on the catalog (docs/catalog-format.md, "Overlay").
    CATALOG_OVERLAY = f"{PREFIX}/catalog-overlay"
    DIRECTORY = f"{PREFIX}/directory"
    HEARTBEAT = f"{PREFIX}/kiosk/heartbeat"
    KIOSK_IDENTITY = f"{PREFIX}/kiosk/identity"
    FLEET = f"{PREFIX}/fleet"
    #: Any kiosk asks the office about one receipt code (a path template).
    KIOSK_APPLICATION_LOOKUP = f"{PREFIX}/kiosk/applications/{{receipt_code}}"
    #: Any kiosk asks the office about an official dossier code (``?code=``).
    KIOSK_DOSSIER_LOOKUP = f"{PREFIX}/kiosk/dossiers"
    #: Any kiosk asks for the applications made with one ID card, by its keyed hash (POST:
    #: the hash goes in the body, never in a URL that proxies log; kiosk/card_lookup.py).
    KIOSK_CARD_LOOKUP = f"{PREFIX}/kiosk/applications-by-card"
    #: The back office PUTs a service point's queue, kiosks GET it (a path template).
    QUEUE = f"{PREFIX}/queue/{{unit_code}}"
    #: Hubs post service points' queue events; the back office reads them
    #: (office/queue_events.py, the models in sync/hub_wire.py).
    QUEUE_EVENTS = f"{PREFIX}/queue-events"
    #: Hubs post their public queue state for the tickets' phone pages
    #: (office/ticket_pages.py, the models in sync/hub_wire.py).
    TICKET_PAGES = f"{PREFIX}/ticket-pages"
    #: The back office publishes a service point's counters and officers (a path template);
    #: its hub pulls them from HUB_SERVICE_POINT (models in sync/hub_wire.py).
    SERVICE_POINT = f"{PREFIX}/service-points/{{unit_code}}"
    HUB_SERVICE_POINT = f"{PREFIX}/hub/service-point"
    #: A hub's heartbeat (the kiosks' Heartbeat with ``hub`` set; hub/heartbeat.py).
    HUB_HEARTBEAT = f"{PREFIX}/hub/heartbeat"
    #: A kiosk asks what changed since its last poll (``If-None-Match``; ``?unit=``).
    KIOSK_CHANGES = f"{PREFIX}/kiosk/changes"
    #: A kiosk asks for its channel's signed release, then its artifact (docs/updates.md).
    KIOSK_RELEASE = f"{PREFIX}/kiosk/releases/{{channel}}"
    KIOSK_RELEASE_ARTIFACT = f"{PREFIX}/kiosk/releases/{{channel}}/artifact"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- submissions -------------------------------------------------------------------------
#
# One model per kind of submission (kiosk/kinds/), told apart by ``kind``: the details of a
# rating are a rating's, not any object. The details are plain JSON objects (TypedDicts)
# holding exactly the keys the kiosk stores, so a body reads back as it was sent and its
# canonical JSON, hence its idempotency digest, is what it always was. The details'
# enumerations are their JSON strings (kept equal to the core's enums by the asserts), so
# the details stay plain JSON.

PriorityValue = Literal["none", "elderly", "disabled", "pregnant", "small_children"]
FeedbackCategoryValue = Literal[
    "construction_order", "environment_sanitation", "land", "traffic", "service_attitude",
    "other",
]
RatingLevelValue = Literal["very_satisfied", "satisfied", "acceptable", "unsatisfied"]
assert set(get_args(PriorityValue)) == {item.value for item in PriorityGroup}
assert set(get_args(FeedbackCategoryValue)) == {item.value for item in FeedbackCategory}
assert set(get_args(RatingLevelValue)) == {item.value for item in RatingLevel}

#: Most papers one procedure lists, and the longest name of one (catalogs have ~10, ~130).
MAX_DOCUMENTS = 200
DocumentName = Annotated[str, Field(min_length=1, max_length=1000)]
_DETAILS = ConfigDict(extra="forbid")


@with_config(_DETAILS)
class QueueTicketDetails(TypedDict):
    """A ticket's details (``kiosk.kinds.queue_ticket.QueueTicketDetails``)."""

    service: Annotated[str, Field(pattern=SERVICE_CODE_PATTERN)]
    priority: PriorityValue


@with_config(_DETAILS)
class IntakeDetails(TypedDict):
    """An intake's details: the names of the papers present and missing."""

    documents_present: Annotated[list[DocumentName], Field(max_length=MAX_DOCUMENTS)]
    documents_missing: Annotated[list[DocumentName], Field(max_length=MAX_DOCUMENTS)]


@with_config(_DETAILS)
class FeedbackDetails(TypedDict):
    """Feedback's details: its category, the citizen's text and optional contact."""

    category: FeedbackCategoryValue
    text: Annotated[str, Field(min_length=1, max_length=MAX_FEEDBACK_LENGTH)]
    contact: Annotated[str | None, Field(max_length=MAX_CONTACT_LENGTH)]


@with_config(_DETAILS)
class RatingDetails(TypedDict):
    """A rating's details: the level, and the counter or ticket rated (null: none)."""

    level: RatingLevelValue
    counter: Annotated[str | None, Field(max_length=100)]
    ticket_number: Annotated[str | None, Field(max_length=20)]


def _real_day(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None
    return value


ServiceDay = Annotated[
    str,
    Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
          description="the kiosk's day in Hà Nội; the backend takes days from "
          f"{SERVICE_DAY_DAYS_BEFORE} days before its own date to {SERVICE_DAY_DAYS_AFTER} "
          "after"),
    AfterValidator(_real_day),
]


class _SubmissionFields(_Model):
    """What every submission carries, whatever its kind.

    ``clock_untrusted``: the kiosk's clock was evidently wrong when it was made (a Pi
    without a clock battery boots in 1970), so it has no ``service_day``; the backend's
    ``received_at`` is the nearest real date.
    """

    uuid: UUID = Field(description="idempotency key, made by the kiosk at creation")
    kiosk_id: Annotated[str, Field(pattern=KIOSK_ID_PATTERN)]
    kiosk_seq: Annotated[int, Field(ge=1, le=2**62, description="the kiosk's own order")]
    receipt_code: Annotated[str, Field(pattern=RECEIPT_CODE_PATTERN)]
    service_day: Annotated[
        ServiceDay | None,
        Field(description="null exactly when clock_untrusted: the real day is unknown"),
    ]
    created_at: Annotated[str, Field(max_length=40, description="device clock; not trusted")]
    procedure_code: Annotated[str | None, Field(pattern=r"^[0-9]\.[0-9]{6}$")] = None
    ticket_number: Annotated[str | None, Field(max_length=20)] = None
    citizen_masked: Annotated[str | None, Field(max_length=120)] = None
    citizen_sealed: Annotated[
        str | None,
        Field(pattern=SEALED_PATTERN, max_length=8192,
              description="the applicant's identity sealed with the backend's public key"),
    ] = None
    clock_untrusted: bool = Field(
        default=False, description="made while the kiosk's clock was evidently wrong"
    )

    @model_validator(mode="after")
    def _dated_only_by_a_trusted_clock(self) -> Self:
        if self.clock_untrusted != (self.service_day is None):
            raise ValueError("service_day is null exactly when clock_untrusted is true")
        return self


class QueueTicketSubmission(_SubmissionFields):
    """A queue ticket as a kiosk sends it. ``created_at`` is the device clock: for reading."""

    kind: Literal[SubmissionKind.QUEUE_TICKET]
    details: QueueTicketDetails


class IntakeSubmission(_SubmissionFields):
    """An application intake as a kiosk sends it."""

    kind: Literal[SubmissionKind.APPLICATION_INTAKE]
    details: IntakeDetails


class FeedbackSubmission(_SubmissionFields):
    """Feedback as a kiosk sends it."""

    kind: Literal[SubmissionKind.FEEDBACK]
    details: FeedbackDetails


class RatingSubmission(_SubmissionFields):
    """A rating as a kiosk sends it."""

    kind: Literal[SubmissionKind.RATING]
    details: RatingDetails


#: One submission as a kiosk sends it: the model of its ``kind``.
WireSubmission = Annotated[
    QueueTicketSubmission | IntakeSubmission | FeedbackSubmission | RatingSubmission,
    Field(discriminator="kind"),
]
_SUBMISSION: TypeAdapter[WireSubmission] = TypeAdapter(WireSubmission)
assert {get_args(model.model_fields["kind"].annotation)[0]
        for model in get_args(get_args(WireSubmission)[0])} == set(SubmissionKind)


def wire_submission(data: object) -> WireSubmission:
    """The submission in ``data`` (a dict of Python values), as the model of its kind
    (pydantic's ValidationError when it does not fit)."""
    return _SUBMISSION.validate_python(data)


def read_submission(body: str | bytes) -> WireSubmission:
    """A submission from its JSON body (as stored by the backend)."""
    return _SUBMISSION.validate_json(body)


class SubmissionBatch(_Model):
    """A batch of submissions from one kiosk (``POST /v1/submissions/batch``)."""

    submissions: Annotated[list[WireSubmission], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class ReceivedItem(BaseModel):
    """One item of a batch as the backend first reads it: who it is and whose.

    The rest is checked item by item against :data:`WireSubmission` (:func:`admit`), so
    an item that does not fit is rejected alone, with its reason, and the others stored.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    uuid: UUID = Field(description="idempotency key, made by the kiosk at creation")
    kiosk_id: Annotated[str, Field(pattern=KIOSK_ID_PATTERN)]


class ReceivedBatch(_Model):
    """A batch as the backend reads it: each item a ``WireSubmission`` (one of
    QueueTicketSubmission, IntakeSubmission, FeedbackSubmission, RatingSubmission by its
    ``kind``); an item that is not one is rejected in its result, not the whole batch."""

    submissions: Annotated[list[ReceivedItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class ItemOutcome(enum.Enum):
    """What the backend did with one item of a batch."""

    ACCEPTED = "accepted"
    CONFLICT = "conflict"
    REJECTED = "rejected"


#: The HTTP-like status of each outcome, for people reading a batch result.
OUTCOME_STATUS = {ItemOutcome.ACCEPTED: 200, ItemOutcome.CONFLICT: 409, ItemOutcome.REJECTED: 422}


class ItemResult(_Model):
    """The backend's answer for one item: a replay gets exactly the first answer."""

    uuid: UUID
    outcome: ItemOutcome
    status: int
    reason: str | None = None


class BatchResult(_Model):
    """One result per item, in the order sent."""

    results: list[ItemResult]


@dataclass(frozen=True)
class Admission:
    """A received batch checked item by item: what may be stored, and what was rejected.

    ``batch`` holds the items that fit (None when none does); :meth:`results` merges the
    store's answers for them with the rejections, in the order the items were sent.
    """

    batch: SubmissionBatch | None
    rejected: dict[int, ItemResult]
    size: int

    def results(self, stored: BatchResult | None) -> BatchResult:
        """One result per item received, in order."""
        answers = iter([] if stored is None else stored.results)
        return BatchResult(results=[
            self.rejected[index] if index in self.rejected else next(answers)
            for index in range(self.size)
        ])


def admit(batch: ReceivedBatch, now: dt.datetime) -> Admission:
    """Check each item of ``batch`` against the wire schema and its service day against
    the backend's clock ``now``; the items that do not fit are rejected with the reason."""
    today = now.astimezone(HANOI).date()
    admitted: list[WireSubmission] = []
    rejected: dict[int, ItemResult] = {}
    for index, item in enumerate(batch.submissions):
        try:
            # Through JSON, exactly as a whole body is read, so the same rules apply.
            submission = read_submission(item.model_dump_json())
        except ValidationError as error:
            reason: str | None = describe(error)
        else:
            reason = service_day_refusal(submission.service_day, today)
            if reason is None:
                admitted.append(submission)
        if reason is not None:
            rejected[index] = ItemResult(
                uuid=item.uuid, outcome=ItemOutcome.REJECTED,
                status=OUTCOME_STATUS[ItemOutcome.REJECTED], reason=reason,
            )
    return Admission(
        SubmissionBatch(submissions=admitted) if admitted else None, rejected,
        len(batch.submissions),
    )


def service_day_refusal(service_day: str | None, today: dt.date) -> str | None:
    """Why ``service_day`` is refused on the backend's ``today`` (None: it is taken).

    None (a submission made under an untrusted clock, which says so) is taken: the kiosk
    does not know the day, and the backend's ``received_at`` dates it.

    The window is wide behind (a kiosk offline for months still delivers what it took,
    dated as it was) and narrow ahead (a day or two of clock skew around midnight); a day
    outside it comes from a clock that is wrong, and storing it would file the submission
    under a day that never was.
    """
    if service_day is None:
        return None
    day = dt.date.fromisoformat(service_day)
    if day < today - dt.timedelta(days=SERVICE_DAY_DAYS_BEFORE):
        return (f"service_day {service_day} is more than {SERVICE_DAY_DAYS_BEFORE} days "
                f"before the backend's date {today.isoformat()}: the kiosk's clock was wrong")
    if day > today + dt.timedelta(days=SERVICE_DAY_DAYS_AFTER):
        return (f"service_day {service_day} is more than {SERVICE_DAY_DAYS_AFTER} days "
                f"after the backend's date {today.isoformat()}: the kiosk's clock is wrong")
    return None


def describe(error: ValidationError) -> str:
    """A validation error in one line a technician can act on ("details.level: Input
    should be ..."), without the model name pydantic puts first in a union's paths."""
    kinds = {kind.value for kind in SubmissionKind}
    parts = []
    for item in error.errors(include_url=False):
        location = [str(part) for part in item["loc"]]
        if location and location[0] in kinds:
            location = location[1:]
        parts.append(f"{'.'.join(location) or 'kind'}: {item['msg']}")
    text = "; ".join(parts)
    return text if len(text) <= MAX_ITEM_REASON else text[: MAX_ITEM_REASON - 1] + "…"


class PulledSubmission(_Model):
    """A stored submission as the back office pulls it, the identity opened."""

    cursor: str
    received_at: str = Field(description="backend clock, UTC")
    submission: WireSubmission
    citizen: dict[str, JsonValue] | None = Field(
        default=None, description="the applicant's identity, opened by the backend"
    )


class SubmissionPage(_Model):
    """A page of the pull feed: pass ``next_cursor`` as ``after`` to continue."""

    items: list[PulledSubmission]
    next_cursor: str
    has_more: bool


class StatusUpdate(_Model):
    """A status the back office sets for one application."""

    submission_uuid: UUID
    status: ApplicationStatus
    # No NUL: PostgreSQL text cannot hold one (the other free texts travel inside JSON).
    note: Annotated[str | None, Field(max_length=500, pattern=r"^[^\x00]*$")] = None


class StatusUpdateBatch(_Model):
    """Status updates (``POST /v1/application-statuses``)."""

    updates: Annotated[list[StatusUpdate], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class StatusUpdateResult(_Model):
    """One result per update, in the order sent (rejected: no such submission)."""

    results: list[ItemResult]


class StatusEvent(_Model):
    """One status change as a kiosk pulls it."""

    cursor: str
    submission_uuid: UUID
    receipt_code: str
    status: ApplicationStatus
    note: str | None
    updated_at: str = Field(description="backend clock, UTC")


class StatusPage(_Model):
    """A page of the status feed of one kiosk."""

    items: list[StatusEvent]
    next_cursor: str
    has_more: bool


class ApplicationFound(_Model):
    """One application with the code asked about, as the office knows it (no personal data)."""

    submission_uuid: UUID
    kind: SubmissionKind
    procedure_code: str | None
    received_at: str = Field(description="backend clock, UTC")
    status: ApplicationStatus | None = Field(description="null: no status published yet")
    note: str | None
    updated_at: str | None = Field(description="backend clock, UTC; null without a status")


class ApplicationLookup(_Model):
    """What the office knows of a receipt code (``GET /v1/kiosk/applications/{code}``).

    Any enrolled kiosk may ask, so a citizen can check at any kiosk, not only the one that
    printed the code. Empty ``applications``: the office has nothing with that code (yet).
    """

    receipt_code: Annotated[str, Field(pattern=RECEIPT_CODE_PATTERN)]
    applications: list[ApplicationFound]


#: A card lookup key's id: which of the city's keys made a hash.
CARD_KEY_ID_PATTERN = r"^[a-z0-9-]{1,40}$"
#: Most applications one card look-up answers, and how far back (days) it looks.
MAX_CARD_APPLICATIONS = 20
CARD_LOOKUP_DAYS = 366


class CardLookupRequest(_Model):
    """``POST /v1/kiosk/applications-by-card``: the keyed hash of the card's ID number
    (kiosk/card_lookup.py) and the id of the key that made it. Never the number."""

    key_id: Annotated[str, Field(pattern=CARD_KEY_ID_PATTERN)]
    card_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$",
                                    description="HMAC-SHA256 of the ID number (hex)")]


class CardApplication(_Model):
    """One application made with the card asked about: no personal data, no note."""

    receipt_code: Annotated[str, Field(pattern=RECEIPT_CODE_PATTERN)]
    procedure_code: str | None
    received_at: str = Field(description="backend clock, UTC")
    status: ApplicationStatus | None = Field(description="null: no status published yet")
    updated_at: str | None = Field(description="backend clock, UTC; null without a status")


class CardApplications(_Model):
    """The applications made with one card (intakes), newest first, at most
    :data:`MAX_CARD_APPLICATIONS` from the last :data:`CARD_LOOKUP_DAYS` days. Empty: none,
    or the hash was made with a key the city does not hold (``key_known`` false)."""

    key_known: bool
    applications: list[CardApplication]


class DossierLookup(_Model):
    """What the office knows of an official dossier code (``GET /v1/kiosk/dossiers``):
    the intake linked to it, under its receipt code; nothing when none is linked."""

    dossier_code: Annotated[str, Field(pattern=DOSSIER_CODE_PATTERN)]
    receipt_code: Annotated[str | None, Field(pattern=RECEIPT_CODE_PATTERN)]
    applications: list[ApplicationFound]


class Publication(_Model):
    """What a publish did: the version now served and its ETag."""

    version: int
    etag: str


class DirectoryDetail(_Model):
    """Published details of one commune's service point; a key left out is kept."""

    code: Annotated[int, Field(ge=1, le=99999)]
    address: Annotated[str | None, Field(min_length=1, max_length=MAX_DETAIL_LENGTH)] = None
    hotline: Annotated[str | None, Field(min_length=1, max_length=MAX_DETAIL_LENGTH)] = None
    head: Annotated[str | None, Field(min_length=1, max_length=MAX_DETAIL_LENGTH)] = None
    phone: Annotated[str | None, Field(min_length=1, max_length=MAX_DETAIL_LENGTH)] = None
    opening_hours: Annotated[
        str | None, Field(min_length=1, max_length=MAX_DETAIL_LENGTH)
    ] = None
    map_link: Annotated[str | None, Field(
        min_length=1, max_length=MAX_DETAIL_LENGTH,
        description="an http(s) address of the service point on a map")] = None

    @model_validator(mode="after")
    def _details_make_sense(self) -> DirectoryDetail:
        """Each detail as the kiosk checks it (kiosk.directory.detail_problem)."""
        for key in DETAIL_KEYS:
            value = getattr(self, key)
            if value is not None and (problem := detail_problem(key, value)) is not None:
                raise ValueError(f"{key}: {problem}")
        return self


assert set(DirectoryDetail.model_fields) == {"code", *DETAIL_KEYS}


class DirectoryDocument(_Model):
    """The published commune directory details (``PUT /v1/directory``)."""

    version: Annotated[int, Field(ge=1, le=2**31)]
    details: Annotated[list[DirectoryDetail], Field(max_length=1000)]

    def detail_dicts(self) -> list[dict[str, Any]]:
        """Each detail with only the keys that were sent (null clears, absent keeps)."""
        return [detail.model_dump(exclude_unset=True) for detail in self.details]


class HubPresence(_Model):
    """What only a service point's hub reports in its heartbeat: who is connected to it."""

    consoles: Annotated[int, Field(ge=0, description="officer consoles with the page open")]
    displays: Annotated[int, Field(ge=0, description="TV display pages connected")]
    kiosks_seen: Annotated[int, Field(ge=0, description="kiosks heard from in the last 15 min")]


class UpdateReport(_Model):
    """The release channel a kiosk follows and where its last update stands
    (kiosk/update_report.py reads it from the updater's ``update.json``)."""

    channel: Annotated[str, Field(max_length=40, description="the kiosk's update.channel")]
    state: UpdateState | None = Field(
        default=None, description="the last update's state; null: the updater never ran")
    target_version: Annotated[str | None, Field(
        max_length=40, description="the release the last switch went to")] = None
    problem: UpdateProblem | None = Field(
        default=None, description="refused, failed (nothing switched) or rolled back")
    reason: Annotated[str | None, Field(
        max_length=500, description="why, in the updater's words; null without a problem")
    ] = None


class Heartbeat(_Model):
    """A kiosk's health, sent every ``sync.heartbeat_seconds``; a hub sends one too (its
    forward backlog as ``outbox_pending``, and ``hub`` set)."""

    software_version: Annotated[str, Field(max_length=40)]
    outbox_pending: Annotated[int, Field(ge=0)]
    outbox_failed: Annotated[int, Field(ge=0)]
    last_sync_success_at: Annotated[str | None, Field(max_length=40)] = None
    catalog_version: Annotated[int | None, Field(ge=0)] = None
    directory_version: Annotated[int | None, Field(ge=0)] = None
    overlay_version: Annotated[int | None, Field(
        ge=0, description="Hà Nội's catalog overlay the kiosk applies; null: none")] = None
    printer_state: Annotated[str | None, Field(max_length=40)] = None
    printer_paper: Annotated[str | None, Field(max_length=40)] = None
    device_time: Annotated[str, Field(max_length=40, description="device clock; not trusted")]
    hub: HubPresence | None = Field(default=None, description="set by a hub, null from a kiosk")
    update: UpdateReport | None = Field(
        default=None, description="its updates; null from a hub and from older kiosks")


class HeartbeatAck(_Model):
    """The backend's clock, so a kiosk can tell how far off its own is."""

    server_time: str


class FleetEntry(_Model):
    """One kiosk in the fleet view."""

    kiosk_id: str
    enrolled: bool = Field(description="has a token that is not revoked")
    last_heartbeat_at: str | None = Field(description="backend clock, UTC")
    heartbeat: Heartbeat | None


class Fleet(_Model):
    """Every enrolled kiosk and its last heartbeat."""

    kiosks: list[FleetEntry]


class Health(_Model):
    """The backend is up."""

    status: str
    api: str


class KioskIdentity(_Model):
    """What a kiosk learns when it is provisioned with its token.

    ``card_lookup_key``: the city's key for "scan your ID card to see your applications"
    (kiosk/card_lookup.py), the same for every kiosk of the city; secret, like the token.
    None from a backend that predates it.
    """

    kiosk_id: Annotated[str, Field(pattern=KIOSK_ID_PATTERN)]
    backend_public_key: Annotated[str, Field(description="seals personal data (base64)")]
    api: str
    card_lookup_key_id: Annotated[str | None, Field(pattern=CARD_KEY_ID_PATTERN)] = None
    card_lookup_key: Annotated[
        str | None, Field(pattern=r"^[0-9a-f]{64}$",
                          description="HMAC key for ID-card look-ups (hex; secret)")] = None


#: Most services one service point publishes.
MAX_QUEUE_SERVICES = 50


class ServiceQueue(_Model):
    """How one queue service of a service point stands at the moment of publication."""

    service: Annotated[str, Field(pattern=SERVICE_CODE_PATTERN)]
    waiting: Annotated[int, Field(ge=0, le=10_000, description="tickets issued, not yet called")]
    priority_waiting: Annotated[
        int, Field(ge=0, le=10_000, description="of those, priority tickets (called first)")
    ] = 0
    counters_open: Annotated[int, Field(ge=0, le=100, description="counters serving it now")]
    average_service_seconds: Annotated[
        int | None,
        Field(ge=1, le=86_400, description="recent average time per citizen; null: unknown"),
    ] = None

    def to_core(self) -> queue_state.ServiceQueue:
        """The same facts as the kiosk's core keeps them."""
        return queue_state.ServiceQueue(
            service=self.service, waiting=self.waiting, priority_waiting=self.priority_waiting,
            counters_open=self.counters_open,
            average_service_seconds=self.average_service_seconds,
        )


class QueuePublication(_Model):
    """A service point's queue as the back office publishes it (``PUT /v1/queue/{unit}``).

    ``published_at`` is the back office's clock (with a zone): a publication not later
    than the one served is refused with 409, so a delayed one never replaces a newer one.
    """

    published_at: AwareDatetime
    services: Annotated[list[ServiceQueue], Field(max_length=MAX_QUEUE_SERVICES)]

    @model_validator(mode="after")
    def _one_entry_per_service(self) -> QueuePublication:
        codes = [entry.service for entry in self.services]
        if len(codes) != len(set(codes)):
            raise ValueError("each service may appear once")
        for entry in self.services:
            if entry.priority_waiting > entry.waiting:
                raise ValueError(f"service {entry.service}: priority_waiting exceeds waiting")
        return self


def queue_publication(document: object, now: dt.datetime) -> QueuePublication:
    """A queue document as a back office writes one (a JSON object); without
    ``published_at`` it is stamped ``now``. Read through JSON exactly as the HTTP API reads
    a body (pydantic's ValidationError when it does not fit)."""
    if isinstance(document, dict) and "published_at" not in document:
        document = {**document, "published_at": now.isoformat()}
    return QueuePublication.model_validate_json(json.dumps(document))


class QueueState(_Model):
    """The queue served to kiosks (``GET /v1/queue/{unit}``)."""

    unit_code: int
    published_at: AwareDatetime
    received_at: str = Field(description="backend clock, UTC")
    services: list[ServiceQueue]


class KioskChanges(_Model):
    """What a kiosk would pull now (``GET /v1/kiosk/changes``): one value per thing it
    pulls, which changes whenever that thing does. The answer's ``ETag`` covers them all,
    so an unchanged poll is a ``304`` with no body; a kiosk then pulls only the parts
    whose value differs from its previous answer."""

    catalog: str | None = Field(description="the catalog's ETag; null: none published")
    catalog_overlay: str | None = Field(description="the overlay's ETag")
    directory: str | None = Field(description="the directory's ETag")
    status_cursor: str = Field(pattern=CURSOR_PATTERN,
                               description="the newest status event of this kiosk's "
                               "applications; 0: none")
    queue_published_at: str | None = Field(description="when the queue of ``unit`` was "
                                           "published (as stored); null: none")


def canonical_json(submission: WireSubmission) -> bytes:
    """The bytes that decide whether two bodies for one UUID are "the same"."""
    body = submission.model_dump(mode="json")
    if not body["clock_untrusted"]:
        # Absent when false: a body from a release without the field stays the same bytes,
        # so a replay across the upgrade is not a conflict.
        del body["clock_untrusted"]
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def body_digest(submission: WireSubmission) -> str:
    """SHA-256 of :func:`canonical_json`, hex."""
    return hashlib.sha256(canonical_json(submission)).hexdigest()


def quote_etag(digest: str) -> str:
    """An HTTP ETag (strong, quoted) for a content digest."""
    return f'"{digest}"'


# -- releases (docs/updates.md) -----------------------------------------------------------


class ReleaseOffer(_Model):
    """A channel's signed release: the manifest's exact text and its Ed25519 signature.

    The manifest is carried as text, not as a JSON object, so the bytes the city signed
    reach the kiosk unchanged (kiosk/release_signature.py checks them before parsing).
    """

    manifest: str = Field(max_length=4000)
    signature: str = Field(max_length=100)
