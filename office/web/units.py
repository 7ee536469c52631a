"""The units the back office names and accepts: Hà Nội's 126 and those the operator loaded
(``kiosk backend load-units``), as ``store.served_units.names()`` lists them."""

from __future__ import annotations

from collections.abc import Mapping

from office.web.auth import ForbiddenError, Session
from office.web.query_numbers import whole_number


def unit_label(names: Mapping[int, str], code: int | None) -> str:
    """The unit's name in ``names``; a dash when a kiosk had no unit."""
    if code is None:
        return "—"
    return names.get(code, f"Đơn vị {code}")


def chosen_unit(text: str, session: Session, errors: dict[str, str], *,
                names: Mapping[int, str], refusal: str) -> int | None:
    """The unit a page's filter names (None: every unit the user sees); a code not in
    ``names`` goes in ``errors["unit"]``, another unit than an officer's own is refused with
    ``refusal``."""
    text = text.strip()
    if not text:
        return None
    if whole_number(text) not in names:
        errors["unit"] = "Không có đơn vị này."
        return None
    if not session.user.sees_unit(int(text)):
        raise ForbiddenError(refusal)
    return int(text)
