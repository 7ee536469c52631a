"""A kiosk's call for staff in a real browser: the console shows it live, "Đã đến" clears it.

The screenshot goes to ``$HUB_SCREENSHOTS`` when it is set (docs/queue.md shows it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from hub.app import create_app
from hub.queue import HubQueue
from sync.hub_client import HubClient
from sync.hub_help import HubStaffCaller
from tests.browser import OffsiteRequests
from tests.hub.test_hub_browser import screenshot, sign_in
from tests.servers import ServerThread

pytestmark = pytest.mark.slow


def _wait_until_the_console_listens(app: FastAPI) -> None:
    """The page is loaded before its live stream is open: a call made in between reaches no
    console (the kiosk would rightly send the citizen to the desk)."""
    deadline = time.monotonic() + 15
    while app.state.web.console_live.listeners < 1:
        assert time.monotonic() < deadline, "the console's live stream never opened"
        time.sleep(0.05)


@pytest.fixture
def hub_app(queue: HubQueue) -> FastAPI:
    return create_app(queue, secret="browser-test", point_name="UBND phường Ba Đình",
                      keepalive_seconds=2)


@pytest.fixture
def hub_server(hub_app: FastAPI) -> Iterator[ServerThread]:
    server = ServerThread(hub_app).start()
    yield server
    server.stop()


def test_a_kiosks_call_for_help_appears_on_the_console_and_arrived_clears_it(
    queue: HubQueue, hub_app: FastAPI, hub_server: ServerThread, page: Page,
    offsite: OffsiteRequests,
) -> None:
    # GIVEN an officer's console open, and a kiosk enrolled at the hub
    token = queue.add_kiosk("kiosk-sanh-1")
    sign_in(page, hub_server.url)
    alerts = page.locator("#help-alerts .help-alert")
    expect(alerts).to_have_count(0)
    _wait_until_the_console_listens(hub_app)
    caller = HubStaffCaller(HubClient(hub_server.url, token))
    try:
        # WHEN a citizen touches "Cần hỗ trợ" on the kiosk's status screen
        consoles = caller.call_staff("status")
    finally:
        caller.close()
    # THEN the hub says one console showed it, and the console shows it without a reload
    assert consoles == 1
    expect(alerts).to_have_count(1)
    expect(alerts.first).to_contain_text("Cần hỗ trợ tại ki-ốt kiosk-sanh-1")
    expect(alerts.first).to_contain_text("Tra cứu hồ sơ")
    expect(page.get_by_role("alert")).to_have_count(1)
    screenshot(page, "hub-console-help.png")
    # WHEN the officer has gone there and presses "Đã đến"
    page.get_by_role("button", name="Đã đến").click()
    # THEN the alert is gone, and the hub holds no open call
    expect(alerts).to_have_count(0)
    assert hub_app.state.web.help.open_calls() == []
    assert offsite.urls == []
