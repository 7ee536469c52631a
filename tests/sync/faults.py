"""A TCP proxy on 127.0.0.1 that breaks HTTP/1.1 exchanges on purpose.

It sits between the sync agent and the backend and, for each request, does what its plan
says: pass it on, answer 503 or 429 itself, hang past the client's timeout (before or
after the backend committed), drop the connection after the backend committed, cut the
request body in half, or cut the answer in half. It can also go down (connection
refused) and come back on the same port.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable


class Fault(enum.Enum):
    PASS = "pass"
    UNAVAILABLE_503 = "503"
    TOO_MANY_429 = "429"
    HANG_BEFORE_BACKEND = "hang before the backend"
    HANG_AFTER_COMMIT = "hang after the backend committed"
    DROP_AFTER_COMMIT = "drop after the backend committed"
    CUT_REQUEST_BODY = "request body cut in half"
    CUT_RESPONSE = "answer cut in half"


class _Closed(Exception):
    pass


def _read_message(sock: socket.socket, buffer: bytearray) -> bytes:
    """One HTTP/1.1 message (headers + Content-Length body) from ``sock``."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise _Closed
        buffer += chunk
    head_end = buffer.index(b"\r\n\r\n") + 4
    length = 0
    for line in bytes(buffer[:head_end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buffer) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            raise _Closed
        buffer += chunk
    message = bytes(buffer[: head_end + length])
    del buffer[: head_end + length]
    return message


class FaultProxy:
    """Forwards 127.0.0.1:``port`` to the backend at ``upstream_port``, breaking things."""

    def __init__(
        self, upstream_port: int, plan: Callable[[int], Fault], *, hang_seconds: float,
        retry_after: int = 1,
    ) -> None:
        self.upstream_port = upstream_port
        self.plan = plan
        self.hang_seconds = hang_seconds
        self.retry_after = retry_after
        self.port = 0
        self.counts: Counter[Fault] = Counter()
        self._requests = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- up and down -------------------------------------------------------------------------

    def up(self) -> None:
        """Listen (again, on the same port): connections are accepted."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def down(self) -> None:
        """Stop listening and cut every open connection: connection refused from now on."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stopping.set()
        self.down()
        for thread in self._threads:
            thread.join(10)

    # -- serving -----------------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopping.is_set() and self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._open.add if add else self._open.discard)(sock)

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        incoming = bytearray()
        self._track(client, True)
        try:
            while not self._stopping.is_set():
                request = _read_message(client, incoming)
                with self._lock:
                    self._requests += 1
                    fault = self.plan(self._requests)
                    self.counts[fault] += 1
                if fault is Fault.UNAVAILABLE_503:
                    client.sendall(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n"
                                   b"connection: close\r\n\r\n")
                    return
                if fault is Fault.TOO_MANY_429:
                    client.sendall(b"HTTP/1.1 429 Too Many Requests\r\nretry-after: "
                                   + str(self.retry_after).encode()
                                   + b"\r\ncontent-length: 0\r\n\r\n")
                    continue
                if fault is Fault.HANG_BEFORE_BACKEND:
                    self._stopping.wait(self.hang_seconds)
                    return
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
                    upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self._track(upstream, True)
                if fault is Fault.CUT_REQUEST_BODY:
                    head_end = request.index(b"\r\n\r\n") + 4
                    body = len(request) - head_end
                    upstream.sendall(request[: head_end + body // 2])
                    time.sleep(0.05)
                    return
                upstream.sendall(request)
                response = _read_message(upstream, bytearray())
                if fault is Fault.HANG_AFTER_COMMIT:
                    self._stopping.wait(self.hang_seconds)
                    return
                if fault is Fault.DROP_AFTER_COMMIT:
                    return
                if fault is Fault.CUT_RESPONSE:
                    client.sendall(response[: len(response) // 2])
                    return
                client.sendall(response)
        except (_Closed, OSError):
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    self._track(sock, False)
                    with contextlib.suppress(OSError):
                        sock.close()
