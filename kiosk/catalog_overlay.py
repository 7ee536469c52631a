"""Hà Nội's local overlay on the catalog: fees, queue services and counters the city sets.

The catalog keeps fees as the national portal states them. Where Hà Nội sets its own fee
or sends a procedure to its own counter, the back office publishes an overlay file
(``motcua-catalog-overlay/1``, documented in ``docs/catalog-format.md``, "Overlay") by the
same path as the catalog; the kiosk stores it beside the catalog and applies it whenever
the catalog is loaded, so the overlay survives a new catalog and a new overlay needs no
new catalog.

A file is checked whole, as a catalog is: every bad record is listed and a file with any
fault stores nothing. An entry whose code the installed catalog does not have is *not* a
fault (the overlay and the catalog are published separately, and the next catalog may
bring the code): the import result lists it and it is left out when applied, as is an
entry's queue service that the catalog does not have.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from kiosk.catalog_format import (
    _DATE,
    _SERVICE,
    CODE,
    MAX_ERRORS,
    CatalogError,
    _parse_fee,
    _Record,
)
from kiosk.catalog_model import Catalog, LocalRule
from kiosk.storage import Database, write_transaction

FORMAT = "motcua-catalog-overlay/1"


class OverlayError(CatalogError):
    """An overlay file that cannot be imported, and why: one line per bad record."""


@dataclass(frozen=True)
class OverlayEntry:
    """Hà Nội's rule for one procedure code."""

    code: str
    rule: LocalRule

    def to_json(self) -> dict[str, Any]:
        """The entry in the overlay format."""
        record: dict[str, Any] = {"code": self.code}
        if self.rule.fees is not None:
            record["fees"] = [fee.to_json() for fee in self.rule.fees]
        for key in ("service", "counter", "note"):
            value = getattr(self.rule, key)
            if value is not None:
                record[key] = value
        return record


@dataclass(frozen=True)
class Overlay:
    """A whole overlay file: a version and one entry per procedure code."""

    version: int
    entries: tuple[OverlayEntry, ...]
    published: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The overlay as a ``motcua-catalog-overlay/1`` file's JSON."""
        data: dict[str, Any] = {"format": FORMAT, "version": self.version}
        if self.published is not None:
            data["published"] = self.published
        data["procedures"] = [entry.to_json() for entry in self.entries]
        return data


@dataclass(frozen=True)
class AppliedOverlay:
    """A catalog with the overlay applied, and what of the overlay it could not use."""

    catalog: Catalog
    #: Entry codes that are not current codes of the catalog (left out).
    unknown_codes: tuple[str, ...] = ()
    #: "code: service X" for entries naming a queue service the catalog lacks (that part
    #: left out; the entry's fees, counter and note still apply).
    unknown_services: tuple[str, ...] = ()


@dataclass(frozen=True)
class OverlayImportResult:
    """What an overlay import did."""

    version: int
    previous_version: int | None
    entries: int
    #: Codes the installed catalog does not have (stored, not applied until it does).
    unknown_codes: tuple[str, ...]
    unknown_services: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The result as ``--json`` prints it."""
        return {"version": self.version, "previous_version": self.previous_version,
                "entries": self.entries, "unknown_codes": list(self.unknown_codes),
                "unknown_services": list(self.unknown_services)}


# -- reading a file ---------------------------------------------------------------------------


def _parse_entry(value: object) -> OverlayEntry:
    record = _Record(value, "entry", {"code"}, {"fees", "service", "counter", "note"})
    code = record.text("code", pattern=CODE)
    fees = None
    if "fees" in record.value:
        fees = tuple(_parse_fee(item) for item in record.items("fees"))
        if not fees:
            # An empty list would read as "not stated", hiding the portal's fee: leave
            # ``fees`` out to keep the portal's.
            raise ValueError("entry: fees must list at least one fee (leave fees out to "
                             "keep the portal's)")
    rule = LocalRule(
        fees=fees,
        service=record.optional_text("service", pattern=_SERVICE),
        counter=record.optional_text("counter"),
        note=record.optional_text("note"),
    )
    if rule.fees is None and rule.service is None and rule.counter is None:
        raise ValueError("entry: sets nothing (give fees, service or counter)")
    return OverlayEntry(code, rule)


def parse_overlay(data: object) -> Overlay:
    """A checked :class:`Overlay` from decoded JSON, or OverlayError listing every fault."""
    try:
        top = _Record(data, "overlay", {"format", "version", "procedures"}, {"published"})
        if top.value["format"] != FORMAT:
            raise ValueError(f"overlay: format must be {FORMAT!r}, not {top.value['format']!r}")
        version = top.value["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError("overlay: version must be a whole number >= 1")
        published = top.optional_text("published", pattern=_DATE)
        raw_entries = top.items("procedures")
    except ValueError as error:
        raise OverlayError(str(error)) from None
    errors: list[str] = []
    entries: dict[str, OverlayEntry] = {}
    for index, value in enumerate(raw_entries):
        try:
            entry = _parse_entry(value)
            if entry.code in entries:
                raise ValueError(f"entry: code {entry.code} appears twice")
        except ValueError as error:
            code = value.get("code") if isinstance(value, dict) else None
            label = f" ({code})" if isinstance(code, str) else ""
            errors.append(f"procedures[{index}]{label}: {error}")
            continue
        entries[entry.code] = entry
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"... and {len(errors) - MAX_ERRORS} more fault(s)")
        raise OverlayError("\n".join(shown), errors)
    return Overlay(version=version, entries=tuple(entries.values()), published=published)


def parse_overlay_bytes(raw: bytes) -> Overlay:
    """A checked overlay from the bytes of an overlay file."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise OverlayError(f"not UTF-8 text: {error}") from None
    except json.JSONDecodeError as error:
        raise OverlayError(f"not valid JSON: {error}") from None
    return parse_overlay(data)


# -- applying it ------------------------------------------------------------------------------


def apply_overlay(catalog: Catalog, overlay: Overlay) -> AppliedOverlay:
    """``catalog`` with Hà Nội's rules: an entry's fees replace the portal's (and are
    marked as Hà Nội's), its service and counter replace the catalog's."""
    rules = {entry.code: entry.rule for entry in overlay.entries}
    services = {service.code for service in catalog.services}
    codes = {procedure.code for procedure in catalog.procedures}
    unknown_services: list[str] = []
    procedures = []
    for procedure in catalog.procedures:
        rule = rules.get(procedure.code)
        if rule is None:
            procedures.append(procedure)
            continue
        if rule.service is not None and rule.service not in services:
            unknown_services.append(f"{procedure.code}: service {rule.service}")
            rule = replace(rule, service=None)
        procedures.append(replace(
            procedure,
            fees=procedure.fees if rule.fees is None else rule.fees,
            service=rule.service or procedure.service,
            local=rule,
        ))
    return AppliedOverlay(
        catalog=replace(catalog, procedures=tuple(procedures)),
        unknown_codes=tuple(code for code in rules if code not in codes),
        unknown_services=tuple(unknown_services),
    )


# -- storing it -------------------------------------------------------------------------------


def installed_overlay_version(db: Database) -> int | None:
    """The version of the overlay in ``db``, or None when none was imported."""
    row = db.execute("SELECT version FROM catalog_overlay WHERE id = 1").fetchone()
    return None if row is None else int(row[0])


def load_overlay(db: Database) -> Overlay | None:
    """The stored overlay, or None when none was imported."""
    row = db.execute("SELECT body FROM catalog_overlay WHERE id = 1").fetchone()
    return None if row is None else parse_overlay(json.loads(row[0]))


def import_overlay(
    db: Database,
    raw: bytes,
    catalog: Catalog | None,
    *,
    force: bool = False,
    now: dt.datetime | None = None,
) -> OverlayImportResult:
    """Check the overlay file ``raw`` whole, then replace the stored overlay with it.

    A version not newer than the installed one is refused unless ``force``. ``catalog``
    (the installed one, without overlay) is only used to report the entries it cannot
    apply; they are stored all the same.
    """
    overlay = parse_overlay_bytes(raw)
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    with write_transaction(db):
        previous = installed_overlay_version(db)
        if previous is not None and overlay.version <= previous and not force:
            raise OverlayError(
                f"the kiosk already has overlay version {previous}; this file is version "
                f"{overlay.version} (publish a higher version, or use --force)"
            )
        db.execute("DELETE FROM catalog_overlay")
        db.execute(
            "INSERT INTO catalog_overlay (id, version, published, imported_at, "
            "source_sha256, body) VALUES (1, ?, ?, ?, ?, ?)",
            [overlay.version, overlay.published, stamp, hashlib.sha256(raw).hexdigest(),
             json.dumps(overlay.to_json(), ensure_ascii=False)],
        )
    applied = None if catalog is None else apply_overlay(catalog, overlay)
    return OverlayImportResult(
        version=overlay.version,
        previous_version=previous,
        entries=len(overlay.entries),
        unknown_codes=(tuple(entry.code for entry in overlay.entries) if applied is None
                       else applied.unknown_codes),
        unknown_services=() if applied is None else applied.unknown_services,
    )

