"""The rating tablet at a counter: the citizen just served rates the service, once.

The page (``/rate/{counter}``) sits on a tablet facing the citizen and asks every few
seconds whether a ticket was just finished at its counter; if so it shows that number and
four big buttons. The rating is stored with the counter and officer who served the ticket
and its times (:meth:`hub.queue.HubQueue.rate`). No sign-in (a citizen uses it); a
double-submit cookie keeps other sites from posting ratings through a visitor's browser.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse

from hub.queue import QueueError
from hub.sessions import same_token
from hub.web import HubWeb, Web
from kiosk.kinds.rating import RatingLevel

router = APIRouter(include_in_schema=False)

#: How long after "finish" the tablet offers the ticket for rating.
RATING_WINDOW = dt.timedelta(minutes=10)
RATING_COOKIE = "hub_rating"
LEVELS = (
    (RatingLevel.VERY_SATISFIED, "Rất hài lòng", "Very satisfied"),
    (RatingLevel.SATISFIED, "Hài lòng", "Satisfied"),
    (RatingLevel.ACCEPTABLE, "Chấp nhận được", "Acceptable"),
    (RatingLevel.UNSATISFIED, "Không hài lòng", "Unsatisfied"),
)


def _panel(web: HubWeb, counter: int, csrf: str, thanks: str | None = None) -> str:
    ticket = None if thanks else web.queue.rateable(counter, RATING_WINDOW)
    return web.render("_rating.html", counter=web.queue.counter(counter), ticket=ticket,
                      levels=LEVELS, csrf=csrf, thanks=thanks)


@router.get("/rate/{counter}", response_class=HTMLResponse)
def rating_page(request: Request, web: Web, counter: int) -> HTMLResponse:
    """The tablet's page."""
    try:
        web.queue.counter(counter)
    except QueueError:
        raise HTTPException(404, "no such counter") from None
    csrf = request.cookies.get(RATING_COOKIE) or web.signer.new_token()
    response = HTMLResponse(web.render("rating.html", panel=_panel(web, counter, csrf),
                                       counter=web.queue.counter(counter)))
    response.set_cookie(RATING_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=web.secure_cookies)
    return response


@router.get("/rate/{counter}/panel", response_class=HTMLResponse)
def rating_panel(request: Request, web: Web, counter: int) -> HTMLResponse:
    """The part that changes: a ticket to rate, or the idle greeting."""
    return HTMLResponse(_panel(web, counter, request.cookies.get(RATING_COOKIE, "")))


@router.post("/rate/{counter}", response_class=HTMLResponse)
def rate(request: Request, web: Web, counter: int, *, ticket: Annotated[int, Form()],
         level: Annotated[str, Form()], csrf: Annotated[str, Form()]) -> HTMLResponse:
    """Store the rating; thank the citizen."""
    if not same_token(request.cookies.get(RATING_COOKIE, ""), csrf):
        raise HTTPException(403, "missing or wrong CSRF token")
    try:
        chosen = RatingLevel(level)
        target = web.queue.ticket(ticket)
        if target.counter != counter:
            raise QueueError(f"{target.number} was not served at this counter")
        web.queue.rate(ticket, chosen)
    except (ValueError, QueueError) as error:
        return HTMLResponse(_panel(web, counter, csrf, thanks=None) +
                            f'<p class="error" role="alert">{html.escape(str(error))}</p>',
                            status_code=409)
    return HTMLResponse(_panel(web, counter, csrf,
                               thanks="Cảm ơn quý khách đã đánh giá! · Thank you!"))
