"""The procedure catalog: the model and file format re-exported, and its storage.

The model is in :mod:`kiosk.catalog_model`, the file format (``motcua-catalog/2``, and
``motcua-catalog/1`` read as version 2) in :mod:`kiosk.catalog_format`, both documented in
``docs/catalog-format.md``. A file is checked whole before anything is written, then
imported in one transaction: a file with a bad record is refused with every fault listed
(list, index, code and the reason), and the kiosk keeps the catalog it had.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from kiosk.catalog_format import (
    CODE,
    DEFAULT_CASE,
    FORMAT,
    FORMAT_V1,
    CatalogError,
    catalog_to_json,
    parse_catalog,
    parse_catalog_bytes,
    parse_procedure,
    parse_procedure_v1,
)
from kiosk.catalog_model import (
    PORTAL_URL,
    Case,
    Catalog,
    Channel,
    Document,
    Fee,
    FieldName,
    Level,
    LifeEvent,
    LocalRule,
    Procedure,
    ProcessingTime,
    Receiver,
    Service,
)
from kiosk.catalog_overlay import apply_overlay, load_overlay
from kiosk.search import Field, SearchIndex
from kiosk.storage import Database, write_transaction
from kiosk.text import fold

__all__ = [
    "CODE",
    "DEFAULT_CASE",
    "DEMO_CATALOG",
    "FORMAT",
    "FORMAT_V1",
    "PORTAL_URL",
    "Case",
    "Catalog",
    "CatalogError",
    "CatalogStats",
    "Channel",
    "Document",
    "Fee",
    "FieldName",
    "ImportResult",
    "Level",
    "LifeEvent",
    "LocalRule",
    "Procedure",
    "ProcessingTime",
    "Receiver",
    "Service",
    "catalog_stats",
    "catalog_to_json",
    "demo_catalog_bytes",
    "import_catalog",
    "installed_version",
    "load_catalog",
    "parse_catalog",
    "parse_catalog_bytes",
    "procedure_index",
    "procedures_by_field",
    "search_fields",
    "seed_demo_catalog",
]

#: The catalog shipped for demo mode and the demo back office (made by scripts/convert-portal).
DEMO_CATALOG = "catalog-hanoi.json"


def demo_catalog_bytes() -> bytes:
    """The shipped demo catalog file."""
    return resources.files("kiosk.data").joinpath(DEMO_CATALOG).read_bytes()


def seed_demo_catalog(db: Database) -> ImportResult | None:
    """Demo mode: import the shipped catalog when ``db`` has none or an older one (a demo
    data directory made by an earlier release then gets the new catalog)."""
    raw = demo_catalog_bytes()
    installed = installed_version(db)
    if installed is not None:
        shipped = json.loads(raw.decode("utf-8")).get("version")
        if not isinstance(shipped, int) or shipped <= installed:
            return None
    return import_catalog(db, raw)


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    version: int
    previous_version: int | None
    procedures: int
    services: int


@dataclass(frozen=True)
class CatalogStats:
    """How much a catalog holds (``kiosk catalog stats``)."""

    procedures: int
    fields: int
    life_events: int
    cases: int

    def to_json(self) -> dict[str, int]:
        """The counts as ``kiosk catalog stats --json`` prints them."""
        return {"procedures": self.procedures, "fields": self.fields,
                "life_events": self.life_events, "cases": self.cases}


def catalog_stats(catalog: Catalog) -> CatalogStats:
    """The counts of ``catalog``: procedures, distinct fields, life events and cases."""
    return CatalogStats(
        procedures=len(catalog.procedures),
        fields=len({procedure.field for procedure in catalog.procedures}),
        life_events=len(catalog.life_events),
        cases=sum(len(procedure.cases) for procedure in catalog.procedures),
    )


def installed_version(db: Database) -> int | None:
    """The version of the catalog in ``db``, or None when none was imported."""
    row = db.execute("SELECT version FROM catalog_meta WHERE id = 1").fetchone()
    return None if row is None else int(row[0])


def import_catalog(
    db: Database, raw: bytes, *, force: bool = False, now: dt.datetime | None = None
) -> ImportResult:
    """Check the catalog file ``raw`` whole, then replace the stored catalog with it.

    A version not newer than the installed one is refused unless ``force``. A version 1
    file is stored as version 2 (its records converted).
    """
    catalog = parse_catalog_bytes(raw)
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    extras = {
        "life_events": [event.to_json() for event in catalog.life_events],
        "fields": [field.to_json() for field in catalog.fields],
    }
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
            "source_sha256, extras) VALUES (1, ?, ?, ?, ?, ?, ?)",
            [FORMAT, catalog.version, catalog.published, stamp,
             hashlib.sha256(raw).hexdigest(), json.dumps(extras, ensure_ascii=False)],
        )
    return ImportResult(
        version=catalog.version,
        previous_version=previous,
        procedures=len(catalog.procedures),
        services=len(catalog.services),
    )


def load_catalog(db: Database, *, overlay: bool = True) -> Catalog | None:
    """The stored catalog, or None when none was imported.

    Hà Nội's stored overlay (kiosk.catalog_overlay) is applied unless ``overlay`` is False:
    its fees, queue services and counters win over the portal's.

    A catalog stored by a release that knew only version 1 (``catalog_meta.format``) has
    version 1 records: they are read as version 2, as an imported file would be.
    """
    meta = db.execute(
        "SELECT format, version, published, extras FROM catalog_meta WHERE id = 1"
    ).fetchone()
    if meta is None:
        return None
    stored_format, version, published, extras_json = meta
    services = tuple(
        Service(code=row["code"], name=row["name"], name_en=row["name_en"], counter=row["counter"])
        for row in db.query("SELECT * FROM services ORDER BY code")
    )
    known = {service.code: service for service in services}
    parse = parse_procedure_v1 if stored_format == FORMAT_V1 else parse_procedure
    procedures = tuple(
        parse(_stored_record(row["record"]), known)
        for row in db.query("SELECT record FROM procedures ORDER BY position")
    )
    extras: dict[str, Any] = json.loads(extras_json or "{}")
    catalog = Catalog(
        version=int(version),
        services=services,
        procedures=procedures,
        published=published,
        life_events=tuple(
            LifeEvent(
                key=event["key"], title=event["title"], title_en=event["title_en"],
                procedures=tuple(event["procedures"]), note=event.get("note"),
                note_en=event.get("note_en"),
            )
            for event in extras.get("life_events", ())
        ),
        fields=tuple(
            FieldName(field["name"], field["name_en"]) for field in extras.get("fields", ())
        ),
    )
    local = load_overlay(db) if overlay else None
    return catalog if local is None else apply_overlay(catalog, local).catalog


def _stored_record(text: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(text)
    del record["portal_url"]
    return record


def procedures_by_field(procedures: Sequence[Procedure]) -> dict[str, list[Procedure]]:
    """Procedures grouped by field, fields and titles in alphabetical order (for browsing).

    Hidden variants (central- or district-level) are left out: a commune kiosk cannot take
    them, and a citizen reaches one only by its exact code.
    """
    groups: dict[str, list[Procedure]] = {}
    visible = (procedure for procedure in procedures if not procedure.hidden)
    for procedure in sorted(visible, key=lambda p: (fold(p.field), fold(p.title))):
        groups.setdefault(procedure.field, []).append(procedure)
    return groups


def search_fields(procedure: Procedure) -> list[Field]:
    """What of a procedure is searched, and how much each part counts.

    Titles and aliases count most, then the field, the English title and the summary; the
    papers' names least, so a word found only in a paper ("giấy xác nhận tình trạng hôn
    nhân", needed to marry) ranks that procedure below the one it names. The code, and the
    codes it had before (receipts and links made with them still find it), are looked up as
    codes, not as words.
    """
    return [
        Field(procedure.title, 3.0, phrase=True),
        *(Field(alias, 3.0, phrase=True) for alias in procedure.aliases),
        Field(procedure.code, 3.0, code=True),
        *(Field(code, 3.0, code=True) for code in procedure.former_codes),
        Field(procedure.field, 1.5),
        Field(procedure.title_en or "", 1.0),
        Field(procedure.summary or "", 0.5),
        Field(" ".join(case.title for case in procedure.cases), 0.5),
        Field(" ".join(document.name for document in procedure.documents), 0.3),
    ]


def procedure_index(procedures: Sequence[Procedure]) -> SearchIndex[str]:
    """A search index over ``procedures``, keyed by procedure code."""
    return SearchIndex((procedure.code, search_fields(procedure)) for procedure in procedures)
