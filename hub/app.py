"""The hub's web app: the officers' console, the TV display, the kiosks' API.

Pages are rendered on the server (Jinja2, :mod:`webui`'s base layout) and updated by htmx:
a console button posts and gets its panel back (:mod:`hub.console_views`); the display
holds one server-sent-events stream (htmx's SSE extension, which reconnects by itself) that
carries the whole board after every move (:mod:`hub.display_views`); kiosks register
tickets and read the queue (:mod:`hub.kiosk_api`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hub import console_views, display_views, help_views, kiosk_api, rating_views
from hub.live import BoardFeed
from hub.queue import HubQueue, QueueEvent
from hub.sessions import SessionSigner
from hub.voice import CallAudio
from hub.web import HubWeb
from kiosk.servicepoint.tickets import TicketAction
from webui.assets import mount_static

STATIC = Path(__file__).with_name("static")
#: Moves that change what the display shows (calls, and the waiting counts).
BOARD_ACTIONS = frozenset({TicketAction.ISSUE, TicketAction.CALL, TicketAction.RECALL,
                           TicketAction.TRANSFER})
#: Seconds between comment lines on an idle display stream.
KEEPALIVE_SECONDS = 15.0


def create_app(
    queue: HubQueue,
    *,
    secret: str,
    call_audio: CallAudio | None = None,
    point_name: str = "Điểm phục vụ hành chính công",
    secure_cookies: bool = False,
    keepalive_seconds: float = KEEPALIVE_SECONDS,
) -> FastAPI:
    """The hub's app over ``queue``.

    ``secret`` signs officers' sessions. ``call_audio`` renders the spoken calls the display
    plays; None: the display shows calls without sound and says so.
    """
    app = FastAPI(title="motcua hub", docs_url=None, redoc_url=None)
    mount_static(app)
    app.mount("/hub-static", StaticFiles(directory=STATIC), name="hub-static")
    web = HubWeb(queue, SessionSigner(secret), call_audio, point_name, secure_cookies,
                 keepalive_seconds)
    app.state.web = web

    feed = BoardFeed(web.board_html, web.live)

    def on_event(event: QueueEvent) -> None:
        if event.action in BOARD_ACTIONS:
            feed.changed(event.seq)

    queue.subscribe(on_event)
    for module in (console_views, display_views, kiosk_api, rating_views, help_views):
        app.include_router(module.router)
    return app
