"""The commune directory: Hanoi's 126 commune-level units and their service points.

The units themselves (code, name, type, centre) are public facts shipped in
``kiosk/data/communes-hanoi.json``. The service-point details (address, hotline, head,
phone, opening hours, a map link) are not public in one place: they stay empty, shown as
"not yet published", until the city backend publishes them (:func:`apply_details`). What a
detail may say is checked here (:func:`detail_problem`), for the kiosk and the back office
alike.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from importlib import resources

from kiosk.collation import sort_key
from kiosk.language import Language
from kiosk.search import Field, SearchIndex
from kiosk.storage import Database, write_transaction
from kiosk.text import nfc

DIRECTORY_FILE = "communes-hanoi.json"
DIRECTORY_FORMAT = "motcua-directory/1"
#: Service-point details the backend may publish, each at most this long.
DETAIL_KEYS = ("address", "hotline", "head", "phone", "opening_hours", "map_link")
MAX_DETAIL_LENGTH = 200
#: Details that are phone numbers: digits, with spaces, dots, dashes, brackets or a leading +.
PHONE_KEYS = frozenset({"hotline", "phone"})
_PHONE = re.compile(r"\+?[0-9 .()-]+")
#: A phone number has this many digits (1022, 1900 xxxx, 024 xxxx xxxx, +84 ...).
PHONE_DIGITS = (3, 15)
#: A map link is a web address that a phone opens (printed as a QR code on the screen).
_MAP_LINK = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+[^\s]*", re.IGNORECASE)


class DirectoryError(Exception):
    """Published directory details that cannot be applied, and why."""


class UnitType(enum.Enum):
    """Urban ward or rural commune."""

    PHUONG = "phuong"
    XA = "xa"

    @property
    def label(self) -> str:
        """The Vietnamese word, as written before the unit's name."""
        return {"phuong": "Phường", "xa": "Xã"}[self.value]


@dataclass(frozen=True)
class Commune:
    """One commune-level unit and what is published about its service point."""

    code: int
    name: str
    type: UnitType
    short_name: str
    lat: float
    lon: float
    area_km2: float | None = None
    address: str | None = None
    hotline: str | None = None
    head: str | None = None
    phone: str | None = None
    opening_hours: str | None = None
    #: The service point's own map link, once published.
    map_link: str | None = None

    @property
    def map_url(self) -> str:
        """The published map link, else a map of the unit's centre (the directory's QR)."""
        if self.map_link:
            return self.map_link
        return (
            f"https://www.openstreetmap.org/?mlat={self.lat:.5f}&mlon={self.lon:.5f}"
            f"#map=15/{self.lat:.5f}/{self.lon:.5f}"
        )

    def to_json(self) -> dict[str, object]:
        """Every field, the type as its code, plus ``map_url``."""
        record: dict[str, object] = {item.name: getattr(self, item.name) for item in fields(self)}
        record["type"] = self.type.value
        record["map_url"] = self.map_url
        return record


def seed_directory(db: Database) -> int:
    """Load the shipped units into an empty directory; returns how many were added."""
    if db.execute("SELECT count(*) FROM communes").fetchone()[0]:
        return 0
    document = json.loads(
        resources.files("kiosk.data").joinpath(DIRECTORY_FILE).read_text(encoding="utf-8")
    )
    assert document["format"] == DIRECTORY_FORMAT
    with write_transaction(db):
        db.table("communes").insert_all(
            {
                "code": unit["code"],
                "name": unit["name"],
                "type": unit["type"],
                "short_name": unit["short_name"],
                "lat": unit["centre"]["lat"],
                "lon": unit["centre"]["lon"],
                "area_km2": unit["area_km2"],
            }
            for unit in document["units"]
        )
    return len(document["units"])


#: Phường (urban wards) are listed before xã (rural communes), as the city lists them.
_TYPE_ORDER = {UnitType.PHUONG: 0, UnitType.XA: 1}


def directory_order(commune: Commune) -> tuple[int, object]:
    """Where ``commune`` stands in the directory: phường first, then xã, each in Vietnamese
    alphabetical order of its name (:mod:`kiosk.collation`; "Cầu Giấy" before "Chương Mỹ",
    "Đông Anh" after "Dương Nội", "Ứng Hòa" before "Vân Đình")."""
    return _TYPE_ORDER[commune.type], sort_key(commune.short_name)


def area_text(area_km2: float, language: Language) -> str:
    """An area with two decimals as the citizen writes numbers: "12,34" in Vietnamese
    (a decimal comma and a dot between thousands), "12.34" in English."""
    text = f"{area_km2:,.2f}"
    if language == "vi":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def load_directory(db: Database) -> list[Commune]:
    """Every unit, in :func:`directory_order`."""
    communes = [
        Commune(
            code=row["code"],
            name=row["name"],
            type=UnitType(row["type"]),
            short_name=row["short_name"],
            lat=row["lat"],
            lon=row["lon"],
            area_km2=row["area_km2"],
            **{key: row[key] for key in DETAIL_KEYS},
        )
        for row in db.query("SELECT * FROM communes")
    ]
    return sorted(communes, key=directory_order)


def apply_details(db: Database, details: Sequence[Mapping[str, object]], version: int) -> int:
    """Apply service-point details published by the backend, all or none.

    Each item is ``{"code": ward code, key: text or null, ...}`` with keys from
    :data:`DETAIL_KEYS`; a key left out keeps its value, null clears it.
    """
    checked: list[tuple[int, dict[str, str | None]]] = []
    known = {row[0] for row in db.execute("SELECT code FROM communes")}
    for index, item in enumerate(details):
        code = item.get("code")
        if not isinstance(code, int) or code not in known:
            raise DirectoryError(f"details[{index}]: unknown unit code {code!r}")
        unknown = sorted(set(item) - {"code", *DETAIL_KEYS})
        if unknown:
            raise DirectoryError(f"details[{index}] ({code}): unknown key(s) {', '.join(unknown)}")
        values: dict[str, str | None] = {}
        for key in DETAIL_KEYS:
            if key not in item:
                continue
            value = item[key]
            if value is not None and (
                not isinstance(value, str) or not value.strip() or len(value) > MAX_DETAIL_LENGTH
            ):
                raise DirectoryError(
                    f"details[{index}] ({code}): {key} must be null or text of 1 to "
                    f"{MAX_DETAIL_LENGTH} characters"
                )
            if value is not None and (problem := detail_problem(key, value)) is not None:
                raise DirectoryError(f"details[{index}] ({code}): {key}: {problem}")
            values[key] = None if value is None else nfc(value.strip())
        checked.append((code, values))
    with write_transaction(db):
        for code, values in checked:
            if values:
                db.table("communes").update(code, {**values, "published_version": version})
    return len(checked)


def detail_problem(key: str, value: str) -> str | None:
    """Why ``value`` cannot be published as detail ``key`` (in Vietnamese), or None.

    Phone numbers are digits (spaces, dots, dashes, brackets, a leading + allowed); a map
    link is an http or https address (nothing else is shown as a QR code); other details
    are text with at least one letter or digit.
    """
    text = value.strip()
    if not text or len(text) > MAX_DETAIL_LENGTH:
        return f"cần từ 1 đến {MAX_DETAIL_LENGTH} ký tự"
    if key in PHONE_KEYS:
        digits = sum(char.isdigit() for char in text)
        low, high = PHONE_DIGITS
        if _PHONE.fullmatch(text) is None or not low <= digits <= high:
            return f"số điện thoại chỉ gồm chữ số ({low} đến {high} số), ví dụ 024 3825 1234"
    elif key == "map_link":
        if _MAP_LINK.fullmatch(text) is None:
            return "đường dẫn bản đồ phải bắt đầu bằng https:// hoặc http://"
    elif not any(char.isalnum() for char in text):
        return "cần có chữ hoặc số"
    return None


def directory_index(communes: Sequence[Commune]) -> SearchIndex[int]:
    """A search index over ``communes``, keyed by ward code."""
    return SearchIndex(
        (
            commune.code,
            [
                Field(commune.short_name, 3.0, phrase=True),
                Field(commune.name, 2.0, phrase=True),
                Field(str(commune.code), 2.0, code=True),
                Field(commune.address or "", 0.5),
            ],
        )
        for commune in communes
    )
