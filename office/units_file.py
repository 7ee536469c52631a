"""The operator's list of commune-level units: a CSV file, checked whole before loading.

Columns (a header line first, other columns ignored): ``province_code`` (two digits),
``unit_code`` (1-99999, the national statistics office's code), ``name``, ``type`` (``xa``,
``phuong`` or ``dac_khu``). :data:`NATIONAL_UNITS` is all 3,321 units of the 34 provinces
from 1 July 2025 (office/data/units-vietnam-2025.SOURCE.md says where they come from).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

#: Every commune-level unit of Vietnam from 1 July 2025 (3,321).
NATIONAL_UNITS = Path(__file__).with_name("data") / "units-vietnam-2025.csv"
REQUIRED_COLUMNS = ("province_code", "unit_code", "name", "type")
UNIT_TYPES = ("xa", "phuong", "dac_khu")
#: Most problems named in a refusal (a wrong file can have thousands).
SHOWN_PROBLEMS = 10


class UnitsFileError(ValueError):
    """A units file refused whole, with its first problems by line."""


@dataclass(frozen=True)
class Unit:
    """One commune-level unit."""

    unit_code: int
    province_code: str
    name: str
    type: str


def parse_units(text: str) -> list[Unit]:
    """The units of a CSV text; raises :class:`UnitsFileError` naming the lines at fault
    (nothing is loaded from a file with any problem)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise UnitsFileError(f"missing column(s): {', '.join(missing)}")
    units: list[Unit] = []
    problems: list[str] = []
    seen: dict[int, int] = {}
    for line, row in enumerate(reader, start=2):
        code_text = (row.get("unit_code") or "").strip()
        province = (row.get("province_code") or "").strip()
        name = (row.get("name") or "").strip()
        kind = (row.get("type") or "").strip()
        if not code_text.isdigit() or not 1 <= int(code_text) <= 99999:
            problems.append(f"line {line}: unit_code {code_text!r} is not 1-99999")
            continue
        code = int(code_text)
        if code in seen:
            problems.append(f"line {line}: unit_code {code} already on line {seen[code]}")
        seen[code] = line
        if not re.fullmatch(r"[0-9]{2}", province):
            problems.append(f"line {line}: province_code {province!r} is not two digits")
        if not name or len(name) > 120:
            problems.append(f"line {line}: a name of 1-120 characters is needed")
        if kind not in UNIT_TYPES:
            problems.append(f"line {line}: type {kind!r} is not one of {', '.join(UNIT_TYPES)}")
        units.append(Unit(code, province, name, kind))
    if problems:
        more = len(problems) - SHOWN_PROBLEMS
        raise UnitsFileError("; ".join(problems[:SHOWN_PROBLEMS])
                             + (f"; and {more} more" if more > 0 else ""))
    if not units:
        raise UnitsFileError("no unit in the file")
    return units


@functools.cache
def province_names() -> dict[str, str]:
    """Province code -> name ("Cần Thơ"), from the province column of :data:`NATIONAL_UNITS`
    (the codes are the national statistics office's, the same in any file of units)."""
    with NATIONAL_UNITS.open(encoding="utf-8-sig", newline="") as file:
        return {row["province_code"]: row["province"] for row in csv.DictReader(file)}
