"""The ticket's phone page in a real browser, at a phone's width: it follows the queue by
itself, loads nothing from elsewhere, and reads well."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from hub.city_state import CityStateLink, StatePublisher
from hub.queue import HubQueue
from kiosk import clock
from kiosk.servicepoint.ticket_page import page_token
from kiosk.servicepoint.tickets import TicketAction
from office.app import create_app
from tests.browser import VIEWPORTS, OffsiteRequests
from tests.hub.conftest import MovingClock, hub_token, issue
from tests.servers import ServerThread
from tests.sync.conftest import Backend

pytestmark = pytest.mark.slow


@pytest.fixture
def city_server(city: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    # The page polls every second here (15 s in service): the test watches it change.
    monkeypatch.setattr("office.web.ticket_page.REFRESH_SECONDS", 1)
    server = ServerThread(create_app(city.store, rate_limit="10000/second")).start()
    yield server
    server.stop()

@pytest.fixture
def phone(chromium: Browser, offsite: OffsiteRequests) -> Iterator[Page]:
    width, height = VIEWPORTS["phone"]
    context = chromium.new_context(viewport={"width": width, "height": height},
                                   locale="vi-VN", device_scale_factor=2)
    context.route("**/*", offsite.route)
    yield context.new_page()
    context.close()

def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("HUB_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)

def test_the_phone_page_follows_the_ticket_until_it_is_called(
    queue: HubQueue, hub_clock: MovingClock, city: Backend, city_server: ServerThread,
    phone: Page, offsite: OffsiteRequests,
) -> None:
    # The hub's clock now: the page then says the state is fresh (the city's clock is real).
    hub_clock.moment = dt.datetime.now(clock.HANOI)
    publisher = StatePublisher(queue, CityStateLink(city_server.url, hub_token(city)),
                               unit_code=4)
    for number in ("A1-001", "A1-002"):
        issue(queue, number)
    mine = issue(queue, "A1-003")
    queue.open_counter(1, "lan")
    queue.open_counter(2, "minh")
    assert publisher.run_once()
    # GIVEN the citizen opened the QR's page: two people ahead
    phone.goto(f"{city_server.url}/ve/{page_token(mine)}")
    expect(phone.locator("#ticket-number")).to_have_text("A1-003")
    expect(phone.locator("#people-ahead")).to_have_text("2")
    expect(phone.locator("#ticket-state")).to_contain_text("Đang chờ")
    expect(phone.locator("#as-of")).to_contain_text("Cập nhật lúc")
    screenshot(phone, "ticket-page-phone-waiting.png")
    # WHEN counters call the two before, then this one, the hub publishing each time
    queue.call_next(1)
    queue.call_next(2)
    assert publisher.run_once()
    # THEN the page shows it by itself, with no reload
    expect(phone.locator("#people-ahead")).to_have_text("0", timeout=10_000)
    # WHEN counter 1 finishes its citizen and calls this ticket
    queue.act(1, TicketAction.START)
    queue.act(1, TicketAction.FINISH)
    queue.call_next(1)
    assert publisher.run_once()
    # THEN the page says where to go, highlighted, and the people-ahead line is gone
    expect(phone.locator("#ticket-state")).to_contain_text("Mời đến quầy số 1",
                                                           timeout=10_000)
    expect(phone.locator("#people-ahead")).to_have_count(0)
    expect(phone.locator("#ticket-panel")).to_have_class("ticket-panel state-called")
    screenshot(phone, "ticket-page-phone-called.png")
    # AND nothing was loaded from elsewhere (no CDN, no font service)
    assert offsite.urls == []

def test_an_unknown_code_is_a_404_page(city_server: ServerThread, phone: Page) -> None:
    answer = phone.goto(f"{city_server.url}/ve/{'c' * 20}")
    assert answer is not None
    assert answer.status == 404
    expect(phone.get_by_role("alert")).to_have_text(
        "Không tìm thấy số thứ tự này. Số vừa lấy có thể cần ít phút để hiện ở đây.")
