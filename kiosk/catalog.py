"""The procedure catalog: its model, the ``motcua-catalog/1`` JSON format and its storage.

The format is documented in ``docs/catalog-format.md``. A file is checked whole before
anything is written, then imported in one transaction: a bad record refuses the file with
the record's index, code and the reason, and the kiosk keeps the catalog it had.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

from kiosk.search import Field, SearchIndex
from kiosk.storage import Database, write_transaction
from kiosk.text import fold, nfc

FORMAT = "motcua-catalog/1"
PORTAL_URL = (
    "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc={code}"
)
DEMO_CATALOG = "catalog-demo.json"
_CODE = re.compile(r"[0-9]\.[0-9]{6}")
_SERVICE = re.compile(r"[A-Z]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_E = TypeVar("_E", bound=enum.Enum)


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


class CatalogError(Exception):
    """A catalog file that cannot be imported, and why."""


@dataclass(frozen=True)
class Service:
    """A queue service: one ticket series at the service point."""

    code: str
    name: str
    name_en: str | None = None
    counter: str | None = None


@dataclass(frozen=True)
class Document:
    """A paper the citizen brings."""

    name: str
    originals: int
    copies: int
    note: str | None = None


@dataclass(frozen=True)
class Fee:
    """A fee for one channel; ``amount_vnd`` None means it depends on the case (see note)."""

    channel: Channel
    amount_vnd: int | None
    note: str | None = None


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure as citizens need to know it."""

    code: str
    title: str
    field: str
    level: Level
    agency: str
    documents: tuple[Document, ...]
    fees: tuple[Fee, ...]
    processing_time: str
    channels: tuple[Channel, ...]
    legal_basis: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    title_en: str | None = None
    service: str | None = None
    summary: str | None = None

    @property
    def portal_url(self) -> str:
        """This procedure's page on the National Public Service Portal."""
        return PORTAL_URL.format(code=self.code)

    def to_json(self) -> dict[str, Any]:
        """The record in the catalog format (plus ``portal_url``)."""
        record: dict[str, Any] = {
            "code": self.code,
            "title": self.title,
            "title_en": self.title_en,
            "field": self.field,
            "level": self.level.value,
            "agency": self.agency,
            "service": self.service,
            "summary": self.summary,
            "documents": [
                {"name": d.name, "originals": d.originals, "copies": d.copies, "note": d.note}
                for d in self.documents
            ],
            "fees": [
                {"channel": f.channel.value, "amount_vnd": f.amount_vnd, "note": f.note}
                for f in self.fees
            ],
            "processing_time": self.processing_time,
            "channels": [channel.value for channel in self.channels],
            "legal_basis": list(self.legal_basis),
            "aliases": list(self.aliases),
        }
        stripped = {key: value for key, value in record.items() if value is not None}
        stripped["portal_url"] = self.portal_url
        return stripped


@dataclass(frozen=True)
class Catalog:
    """A whole published catalog."""

    version: int
    services: tuple[Service, ...]
    procedures: tuple[Procedure, ...]
    published: str | None = None


class _Record:
    """Typed field access on one JSON object, raising ValueError naming the bad key."""

    def __init__(
        self, value: object, what: str, required: set[str], optional: set[str]
    ) -> None:
        if not isinstance(value, dict):
            raise ValueError(f"{what} must be a JSON object")
        unknown = sorted(set(value) - required - optional)
        if unknown:
            raise ValueError(f"{what} has unknown key(s): {', '.join(unknown)}")
        missing = sorted(required - set(value))
        if missing:
            raise ValueError(f"{what} lacks required key(s): {', '.join(missing)}")
        self.value: dict[str, object] = value
        self.what = what

    def text(self, key: str, *, pattern: re.Pattern[str] | None = None) -> str:
        value = self.value[key]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{self.what}: {key} must be non-empty text")
        if pattern is not None and pattern.fullmatch(value) is None:
            raise ValueError(f"{self.what}: {key} {value!r} must match {pattern.pattern}")
        return nfc(value.strip())

    def optional_text(self, key: str, *, pattern: re.Pattern[str] | None = None) -> str | None:
        if self.value.get(key) is None:
            return None
        return self.text(key, pattern=pattern)

    def count(self, key: str) -> int:
        value = self.value[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{self.what}: {key} must be a whole number >= 0")
        return value

    def items(self, key: str, *, required: bool = True) -> list[object]:
        if not required and key not in self.value:
            return []
        value = self.value[key]
        if not isinstance(value, list):
            raise ValueError(f"{self.what}: {key} must be a list")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.items(key, required=False)
        if not all(isinstance(item, str) and item.strip() for item in values):
            raise ValueError(f"{self.what}: {key} must be a list of non-empty texts")
        return tuple(nfc(str(item).strip()) for item in values)

    def choice(self, key: str, kind: type[_E], value: object = None) -> _E:
        raw = self.value[key] if value is None else value
        try:
            return kind(raw)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise ValueError(f"{self.what}: {key} {raw!r} must be one of {allowed}") from None


def _parse_service(value: object) -> Service:
    record = _Record(value, "service", {"code", "name"}, {"name_en", "counter"})
    return Service(
        code=record.text("code", pattern=_SERVICE),
        name=record.text("name"),
        name_en=record.optional_text("name_en"),
        counter=record.optional_text("counter"),
    )


def _parse_document(value: object) -> Document:
    record = _Record(value, "document", {"name", "originals", "copies"}, {"note"})
    return Document(
        name=record.text("name"),
        originals=record.count("originals"),
        copies=record.count("copies"),
        note=record.optional_text("note"),
    )


def _parse_fee(value: object) -> Fee:
    record = _Record(value, "fee", {"channel", "amount_vnd"}, {"note"})
    amount = record.value["amount_vnd"]
    if amount is not None:
        amount = record.count("amount_vnd")
    note = record.optional_text("note")
    if amount is None and note is None:
        raise ValueError("fee: a fee without a fixed amount_vnd needs a note saying how it is set")
    return Fee(channel=record.choice("channel", Channel), amount_vnd=amount, note=note)


_PROCEDURE_REQUIRED = {
    "code", "title", "field", "level", "agency", "documents", "fees", "processing_time",
    "channels",
}
_PROCEDURE_OPTIONAL = {"title_en", "service", "summary", "legal_basis", "aliases"}


def _parse_procedure(value: object, services: Mapping[str, Service]) -> Procedure:
    record = _Record(value, "procedure", _PROCEDURE_REQUIRED, _PROCEDURE_OPTIONAL)
    channels = tuple(
        record.choice("channels", Channel, item) for item in record.items("channels")
    )
    if not channels:
        raise ValueError("procedure: channels must name at least one channel")
    service = record.optional_text("service", pattern=_SERVICE)
    if service is not None and service not in services:
        raise ValueError(f"procedure: service {service!r} is not among the file's services")
    return Procedure(
        code=record.text("code", pattern=_CODE),
        title=record.text("title"),
        title_en=record.optional_text("title_en"),
        field=record.text("field"),
        level=record.choice("level", Level),
        agency=record.text("agency"),
        service=service,
        summary=record.optional_text("summary"),
        documents=tuple(_parse_document(item) for item in record.items("documents")),
        fees=tuple(_parse_fee(item) for item in record.items("fees")),
        processing_time=record.text("processing_time"),
        channels=channels,
        legal_basis=record.texts("legal_basis"),
        aliases=record.texts("aliases"),
    )


def _record_label(value: object) -> str:
    code = value.get("code") if isinstance(value, dict) else None
    return f" ({code})" if isinstance(code, str) else ""


def parse_catalog(data: object) -> Catalog:
    """A checked :class:`Catalog` from decoded JSON, or CatalogError for the first fault."""
    try:
        top = _Record(
            data, "catalog", {"format", "version", "services", "procedures"}, {"published"}
        )
        if top.value["format"] != FORMAT:
            raise ValueError(f"catalog: format must be {FORMAT!r}, not {top.value['format']!r}")
        version = top.value["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError("catalog: version must be a whole number >= 1")
        published = top.optional_text("published", pattern=_DATE)
        raw_services = top.items("services")
        raw_procedures = top.items("procedures")
    except ValueError as error:
        raise CatalogError(str(error)) from None
    services: dict[str, Service] = {}
    for index, value in enumerate(raw_services):
        try:
            service = _parse_service(value)
            if service.code in services:
                raise ValueError(f"service: code {service.code!r} appears twice")
        except ValueError as error:
            raise CatalogError(f"services[{index}]{_record_label(value)}: {error}") from None
        services[service.code] = service
    if not raw_procedures:
        raise CatalogError("catalog: procedures is empty")
    procedures: dict[str, Procedure] = {}
    for index, value in enumerate(raw_procedures):
        try:
            procedure = _parse_procedure(value, services)
            if procedure.code in procedures:
                raise ValueError(f"procedure: code {procedure.code} appears twice")
        except ValueError as error:
            raise CatalogError(f"procedures[{index}]{_record_label(value)}: {error}") from None
        procedures[procedure.code] = procedure
    return Catalog(
        version=version,
        services=tuple(services.values()),
        procedures=tuple(procedures.values()),
        published=published,
    )


def parse_catalog_bytes(raw: bytes) -> Catalog:
    """A checked catalog from the bytes of a catalog file."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CatalogError(f"not UTF-8 text: {error}") from None
    except json.JSONDecodeError as error:
        raise CatalogError(f"not valid JSON: {error}") from None
    return parse_catalog(data)


def demo_catalog_bytes() -> bytes:
    """The shipped demo catalog file."""
    return resources.files("kiosk.data").joinpath(DEMO_CATALOG).read_bytes()


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    version: int
    previous_version: int | None
    procedures: int
    services: int


def installed_version(db: Database) -> int | None:
    """The version of the catalog in ``db``, or None when none was imported."""
    row = db.execute("SELECT version FROM catalog_meta WHERE id = 1").fetchone()
    return None if row is None else int(row[0])


def import_catalog(
    db: Database, raw: bytes, *, force: bool = False, now: dt.datetime | None = None
) -> ImportResult:
    """Check the catalog file ``raw`` whole, then replace the stored catalog with it.

    A version not newer than the installed one is refused unless ``force``.
    """
    catalog = parse_catalog_bytes(raw)
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    with write_transaction(db):
        previous = installed_version(db)
        if previous is not None and catalog.version <= previous and not force:
            raise CatalogError(
                f"the kiosk already has catalog version {previous}; this file is version "
                f"{catalog.version} (publish a higher version, or use --force)"
            )
        db.execute("DELETE FROM procedures")
        db.execute("DELETE FROM services")
        db.table("services").insert_all(
            {"code": s.code, "name": s.name, "name_en": s.name_en, "counter": s.counter}
            for s in catalog.services
        )
        db.table("procedures").insert_all(
            {
                "code": p.code,
                "position": position,
                "title": p.title,
                "field": p.field,
                "service": p.service,
                "record": json.dumps(p.to_json(), ensure_ascii=False),
            }
            for position, p in enumerate(catalog.procedures)
        )
        db.execute("DELETE FROM catalog_meta")
        db.execute(
            "INSERT INTO catalog_meta (id, format, version, published, imported_at, "
            "source_sha256) VALUES (1, ?, ?, ?, ?, ?)",
            [FORMAT, catalog.version, catalog.published, stamp, hashlib.sha256(raw).hexdigest()],
        )
    return ImportResult(
        version=catalog.version,
        previous_version=previous,
        procedures=len(catalog.procedures),
        services=len(catalog.services),
    )


def load_catalog(db: Database) -> Catalog | None:
    """The stored catalog, or None when none was imported."""
    version = installed_version(db)
    if version is None:
        return None
    published = db.execute("SELECT published FROM catalog_meta").fetchone()[0]
    services = tuple(
        Service(code=row["code"], name=row["name"], name_en=row["name_en"], counter=row["counter"])
        for row in db.query("SELECT * FROM services ORDER BY code")
    )
    known = {service.code: service for service in services}
    procedures = tuple(
        _parse_procedure(_stored_record(row["record"]), known)
        for row in db.query("SELECT record FROM procedures ORDER BY position")
    )
    return Catalog(version=version, services=services, procedures=procedures, published=published)


def _stored_record(text: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(text)
    del record["portal_url"]
    return record


def procedures_by_field(procedures: Sequence[Procedure]) -> dict[str, list[Procedure]]:
    """Procedures grouped by field, fields and titles in alphabetical order (for browsing)."""
    groups: dict[str, list[Procedure]] = {}
    for procedure in sorted(procedures, key=lambda p: (fold(p.field), fold(p.title))):
        groups.setdefault(procedure.field, []).append(procedure)
    return groups


def search_fields(procedure: Procedure) -> list[Field]:
    """What of a procedure is searched, and how much each part counts.

    Titles and aliases count most, then the field, the English title and the summary; the
    papers' names least, so a word found only in a paper ("giấy xác nhận tình trạng hôn
    nhân", needed to marry) ranks that procedure below the one it names. The code is looked
    up as a code, not as words.
    """
    return [
        Field(procedure.title, 3.0, phrase=True),
        *(Field(alias, 3.0, phrase=True) for alias in procedure.aliases),
        Field(procedure.code, 3.0, code=True),
        Field(procedure.field, 1.5),
        Field(procedure.title_en or "", 1.0),
        Field(procedure.summary or "", 0.5),
        Field(" ".join(document.name for document in procedure.documents), 0.3),
    ]


def procedure_index(procedures: Sequence[Procedure]) -> SearchIndex[str]:
    """A search index over ``procedures``, keyed by procedure code."""
    return SearchIndex((procedure.code, search_fields(procedure)) for procedure in procedures)
