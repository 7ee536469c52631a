"""``kiosk hub``: set up a point from the command line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.database import HubDatabase
from hub.queue import HubQueue
from kiosk.servicepoint.ordering import OrderingRule, RuleKind
from tests.conftest import Result


def test_kiosk_hub_help_lists_its_commands(kiosk: Callable[..., Result]) -> None:
    result = kiosk("hub", "--help")
    assert result.status == 0
    for command in ("serve", "import-services", "add-counter", "add-officer", "add-kiosk",
                    "set-rule", "status"):
        assert command in result.out


def test_a_point_is_set_up_from_the_command_line(
    kiosk: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = str(tmp_path / "hub")
    assert kiosk("--demo", "hub", "import-services", "--home", home).out == (
        "5 service(s) imported\n")
    assert kiosk("hub", "add-counter", "2", "Quầy số 2", "--services", "A,C",
                 "--home", home).status == 0
    refused = kiosk("hub", "add-counter", "3", "Quầy số 3", "--services", "Z", "--home", home)
    assert (refused.status, refused.err) == (
        2, "kiosk: a counter serves known services; unknown: ['Z']\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("24681012\n"))
    assert kiosk("hub", "add-officer", "lan", "Nguyễn Thị Lan", "--home", home).status == 0
    enrolled = kiosk("hub", "add-kiosk", "K-01", "--home", home)
    token = enrolled.out.splitlines()[0]
    assert kiosk("hub", "set-rule", "--interleave", "4", "--home", home).status == 0
    queue = HubQueue(HubDatabase(Path(home) / "hub.sqlite3"))
    assert [service.code for service in queue.services()] == ["A", "B", "C", "D", "E"]
    assert queue.counter(2).services == ("A", "C")
    assert queue.verify_officer("lan", "24681012") is not None
    assert queue.kiosk_for_token(token) == "K-01"
    assert queue.rule() == OrderingRule(RuleKind.INTERLEAVE, every_n_regular=4)
    status = kiosk("hub", "status", "--home", home)
    assert "  2 Quầy số 2      closed  -            A,C        -" in status.out
