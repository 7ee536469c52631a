"""Adding the back office's pages to the backend's FastAPI app."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from office.ratelimit import RateLimiter
from office.store import Store
from office.web import (
    catalog,
    fleet_page,
    pages,
    point_setup,
    public,
    satisfaction,
    ticket_page,
    unit_choices,
    users,
)
from office.web.auth import ForbiddenError, Sessions, SignInRequiredError
from office.web.context import (
    STATIC,
    STATIC_PATH,
    PageNotFoundError,
    WebState,
    forbidden,
    make_templates,
    not_found,
    sign_in_required,
)
from webui.assets import mount_static

#: Sign-in attempts per client address (the lock-out per account is the store's).
SIGN_IN_RATE = "30/minute"
#: Public status look-ups per client address.
PUBLIC_RATE = "20/minute"


def install(app: FastAPI, store: Store, *, session_secret: str | None = None,
            sign_in_rate: str = SIGN_IN_RATE, public_rate: str = PUBLIC_RATE) -> None:
    """Add the back office's pages, the public status page and their static files.

    ``session_secret`` signs the session cookies; None makes a random one (sessions then
    end when the server restarts).
    """
    app.state.web = WebState(
        store=store, sessions=Sessions(session_secret or secrets.token_urlsafe(32)),
        templates=make_templates(store), sign_in_limiter=RateLimiter(sign_in_rate),
        public_limiter=RateLimiter(public_rate))
    app.include_router(pages.router)
    app.include_router(satisfaction.router)
    app.include_router(fleet_page.router)
    app.include_router(users.router)
    app.include_router(catalog.router)
    app.include_router(point_setup.router)
    app.include_router(public.router)
    app.include_router(ticket_page.router)
    app.include_router(unit_choices.router)
    mount_static(app)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="back-office-static")
    app.add_exception_handler(SignInRequiredError, sign_in_required)
    app.add_exception_handler(ForbiddenError, forbidden)
    app.add_exception_handler(PageNotFoundError, not_found)
