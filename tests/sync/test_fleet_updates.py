"""Each kiosk's updates at the city: the heartbeat carries its channel and last update, the
store keeps them (SQLite and PostgreSQL), the fleet page, the API and ``kiosk backend
fleet`` show them, and a rollback or a refusal raises a warning
(tests/sync/fleet_update_data.py: the kiosks)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiosk.clock import HANOI
from kiosk.release_signature import ReleaseKeyPair, generate_key_pair
from kiosk.update_policy import OfferProblem, UpdateState
from kiosk.update_report import UpdateProblem
from office.app import create_app
from office.store.fleet_health import Alert, Severity
from office.store.users import UserRole
from office.web.fleet_page import update_problem
from sync import wire
from sync.client import BackendClient
from sync.release_source import BackendReleaseSource
from sync.updater import UpdatePaths, Updater, UpdateRecord
from tests.conftest import Result
from tests.sync.back_office import PASSWORD, signed_in
from tests.sync.conftest import Backend
from tests.sync.fleet_update_data import REFUSED_REASON, ROLLED_BACK_REASON, seed_updates
from tests.sync.test_updater import (
    START,
    FakeCommands,
    FakeInstaller,
    FakeServices,
    publish,
)


def test_the_store_keeps_each_kiosks_updates_and_warns_of_a_rollback_or_a_refusal(
        backend: Backend) -> None:
    store = seed_updates(backend)
    health = {item.record.device_id: item for item in store.heartbeats.health()}
    assert {device: item.alerts for device, item in health.items()} == {
        "U-BACK": (Alert.UPDATE_ROLLED_BACK,),
        "U-FRESH": (),
        "U-OK": (),
        "U-OLD": (),
        "U-PILOT": (),
        "U-REFUSED": (Alert.UPDATE_NOT_APPLIED,),
    }
    assert health["U-BACK"].severity is Severity.WARNING
    assert health["U-REFUSED"].severity is Severity.WARNING
    back = health["U-BACK"].record.heartbeat
    assert back is not None and back.update is not None
    assert (back.update.channel, back.update.state, back.update.target_version,
            back.update.problem, back.update.reason) == (
        "pilot", UpdateState.ROLLED_BACK, "2.5.0", UpdateProblem.ROLLED_BACK,
        ROLLED_BACK_REASON)
    old = health["U-OLD"].record.heartbeat
    assert old is not None and old.update is None


def test_the_api_fleet_carries_the_update_reports(backend: Backend) -> None:
    store = seed_updates(backend)
    entries = {entry.kiosk_id: entry.model_dump(mode="json")
               for entry in store.fleet().kiosks}
    assert entries["U-REFUSED"]["heartbeat"]["update"] == {
        "channel": "stable", "state": "confirmed", "target_version": "2.4.0",
        "problem": "refused", "reason": REFUSED_REASON}
    assert entries["U-FRESH"]["heartbeat"]["update"] == {
        "channel": "stable", "state": None, "target_version": None, "problem": None,
        "reason": None}
    assert entries["U-OLD"]["heartbeat"]["update"] is None


def test_an_older_kiosks_heartbeat_without_updates_is_still_accepted(
        sqlite_backend: Backend) -> None:
    api = TestClient(create_app(sqlite_backend.store, rate_limit="10000/second"))
    token = sqlite_backend.token("K-OLD")
    beat = {"software_version": "0.9.0", "outbox_pending": 0, "outbox_failed": 0,
            "device_time": dt.datetime.now(HANOI).isoformat()}
    answer = api.post("/v1/kiosk/heartbeat", json=beat,
                      headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    (entry,) = sqlite_backend.store.fleet().kiosks
    assert entry.heartbeat is not None and entry.heartbeat.update is None
    # A state it does not know is refused like any bad field (the wire schema's enum).
    answer = api.post("/v1/kiosk/heartbeat", headers={"Authorization": f"Bearer {token}"},
                      json={**beat, "update": {"channel": "stable", "state": "exploded"}})
    assert answer.status_code == 422


@pytest.fixture
def web(backend: Backend) -> TestClient:
    store = seed_updates(backend)
    store.users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    client = TestClient(create_app(store, rate_limit="10000/second", session_secret="test"),
                        base_url="http://127.0.0.1")
    signed_in(client, "admin")
    return client


def rows(page: str) -> dict[str, str]:
    """Each device's table row: id -> its HTML."""
    found = {}
    for row in page.split("<tbody>")[1].split("</tr>"):
        name = re.search(r'<th scope="row">([^<]+)<', row)
        if name:
            found[name.group(1)] = row
    return found


def test_the_fleet_page_shows_channel_and_outcome_and_counts_the_warnings(
        web: TestClient) -> None:
    page = web.get("/bo/fleet").text
    counts = {label: int(number) for number, label in re.findall(
        r'<span class="big">(\d+)</span> (?:<a [^>]*>)?([^<]+)', page)}
    assert (counts["cần xử lý"], counts["Cập nhật bị hoàn tác"],
            counts["Không cập nhật được"]) == (2, 1, 1)
    shown = rows(page)
    assert list(shown)[:2] == ["U-BACK", "U-REFUSED"]  # the warnings first
    # The problem in Vietnamese from the heartbeat's field; the kiosk's words as detail.
    assert ('<small class="update">Kênh <strong>pilot</strong> · bản 2.5.0 đã bị hoàn tác'
            '</small>\n      <br><small class="update-problem">Bản 2.5.0 chạy thử không đạt: '
            'kiosk đã tự quay về bản trước và không thử lại bản này.</small>') in shown["U-BACK"]
    assert ('<small class="muted update-reason">Chi tiết từ kiosk (tiếng Anh): '
            f'<span lang="en">{ROLLED_BACK_REASON}</span></small>') in shown["U-BACK"]
    assert '<span class="badge warning">Cập nhật bị hoàn tác</span>' in shown["U-BACK"]
    assert ('<small class="update">Kênh <strong>stable</strong> · đã lên bản 2.4.0</small>'
            '\n      <br><small class="update-problem">Kiosk từ chối bản mới của kênh (chữ '
            'ký, kênh hoặc phiên bản cơ sở dữ liệu không phù hợp) và vẫn chạy bản đang dùng.'
            '</small>'
            ) in shown["U-REFUSED"]
    assert ('<span lang="en">refused: the manifest&#39;s signature does not match any '
            'trusted release key</span>') in shown["U-REFUSED"]
    assert '<span class="badge warning">Không cập nhật được</span>' in shown["U-REFUSED"]
    assert "Kênh <strong>pilot</strong> · đang chạy thử bản 2.5.0" in shown["U-PILOT"]
    assert "Kênh <strong>stable</strong> · chưa cập nhật lần nào" in shown["U-FRESH"]
    assert "Kênh" not in shown["U-OLD"] and "2.3.1" in shown["U-OLD"]
    for quiet in ("U-OK", "U-PILOT", "U-FRESH", "U-OLD"):
        assert "update-reason" not in shown[quiet]
        assert "update-problem" not in shown[quiet]
        assert '<span class="badge fine">Bình thường</span>' in shown[quiet]
    # The alert filter finds the rolled-back kiosk only.
    filtered = rows(web.get("/bo/fleet", params={"alert": "update_rolled_back"}).text)
    assert list(filtered) == ["U-BACK"]


@pytest.mark.parametrize(("problem", "words"), [
    (None, None),
    (UpdateProblem.ROLLED_BACK, "Bản 2.5.0 chạy thử không đạt: kiosk đã tự quay về bản trước "
                                "và không thử lại bản này."),
    (UpdateProblem.REFUSED, "Kiosk từ chối bản mới của kênh (chữ ký, kênh hoặc phiên bản cơ "
                            "sở dữ liệu không phù hợp) và vẫn chạy bản đang dùng."),
    (UpdateProblem.FAILED, "Không cài được bản mới (lỗi khi tải về, cài đặt hoặc chuyển dữ "
                           "liệu): kiosk vẫn chạy bản đang dùng và sẽ thử lại."),
])
def test_each_update_problem_has_its_vietnamese_words_whatever_the_kiosk_wrote(
        problem: UpdateProblem | None, words: str | None) -> None:
    report = wire.UpdateReport(channel="pilot", state=UpdateState.ROLLED_BACK,
                               target_version="2.5.0", problem=problem,
                               reason="some words a later updater may choose")
    assert update_problem(report) == words


def test_kiosk_backend_fleet_prints_channel_and_outcome(
        kiosk: Callable[..., Result], backend: Backend, tmp_path: Path) -> None:
    seed_updates(backend)
    home = ["--home", str(tmp_path / "home"), "--db", backend.url]
    assert kiosk("backend", "keygen", *home).status == 0
    fleet = kiosk("backend", "fleet", *home)
    assert fleet.status == 0, fleet.err
    lines = {line.split()[0]: line for line in fleet.out.splitlines()}
    assert lines["U-BACK"].endswith(
        "overlay none, channel pilot, update rolled_back 2.5.0 (rolled_back: "
        f"{ROLLED_BACK_REASON}) [update_rolled_back]")
    assert lines["U-REFUSED"].endswith(
        "overlay none, channel stable, update confirmed 2.4.0 (refused: "
        f"{REFUSED_REASON}) [update_not_applied]")
    assert lines["U-OK"].endswith("overlay none, channel stable, update confirmed 2.4.0")
    assert lines["U-FRESH"].endswith("overlay none, channel stable, no update yet")
    assert lines["U-OLD"].endswith("overlay none")


# -- from the updater's file to the city ------------------------------------------------------


def updater_at(root: Path, database: Path, client: BackendClient, key: ReleaseKeyPair,
               commands: FakeCommands) -> Updater:
    """An updater of a kiosk running 2.3.1 on channel ``pilot`` (fakes but the server)."""
    (root / "releases" / "2.3.1").mkdir(parents=True)
    (root / "current").symlink_to("releases/2.3.1")
    return Updater(UpdatePaths(root=root, database=database), channel="pilot",
                   trusted_keys=[key.public], source=BackendReleaseSource(client),
                   installer=FakeInstaller(), commands=commands, services=FakeServices(),
                   clock=lambda: START)


def test_the_heartbeat_reports_what_the_updater_wrote(
        sqlite_backend: Backend, serve: Any, kiosks: Any, tmp_path: Path) -> None:
    server = serve(sqlite_backend)
    made = kiosks("K-1")
    root = tmp_path / "opt"
    agent = made.agent(server.url, sqlite_backend.token("K-1"), update_channel="pilot",
                       update_root=root)
    # GIVEN the updater never ran: the channel only, no alert
    assert agent.heartbeat().update is not None
    assert agent.heartbeat().update.model_dump(mode="json") == {  # type: ignore[union-attr]
        "channel": "pilot", "state": None, "target_version": None, "problem": None,
        "reason": None}
    # WHEN a release fails its trial (a new doctor fault) and is rolled back
    key = generate_key_pair()
    publish(sqlite_backend, key, "2.4.0", channel="pilot")
    commands = FakeCommands(doctor={"2.4.0": frozenset({"printer"})})
    client = BackendClient(server.url, sqlite_backend.token("K-1"), connect_timeout=2,
                           read_timeout=5)
    updater = updater_at(root, made.path, client, key, commands)
    updater.check_for_update()
    updater.check_trial()
    agent.client.heartbeat(agent.heartbeat())
    # THEN the city has the rollback with its reason, and warns
    (health,) = sqlite_backend.store.heartbeats.health()
    beat = health.record.heartbeat
    assert beat is not None and beat.update is not None
    assert (beat.update.state, beat.update.target_version, beat.update.problem,
            beat.update.reason) == (
        UpdateState.ROLLED_BACK, "2.4.0", UpdateProblem.ROLLED_BACK,
        "rolled back to 2.3.1: new doctor fault(s): printer (0 submission(s) from the "
        "trial kept)")
    assert health.alerts == (Alert.UPDATE_ROLLED_BACK,)
    # WHEN the channel then offers a release signed by an unknown key: refused on top
    publish(sqlite_backend, generate_key_pair(), "2.4.1", channel="pilot")
    updater.check_for_update()
    agent.client.heartbeat(agent.heartbeat())
    (health,) = sqlite_backend.store.heartbeats.health()
    beat = health.record.heartbeat
    assert beat is not None and beat.update is not None
    assert (beat.update.state, beat.update.problem, beat.update.reason) == (
        UpdateState.ROLLED_BACK, UpdateProblem.REFUSED,
        "refused: the manifest's signature does not match any trusted release key")
    assert health.alerts == (Alert.UPDATE_ROLLED_BACK, Alert.UPDATE_NOT_APPLIED)
    # WHEN the city withdraws it: the channel serves 2.4.0 again, which failed here (ignored)
    publish(sqlite_backend, key, "2.4.0", channel="pilot")
    updater.check_for_update()
    agent.client.heartbeat(agent.heartbeat())
    # THEN "not applied" is gone; the rollback is still said, in its own words
    (health,) = sqlite_backend.store.heartbeats.health()
    beat = health.record.heartbeat
    assert beat is not None and beat.update is not None
    assert (beat.update.state, beat.update.problem, beat.update.reason) == (
        UpdateState.ROLLED_BACK, UpdateProblem.ROLLED_BACK,
        "rolled back to 2.3.1: new doctor fault(s): printer (0 submission(s) from the "
        "trial kept)")
    assert health.alerts == (Alert.UPDATE_ROLLED_BACK,)


def test_an_unreadable_state_file_loses_the_outcome_not_the_heartbeat(
        sqlite_backend: Backend, serve: Any, kiosks: Any, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    server = serve(sqlite_backend)
    (tmp_path / "update.json").write_text("{half a file")
    agent = kiosks("K-1").agent(server.url, sqlite_backend.token("K-1"),
                                update_channel="stable", update_root=tmp_path)
    beat = agent.heartbeat()
    assert beat.update is not None and (beat.update.channel, beat.update.state) == (
        "stable", None)
    assert "the last update is not reported" in caplog.text
    agent.client.heartbeat(beat)
    (health,) = sqlite_backend.store.heartbeats.health()
    assert health.alerts == ()


def test_a_postponed_update_is_no_problem_for_the_city_whatever_its_words(
        sqlite_backend: Backend, serve: Any, kiosks: Any, tmp_path: Path) -> None:
    server = serve(sqlite_backend)
    agent = kiosks("K-1").agent(server.url, sqlite_backend.token("K-1"),
                                update_channel="stable", update_root=tmp_path)
    # GIVEN 2.4.0 kept, and 2.5.0 waiting for a citizen to leave, in words that read like
    # a refusal (the first updater told problems apart by their words)
    record = UpdateRecord(UpdateState.CONFIRMED, "2.3.1", "2.4.0", reason="trial passed",
                          problem=OfferProblem.POSTPONED,
                          problem_reason="refused: a citizen was using the kiosk")
    (tmp_path / "update.json").write_text(json.dumps(record.to_json()))
    # THEN the heartbeat carries no problem (the wire's problems are v1's three), no alert
    beat = agent.heartbeat()
    assert beat.update is not None
    assert beat.update.model_dump(mode="json") == {
        "channel": "stable", "state": "confirmed", "target_version": "2.4.0",
        "problem": None, "reason": None}
    agent.client.heartbeat(beat)
    (health,) = sqlite_backend.store.heartbeats.health()
    assert health.alerts == ()
