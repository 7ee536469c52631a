"""What the hub's views share: the queue, the templates, sessions, the live stream.

One :class:`HubWeb` per app, kept in ``app.state.web``; views get it (and the signed-in
officer) through the dependencies below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Header, HTTPException, Request
from jinja2 import Environment

from hub.heartbeat import KioskSightings
from hub.help_calls import HelpBoard
from hub.live import Broadcaster
from hub.queue import HubQueue, QueueEvent
from hub.sessions import SESSION_COOKIE, PinBrake, Session, SessionSigner, same_token
from hub.voice import CallAudio
from sync import wire
from webui.assets import template_environment

TEMPLATES = Path(__file__).with_name("templates")
#: Calls listed under the newest on the display.
RECENT_CALLS = 6


@dataclass
class HubWeb:
    """The parts every view of one hub app uses."""

    queue: HubQueue
    signer: SessionSigner
    call_audio: CallAudio | None
    point_name: str
    secure_cookies: bool
    keepalive_seconds: float
    templates: Environment = field(default_factory=lambda: template_environment([TEMPLATES]))
    brake: PinBrake = field(default_factory=PinBrake)
    live: Broadcaster = field(default_factory=Broadcaster)
    #: Kiosks' calls for staff, and the consoles' stream that shows them (hub/help_views.py).
    help: HelpBoard = field(init=False)
    console_live: Broadcaster = field(default_factory=Broadcaster)
    #: When each kiosk last called (the heartbeat counts those seen lately: hub/heartbeat.py).
    sightings: KioskSightings = field(init=False)

    def __post_init__(self) -> None:
        self.help = HelpBoard(self.queue.now)
        self.sightings = KioskSightings(self.queue.now)

    def presence(self) -> wire.HubPresence:
        """Consoles (their live stream) and displays connected now, kiosks seen lately."""
        return wire.HubPresence(consoles=self.console_live.listeners,
                                displays=self.live.listeners,
                                kiosks_seen=self.sightings.recent())

    def render(self, name: str, **values: Any) -> str:
        """A template rendered with the point's name."""
        return self.templates.get_template(name).render(point_name=self.point_name, **values)

    def board_html(self) -> str:
        """The display's board as it stands now."""
        queue = self.queue
        # Every call and recall is announced (call_ids); a recalled ticket is listed once.
        calls = queue.recent_calls(3 * RECENT_CALLS)
        listed: list[QueueEvent] = []
        for call in calls:
            if all(other.ticket.id != call.ticket.id for other in listed):
                listed.append(call)
        return self.render(
            "_board.html", calls=calls, listed=listed[: RECENT_CALLS + 1], loads=queue.loads(),
            services={service.code: service for service in queue.services()},
            counters={counter.number: counter for counter in queue.counters()},
        )


def hub_web(request: Request) -> HubWeb:
    """The app's :class:`HubWeb`."""
    web: HubWeb = request.app.state.web
    return web


Web = Annotated[HubWeb, Depends(hub_web)]


def signed_in(request: Request, web: Web) -> Session:
    """The officer's session, or a redirect to the sign-in page."""
    session = web.signer.load(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise HTTPException(303, headers={"Location": "/signin"})
    return session


SignedIn = Annotated[Session, Depends(signed_in)]


def checked(session: SignedIn, csrf: Annotated[str | None, Form()] = None,
            x_csrf_token: Annotated[str | None, Header()] = None) -> Session:
    """The session of a state-changing request that carries its CSRF token (else 403)."""
    if not same_token(session.csrf, x_csrf_token or csrf):
        raise HTTPException(403, "missing or wrong CSRF token")
    return session


Checked = Annotated[Session, Depends(checked)]
