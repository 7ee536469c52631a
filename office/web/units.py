"""The names of Hà Nội's 126 communes and wards, from the directory the kiosks ship."""

from __future__ import annotations

import functools
import json
from importlib import resources

from kiosk.directory import DIRECTORY_FILE
from office.web.auth import ForbiddenError, Session


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


def chosen_unit(text: str, session: Session, errors: dict[str, str], *,
                refusal: str) -> int | None:
    """The unit a page's filter names (None: every unit the user sees); a bad code goes in
    ``errors["unit"]``, another unit than an officer's own is refused with ``refusal``."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) not in unit_names():
        errors["unit"] = "Không có đơn vị này."
        return None
    if not session.user.sees_unit(int(text)):
        raise ForbiddenError(refusal)
    return int(text)
