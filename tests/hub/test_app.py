"""The hub's pages and API in-process: sign-in, the console's keys, the kiosks' tickets."""

from __future__ import annotations

import asyncio
import re
import uuid
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.live import Broadcaster, LiveMessage
from hub.queue import HubQueue
from hub.voice import FakeCallAudio
from kiosk.servicepoint.tickets import TicketAction, TicketState
from tests.hub.conftest import OFFICER_PIN, issue
from tests.own_loop import run_async

SECRET = "test-secret-not-for-production"


class _Text(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.parts = element_id, 0, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or dict(attrs).get("id") == self.element_id:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with ``element_id``, whitespace collapsed."""
    parser = _Text(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


@pytest.fixture
def audio() -> FakeCallAudio:
    return FakeCallAudio()


@pytest.fixture
def client(queue: HubQueue, audio: FakeCallAudio) -> TestClient:
    return TestClient(create_app(queue, secret=SECRET, call_audio=audio))


def sign_in(client: TestClient, login: str = "lan", pin: str = OFFICER_PIN,
            counter: int = 1) -> str:
    """Sign in; the session's CSRF token (from the console page)."""
    page = client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    answer = client.post("/signin", data={"login": login, "pin": pin, "counter": counter,
                                          "csrf": csrf[1]}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    console = client.get("/console")
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', console.text)
    assert token is not None
    return token[1]


def test_a_wrong_pin_is_refused_and_the_console_needs_a_session(client: TestClient) -> None:
    assert client.get("/console", follow_redirects=False).headers["location"] == "/signin"
    page = client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    wrong = client.post("/signin", data={"login": "lan", "pin": "000000", "counter": 1,
                                         "csrf": csrf[1]})
    assert wrong.status_code == 401
    assert "Sai tên đăng nhập hoặc mã PIN." in wrong.text
    forged = client.post("/signin", data={"login": "lan", "pin": OFFICER_PIN, "counter": 1,
                                          "csrf": "forged"})
    assert forged.status_code == 403


def test_pressing_call_next_shows_the_ticket_and_the_board_gets_it(
    client: TestClient, queue: HubQueue
) -> None:
    issue(queue, "A1-001")
    issue(queue, "A1-002")
    token = sign_in(client)
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    panel = client.post("/console/call-next", headers=headers).text
    assert text_of(panel, "current-number") == "A1-001"
    assert "Đã gọi" in panel
    board = client.get("/display").text
    assert text_of(board, "now-heading") == "Mời công dân có số Now calling"
    assert "A1-001" in board
    assert "Quầy số 1" in board
    client.post("/console/start", headers=headers)
    panel = client.post("/console/finish", headers=headers).text
    assert text_of(panel, "current-number") == "—"
    ticket = queue.waiting()
    assert [t.number for t in ticket] == ["A1-002"]


def test_a_post_without_the_csrf_token_changes_nothing(client: TestClient,
                                                       queue: HubQueue) -> None:
    issue(queue, "A1-001")
    sign_in(client)
    answer = client.post("/console/call-next", headers={"HX-Request": "true"})
    assert answer.status_code == 403
    assert [t.state for t in queue.waiting()] == [TicketState.WAITING]


def test_a_refused_move_is_said_on_the_panel(client: TestClient, queue: HubQueue) -> None:
    token = sign_in(client)
    panel = client.post("/console/call-number", data={"number": "A1-404"},
                        headers={"HX-Request": "true", "X-CSRF-Token": token}).text
    assert text_of(panel, "message") == "no ticket A1-404 today"


def test_the_call_audio_comes_from_the_engine_given_to_the_app(
    client: TestClient, queue: HubQueue, audio: FakeCallAudio
) -> None:
    issue(queue, "A1-001")
    queue.open_counter(2, "minh")
    event = queue.call_next(2)
    assert event is not None
    answer = client.get(f"/audio/call/{event.seq}.wav")
    assert (answer.status_code, answer.headers["content-type"]) == (200, "audio/wav")
    assert answer.content.startswith(b"RIFF")
    assert audio.said == [("A1-001", 2)]
    assert client.get("/audio/call/1.wav").status_code == 404  # the issue, not a call


def test_without_a_voice_engine_the_display_says_calls_are_not_spoken(queue: HubQueue) -> None:
    silent = TestClient(create_app(queue, secret=SECRET))
    page = silent.get("/display").text
    assert "No voice engine configured: calls are shown, not spoken." in page
    assert silent.get("/audio/call/1.wav").status_code == 404


def test_kiosks_register_tickets_once_and_read_their_place(client: TestClient,
                                                           queue: HubQueue) -> None:
    token = queue.add_kiosk("kiosk-1")
    auth = {"Authorization": f"Bearer {token}"}
    body = {"submission_uuid": str(uuid.uuid4()), "number": "A1-001", "service": "A",
            "priority": "none", "service_day": queue.service_day(),
            "issued_at": queue.now().isoformat()}
    first = client.post("/api/v1/tickets", json=body, headers=auth)
    again = client.post("/api/v1/tickets", json=body, headers=auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == {"submission_uuid": body["submission_uuid"], "number": "A1-001",
                            "service": "A", "state": "waiting", "people_ahead": 0,
                            "counter": None}
    changed = client.post("/api/v1/tickets", json={**body, "service": "C"}, headers=auth)
    assert changed.status_code == 409
    assert client.post("/api/v1/tickets", json=body).status_code == 401
    live = client.get("/api/v1/queue", headers=auth).json()
    assert live["services"][0] == {"service": "A", "waiting": 1, "priority_waiting": 0,
                                   "counters_open": 0, "average_service_seconds": None}
    assert client.get(f"/api/v1/tickets/{uuid.uuid4()}", headers=auth).status_code == 404


def test_a_live_message_is_one_server_sent_event_with_every_line_prefixed() -> None:
    message = LiveMessage("board", "<p>A1-001</p>\n<p>Quầy 2</p>", 7)
    assert message.encode() == (
        "event: board\nid: 7\ndata: <p>A1-001</p>\ndata: <p>Quầy 2</p>\n\n".encode())


def test_every_connected_display_gets_each_message_once() -> None:
    async def scenario() -> list[bytes]:
        live = Broadcaster()
        stream = live.stream(LiveMessage("board", "first"), keepalive_seconds=60)
        received = [await anext(stream)]
        waiting = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        assert live.listeners == 1
        live.publish(LiveMessage("board", "second"))
        received.append(await waiting)
        await stream.aclose()
        assert live.listeners == 0
        return received

    assert run_async(scenario()) == [b"event: board\ndata: first\n\n",
                                       b"event: board\ndata: second\n\n"]


def test_the_rating_tablet_offers_the_ticket_just_served_and_takes_one_rating(
    client: TestClient, queue: HubQueue
) -> None:
    issue(queue, "A1-001")
    queue.open_counter(1, "lan")
    queue.call_next(1)
    queue.act(1, TicketAction.START)
    ticket = queue.act(1, TicketAction.FINISH).ticket
    page = client.get("/rate/1").text
    assert text_of(page, "rating-number") == "A1-001"
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    forged = client.post("/rate/1", data={"ticket": ticket.id, "level": "satisfied",
                                          "csrf": "forged"})
    assert forged.status_code == 403
    thanks = client.post("/rate/1", data={"ticket": ticket.id, "level": "very_satisfied",
                                          "csrf": csrf[1]})
    assert "Cảm ơn quý khách đã đánh giá! · Thank you!" in thanks.text
    again = client.post("/rate/1", data={"ticket": ticket.id, "level": "<b>x</b>",
                                         "csrf": csrf[1]})
    assert again.status_code == 409
    assert "&lt;b&gt;" in again.text
    assert "Xin chào quý khách" in client.get("/rate/1/panel").text
    assert client.get("/rate/9").status_code == 404
