"""The names of Hà Nội's 126 communes and wards, from the directory the kiosks ship."""

from __future__ import annotations

import functools
import json
from importlib import resources

from kiosk.directory import DIRECTORY_FILE


@functools.cache
def unit_names() -> dict[int, str]:
    """Unit code -> name ("Phường Ba Đình"), in the directory's order."""
    document = json.loads(
        resources.files("kiosk.data").joinpath(DIRECTORY_FILE).read_text(encoding="utf-8"))
    return {int(unit["code"]): str(unit["name"]) for unit in document["units"]}


def unit_name(code: int | None) -> str:
    """The unit's name; a dash when a kiosk had no unit."""
    if code is None:
        return "—"
    return unit_names().get(code, f"Đơn vị {code}")
