"""The fleet page's update column in a real browser (Debian's Chromium), at PC and phone
size: the channel and last update per kiosk, the warnings counted at the top, nothing
loaded from off this machine. Screenshots go to ``$BACK_OFFICE_SCREENSHOTS`` when set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from office.app import create_app
from office.store.users import UserRole
from tests.browser import VIEWPORTS, OffsiteRequests
from tests.servers import ServerThread
from tests.sync.back_office import PASSWORD
from tests.sync.back_office_pages import signed_in
from tests.sync.conftest import Backend
from tests.sync.fleet_data import seed_fleet
from tests.sync.fleet_update_data import ROLLED_BACK_REASON, seed_updates

pytestmark = pytest.mark.slow


@pytest.fixture
def server(backend: Backend) -> Iterator[ServerThread]:
    seed_fleet(backend)
    store = seed_updates(backend)
    store.users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    running = ServerThread(create_app(store, rate_limit="10000/second",
                                      session_secret="browser-test")).start()
    yield running
    running.stop()


def test_the_fleet_shows_each_kiosks_updates_at_pc_and_phone_size(
        server: ServerThread, page: Page, chromium: Browser, offsite: OffsiteRequests,
        shots: Path) -> None:
    signed_in(page, server.url, "admin")
    page.goto(server.url + "/bo/fleet")
    back = page.locator("#devices tbody tr", has_text="U-BACK")
    expect(back).to_contain_text("Kênh pilot · bản 2.5.0 đã bị hoàn tác")
    expect(back.locator(".update-problem")).to_have_text(
        "Bản 2.5.0 chạy thử không đạt: kiosk đã tự quay về bản trước và không thử lại bản "
        "này.")
    expect(back.locator(".update-reason [lang=en]")).to_have_text(ROLLED_BACK_REASON)
    expect(back.locator(".badge")).to_have_text("Cập nhật bị hoàn tác")
    expect(page.locator(".tile", has_text="Không cập nhật được")).to_have_text(
        "1 Không cập nhật được")
    page.screenshot(path=shots / "fleet-updates-pc.png", full_page=True)
    page.get_by_label("Cảnh báo", exact=True).select_option("update_not_applied")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#devices tbody tr")).to_have_count(1)
    expect(page.locator("#devices tbody tr .update-problem")).to_have_text(
        "Kiosk từ chối bản mới của kênh (chữ ký, kênh hoặc phiên bản cơ sở dữ liệu không phù "
        "hợp) và vẫn chạy bản đang dùng.")
    width, height = VIEWPORTS["phone"]
    context = chromium.new_context(viewport={"width": width, "height": height},
                                   locale="vi-VN")
    context.route("**/*", offsite.route)
    context.add_cookies(page.context.cookies())
    phone = context.new_page()
    phone.goto(server.url + "/bo/fleet?alert=update_rolled_back")
    expect(phone.locator("#devices tbody tr")).to_have_count(1)
    phone.screenshot(path=shots / "fleet-updates-phone.png", full_page=True)
    context.close()
    assert offsite.urls == []
