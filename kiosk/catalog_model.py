"""The procedure catalog's model: procedures with their cases, papers, fees and times.

Plain frozen data, built by :mod:`kiosk.catalog_format` from a checked file and written
back by :meth:`Procedure.to_json`. The meaning of every field is documented in
``docs/catalog-format.md``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

PORTAL_URL = (
    "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc={code}"
)

#: Channel names as procedure texts (which stay Vietnamese) write them.
CHANNEL_VI = {"in_person": "Trực tiếp", "online": "Trực tuyến", "post": "Dịch vụ bưu chính"}


class Channel(enum.Enum):
    """How an application can be submitted."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    POST = "post"


class Level(enum.Enum):
    """The level of government that decides a procedure."""

    COMMUNE = "commune"
    PROVINCE = "province"
    CENTRAL = "central"


class Receiver(enum.Enum):
    """Who takes the application at the citizen's commune or ward."""

    #: Bộ phận một cửa of the commune People's Committee (UBND xã/phường).
    COMMUNE_DESK = "commune_desk"
    #: The commune or ward police (Công an xã/phường): residence, ID cards, vehicles.
    COMMUNE_POLICE = "commune_police"
    #: Anyone else (a tax office, a province department, ...): see ``agency``.
    OTHER = "other"


@dataclass(frozen=True)
class Service:
    """A queue service: one ticket series at the service point."""

    code: str
    name: str
    name_en: str | None = None
    counter: str | None = None


@dataclass(frozen=True)
class Document:
    """A paper the citizen hands in or shows."""

    name: str
    originals: int
    copies: int
    note: str | None = None
    #: The form to fill in, e.g. "Mẫu CT01"; None when the paper is not a form.
    form: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The document in the catalog format."""
        return _stripped(
            {"name": self.name, "originals": self.originals, "copies": self.copies,
             "form": self.form, "note": self.note}
        )


@dataclass(frozen=True)
class Case:
    """One situation (trường hợp) of a procedure, with its own papers.

    ``submit`` are the papers handed in (nộp), ``show`` the papers only shown to the
    officer (xuất trình). A procedure with one situation has exactly one case.
    """

    key: str
    title: str
    submit: tuple[Document, ...] = ()
    show: tuple[Document, ...] = ()
    note: str | None = None

    @property
    def papers(self) -> tuple[Document, ...]:
        """Everything the citizen brings for this case: the papers to submit, then to show."""
        return self.submit + self.show

    def to_json(self) -> dict[str, Any]:
        """The case in the catalog format."""
        return _stripped(
            {"key": self.key, "title": self.title,
             "submit": [d.to_json() for d in self.submit],
             "show": [d.to_json() for d in self.show], "note": self.note}
        )


@dataclass(frozen=True)
class Fee:
    """A fee for one channel.

    ``amount_vnd`` 0 is free, None depends on the case (``note`` says how). A procedure
    whose fee list is empty has no fee stated by the portal: that is *not* free.
    """

    channel: Channel
    amount_vnd: int | None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The fee in the catalog format."""
        return _stripped(
            {"channel": self.channel.value, "amount_vnd": self.amount_vnd, "note": self.note},
            keep={"amount_vnd"},
        )


@dataclass(frozen=True)
class ProcessingTime:
    """How long a channel takes, as the portal states it ("05 ngày làm việc").

    ``channel`` None means every channel.
    """

    text: str
    channel: Channel | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The time in the catalog format."""
        return _stripped(
            {"channel": None if self.channel is None else self.channel.value,
             "text": self.text, "note": self.note}
        )


@dataclass(frozen=True)
class LocalRule:
    """What Hà Nội sets itself for one procedure, from the back office's overlay
    (``motcua-catalog-overlay/1``, :mod:`kiosk.catalog_overlay`): it wins over the portal.

    ``fees`` None leaves the portal's fees; ``service`` None the catalog's queue service;
    ``counter`` names the counter that takes the procedure at the service point (winning
    over its service's counter); ``note`` says what Hà Nội decided, in Vietnamese.
    """

    fees: tuple[Fee, ...] | None = None
    service: str | None = None
    counter: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure as citizens need to know it."""

    code: str
    title: str
    field: str
    level: Level
    agency: str
    cases: tuple[Case, ...]
    fees: tuple[Fee, ...]
    times: tuple[ProcessingTime, ...]
    channels: tuple[Channel, ...]
    receiver: Receiver = Receiver.COMMUNE_DESK
    legal_basis: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    title_en: str | None = None
    service: str | None = None
    summary: str | None = None
    who_may_apply: str | None = None
    conditions: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    result: str | None = None
    former_codes: tuple[str, ...] = ()
    #: A central- or district-level variant a commune kiosk cannot take: shown only when
    #: asked for by its exact code, never ranked above the commune variant.
    hidden: bool = False
    #: Hà Nội's own fee, counter or note from the overlay (never stored with the record:
    #: applied when the catalog is loaded).
    local: LocalRule | None = None

    @property
    def fees_set_by_hanoi(self) -> bool:
        """The fees shown are Hà Nội's (from the overlay), not the portal's."""
        return self.local is not None and self.local.fees is not None

    @property
    def counter(self) -> str | None:
        """The counter Hà Nội's overlay names for this procedure, if any."""
        return None if self.local is None else self.local.counter

    @property
    def portal_url(self) -> str:
        """This procedure's page on the National Public Service Portal."""
        return PORTAL_URL.format(code=self.code)

    @property
    def documents(self) -> tuple[Document, ...]:
        """Every paper of every case, each name once, in order (search and one-case use)."""
        seen: set[str] = set()
        papers: list[Document] = []
        for case in self.cases:
            for document in case.papers:
                if document.name not in seen:
                    seen.add(document.name)
                    papers.append(document)
        return tuple(papers)

    @property
    def processing_time(self) -> str:
        """The processing time in one line, in the portal's words (Vietnamese).

        One text when every channel takes the same time; else "Trực tiếp: ...; Trực
        tuyến: ...". Empty times say the portal gives none.
        """
        if not self.times:
            return "Cổng Dịch vụ công chưa nêu thời hạn"
        texts = list(dict.fromkeys(time.text for time in self.times))
        if len(texts) == 1:
            return texts[0]
        return "; ".join(
            (f"{CHANNEL_VI[time.channel.value]}: " if time.channel else "") + time.text
            for time in self.times
        )

    def case(self, key: str | None) -> Case | None:
        """The case ``key``; None when there is no such case. ``key`` None picks the only
        case of a one-case procedure."""
        if key is None:
            return self.cases[0] if len(self.cases) == 1 else None
        return next((case for case in self.cases if case.key == key), None)

    def to_json(self) -> dict[str, Any]:
        """The record in the catalog format (plus ``portal_url``)."""
        record: dict[str, Any] = {
            "code": self.code,
            "former_codes": list(self.former_codes) or None,
            "title": self.title,
            "title_en": self.title_en,
            "field": self.field,
            "level": self.level.value,
            "receiver": self.receiver.value,
            "agency": self.agency,
            "hidden": self.hidden or None,
            "service": self.service,
            "summary": self.summary,
            "who_may_apply": self.who_may_apply,
            "conditions": list(self.conditions) or None,
            "cases": [case.to_json() for case in self.cases],
            "fees": [fee.to_json() for fee in self.fees],
            "times": [time.to_json() for time in self.times],
            "channels": [channel.value for channel in self.channels],
            "steps": list(self.steps) or None,
            "result": self.result,
            "legal_basis": list(self.legal_basis),
            "aliases": list(self.aliases),
        }
        stripped = _stripped(record)
        stripped["portal_url"] = self.portal_url
        return stripped


@dataclass(frozen=True)
class LifeEvent:
    """Something that happened in a citizen's life, and the procedures it usually needs,
    in the order they are usually done."""

    key: str
    title: str
    title_en: str
    procedures: tuple[str, ...]
    note: str | None = None
    note_en: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The life event in the catalog format."""
        return _stripped(
            {"key": self.key, "title": self.title, "title_en": self.title_en,
             "procedures": list(self.procedures), "note": self.note, "note_en": self.note_en}
        )


@dataclass(frozen=True)
class FieldName:
    """A field (lĩnh vực) as procedures name it, and its English name."""

    name: str
    name_en: str

    def to_json(self) -> dict[str, Any]:
        """The field in the catalog format."""
        return {"name": self.name, "name_en": self.name_en}


@dataclass(frozen=True)
class Catalog:
    """A whole published catalog."""

    version: int
    services: tuple[Service, ...]
    procedures: tuple[Procedure, ...]
    published: str | None = None
    life_events: tuple[LifeEvent, ...] = ()
    fields: tuple[FieldName, ...] = ()
    _by_code: dict[str, Procedure] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def procedure(self, code: str) -> Procedure | None:
        """Procedure ``code``, also by one of its former codes (old receipts and links)."""
        if not self._by_code:
            self._by_code.update(_codes(self.procedures))
        return self._by_code.get(code.strip())

    def field_name(self, name: str, language: str) -> str:
        """Field ``name`` in ``language`` ("en" gives its English name when known)."""
        if language == "en":
            return next((f.name_en for f in self.fields if f.name == name), name)
        return name

    def life_event(self, key: str) -> LifeEvent | None:
        """Life event ``key``."""
        return next((event for event in self.life_events if event.key == key), None)

    def visible(self) -> tuple[Procedure, ...]:
        """The procedures a commune kiosk offers when browsing (not the hidden variants)."""
        return tuple(procedure for procedure in self.procedures if not procedure.hidden)


def _codes(procedures: Iterable[Procedure]) -> dict[str, Procedure]:
    """Code -> procedure; former codes after current ones, so a current code always wins."""
    by_code = {procedure.code: procedure for procedure in procedures}
    for procedure in procedures:
        for former in procedure.former_codes:
            by_code.setdefault(former, procedure)
    return by_code


def _stripped(record: dict[str, Any], keep: set[str] | None = None) -> dict[str, Any]:
    """``record`` without its None values (but those in ``keep``)."""
    return {k: v for k, v in record.items() if v is not None or (keep and k in keep)}
