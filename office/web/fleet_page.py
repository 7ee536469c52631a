"""The fleet page: every kiosk and hub, how it is doing, and the alerts counted at the top.

The health and alerts are :mod:`office.store.fleet_health`'s (the same as ``kiosk backend
fleet`` prints). A commune officer sees their unit's devices only (another unit: 403);
the city-wide roles see all, and may narrow to one unit. The page refreshes its figures
every minute (htmx), so a screen left open on it stays current.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kiosk.update_policy import UpdateState
from kiosk.update_report import UpdateProblem
from office.store.fleet_health import Alert, DeviceHealth, Severity
from office.web import exports
from office.web.auth import Session
from office.web.context import render, web_state
from office.web.pages import PREFIX, SignedIn
from office.web.unit_picker import pick_unit
from office.web.units import chosen_unit
from sync import wire

router = APIRouter(prefix=PREFIX, include_in_schema=False)

ALERTS = {
    Alert.OFFLINE: "Mất kết nối quá 15 phút",
    Alert.NEVER_SEEN: "Chưa từng gửi tín hiệu",
    Alert.PAPER_OUT: "Hết giấy",
    Alert.PRINTER_FAULT: "Máy in lỗi",
    Alert.PAPER_NEAR_END: "Sắp hết giấy",
    Alert.BACKLOG_GROWING: "Dữ liệu chờ gửi tăng",
    Alert.CLOCK_OFF: "Lệch giờ quá 2 phút",
    Alert.UPDATE_ROLLED_BACK: "Cập nhật bị hoàn tác",
    Alert.UPDATE_NOT_APPLIED: "Không cập nhật được",
}
assert set(ALERTS) == set(Alert)
PRINTER_STATES = {
    "ready": "Sẵn sàng",
    "paper_near_end": "Sắp hết giấy",
    "paper_out": "Hết giấy",
    "cover_open": "Đang mở nắp",
    "offline": "Máy in tạm dừng",
    "error": "Máy in báo lỗi",
    "unreachable": "Không kết nối được máy in",
    "unknown": "Chưa rõ",
}
KINDS = {"kiosk": "Kiosk", "hub": "Máy chủ điểm phục vụ"}
#: The last update's state, "{version}" its target (kiosk.update_policy.UpdateState).
UPDATE_STATES = {
    UpdateState.IDLE: "chưa cập nhật lần nào",
    UpdateState.DOWNLOADED: "đã tải bản {version}",
    UpdateState.INSTALLED: "đã cài bản {version}",
    UpdateState.TRIAL: "đang chạy thử bản {version}",
    UpdateState.CONFIRMED: "đã lên bản {version}",
    UpdateState.ROLLED_BACK: "bản {version} đã bị hoàn tác",
}
assert set(UPDATE_STATES) == set(UpdateState)
#: The heartbeat's structured problem, in words an officer acts on ("{version}": the
#: release the last switch went to). The kiosk's own reason stays beside it as detail, in
#: the updater's English: the words are the kiosk's, the meaning is this table's.
UPDATE_PROBLEMS = {
    UpdateProblem.ROLLED_BACK: "Bản {version} chạy thử không đạt: kiosk đã tự quay về bản "
                               "trước và không thử lại bản này.",
    UpdateProblem.REFUSED: "Kiosk từ chối bản mới của kênh (chữ ký, kênh hoặc phiên bản cơ "
                           "sở dữ liệu không phù hợp) và vẫn chạy bản đang dùng.",
    UpdateProblem.FAILED: "Không cài được bản mới (lỗi khi tải về, cài đặt hoặc chuyển dữ "
                          "liệu): kiosk vẫn chạy bản đang dùng và sẽ thử lại.",
}
assert set(UPDATE_PROBLEMS) == set(UpdateProblem)


def update_outcome(update: wire.UpdateReport) -> str:
    """The last update in words: "đã lên bản 2.4.0", "bản 2.5.0 đã bị hoàn tác", "chưa cập
    nhật lần nào" (also when the updater never ran: no state)."""
    return UPDATE_STATES[update.state or UpdateState.IDLE].format(
        version=update.target_version or "?")


def update_problem(update: wire.UpdateReport) -> str | None:
    """What the kiosk's update problem means, in Vietnamese; None without one."""
    if update.problem is None:
        return None
    return UPDATE_PROBLEMS[update.problem].format(version=update.target_version or "?")


def parse(params: Mapping[str, str], session: Session, units: Mapping[int, str]
          ) -> tuple[set[int] | None, int | None, Alert | None, dict[str, str]]:
    """The scope, the unit and alert asked for, and a message per bad field."""
    errors: dict[str, str] = {}
    unit = chosen_unit(params.get("unit", ""), session, errors, names=units,
                       refusal="Bạn chỉ xem được thiết bị của đơn vị mình.")
    alert: Alert | None = None
    text = params.get("alert", "").strip()
    if text:
        try:
            alert = Alert(text)
        except ValueError:
            errors["alert"] = "Không có cảnh báo này."
    if not session.user.role.all_units:
        own = session.user.unit_code
        return ({own} if own is not None else set()), own, alert, errors
    return (None if unit is None else {unit}), unit, alert, errors


def ago(delta: dt.timedelta | None) -> str:
    """How long ago, in words: "3 phút trước", "2 giờ trước", "4 ngày trước"."""
    if delta is None:
        return "chưa bao giờ"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "vừa xong"
    if minutes < 60:
        return f"{minutes} phút trước"
    if minutes < 48 * 60:
        return f"{minutes // 60} giờ trước"
    return f"{minutes // 1440} ngày trước"


def offset(delta: dt.timedelta | None) -> str:
    """A clock offset, signed: "+5 ph 00 s", "−12 s", "0 s"."""
    if delta is None:
        return "—"
    seconds = round(delta.total_seconds())
    sign = "+" if seconds > 0 else "−" if seconds < 0 else ""
    minutes, rest = divmod(abs(seconds), 60)
    return f"{sign}{minutes} ph {rest:02d} s" if minutes else f"{sign}{rest} s"


def _order(item: DeviceHealth) -> tuple[int, str, str]:
    rank = 2 if item.severity is None else list(Severity).index(item.severity)
    return rank, item.record.kind.value, item.record.device_id


@router.get("/fleet", response_class=HTMLResponse)
def fleet(request: Request, session: SignedIn) -> Response:
    """Every device in the user's scope, those with the worst alerts first."""
    store = web_state(request).store
    names = store.served_units.names()
    params, picker = pick_unit(request.query_params, names)
    scope, unit, alert, errors = parse(params, session, names)
    devices = sorted(store.heartbeats.health(scope), key=_order)
    counts = Counter(found for item in devices for found in item.alerts)
    shown = [item for item in devices if alert is None or alert in item.alerts]
    return render(request, "fleet.html", session, status=422 if errors else 200,
                  devices=shown, total=len(devices), counts=counts, alert=alert,
                  unit=unit, errors=errors, params=params, picker=picker, alert_labels=ALERTS,
                  printer_states=PRINTER_STATES, device_kinds=KINDS, ago=ago,
                  offset=offset, local_time=exports.local_time,
                  update_outcome=update_outcome, update_problem=update_problem,
                  needing=sum(1 for item in devices if item.alerts))
