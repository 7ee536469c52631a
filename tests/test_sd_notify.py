"""The systemd notify protocol against a real datagram socket standing in for systemd."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.sd_notify import Notifier, restart_if_supervised


@pytest.fixture
def path_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        server.settimeout(2)
        yield server, address


def test_ready_watchdog_and_status_arrive_as_datagrams(
    path_socket: tuple[socket.socket, str],
) -> None:
    server, address = path_socket
    notifier = Notifier({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "20000000"})
    assert notifier.enabled
    assert notifier.ready("serving") is True
    assert server.recv(4096) == b"READY=1\nSTATUS=serving"
    assert notifier.watchdog() is True
    assert server.recv(4096) == b"WATCHDOG=1"
    assert notifier.status("outbox: 3 pending") is True
    assert server.recv(4096) == b"STATUS=outbox: 3 pending"
    assert notifier.ping_interval() == 10.0


def test_abstract_socket_names_start_with_at() -> None:
    name = f"motcua-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind("\0" + name)
        server.settimeout(2)
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ready() is True
        assert server.recv(4096) == b"READY=1"


def test_without_systemd_nothing_is_sent_and_nothing_fails() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert notifier.ready() is True
    assert notifier.ping_interval() is None


def test_a_vanished_supervisor_is_reported_not_raised(tmp_path: Path) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    assert notifier.watchdog() is False


def test_a_restart_under_systemd_says_so_and_stops(
    path_socket: tuple[socket.socket, str],
) -> None:
    server, address = path_socket
    stopped: list[bool] = []
    notifier = Notifier({"NOTIFY_SOCKET": address})
    assert restart_if_supervised(lambda: stopped.append(True), notifier) is True
    assert server.recv(4096) == b"STATUS=restarting at a technician's request"
    assert stopped == [True]


def test_without_systemd_a_restart_is_refused_and_nothing_stops() -> None:
    stopped: list[bool] = []
    assert restart_if_supervised(lambda: stopped.append(True), Notifier({})) is False
    assert stopped == []
