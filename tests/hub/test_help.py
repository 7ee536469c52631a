"""Calls for staff at the hub: the kiosks' endpoint, the consoles' alerts, "Đã đến"."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.help_calls import HelpBoard, HelpError
from hub.help_views import help_html
from hub.live import LiveMessage
from hub.queue import HubQueue
from hub.web import HubWeb
from tests.hub.conftest import MovingClock
from tests.hub.test_app import SECRET, sign_in, text_of
from tests.own_loop import run_async


@pytest.fixture
def client(queue: HubQueue) -> TestClient:
    return TestClient(create_app(queue, secret=SECRET))


def web_of(client: TestClient) -> HubWeb:
    web: HubWeb = client.app.state.web  # type: ignore[attr-defined]
    return web


def test_one_open_call_per_kiosk_until_an_officer_arrives(hub_clock: MovingClock) -> None:
    board = HelpBoard(hub_clock)
    first = board.call("kiosk-1", "queue")
    hub_clock.advance(seconds=30)
    # WHEN the same kiosk calls again, and another kiosk calls
    again = board.call("kiosk-1", "status")
    other = board.call("kiosk-2", "welcome")
    # THEN kiosk 1 keeps one call (its screen and time refreshed), kiosk 2 has its own
    assert (again.id, again.screen, again.at) == (first.id, "status", hub_clock())
    assert [(c.kiosk_id, c.screen) for c in board.open_calls()] == [
        ("kiosk-1", "status"), ("kiosk-2", "welcome")]
    # WHEN an officer arrives at kiosk 1
    answered = board.arrived(first.id, "lan")
    assert (answered.state.value, answered.answered_by) == ("arrived", "lan")
    assert [c.kiosk_id for c in board.open_calls()] == ["kiosk-2"]
    # ... a second officer's "Đã đến" for it is refused, saying who is there
    with pytest.raises(HelpError, match="lan is already there"):
        board.arrived(first.id, "minh")
    # ... and kiosk 1's next call is a new one
    assert board.call("kiosk-1", "queue").id == other.id + 1
    # ... while the answered call is forgotten an hour after its answer
    hub_clock.advance(minutes=61)
    board.call("kiosk-2", "welcome")
    with pytest.raises(HelpError, match="no call for staff number 1"):
        board.arrived(first.id, "minh")


def test_a_kiosk_calls_with_its_token_and_learns_how_many_consoles_showed_it(
    client: TestClient, queue: HubQueue,
) -> None:
    token = queue.add_kiosk("kiosk-1")
    auth = {"Authorization": f"Bearer {token}"}
    # WHEN the kiosk posts a call and no console is open
    answer = client.post("/api/v1/help", json={"screen": "queue"}, headers=auth)
    # THEN the call is held, and the kiosk learns no console showed it
    assert (answer.status_code, answer.json()) == (200, {"call_id": 1, "consoles": 0})
    assert [(c.kiosk_id, c.screen) for c in web_of(client).help.open_calls()] == [
        ("kiosk-1", "queue")]
    # ... without a token, or with a screen name that is not one, nothing is held
    assert client.post("/api/v1/help", json={"screen": "queue"}).status_code == 401
    assert client.post("/api/v1/help", json={"screen": "<b>x</b>"},
                       headers=auth).status_code == 422


def test_the_console_shows_the_alert_and_arrived_clears_it(client: TestClient,
                                                           queue: HubQueue) -> None:
    token = queue.add_kiosk("kiosk-2")
    client.post("/api/v1/help", json={"screen": "status"},
                headers={"Authorization": f"Bearer {token}"})
    csrf = sign_in(client)
    # THEN the alerts region names the kiosk and the screen, with "Đã đến"
    region = help_html(web_of(client))
    assert text_of(region, "help-1") == (
        "Cần hỗ trợ tại ki-ốt kiosk-2 Help needed at kiosk kiosk-2 Tra cứu hồ sơ · 08:00 "
        "Đã đến I am there")
    # ... the console page holds the live stream of the alerts
    console = client.get("/console").text
    assert 'sse-connect="/console/help/events" sse-swap="help"' in console
    # WHEN "Đã đến" is posted without the CSRF token, nothing changes
    assert client.post("/console/help/1/arrived").status_code == 403
    assert len(web_of(client).help.open_calls()) == 1
    # WHEN with it
    answer = client.post("/console/help/1/arrived", headers={"X-CSRF-Token": csrf})
    # THEN the alert is gone
    assert answer.status_code == 200
    assert "help-alert" not in answer.text
    assert web_of(client).help.open_calls() == []
    # ... and a late second "Đã đến" is answered with the region as it is, and why
    late = client.post("/console/help/1/arrived", headers={"X-CSRF-Token": csrf})
    assert (late.status_code, late.headers["X-Help-Note"]) == (200, "lan is already there")


def test_the_alerts_stream_needs_a_signed_in_officer(client: TestClient) -> None:
    answer = client.get("/console/help/events", follow_redirects=False)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/signin")


def test_every_open_console_gets_the_alert_as_it_is_raised(client: TestClient,
                                                            queue: HubQueue) -> None:
    web = web_of(client)
    token = queue.add_kiosk("kiosk-3")

    async def scenario() -> bytes:
        first = web.console_live.stream(LiveMessage("help", ""), 60)
        await anext(first)
        waiting = asyncio.ensure_future(anext(first))
        await asyncio.sleep(0)
        # the kiosk's post is answered with one console showing it
        answer = await asyncio.to_thread(
            client.post, "/api/v1/help", json={"screen": "welcome"},
            headers={"Authorization": f"Bearer {token}"})
        assert answer.json() == {"call_id": 1, "consoles": 1}
        pushed = await waiting
        await first.aclose()
        return pushed

    pushed = run_async(scenario()).decode()
    assert pushed.startswith("event: help\n")
    assert "Cần hỗ trợ tại ki-ốt kiosk-3" in pushed
