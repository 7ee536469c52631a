"""Reading catalog files: ``motcua-catalog/2``, and ``motcua-catalog/1`` converted on the way.

A file is checked whole: every bad record is reported (its list, index, code and the
reason), and a file with any fault gives no catalog at all. The format is documented in
``docs/catalog-format.md``; a version 1 file is read as version 2 (see :func:`_upgrade_v1`).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from kiosk.catalog_model import (
    Case,
    Catalog,
    Channel,
    Document,
    Fee,
    FieldName,
    Level,
    LifeEvent,
    Procedure,
    ProcessingTime,
    Receiver,
    Service,
)
from kiosk.text import nfc

FORMAT = "motcua-catalog/2"
FORMAT_V1 = "motcua-catalog/1"
#: The key of the one case a version 1 procedure becomes.
DEFAULT_CASE = "mac-dinh"
CODE = re.compile(r"[0-9]\.[0-9]{6}")
_SERVICE = re.compile(r"[A-Z]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Most faults listed in one refusal (a wholly wrong file would list thousands).
MAX_ERRORS = 50
_E = TypeVar("_E", bound=enum.Enum)
_T = TypeVar("_T")


class CatalogError(Exception):
    """A catalog file that cannot be imported, and why: one line per bad record."""

    def __init__(self, message: str, errors: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.errors: tuple[str, ...] = tuple(errors) or (message,)


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

    def flag(self, key: str) -> bool:
        value = self.value.get(key, False)
        if not isinstance(value, bool):
            raise ValueError(f"{self.what}: {key} must be true or false")
        return value

    def items(self, key: str, *, required: bool = True) -> list[object]:
        if not required and key not in self.value:
            return []
        value = self.value[key]
        if not isinstance(value, list):
            raise ValueError(f"{self.what}: {key} must be a list")
        return value

    def texts(self, key: str, *, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
        values = self.items(key, required=False)
        if not all(isinstance(item, str) and item.strip() for item in values):
            raise ValueError(f"{self.what}: {key} must be a list of non-empty texts")
        if pattern is not None:
            bad = [item for item in values if pattern.fullmatch(str(item)) is None]
            if bad:
                raise ValueError(f"{self.what}: {key} {bad[0]!r} must match {pattern.pattern}")
        return tuple(nfc(str(item).strip()) for item in values)

    def choice(self, key: str, kind: type[_E], value: object = None) -> _E:
        raw = self.value[key] if value is None else value
        try:
            return kind(raw)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise ValueError(f"{self.what}: {key} {raw!r} must be one of {allowed}") from None


# -- one record of each kind ------------------------------------------------------------------


def _parse_service(value: object) -> Service:
    record = _Record(value, "service", {"code", "name"}, {"name_en", "counter"})
    return Service(
        code=record.text("code", pattern=_SERVICE),
        name=record.text("name"),
        name_en=record.optional_text("name_en"),
        counter=record.optional_text("counter"),
    )


def _parse_document(value: object, *, v1: bool = False) -> Document:
    optional = {"note"} if v1 else {"note", "form"}
    record = _Record(value, "document", {"name", "originals", "copies"}, optional)
    return Document(
        name=record.text("name"),
        originals=record.count("originals"),
        copies=record.count("copies"),
        note=record.optional_text("note"),
        form=record.optional_text("form"),
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


def _parse_time(value: object) -> ProcessingTime:
    record = _Record(value, "time", {"text"}, {"channel", "note"})
    channel = None if record.value.get("channel") is None else record.choice("channel", Channel)
    return ProcessingTime(
        text=record.text("text"), channel=channel, note=record.optional_text("note")
    )


def _parse_case(value: object) -> Case:
    record = _Record(value, "case", {"key", "title", "submit"}, {"show", "note"})
    return Case(
        key=record.text("key", pattern=_SLUG),
        title=record.text("title"),
        submit=tuple(_parse_document(item) for item in record.items("submit")),
        show=tuple(_parse_document(item) for item in record.items("show", required=False)),
        note=record.optional_text("note"),
    )


def _channels(record: _Record) -> tuple[Channel, ...]:
    channels = tuple(
        record.choice("channels", Channel, item) for item in record.items("channels")
    )
    if not channels:
        raise ValueError("procedure: channels must name at least one channel")
    return channels


def _service(record: _Record, services: Mapping[str, Service]) -> str | None:
    service = record.optional_text("service", pattern=_SERVICE)
    if service is not None and service not in services:
        raise ValueError(f"procedure: service {service!r} is not among the file's services")
    return service


_V2_REQUIRED = {
    "code", "title", "field", "level", "receiver", "agency", "cases", "fees", "times",
    "channels",
}
_V2_OPTIONAL = {
    "title_en", "service", "summary", "legal_basis", "aliases", "former_codes", "hidden",
    "who_may_apply", "conditions", "steps", "result",
}


def parse_procedure(value: object, services: Mapping[str, Service]) -> Procedure:
    """One ``motcua-catalog/2`` procedure record (ValueError saying what is wrong)."""
    record = _Record(value, "procedure", _V2_REQUIRED, _V2_OPTIONAL)
    code = record.text("code", pattern=CODE)
    channels = _channels(record)
    cases = tuple(_parse_case(item) for item in record.items("cases"))
    if not cases:
        raise ValueError("procedure: cases must hold at least one case")
    keys = [case.key for case in cases]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"procedure: case key {twice[0]!r} appears twice")
    former = record.texts("former_codes", pattern=CODE)
    if code in former:
        raise ValueError(f"procedure: former_codes holds its own code {code}")
    return Procedure(
        code=code,
        title=record.text("title"),
        title_en=record.optional_text("title_en"),
        field=record.text("field"),
        level=record.choice("level", Level),
        receiver=record.choice("receiver", Receiver),
        agency=record.text("agency"),
        service=_service(record, services),
        summary=record.optional_text("summary"),
        who_may_apply=record.optional_text("who_may_apply"),
        conditions=record.texts("conditions"),
        cases=cases,
        fees=tuple(_parse_fee(item) for item in record.items("fees")),
        times=tuple(_parse_time(item) for item in record.items("times")),
        channels=channels,
        steps=record.texts("steps"),
        result=record.optional_text("result"),
        legal_basis=record.texts("legal_basis"),
        aliases=record.texts("aliases"),
        former_codes=former,
        hidden=record.flag("hidden"),
    )


_V1_REQUIRED = {
    "code", "title", "field", "level", "agency", "documents", "fees", "processing_time",
    "channels",
}
_V1_OPTIONAL = {"title_en", "service", "summary", "legal_basis", "aliases"}


def parse_procedure_v1(value: object, services: Mapping[str, Service]) -> Procedure:
    """One ``motcua-catalog/1`` procedure record, read as version 2 (see _upgrade_v1)."""
    record = _Record(value, "procedure", _V1_REQUIRED, _V1_OPTIONAL)
    channels = _channels(record)
    service = _service(record, services)
    title = record.text("title")
    agency = record.text("agency")
    level = record.choice("level", Level)
    documents = tuple(_parse_document(item, v1=True) for item in record.items("documents"))
    fees = tuple(_parse_fee(item) for item in record.items("fees"))
    return Procedure(
        code=record.text("code", pattern=CODE),
        title=title,
        title_en=record.optional_text("title_en"),
        field=record.text("field"),
        level=level,
        receiver=_v1_receiver(agency, level),
        agency=agency,
        service=service,
        summary=record.optional_text("summary"),
        cases=(Case(DEFAULT_CASE, title, submit=documents),),
        # Version 1 documented an empty fee list as "free"; version 2 reads it as "not
        # stated", so the old meaning is written out.
        fees=fees or tuple(Fee(channel, 0) for channel in channels),
        times=(ProcessingTime(record.text("processing_time")),),
        channels=channels,
        legal_basis=record.texts("legal_basis"),
        aliases=record.texts("aliases"),
    )


def _v1_receiver(agency: str, level: Level) -> Receiver:
    """Version 1 named the agency only: police procedures say "Công an"."""
    if level is not Level.COMMUNE:
        return Receiver.OTHER
    return Receiver.COMMUNE_POLICE if "công an" in agency.casefold() else Receiver.COMMUNE_DESK


def _parse_life_event(value: object) -> LifeEvent:
    record = _Record(
        value, "life event", {"key", "title", "title_en", "procedures"}, {"note", "note_en"}
    )
    codes = record.texts("procedures", pattern=CODE)
    if not codes:
        raise ValueError("life event: procedures must name at least one procedure")
    return LifeEvent(
        key=record.text("key", pattern=_SLUG),
        title=record.text("title"),
        title_en=record.text("title_en"),
        procedures=codes,
        note=record.optional_text("note"),
        note_en=record.optional_text("note_en"),
    )


def _parse_field(value: object) -> FieldName:
    record = _Record(value, "field", {"name", "name_en"}, set())
    return FieldName(name=record.text("name"), name_en=record.text("name_en"))


# -- the whole file ---------------------------------------------------------------------------


def _label(value: object) -> str:
    if not isinstance(value, dict):
        return ""
    code = value.get("code", value.get("key", value.get("name")))
    return f" ({code})" if isinstance(code, str) else ""


def _each(
    name: str,
    values: Sequence[object],
    parse: Callable[[object], _T],
    key: Callable[[_T], str],
    errors: list[str],
) -> dict[str, _T]:
    """Every record of list ``name`` parsed, by key; each fault appended to ``errors``."""
    parsed: dict[str, _T] = {}
    for index, value in enumerate(values):
        try:
            item = parse(value)
            if key(item) in parsed:
                what = name.rstrip("s").replace("_", " ")
                raise ValueError(f"{what}: {_key_name(name)} {key(item)} appears twice")
        except ValueError as error:
            errors.append(f"{name}[{index}]{_label(value)}: {error}")
            continue
        parsed[key(item)] = item
    return parsed


def _key_name(name: str) -> str:
    return {"services": "code", "procedures": "code", "life_events": "key"}.get(name, "name")


def parse_catalog(data: object) -> Catalog:
    """A checked :class:`Catalog` from decoded JSON, or CatalogError listing every fault."""
    try:
        if isinstance(data, dict) and data.get("format") == FORMAT_V1:
            top = _Record(
                data, "catalog", {"format", "version", "services", "procedures"}, {"published"}
            )
        else:
            top = _Record(
                data, "catalog", {"format", "version", "services", "procedures"},
                {"published", "life_events", "fields"},
            )
        if top.value["format"] not in (FORMAT, FORMAT_V1):
            raise ValueError(
                f"catalog: format must be {FORMAT!r} (or the older {FORMAT_V1!r}), "
                f"not {top.value['format']!r}"
            )
        version = top.value["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError("catalog: version must be a whole number >= 1")
        published = top.optional_text("published", pattern=_DATE)
        raw_services = top.items("services")
        raw_procedures = top.items("procedures")
        raw_events = top.items("life_events", required=False)
        raw_fields = top.items("fields", required=False)
    except ValueError as error:
        raise CatalogError(str(error)) from None
    errors: list[str] = []
    services = _each("services", raw_services, _parse_service, lambda s: s.code, errors)
    if not raw_procedures:
        errors.append("catalog: procedures is empty")
    v1 = top.value["format"] == FORMAT_V1
    parse = parse_procedure_v1 if v1 else parse_procedure

    def procedure(value: object) -> Procedure:
        return parse(value, services)

    procedures = _each("procedures", raw_procedures, procedure, lambda p: p.code, errors)
    # The cross checks look at every record's code and field, bad ones included, so that
    # one bad record is reported once rather than again by everything that names it.
    codes = set(_raw_values(raw_procedures, "code"))
    _check_former_codes(procedures, codes, errors)
    events = _each("life_events", raw_events, _parse_life_event, lambda e: e.key, errors)
    _check_life_events(events, codes, errors)
    fields = _each("fields", raw_fields, _parse_field, lambda f: f.name, errors)
    _check_fields(fields, set(_raw_values(raw_procedures, "field")), errors)
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"... and {len(errors) - MAX_ERRORS} more fault(s)")
        raise CatalogError("\n".join(shown), errors)
    return Catalog(
        version=version,
        services=tuple(services.values()),
        procedures=tuple(procedures.values()),
        published=published,
        life_events=tuple(events.values()),
        fields=tuple(fields.values()),
    )


def _raw_values(records: Sequence[object], key: str) -> list[str]:
    """The text under ``key`` of each record that has one."""
    values = (record.get(key) for record in records if isinstance(record, dict))
    return [nfc(value.strip()) for value in values if isinstance(value, str)]


def _check_former_codes(
    procedures: Mapping[str, Procedure], codes: set[str], errors: list[str]
) -> None:
    """A former code names one procedure, and never one that is current."""
    owner: dict[str, str] = {}
    for procedure in procedures.values():
        for former in procedure.former_codes:
            if former in codes:
                errors.append(
                    f"procedure {procedure.code}: former code {former} is a current code"
                )
            elif former in owner:
                errors.append(
                    f"procedure {procedure.code}: former code {former} is also a former "
                    f"code of {owner[former]}"
                )
            owner.setdefault(former, procedure.code)


def _check_life_events(
    events: Mapping[str, LifeEvent], codes: set[str], errors: list[str]
) -> None:
    for event in events.values():
        unknown = [code for code in event.procedures if code not in codes]
        if unknown:
            errors.append(
                f"life event {event.key}: procedure(s) not in the catalog: {', '.join(unknown)}"
            )


def _check_fields(fields: Mapping[str, FieldName], used: set[str], errors: list[str]) -> None:
    """When a file names its fields in English, it names every field its procedures use."""
    if not fields:
        return
    missing = sorted(used - set(fields))
    if missing:
        errors.append(f"fields: no English name for field(s): {', '.join(missing)}")


def parse_catalog_bytes(raw: bytes) -> Catalog:
    """A checked catalog from the bytes of a catalog file."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CatalogError(f"not UTF-8 text: {error}") from None
    except json.JSONDecodeError as error:
        raise CatalogError(f"not valid JSON: {error}") from None
    return parse_catalog(data)


def catalog_to_json(catalog: Catalog) -> dict[str, Any]:
    """``catalog`` as a ``motcua-catalog/2`` file's JSON (a version 1 file, converted)."""
    data: dict[str, Any] = {"format": FORMAT, "version": catalog.version}
    if catalog.published is not None:
        data["published"] = catalog.published
    data["services"] = [
        {k: v for k, v in vars(service).items() if v is not None} for service in catalog.services
    ]
    data["fields"] = [field.to_json() for field in catalog.fields]
    data["life_events"] = [event.to_json() for event in catalog.life_events]
    data["procedures"] = []
    for procedure in catalog.procedures:
        record = procedure.to_json()
        del record["portal_url"]
        data["procedures"].append(record)
    return data
