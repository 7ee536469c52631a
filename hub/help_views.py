"""Calls for staff: the kiosks' endpoint, the consoles' live alerts and "Đã đến".

A kiosk posts ``/api/v1/help`` (its token says which kiosk); every console holds a stream
of server-sent events (the same :class:`hub.live.Broadcaster` as the display's board) that
carries the alerts region after every change, and a console's "Đã đến" clears the call on
all of them. The kiosk is told how many consoles were shown the call: with none, it tells
the citizen to go to the desk instead of promising that someone will come.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, StreamingResponse

from hub.help_calls import HelpError
from hub.kiosk_api import Kiosk
from hub.live import LiveMessage
from hub.web import Checked, HubWeb, SignedIn, Web
from kiosk import clock
from sync import hub_wire

router = APIRouter()

#: The screens a kiosk names, as officers read them (anything else is shown as sent).
SCREEN_NAMES = {
    "welcome": "Màn hình chào", "procedures": "Tìm thủ tục", "procedure": "Xem thủ tục",
    "life_events": "Sự kiện cuộc sống", "queue": "Lấy số thứ tự", "intake": "Kiểm tra hồ sơ",
    "status": "Tra cứu hồ sơ", "feedback": "Góp ý", "rating": "Đánh giá",
    "directory": "Danh bạ phường, xã", "commune": "Danh bạ phường, xã", "done": "Giấy in",
}


def help_html(web: HubWeb) -> str:
    """The consoles' alerts region as it stands now."""
    return web.render("_help.html", calls=web.help.open_calls(), screen_names=SCREEN_NAMES,
                      hanoi=clock.HANOI)


def _publish(web: HubWeb) -> None:
    web.console_live.publish(LiveMessage("help", help_html(web)))


@router.post(hub_wire.HubEndpoint.HELP.value, response_model=hub_wire.HelpAnswer,
             tags=["kiosks"])
def call_for_help(web: Web, body: hub_wire.HelpRequest, kiosk: Kiosk) -> hub_wire.HelpAnswer:
    """A citizen at ``kiosk`` asks for staff: shown on every console now."""
    call = web.help.call(kiosk, body.screen)
    _publish(web)
    return hub_wire.HelpAnswer(call_id=call.id, consoles=web.console_live.listeners)


@router.get("/console/help/events", include_in_schema=False)
async def help_events(web: Web, _session: SignedIn) -> StreamingResponse:
    """Server-sent events for one console: the alerts now, then after every change."""
    first = LiveMessage("help", help_html(web))
    return StreamingResponse(
        web.console_live.stream(first, web.keepalive_seconds), media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/console/help/{call_id}/arrived", response_class=HTMLResponse,
             include_in_schema=False)
def arrived(web: Web, call_id: int, session: Checked) -> HTMLResponse:
    """An officer is at the kiosk: the alert goes from every console."""
    try:
        web.help.arrived(call_id, session.officer)
    except HelpError as error:
        # Someone else was quicker: this console gets the region as it is now.
        return HTMLResponse(help_html(web), headers={"X-Help-Note": str(error)[:100]})
    _publish(web)
    return HTMLResponse(help_html(web))
