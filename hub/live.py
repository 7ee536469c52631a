"""The display's live stream: each change of the board, pushed to every open display.

The queue tells its listeners from the thread that made the move; displays wait on their
own asyncio queues in the server's event loop. :meth:`Broadcaster.publish` crosses over with
``call_soon_threadsafe``, once per display, with the board already rendered (one render per
move however many TVs watch).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: Messages a slow display may fall behind by before the oldest are dropped (the newest
#: board is all it needs).
BACKLOG = 32


@dataclass(frozen=True)
class LiveMessage:
    """One server-sent event: its name and its (HTML) data."""

    event: str
    data: str
    #: The event id (the queue event's sequence number), so a display knows what it saw.
    id: int | None = None

    def encode(self) -> bytes:
        """The event in the ``text/event-stream`` format (every data line prefixed)."""
        lines = [f"event: {self.event}"]
        if self.id is not None:
            lines.append(f"id: {self.id}")
        lines.extend(f"data: {line}" for line in self.data.splitlines() or [""])
        return ("\n".join(lines) + "\n\n").encode("utf-8")


class BoardFeed:
    """Renders the board once per burst of moves and publishes it, in a thread of its own.

    A console's request returns as soon as its move is stored; the display's board is
    rendered here. Moves that arrive while a board is being rendered are covered by the
    next render (the newest board is all a display needs), so twenty counters calling at
    once cost a few renders, not twenty.
    """

    def __init__(self, render: Callable[[], str], live: Broadcaster) -> None:
        self._render = render
        self._live = live
        self._dirty = threading.Event()
        self._latest: int | None = None
        self._thread = threading.Thread(target=self._run, name="board-feed", daemon=True)
        self._thread.start()

    def changed(self, seq: int) -> None:
        """The board changed with event ``seq`` (from any thread)."""
        self._latest = seq
        self._dirty.set()

    def _run(self) -> None:
        while True:
            self._dirty.wait()
            self._dirty.clear()
            seq = self._latest
            try:
                html = self._render()
            except Exception:  # one failed render must not stop the display for good
                log.exception("rendering the board failed")
                continue
            self._live.publish(LiveMessage("board", html, seq))


class Broadcaster:
    """Fans messages out to the connected displays."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[LiveMessage]]] = []

    @property
    def listeners(self) -> int:
        """Displays connected now."""
        with self._lock:
            return len(self._subscribers)

    def publish(self, message: LiveMessage) -> None:
        """Send ``message`` to every display (from any thread)."""
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            loop.call_soon_threadsafe(self._put, queue, message)

    @staticmethod
    def _put(queue: asyncio.Queue[LiveMessage], message: LiveMessage) -> None:
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(message)

    async def stream(self, first: LiveMessage, keepalive_seconds: float) -> AsyncIterator[bytes]:
        """One display's stream: ``first`` now, then every message, and a comment line when
        nothing happened for ``keepalive_seconds`` (so a dead connection is noticed)."""
        queue: asyncio.Queue[LiveMessage] = asyncio.Queue(BACKLOG)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.append(entry)
        try:
            yield first.encode()
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), keepalive_seconds)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                yield message.encode()
        finally:
            with self._lock:
                self._subscribers.remove(entry)
