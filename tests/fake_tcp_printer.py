"""A scripted network receipt printer on 127.0.0.1, for the network driver's tests.

It accepts one client at a time, like a real printer on port 9100, answers ``DLE EOT n``
with the byte its script gives for n (or stays silent), records every byte it receives per
connection, and can drop a connection once it has received a given number of bytes
(with a TCP reset, as a printer that loses power does). It stops by itself when the test
ends: every wait is bounded.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Mapping
from types import TracebackType

READY = {1: 0x12, 2: 0x12, 4: 0x12}
PAPER_NEAR_END = {1: 0x12, 2: 0x12, 4: 0x1E}
PAPER_OUT = {1: 0x1A, 2: 0x32, 4: 0x72}
COVER_OPEN = {1: 0x1A, 2: 0x16, 4: 0x12}
OFFLINE = {1: 0x1A, 2: 0x12, 4: 0x12}

_POLL_SECONDS = 0.02


class ScriptedTcpPrinter:
    """A fake network printer; ``answers`` None means it never answers a status query."""

    def __init__(
        self, answers: Mapping[int, int] | None = READY, *, drop_after: int | None = None
    ) -> None:
        self.answers: dict[int, int] | None = None if answers is None else dict(answers)
        #: Reset the next connection once it has received this many bytes (then cleared).
        self.drop_after = drop_after
        #: What each finished connection received, in order.
        self.connections: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(_POLL_SECONDS)
        self.port: int = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> ScriptedTcpPrinter:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.close()

    def script(self, answers: Mapping[int, int] | None) -> None:
        """Answer from now on with ``answers`` (the technician fixed the printer)."""
        with self._lock:
            self.answers = None if answers is None else dict(answers)

    def received(self, count: int) -> list[bytes]:
        """What each finished connection received, once ``count`` have finished.

        Waits at most 2 s (a client's close takes a moment to be seen), then returns what
        there is: the test's assertion on it says what is missing.
        """
        for _ in range(100):
            with self._lock:
                if len(self.connections) >= count:
                    return list(self.connections)
            self._stop.wait(_POLL_SECONDS)
        with self._lock:
            return list(self.connections)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                data = self._handle(connection)
            with self._lock:
                self.connections.append(data)

    def _handle(self, connection: socket.socket) -> bytes:
        connection.settimeout(_POLL_SECONDS)
        data = bytearray()
        scanned = 0
        while not self._stop.is_set():
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            data += chunk
            scanned = self._answer(connection, data, scanned)
            if self.drop_after is not None and len(data) >= self.drop_after:
                self.drop_after = None
                # SO_LINGER 0: close with a reset, as a printer that loses power does.
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
                break
        return bytes(data)

    def _answer(self, connection: socket.socket, data: bytearray, scanned: int) -> int:
        while True:
            found = data.find(b"\x10\x04", scanned)
            if found == -1 or found + 2 >= len(data):
                return max(scanned, len(data) - 2)
            query = data[found + 2]
            with self._lock:
                answers = self.answers
            if answers is not None and query in answers:
                try:
                    connection.sendall(bytes([answers[query]]))
                except OSError:
                    return len(data)
            scanned = found + 3
