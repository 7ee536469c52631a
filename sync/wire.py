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
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, model_validator

from kiosk import queue_state
from kiosk.application_status import ApplicationStatus
from kiosk.directory import DETAIL_KEYS, MAX_DETAIL_LENGTH
from kiosk.submissions import SubmissionKind

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


class Endpoint(enum.Enum):
    """Every endpoint of v1."""

    HEALTH = f"{PREFIX}/health"
    SUBMISSIONS_BATCH = f"{PREFIX}/submissions/batch"
    SUBMISSIONS = f"{PREFIX}/submissions"
    APPLICATION_STATUSES = f"{PREFIX}/application-statuses"
    KIOSK_APPLICATION_STATUSES = f"{PREFIX}/kiosk/application-statuses"
    CATALOG = f"{PREFIX}/catalog"
    DIRECTORY = f"{PREFIX}/directory"
    HEARTBEAT = f"{PREFIX}/kiosk/heartbeat"
    KIOSK_IDENTITY = f"{PREFIX}/kiosk/identity"
    FLEET = f"{PREFIX}/fleet"
    #: Any kiosk asks the office about one receipt code (a path template).
    KIOSK_APPLICATION_LOOKUP = f"{PREFIX}/kiosk/applications/{{receipt_code}}"
    #: The back office PUTs a service point's queue, kiosks GET it (a path template).
    QUEUE = f"{PREFIX}/queue/{{unit_code}}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WireSubmission(_Model):
    """One submission as a kiosk sends it. ``created_at`` is the device clock: for reading.

    ``clock_untrusted``: the kiosk's clock was evidently wrong when it was made (a Pi
    without a clock battery boots in 1970), so it has no ``service_day``; the backend's
    ``received_at`` is the nearest real date.
    """

    uuid: UUID = Field(description="idempotency key, made by the kiosk at creation")
    kiosk_id: Annotated[str, Field(pattern=KIOSK_ID_PATTERN)]
    kiosk_seq: Annotated[int, Field(ge=1, le=2**62, description="the kiosk's own order")]
    kind: SubmissionKind
    receipt_code: Annotated[str, Field(pattern=RECEIPT_CODE_PATTERN)]
    service_day: Annotated[
        str | None,
        Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
              description="null exactly when clock_untrusted: the real day is unknown"),
    ]
    created_at: Annotated[str, Field(max_length=40, description="device clock; not trusted")]
    procedure_code: Annotated[str | None, Field(pattern=r"^[0-9]\.[0-9]{6}$")] = None
    ticket_number: Annotated[str | None, Field(max_length=20)] = None
    details: dict[str, JsonValue]
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
    def _dated_only_by_a_trusted_clock(self) -> WireSubmission:
        if self.clock_untrusted != (self.service_day is None):
            raise ValueError("service_day is null exactly when clock_untrusted is true")
        return self


class SubmissionBatch(_Model):
    """A batch of submissions from one kiosk (``POST /v1/submissions/batch``)."""

    submissions: Annotated[list[WireSubmission], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


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


assert set(DirectoryDetail.model_fields) == {"code", *DETAIL_KEYS}


class DirectoryDocument(_Model):
    """The published commune directory details (``PUT /v1/directory``)."""

    version: Annotated[int, Field(ge=1, le=2**31)]
    details: Annotated[list[DirectoryDetail], Field(max_length=1000)]

    def detail_dicts(self) -> list[dict[str, Any]]:
        """Each detail with only the keys that were sent (null clears, absent keeps)."""
        return [detail.model_dump(exclude_unset=True) for detail in self.details]


class Heartbeat(_Model):
    """A kiosk's health, sent every ``sync.heartbeat_seconds``."""

    software_version: Annotated[str, Field(max_length=40)]
    outbox_pending: Annotated[int, Field(ge=0)]
    outbox_failed: Annotated[int, Field(ge=0)]
    last_sync_success_at: Annotated[str | None, Field(max_length=40)] = None
    catalog_version: Annotated[int | None, Field(ge=0)] = None
    directory_version: Annotated[int | None, Field(ge=0)] = None
    printer_state: Annotated[str | None, Field(max_length=40)] = None
    printer_paper: Annotated[str | None, Field(max_length=40)] = None
    device_time: Annotated[str, Field(max_length=40, description="device clock; not trusted")]


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
    """What a kiosk learns when it is provisioned with its token."""

    kiosk_id: Annotated[str, Field(pattern=KIOSK_ID_PATTERN)]
    backend_public_key: Annotated[str, Field(description="seals personal data (base64)")]
    api: str


#: A queue service's code as the catalog names it: one capital letter (``A``).
SERVICE_CODE_PATTERN = r"^[A-Z]$"
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
