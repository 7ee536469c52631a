"""The officers' pages: sign-in, and the console of one counter.

Each button posts with htmx and gets the panel back (``_panel.html``); without JavaScript
the same forms post and are redirected to the console, so a plain browser works too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from hub.queue import QueueError
from hub.sessions import SESSION_COOKIE, SESSION_SECONDS, SIGNIN_COOKIE, Session, same_token
from hub.web import Checked, HubWeb, SignedIn, Web
from kiosk.servicepoint.counters import CounterState
from kiosk.servicepoint.tickets import TicketAction, TicketState

router = APIRouter(include_in_schema=False)

#: Console buttons: action name -> (queue action, Vietnamese label, English, key).
COUNTER_ACTIONS: dict[str, tuple[TicketAction, str, str, str]] = {
    "recall": (TicketAction.RECALL, "Gọi lại", "Recall", "R"),
    "start": (TicketAction.START, "Bắt đầu phục vụ", "Start serving", "S"),
    "finish": (TicketAction.FINISH, "Hoàn thành", "Finish", "F"),
    "skip": (TicketAction.SKIP, "Vắng mặt", "No-show", "K"),
}
STATE_NAMES = {
    TicketState.WAITING: "Đang chờ",
    TicketState.CALLED: "Đã gọi",
    TicketState.SERVING: "Đang phục vụ",
    TicketState.DONE: "Đã xong",
    TicketState.NO_SHOW: "Vắng mặt",
    TicketState.TRANSFERRED: "Đã chuyển",
}


@router.get("/")
def home() -> RedirectResponse:
    """The console is the hub's front page."""
    return RedirectResponse("/console", 303)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, web: Web) -> HTMLResponse:
    """The sign-in form: officer, PIN, counter."""
    return _signin_form(request, web, None)


def _signin_form(request: Request, web: HubWeb, error: str | None) -> HTMLResponse:
    token = request.cookies.get(SIGNIN_COOKIE) or web.signer.new_token()
    page = web.render("signin.html", counters=web.queue.counters(), csrf=token, error=error)
    response = HTMLResponse(page, status_code=401 if error else 200)
    response.set_cookie(SIGNIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=web.secure_cookies)
    return response


@router.post("/signin")
def signin(request: Request, web: Web, *, login: Annotated[str, Form()],
           pin: Annotated[str, Form()], counter: Annotated[int, Form()],
           csrf: Annotated[str, Form()]) -> Response:
    """Check the PIN, open the counter, start a session."""
    if not same_token(request.cookies.get(SIGNIN_COOKIE, ""), csrf):
        raise HTTPException(403, "missing or wrong CSRF token")
    login = login.strip()
    wait = web.brake.wait_seconds(login)
    if wait > 0:
        return _signin_form(request, web,
                            f"Sai PIN nhiều lần: thử lại sau {int(wait) + 1} giây.")
    officer = web.queue.verify_officer(login, pin)
    if officer is None:
        web.brake.failed(login)
        return _signin_form(request, web, "Sai tên đăng nhập hoặc mã PIN.")
    web.brake.succeeded(login)
    try:
        web.queue.open_counter(counter, officer.login)
    except QueueError as error:
        return _signin_form(request, web, str(error))
    _, cookie = web.signer.new(officer.login, counter)
    response = RedirectResponse("/console", 303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", secure=web.secure_cookies)
    response.delete_cookie(SIGNIN_COOKIE)
    return response


@router.post("/signout")
def signout(web: Web, session: Checked) -> RedirectResponse:
    """Close the counter and end the session."""
    web.queue.close_counter(session.counter)
    response = RedirectResponse("/signin", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _panel_values(web: HubWeb, session: Session, error: str | None = None,
                  note: str | None = None) -> dict[str, Any]:
    queue = web.queue
    counter = queue.counter(session.counter)
    return {
        "session": session, "counter": counter, "officer": queue.officer(session.officer),
        "current": queue.current(session.counter),
        "loads": [load for load in queue.loads() if counter.serves(load.service)],
        "services": queue.services(), "counters": queue.counters(),
        "actions": COUNTER_ACTIONS, "state_names": STATE_NAMES,
        "paused": counter.state is CounterState.PAUSED, "error": error, "note": note,
    }


def _answer(request: Request, web: HubWeb, session: Session, error: str | None = None,
            note: str | None = None) -> Response:
    """The panel for htmx; for a plain form post, back to the console (or the error)."""
    values = _panel_values(web, session, error, note)
    if request.headers.get("HX-Request") == "true":
        return HTMLResponse(web.render("_panel.html", **values))
    if error is None:
        return RedirectResponse("/console", 303)
    return HTMLResponse(web.render("console.html", **values), status_code=409)


@router.get("/console", response_class=HTMLResponse)
def console(web: Web, session: SignedIn) -> HTMLResponse:
    """The counter's console."""
    if web.queue.counter(session.counter).state is CounterState.CLOSED:
        web.queue.open_counter(session.counter, session.officer)
    return HTMLResponse(web.render("console.html", **_panel_values(web, session)))


@router.get("/console/panel", response_class=HTMLResponse)
def console_panel(web: Web, session: SignedIn) -> HTMLResponse:
    """The panel alone (refreshed every few seconds for the waiting counts)."""
    return HTMLResponse(web.render("_panel.html", **_panel_values(web, session)))


@router.post("/console/call-next")
def call_next(request: Request, web: Web, session: Checked) -> Response:
    """Call the next ticket by the ordering rule."""
    try:
        event = web.queue.call_next(session.counter)
    except QueueError as error:
        return _answer(request, web, session, str(error))
    note = None if event else "Không còn ai chờ. (Nobody is waiting.)"
    return _answer(request, web, session, note=note)


@router.post("/console/call-number")
def call_number(request: Request, web: Web, session: Checked,
                number: Annotated[str, Form()]) -> Response:
    """Call one ticket by its number."""
    try:
        web.queue.call_number(session.counter, number)
    except QueueError as error:
        return _answer(request, web, session, str(error))
    return _answer(request, web, session)


@router.post("/console/transfer")
def transfer(request: Request, web: Web, session: Checked,
             target: Annotated[str, Form()]) -> Response:
    """Send the current ticket to a service (``service:C``) or a counter (``counter:3``)."""
    kind, _, value = target.partition(":")
    try:
        if kind == "service":
            web.queue.transfer(session.counter, service=value)
        elif kind == "counter" and value.isdigit():
            web.queue.transfer(session.counter, to_counter=int(value))
        else:
            raise QueueError("choose where to transfer the ticket")
    except QueueError as error:
        return _answer(request, web, session, str(error))
    return _answer(request, web, session)


@router.post("/console/pause")
def pause(request: Request, web: Web, session: Checked) -> Response:
    """Pause the counter, or resume it."""
    paused = web.queue.counter(session.counter).state is CounterState.PAUSED
    try:
        web.queue.set_paused(session.counter, not paused)
    except QueueError as error:
        return _answer(request, web, session, str(error))
    return _answer(request, web, session)


@router.post("/console/{action}")
def counter_action(request: Request, web: Web, action: str, session: Checked) -> Response:
    """Recall, start, finish or skip the current ticket."""
    if action not in COUNTER_ACTIONS:
        raise HTTPException(404)
    try:
        web.queue.act(session.counter, COUNTER_ACTIONS[action][0])
    except QueueError as error:
        return _answer(request, web, session, str(error))
    return _answer(request, web, session)
