"""A kiosk installed without enrolment waits for it: never a restart loop, one clear line."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Config, ConfigError, load_config, write_technician_layer
from kiosk.enrolment import Enrolment, EnrolmentState, enrolment_of, wait_for_enrolment

ROOT = Path(__file__).resolve().parent.parent


def blank_config(tmp_path: Path) -> Config:
    return load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})


def enrolled_config(tmp_path: Path) -> Config:
    config = blank_config(tmp_path)
    write_technician_layer(config, {"kiosk.id": "HN-00004-K1",
                                    "sync.backend_url": "https://kiosk-api.example.gov.vn",
                                    "sync.token": "t" * 43})
    return blank_config(tmp_path)


def test_a_fresh_install_is_not_enrolled_and_names_what_is_missing(tmp_path: Path) -> None:
    enrolment = enrolment_of(blank_config(tmp_path))
    assert enrolment == Enrolment(EnrolmentState.NOT_ENROLLED,
                                  ("kiosk.id", "sync.backend_url", "sync.token"))
    assert enrolment.describe() == (
        "not enrolled: kiosk.id, sync.backend_url, sync.token not set; waiting for "
        "'kiosk provision --backend URL --token TOKEN'")


def test_provisioned_settings_make_the_kiosk_enrolled(tmp_path: Path) -> None:
    assert enrolment_of(enrolled_config(tmp_path)) == Enrolment(EnrolmentState.ENROLLED)


def test_the_agent_waits_rereading_its_settings_and_logs_the_wait_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a configuration that stays blank for three reads, then is provisioned
    blank, enrolled = blank_config(tmp_path / "a"), enrolled_config(tmp_path / "b")
    reads = iter([blank, blank, blank, enrolled])
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return False

    # WHEN the agent waits for enrolment
    with caplog.at_level(logging.INFO, logger="kiosk.enrolment"):
        config = wait_for_enrolment(lambda: next(reads), wait, interval=15)
    # THEN it returns the enrolled settings after three waits, having said so once
    assert config is enrolled
    assert waits == [15, 15, 15]
    assert [r.getMessage() for r in caplog.records] == [
        enrolment_of(blank).describe(), "enrolled: starting to sync"]


def test_a_stop_while_waiting_returns_none_and_a_bad_file_is_waited_out(tmp_path: Path) -> None:
    def unreadable() -> Config:
        raise ConfigError("technician.toml: sync.token: text matching ...")

    answers = iter([False, True])
    assert wait_for_enrolment(unreadable, lambda _s: next(answers), interval=1) is None


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        server.settimeout(60)
        yield server, address


def test_sync_run_without_enrolment_stays_up_tells_systemd_why_and_stops_cleanly(
    tmp_path: Path, notify_socket: tuple[socket.socket, str]
) -> None:
    # GIVEN `kiosk sync run` as systemd starts it, on a kiosk installed without a token
    server, address = notify_socket
    environ = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "data"), "NOTIFY_SOCKET": address,
               "PYTHONPATH": str(ROOT)}
    environ.pop("KIOSK_CONFIG", None)
    process = subprocess.Popen([sys.executable, "-m", "motcua", "sync", "run"], env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # THEN it reports ready, with the reason it does not sync as its status
        assert server.recv(4096).decode() == (
            "READY=1\nSTATUS=not enrolled: kiosk.id, sync.backend_url, sync.token not set; "
            "waiting for 'kiosk provision --backend URL --token TOKEN'")
        assert process.poll() is None  # up, not exited for systemd to restart
        # WHEN systemd stops it THEN it stops at once, successfully
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "not enrolled: kiosk.id, sync.backend_url, sync.token not set" in err
    assert server.recv(4096) == b"STOPPING=1"
