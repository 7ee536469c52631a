"""The hub in a real browser: an officer calls, the TV shows it live, a kiosk's ticket flows.

Screenshots of the console (PC and tablet) and the display (TV) are written to
``$HUB_SCREENSHOTS`` when it is set (docs/queue.md shows them).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hub.app import create_app
from hub.queue import HubQueue
from hub.voice import FakeCallAudio
from kiosk.kinds.queue_ticket import PriorityGroup, QueueTicketRequest
from kiosk.kinds.rating import RatingLevel
from kiosk.queue_state import queue_overview
from kiosk.servicepoint.tickets import TicketAction
from kiosk.storage import Database
from kiosk.submissions import Outbox
from sync.hub_client import HubClient
from sync.hub_link import HubLink
from tests.browser import VIEWPORTS, OffsiteRequests
from tests.hub.conftest import OFFICER_PIN, MovingClock, issue
from tests.servers import ServerThread

pytestmark = pytest.mark.slow


@pytest.fixture
def audio() -> FakeCallAudio:
    return FakeCallAudio()


@pytest.fixture
def hub_server(queue: HubQueue, audio: FakeCallAudio) -> Iterator[ServerThread]:
    app = create_app(queue, secret="browser-test", call_audio=audio,
                     point_name="UBND phường Ba Đình", keepalive_seconds=2)
    server = ServerThread(app).start()
    yield server
    server.stop()


@pytest.fixture
def tv(chromium: Browser, offsite: OffsiteRequests) -> Iterator[Page]:
    """The TV: 1920x1080, sound allowed to play without a click (a kiosk-mode browser)."""
    width, height = VIEWPORTS["tv"]
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    context.route("**/*", offsite.route)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("HUB_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name))


def sign_in(page: Page, url: str, counter: str = "Quầy số 1") -> None:
    page.goto(url + "/signin")
    page.get_by_label("Cán bộ").fill("lan")
    page.get_by_label("Mã PIN").fill(OFFICER_PIN)
    page.get_by_label("Quầy").select_option(label=counter)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("header strong")).to_have_text(counter)
    page.wait_for_load_state()  # the keyboard shortcuts' script has run


def test_an_officer_calls_recalls_and_transfers_and_the_tv_shows_each_live(
    queue: HubQueue, hub_server: ServerThread, page: Page, tv: Page, audio: FakeCallAudio,
    offsite: OffsiteRequests,
) -> None:
    issue(queue, "A1-001")
    issue(queue, "A1-002")
    issue(queue, "A1-U001", priority=PriorityGroup.ELDERLY)
    issue(queue, "C1-001", service="C")
    tv.goto(hub_server.url + "/display")
    expect(tv.locator("#connection")).to_have_text("Trực tiếp · Live")
    expect(tv.locator(".now-call")).to_have_text("Chưa gọi số nào · No calls yet")
    expect(tv.locator('td.count[data-service="A"]')).to_have_text("3")
    sign_in(page, hub_server.url)
    # WHEN the officer presses "call next"
    page.get_by_role("button", name="Gọi tiếp").click()
    # THEN the console shows the number and the TV shows and speaks it, without a reload
    expect(page.locator("#current-number")).to_have_text("A1-001")
    expect(tv.locator(".now-number")).to_have_text("A1-001")
    expect(tv.locator(".now-counter")).to_have_text("Quầy số 1")
    expect(tv.locator('td.count[data-service="A"]')).to_have_text("2")
    _wait_for(tv, lambda: audio.said == [("A1-001", 1)])
    # Recall (keyboard R): the TV announces it again
    page.keyboard.press("r")
    _wait_for(tv, lambda: audio.said == [("A1-001", 1), ("A1-001", 1)])
    assert audio.recalls == 1
    # ... and lists the ticket once
    expect(tv.locator(".now-number")).to_have_text("A1-001")
    expect(tv.locator("#calls li")).to_have_count(0)
    # Start, then transfer to counter 2: the console is free, counter 2 gets it first
    page.keyboard.press("s")
    expect(page.locator(".ticket-state")).to_contain_text("Đang phục vụ")
    screenshot(page, "hub-console-pc.png")
    page.get_by_label("Chuyển đến").select_option(label="Quầy số 2")
    page.get_by_role("button", name="Chuyển · Transfer").click()
    expect(page.locator("#current-number")).to_have_text("—")
    other = queue.open_counter(2, "minh")
    assert other.state.value == "open"
    called = queue.call_next(2)
    assert called is not None
    assert called.ticket.number == "A1-001"
    expect(tv.locator(".now-counter")).to_have_text("Quầy số 2")
    assert offsite.urls == []


def test_the_display_reconnects_by_itself_after_the_stream_drops(
    queue: HubQueue, hub_server: ServerThread, tv: Page
) -> None:
    issue(queue, "A1-001")
    queue.open_counter(1, "lan")
    tv.goto(hub_server.url + "/display")
    expect(tv.locator("#connection")).to_have_text("Trực tiếp · Live")
    # The stream is cut (a hub restart, a Wi-Fi drop): the page says so, then comes back
    tv.evaluate("document.querySelector('#board')['htmx-internal-data'].sseEventSource"
                ".dispatchEvent(new Event('error'))")
    queue.call_next(1)
    expect(tv.locator(".now-number")).to_have_text("A1-001", timeout=15_000)


def test_a_kiosks_ticket_appears_at_the_hub_and_its_people_ahead_drop_after_a_call(
    queue: HubQueue, hub_server: ServerThread, page: Page, tv: Page, catalog_db: Database,
    hub_clock: MovingClock, chromium: Browser,
) -> None:
    token = queue.add_kiosk("K1")
    link = HubLink(catalog_db, HubClient(hub_server.url, token), kiosk_id="K1", unit_code=4,
                   now=hub_clock)
    outbox = Outbox(catalog_db, kiosk_id="K1", queue_prefix="1")
    outbox.create(QueueTicketRequest("A"), now=hub_clock())
    mine = outbox.create(QueueTicketRequest("A"), now=hub_clock())
    tv.goto(hub_server.url + "/display")
    expect(tv.locator('td.count[data-service="A"]')).to_have_text("0")
    link.run_once()
    # The kiosk's tickets are on the TV's waiting count, live
    expect(tv.locator('td.count[data-service="A"]')).to_have_text("2")
    overview = dt.timedelta(minutes=15)
    assert queue_overview(catalog_db, max_age=overview, now=hub_clock())["A"].people_ahead == 2
    sign_in(page, hub_server.url)
    hub_clock.advance(seconds=30)
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text("A1-001")
    expect(tv.locator('td.count[data-service="A"]')).to_have_text("1")
    link.run_once()
    assert queue_overview(catalog_db, max_age=overview, now=hub_clock())["A"].people_ahead == 1
    place = link.client.place(mine.uuid)
    assert place is not None
    assert (place.number, place.people_ahead) == ("A1-002", 0)
    # The tablet at the counter
    width, height = VIEWPORTS["tablet"]
    context: BrowserContext = chromium.new_context(viewport={"width": width, "height": height},
                                                   locale="vi-VN")
    context.add_cookies(page.context.cookies())
    tablet = context.new_page()
    tablet.goto(hub_server.url + "/console")
    expect(tablet.locator("#current-number")).to_have_text("A1-001")
    screenshot(tablet, "hub-console-tablet.png")
    context.close()


def _wait_for(page: Page, condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for something the server records. The page's own wait keeps Playwright
    dispatching (its route handler, which lets every request through, runs on this
    thread): a plain sleep would hold the browser's requests back."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        page.wait_for_timeout(50)
    assert condition(), "not met in time"


def test_a_busy_board_lists_each_counters_latest_calls_newest_first(
    queue: HubQueue, hub_server: ServerThread, tv: Page, hub_clock: MovingClock
) -> None:
    for index in range(1, 9):
        issue(queue, f"A1-{index:03d}")
    for index in range(1, 5):
        issue(queue, f"C2-{index:03d}", service="C")
    issue(queue, "A1-U001", priority=PriorityGroup.PREGNANT)
    for counter, officer in ((1, "lan"), (2, "minh"), (3, "lan")):
        queue.open_counter(counter, officer)
    tv.goto(hub_server.url + "/display")
    for counter in (1, 2, 3, 1, 3, 2):
        event = queue.call_next(counter)
        assert event is not None
        queue.act(counter, TicketAction.START)
        queue.act(counter, TicketAction.FINISH)
    expect(tv.locator(".now-number")).to_have_text("A1-004")
    expect(tv.locator("#calls .number")).to_have_text(
        ["C2-002", "A1-003", "C2-001", "A1-002", "A1-001"])
    expect(tv.locator('td.count[data-service="A"]')).to_have_text("5")
    screenshot(tv, "hub-display-tv.png")


def test_the_citizen_rates_on_the_counter_tablet_once_the_officer_finishes(
    queue: HubQueue, hub_server: ServerThread, page: Page, chromium: Browser,
    offsite: OffsiteRequests,
) -> None:
    issue(queue, "A1-001")
    width, height = VIEWPORTS["tablet"]
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    context.route("**/*", offsite.route)
    tablet = context.new_page()
    tablet.goto(hub_server.url + "/rate/1")
    expect(tablet.locator(".rating-idle")).to_have_text("Xin chào quý khách · Welcome")
    sign_in(page, hub_server.url)
    for key, state in (("n", "Đã gọi"), ("s", "Đang phục vụ"), ("f", "Sẵn sàng gọi")):
        page.keyboard.press(key)
        expect(page.locator(".ticket-state")).to_contain_text(state)
    # The tablet offers the ticket just finished (it asks every 3 s)
    expect(tablet.locator("#rating-number")).to_have_text("A1-001", timeout=10_000)
    screenshot(tablet, "hub-rating-tablet.png")
    tablet.get_by_role("button", name="Hài lòng Satisfied", exact=True).click()
    expect(tablet.locator(".rating-thanks")).to_have_text(
        "Cảm ơn quý khách đã đánh giá! · Thank you!")
    rated = queue.unforwarded(20)[-1]
    assert (rated.action, rated.rating, rated.counter, rated.officer) == (
        TicketAction.RATE, RatingLevel.SATISFIED, 1, "lan")
    context.close()
    assert offsite.urls == []
