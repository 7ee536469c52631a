"""A service point's counters and officers, published for its hub from the browser.

/bo/service-points/{unit}/counters lists what is published for the unit's hub and lets a
city administrator (any unit) or a commune officer (their own) add or change a counter
(number, name, the queue services it serves), add an officer (login, name, PIN typed twice)
and remove either. Each change publishes the whole set-up again under the next version
(office.store.service_points, the same as ``kiosk backend publish-point``), which the hub
pulls. A PIN is hashed here with the hash of ``kiosk backend hash-pin`` and never stored,
logged or shown in clear. Every form is CSRF-checked, refusals are shown beside their field,
a form built on an older version is refused (someone published meanwhile), and every change
is written to the audit log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.technician_pin import PinError, hash_pin
from office.store import Principal, Role
from office.store.audit import AuditAction
from office.store.service_points import ServicePoints
from office.web import exports
from office.web.auth import ForbiddenError, Session
from office.web.context import render, web_state
from office.web.pages import PREFIX, SignedIn, checked_form
from office.web.query_numbers import whole_number
from sync import hub_wire

log = logging.getLogger("office.web")

router = APIRouter(prefix=PREFIX, include_in_schema=False)
_LOGIN = re.compile(hub_wire.OFFICER_LOGIN_PATTERN)
_SERVICE = re.compile(r"[A-Z]")
#: The longest names the hub takes (sync.hub_wire.PointCounter / PointOfficer).
COUNTER_NAME_MAX = 80
OFFICER_NAME_MAX = 120


def _unit(request: Request, session: Session, unit_code: int) -> None:
    if not web_state(request).store.served_units.knows(unit_code):
        raise ForbiddenError("Không có đơn vị này.")
    if not session.user.sees_unit(unit_code):
        raise ForbiddenError("Bạn chỉ xem được điểm phục vụ của đơn vị mình.")


def _may_publish(session: Session, unit_code: int) -> bool:
    return session.user.role.may_handle and session.user.sees_unit(unit_code)


def _points(request: Request) -> ServicePoints:
    store = web_state(request).store
    return ServicePoints(store.engine, clock=store.clock)


def _page(request: Request, session: Session, unit_code: int, *, status: int = 200,
          errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
          form: str = "") -> Response:
    state = _points(request).setup(unit_code)
    return render(request, "point_setup.html", session, status=status, unit_code=unit_code,
                  state=state, errors=errors or {}, values=values or {}, form=form,
                  may_publish=_may_publish(session, unit_code),
                  saved=request.query_params.get("saved", ""),
                  counter_name_max=COUNTER_NAME_MAX, officer_name_max=OFFICER_NAME_MAX,
                  local_time=exports.local_time)


@router.get("/service-points/{unit_code}/counters", response_class=HTMLResponse)
def point_setup(request: Request, session: SignedIn, unit_code: int) -> Response:
    """The counters and officers published for the unit's hub, with the forms to change them."""
    _unit(request, session, unit_code)
    return _page(request, session, unit_code)


def _counter_problems(values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    number = values.get("number", "").strip()
    if not 1 <= (whole_number(number) or 0) <= 999:
        errors["number"] = "Số quầy là một số từ 1 đến 999."
    name = values.get("name", "").strip()
    if not name:
        errors["name"] = "Hãy nhập tên quầy."
    elif len(name) > COUNTER_NAME_MAX:
        errors["name"] = f"Tên quầy dài tối đa {COUNTER_NAME_MAX} ký tự."
    services = _services(values.get("services", ""))
    if not services:
        errors["services"] = "Hãy nhập ít nhất một mã dịch vụ (một chữ cái, ví dụ: A, C)."
    elif any(_SERVICE.fullmatch(code) is None for code in services):
        errors["services"] = "Mã dịch vụ là một chữ cái in hoa (A–Z), cách nhau bằng dấu phẩy."
    return errors


def _services(text: str) -> list[str]:
    # "A, C" or "A C": each code once, in the order typed.
    codes = [code.strip().upper() for code in re.split(r"[,\s]+", text) if code.strip()]
    return list(dict.fromkeys(codes))


def _officer_problems(values: dict[str, str], taken: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    login = values.get("login", "").strip()
    if _LOGIN.fullmatch(login) is None:
        errors["login"] = ("Tên đăng nhập: 1–40 ký tự chữ không dấu, số, dấu chấm, gạch "
                           "dưới hoặc gạch ngang, bắt đầu bằng chữ hoặc số.")
    elif login in taken:
        errors["login"] = "Đã có cán bộ với tên đăng nhập này; hãy xóa trước nếu muốn thay."
    name = values.get("name", "").strip()
    if not name:
        errors["name"] = "Hãy nhập họ tên cán bộ."
    elif len(name) > OFFICER_NAME_MAX:
        errors["name"] = f"Họ tên dài tối đa {OFFICER_NAME_MAX} ký tự."
    pin, again = values.get("pin", ""), values.get("pin_again", "")
    if re.fullmatch(r"[0-9]{6,12}", pin) is None:
        errors["pin"] = "Mã PIN gồm 6 đến 12 chữ số."
    elif pin != again:
        errors["pin_again"] = "Hai lần nhập mã PIN không khớp."
    return errors


def _publish(request: Request, session: Session, unit_code: int, sent_version: str,
             setup: hub_wire.PointSetup, *, what: str, saved: str) -> Response | None:
    """Publish ``setup`` unless someone published since the form was drawn (then None)."""
    points = _points(request)
    current = points.setup(unit_code)
    if sent_version != str(0 if current is None else current.version):
        return None
    state = points.publish(unit_code, setup, Principal(session.user.username, Role.BACK_OFFICE))
    detail = f"đơn vị {unit_code}, phiên bản {state.version}: {what}"
    web_state(request).store.audit.record(session.user.username,
                                          AuditAction.POINT_SETUP_CHANGED, detail=detail)
    log.info("back office: %s changed the service point set-up of unit %d (version %d)",
             session.user.username, unit_code, state.version)
    return RedirectResponse(f"{PREFIX}/service-points/{unit_code}/counters?saved={saved}",
                            status_code=303)


_STALE = "Có người vừa đăng thay đổi khác; hãy xem lại danh sách và thử lại."


async def _checked(request: Request, session: Session, unit_code: int) -> dict[str, str]:
    form = await checked_form(request, session)
    _unit(request, session, unit_code)
    if not _may_publish(session, unit_code):
        raise ForbiddenError("Vai trò của bạn chỉ được xem.")
    return form


def _current(request: Request, unit_code: int) -> hub_wire.PointSetup:
    found = _points(request).setup(unit_code)
    return hub_wire.PointSetup(counters=[], officers=[]) if found is None else found.setup


@router.post("/service-points/{unit_code}/counters", response_class=HTMLResponse)
async def save_counter(request: Request, session: SignedIn, unit_code: int) -> Response:
    """Add a counter, or change the one with that number."""
    form = await _checked(request, session, unit_code)
    values = {key: form.get(key, "")[:200] for key in ("number", "name", "services")}
    errors = _counter_problems(values)
    if not errors:
        counter = hub_wire.PointCounter(number=int(values["number"]),
                                        name=values["name"].strip(),
                                        services=_services(values["services"]))
        setup = _current(request, unit_code)
        others = [found for found in setup.counters if found.number != counter.number]
        verb = "sửa" if len(others) < len(setup.counters) else "thêm"
        counters = sorted([*others, counter], key=lambda found: found.number)
        done = _publish(request, session, unit_code, form.get("version", ""),
                        hub_wire.PointSetup(counters=counters, officers=setup.officers),
                        what=f"{verb} quầy {counter.number} “{counter.name}” "
                        f"({', '.join(counter.services)})", saved=f"counter-{counter.number}")
        if done is not None:
            return done
        errors = {"counter_form": _STALE}
    return _page(request, session, unit_code, status=422, errors=errors, values=values,
                 form="counter")


@router.post("/service-points/{unit_code}/officers", response_class=HTMLResponse)
async def add_officer(request: Request, session: SignedIn, unit_code: int) -> Response:
    """Add an officer; the PIN (typed twice) is hashed here and dropped."""
    form = await _checked(request, session, unit_code)
    values = {key: form.get(key, "")[:200] for key in ("login", "name", "pin", "pin_again")}
    setup = _current(request, unit_code)
    errors = _officer_problems(values, {officer.login for officer in setup.officers})
    shown = {"login": values["login"], "name": values["name"]}  # never the PIN back
    if not errors:
        try:
            pin_hash = hash_pin(values["pin"])
        except PinError:  # pragma: no cover - the same rule was checked above
            errors = {"pin": "Mã PIN gồm 6 đến 12 chữ số."}
        else:
            officer = hub_wire.PointOfficer(login=values["login"].strip(),
                                            name=values["name"].strip(), pin_hash=pin_hash)
            done = _publish(request, session, unit_code, form.get("version", ""),
                            hub_wire.PointSetup(counters=setup.counters,
                                                officers=[*setup.officers, officer]),
                            what=f"thêm cán bộ {officer.login} “{officer.name}”",
                            saved=f"officer-{officer.login}")
            if done is not None:
                return done
            errors = {"officer_form": _STALE}
    return _page(request, session, unit_code, status=422, errors=errors, values=shown,
                 form="officer")


@router.post("/service-points/{unit_code}/counters/{number}/remove",
             response_class=HTMLResponse)
async def remove_counter(request: Request, session: SignedIn, unit_code: int,
                         number: int) -> Response:
    """Take a counter off the published set-up."""
    form = await _checked(request, session, unit_code)
    setup = _current(request, unit_code)
    kept = [found for found in setup.counters if found.number != number]
    return _remove(request, session, unit_code, form, found=len(kept) < len(setup.counters),
                   setup=hub_wire.PointSetup(counters=kept, officers=setup.officers),
                   what=f"xóa quầy {number}", missing=f"Không có quầy số {number}.")


@router.post("/service-points/{unit_code}/officers/{login}/remove",
             response_class=HTMLResponse)
async def remove_officer(request: Request, session: SignedIn, unit_code: int,
                         login: str) -> Response:
    """Take an officer off the published set-up (they can no longer sign in at the hub)."""
    form = await _checked(request, session, unit_code)
    setup = _current(request, unit_code)
    kept = [found for found in setup.officers if found.login != login]
    return _remove(request, session, unit_code, form, found=len(kept) < len(setup.officers),
                   setup=hub_wire.PointSetup(counters=setup.counters, officers=kept),
                   what=f"xóa cán bộ {login}", missing="Không có cán bộ này.")


def _remove(request: Request, session: Session, unit_code: int, form: Mapping[str, str], *,
            found: bool, setup: hub_wire.PointSetup, what: str, missing: str) -> Response:
    """Publish ``setup`` without the one removed (404 with ``missing`` when it was not
    there; the stale-form refusal when someone else published first)."""
    if not found:
        return _page(request, session, unit_code, status=404, errors={"list": missing})
    done = _publish(request, session, unit_code, form.get("version", ""), setup, what=what,
                    saved="removed")
    return done or _page(request, session, unit_code, status=422, errors={"list": _STALE})
