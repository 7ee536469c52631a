"""What every page handler shares: the web state on the app, rendering, error pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from office.ratelimit import RateLimiter
from office.store import Store
from office.web.auth import CSRF_FIELD, ForbiddenError, Session, Sessions
from office.web.labels import CATEGORIES, KINDS, RATINGS, ROLES, STATES
from office.web.unit_picker import NONE_LABELS
from office.web.units import unit_label
from webui.assets import template_environment

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
#: Requests to the tickets' phone pages per client address.
TICKET_PAGE_RATE = "240/minute"
#: Where this package's own stylesheet is served.
STATIC_PATH = "/bo/static"


class PageNotFoundError(Exception):
    """Nothing here for this user (also another unit's case: its existence stays hidden)."""


@dataclass
class WebState:
    """The pages' shared parts, kept on ``app.state.web``."""

    store: Store
    sessions: Sessions
    templates: Environment
    #: Sign-in attempts per client address.
    sign_in_limiter: RateLimiter
    #: The public status page's look-ups per client address.
    public_limiter: RateLimiter
    #: The tickets' phone pages, per client address: each open page polls every 15 s, and
    #: a service point's Wi-Fi puts many phones behind one address.
    ticket_page_limiter: RateLimiter = field(
        default_factory=lambda: RateLimiter(TICKET_PAGE_RATE))


def make_templates(store: Store) -> Environment:
    """The back office's templates over the shared base layout, with its labels and the
    units ``store`` knows (Hà Nội's and the loaded ones: ``unit_names()``, ``unit_name(code)``)."""
    templates = template_environment([TEMPLATES])
    units = store.served_units
    templates.globals.update(kinds=KINDS, states=STATES, categories=CATEGORIES, roles=ROLES,
                             ratings=RATINGS, unit_names=units.names,
                             unit_name=lambda code: unit_label(units.names(), code),
                             csrf_field=CSRF_FIELD, static_path=STATIC_PATH,
                             unit_picker_none=NONE_LABELS)
    return templates


def web_state(request: Request) -> WebState:
    """The pages' shared parts."""
    web: WebState = request.app.state.web
    return web


def render(request: Request, name: str, session: Session | None, *, status: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Template ``name`` with the session's user and CSRF token."""
    template = web_state(request).templates.get_template(name)
    html = template.render(request=request, session=session,
                           user=None if session is None else session.user,
                           csrf=None if session is None else session.csrf, **context)
    return HTMLResponse(html, status_code=status, headers=headers)


async def sign_in_required(request: Request, error: Exception) -> Response:
    """No valid session: to the sign-in form (htmx gets a full-page redirect)."""
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": "/bo/sign-in"})
    return RedirectResponse("/bo/sign-in", status_code=303)


async def forbidden(request: Request, error: Exception) -> Response:
    """403 with the reason, on our page."""
    assert isinstance(error, ForbiddenError)
    session = web_state(request).sessions.current(request, web_state(request).store)
    return render(request, "error.html", session, status=403, message=error.message)


async def not_found(request: Request, error: Exception) -> Response:
    """404 on our page."""
    session = web_state(request).sessions.current(request, web_state(request).store)
    return render(request, "error.html", session, status=404,
                  message="Không tìm thấy trang hoặc hồ sơ này.")
