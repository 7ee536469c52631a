"""A queue ticket's phone page: the citizen's place in the queue, opened from the ticket's QR.

``/ve/{token}`` (vé: ticket) shows the number, what is happening to it (waiting with N
people ahead and the estimated wait, called to counter N, being served, served...) and how
fresh that is, from the hub's latest public state (:mod:`office.ticket_pages`). No sign-in
and no personal data; the token (100 random bits) is the only way to a ticket. The page
polls its panel with htmx (every 15 s; a meta refresh without JavaScript); requests are
rate-limited per client address. An unknown token is 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk import clock
from kiosk.queue_state import ServiceQueue, wait_minutes
from kiosk.servicepoint.ticket_page import is_token
from office.store.ticket_pages import TicketPage, TicketPages
from office.web.context import render, web_state
from office.web.units import unit_label

PAGE_PATH = "/ve"
#: Seconds between the page's refreshes.
REFRESH_SECONDS = 15
#: A state older than this is said to be stale (the hub's link may be down).
STALE_AFTER = dt.timedelta(minutes=5)
router = APIRouter(include_in_schema=False)

#: What each state means to the citizen (Vietnamese first, English under it).
STATE_TEXTS: dict[str, tuple[str, str]] = {
    "waiting": ("Đang chờ", "Waiting"),
    "transferred": ("Đang chờ (đã chuyển)", "Waiting (transferred)"),
    "called": ("Mời đến quầy", "Please go to counter"),
    "serving": ("Đang được phục vụ", "Being served"),
    "done": ("Đã phục vụ xong. Cảm ơn!", "Served. Thank you!"),
    "no_show": ("Đã gọi nhưng vắng mặt: báo cán bộ tại quầy", "Called, not present: "
                "tell an officer at a counter"),
}


def _context(found: TicketPage, now: dt.datetime,
             units: Mapping[int, str]) -> dict[str, Any]:
    ticket, service = found.ticket, found.service
    minutes = None
    if service is not None and ticket.state in {"waiting", "transferred"}:
        minutes = wait_minutes(ticket.people_ahead, ServiceQueue(
            service.service, service.waiting, 0, service.counters_open,
            service.average_service_seconds))
    return {
        "ticket": ticket, "service": service, "state_text": STATE_TEXTS[ticket.state],
        "waiting": ticket.state in {"waiting", "transferred"}, "minutes": minutes,
        "point": unit_label(units, found.unit_code),
        "as_of": found.published_at.astimezone(clock.HANOI).strftime("%H:%M"),
        "stale": now - found.published_at > STALE_AFTER,
        "refresh": REFRESH_SECONDS,
    }


def _look_up(request: Request, token: str) -> tuple[TicketPage | None, Response | None]:
    """The ticket, or the response to send instead (429 over the limit, 404 unknown)."""
    web = web_state(request)
    client = request.client.host if request.client is not None else "unknown"
    wait = web.ticket_page_limiter.retry_after(client)
    if wait is not None:
        return None, render(request, "ticket_missing.html", None, status=429,
                            headers={"Retry-After": str(wait)},
                            message="Quá nhiều lần xem. Hãy thử lại sau một phút.",
                            message_en="Too many requests. Try again in a minute.")
    found = TicketPages(web.store.engine, clock=web.store.clock).page(token) \
        if is_token(token) else None
    if found is None:
        return None, render(request, "ticket_missing.html", None, status=404,
                            message="Không tìm thấy số thứ tự này. Số vừa lấy có thể cần "
                            "ít phút để hiện ở đây.",
                            message_en="No such ticket. A ticket just taken may take a "
                            "few minutes to appear here.")
    return found, None


@router.get(PAGE_PATH + "/{token}")
def ticket_page(request: Request, token: str) -> Response:
    """The whole page."""
    found, refusal = _look_up(request, token)
    if refusal is not None or found is None:
        return refusal or Response(status_code=404)
    store = web_state(request).store
    return render(request, "ticket_page.html", None,
                  **_context(found, store.clock(), store.served_units.names()))


@router.get(PAGE_PATH + "/{token}/panel")
def ticket_panel(request: Request, token: str) -> Response:
    """The part that changes (htmx polls it)."""
    found, refusal = _look_up(request, token)
    if refusal is not None or found is None:
        return refusal or Response(status_code=404)
    store = web_state(request).store
    return render(request, "_ticket_panel.html", None,
                  **_context(found, store.clock(), store.served_units.names()))
