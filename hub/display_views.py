"""The TV display: the page, its live stream, and the spoken calls it plays."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import HTMLResponse, StreamingResponse

from hub.live import LiveMessage
from hub.queue import QueueError
from hub.web import Web
from kiosk.servicepoint.tickets import TicketAction
from kiosk.speech import SpeechError

router = APIRouter(include_in_schema=False)


@router.get("/display", response_class=HTMLResponse)
def display(web: Web) -> HTMLResponse:
    """The full-screen board (then kept live by /display/events)."""
    return HTMLResponse(web.render("display.html", board=web.board_html(),
                                   voice=web.call_audio is not None))


@router.get("/display/events")
async def display_events(web: Web) -> StreamingResponse:
    """Server-sent events: the board now, then after every move."""
    first = LiveMessage("board", web.board_html())
    return StreamingResponse(
        web.live.stream(first, web.keepalive_seconds), media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/audio/call/{seq}.wav")
def call_wav(web: Web, seq: int) -> Response:
    """The spoken call of one call or recall event, from the configured voice engine."""
    if web.call_audio is None:
        raise HTTPException(404, "no voice engine is configured at this hub")
    try:
        event = web.queue.event(seq)
    except QueueError:
        raise HTTPException(404, "no such call") from None
    if event.action not in {TicketAction.CALL, TicketAction.RECALL} or event.counter is None:
        raise HTTPException(404, "not a call")
    try:
        audio = web.call_audio.call_wav(event.ticket.number, event.counter,
                                        recall=event.action is TicketAction.RECALL)
    except SpeechError as error:
        # The display shows the call anyway; the voice's fault is for the technician.
        raise HTTPException(503, f"the voice could not say it: {error}") from None
    return Response(audio, media_type="audio/wav",
                    headers={"Cache-Control": "public, max-age=86400"})
