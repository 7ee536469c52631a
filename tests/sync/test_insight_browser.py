"""The satisfaction, fleet and user pages in a real browser (Debian's Chromium), on SQLite and
PostgreSQL: a city administrator reads the figures, narrows the range, downloads the CSV,
sees the fleet's alerts and filters them, adds a user; a commune officer sees their own
unit only. Nothing is loaded from off this machine.

Screenshots at PC and phone size go to ``$BACK_OFFICE_SCREENSHOTS`` when set, else to the
test's temporary directory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from office.app import create_app
from office.store.users import UserRole
from tests.browser import VIEWPORTS, OffsiteRequests
from tests.servers import ServerThread
from tests.sync.back_office import BA_DINH, PASSWORD
from tests.sync.back_office_pages import signed_in as sign_in
from tests.sync.conftest import Backend
from tests.sync.fleet_data import seed_fleet
from tests.sync.satisfaction_data import TODAY, seed_month, seed_satisfaction

pytestmark = pytest.mark.slow


@pytest.fixture
def server(backend: Backend, kiosks: Any) -> Iterator[ServerThread]:
    seed_satisfaction(backend, kiosks)
    seed_month(backend)
    store, _clock = seed_fleet(backend)
    store.users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    store.users.add_user("canbo.badinh", UserRole.COMMUNE_OFFICER, BA_DINH, PASSWORD)
    running = ServerThread(create_app(store, rate_limit="10000/second",
                                      session_secret="browser-test")).start()
    yield running
    running.stop()


def phone_page(chromium: Browser, offsite: OffsiteRequests, page: Page) -> Page:
    width, height = VIEWPORTS["phone"]
    context = chromium.new_context(viewport={"width": width, "height": height},
                                   locale="vi-VN")
    context.route("**/*", offsite.route)
    context.add_cookies(page.context.cookies())
    return context.new_page()


def test_an_administrator_reads_satisfaction_and_the_fleet_and_adds_a_user(
    server: ServerThread, page: Page, chromium: Browser, offsite: OffsiteRequests,
    shots: Path,
) -> None:
    sign_in(page, server.url, "admin")
    page.get_by_role("navigation", name="Trang").get_by_role("link", name="Hài lòng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mức độ hài lòng")
    expect(page.get_by_role("img", name="Tỷ lệ hài lòng theo ngày")).to_be_visible()
    expect(page.get_by_role("img", name="Thời gian chờ trung bình theo ngày")).to_be_visible()
    expect(page.locator("#ranking tbody tr")).to_have_count(126)
    page.screenshot(path=shots / "satisfaction-pc.png", full_page=True)
    page.screenshot(path=shots / "satisfaction-pc-top.png")
    # Today only: the figures worked out in tests/sync/satisfaction_data.py
    page.get_by_label("Từ ngày").fill(TODAY.isoformat())
    page.get_by_label("Đến ngày").fill(TODAY.isoformat())
    page.get_by_role("button", name="Xem").click()
    expect(page.locator(".tile").nth(0)).to_have_text("7 đánh giá")
    expect(page.locator(".tile").nth(1)).to_have_text("57,1% hài lòng")
    expect(page.locator(".tile").nth(3)).to_have_text("12,7 phút chờ trung bình")
    expect(page.locator("#by-counter tbody tr").first).to_contain_text("Quầy 1")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải CSV").click()
    rows = list(csv.reader(io.StringIO(
        Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[1][:3] == ["Tổng", "", "7"] and rows[1][7] == "57.1"
    # A bad range: the message beside the field
    page.goto(server.url + "/bo/satisfaction?from=2026-12-07&to=2026-12-01")
    expect(page.locator("#to-error")).to_have_text("Ngày kết thúc trước ngày bắt đầu.")
    # The fleet: alerts counted at the top, filtered
    page.get_by_role("link", name="Thiết bị").click()
    expect(page.locator(".tile").nth(1)).to_have_text("7 cần xử lý")
    expect(page.locator("#devices tbody tr")).to_have_count(17)  # 11 + the month's 6 hubs
    page.screenshot(path=shots / "fleet-pc.png", full_page=True)
    page.get_by_label("Cảnh báo", exact=True).select_option("paper_out")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#devices tbody tr")).to_have_count(1)
    expect(page.locator("#devices tbody tr")).to_contain_text("K-PAPER")
    # Users: a name that is taken, then a new officer, the password shown once
    page.get_by_role("link", name="Người dùng").click()
    page.get_by_label("Tên đăng nhập", exact=True).fill("canbo.badinh")
    page.get_by_label("Vai trò").select_option("commune_officer")
    page.get_by_role("button", name="Thêm người dùng").click()
    expect(page.locator("#username-error")).to_have_text("Tên đăng nhập này đã có.")
    expect(page.locator("#unit-error")).to_have_text("Cán bộ xã/phường cần có đơn vị.")
    page.screenshot(path=shots / "users-error-pc.png", full_page=True)
    page.get_by_label("Tên đăng nhập", exact=True).fill("canbo.moi")
    page.get_by_label("Đơn vị").fill("ba dinh")
    page.get_by_role("radio", name="Phường Ba Đình").check()
    expect(page.get_by_label("Đơn vị")).to_have_value("Phường Ba Đình")
    page.get_by_role("button", name="Thêm người dùng").click()
    expect(page.get_by_role("status")).to_contain_text("Mật khẩu mới của canbo.moi")
    expect(page.locator("#users tbody tr")).to_have_count(3)
    page.screenshot(path=shots / "users-pc.png", full_page=True)
    # At phone size
    phone = phone_page(chromium, offsite, page)
    phone.goto(server.url + "/bo/satisfaction")
    expect(phone.get_by_role("img", name="Tỷ lệ hài lòng theo ngày")).to_be_visible()
    phone.screenshot(path=shots / "satisfaction-phone.png")
    phone.screenshot(path=shots / "satisfaction-phone-full.png", full_page=True)
    phone.goto(server.url + "/bo/fleet")
    phone.screenshot(path=shots / "fleet-phone.png")
    phone.screenshot(path=shots / "fleet-phone-full.png", full_page=True)
    phone.goto(server.url + "/bo/users/canbo.moi")
    phone.screenshot(path=shots / "user-phone.png", full_page=True)
    phone.context.close()
    assert offsite.urls == []


def test_a_commune_officer_sees_their_unit_only(
    server: ServerThread, page: Page, offsite: OffsiteRequests, shots: Path,
) -> None:
    sign_in(page, server.url, "canbo.badinh")
    page.get_by_role("link", name="Hài lòng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Mức độ hài lòng · Phường Ba Đình")
    expect(page.locator("#ranking")).to_have_count(0)
    expect(page.get_by_label("Đơn vị")).to_have_count(0)
    page.screenshot(path=shots / "satisfaction-officer-pc.png", full_page=True)
    other = page.goto(server.url + "/bo/satisfaction?unit=70")
    assert other is not None and other.status == 403
    page.goto(server.url + "/bo/fleet")
    expect(page.locator("#devices tbody tr")).to_have_count(11)  # 10 + hub H-4
    assert page.get_by_role("link", name="Người dùng").count() == 0
    page.get_by_role("link", name="Đổi mật khẩu").click()
    page.get_by_label("Mật khẩu hiện tại").fill("not my password")
    page.get_by_label("Mật khẩu mới", exact=True).fill("một câu dài dễ nhớ")
    page.get_by_label("Nhập lại mật khẩu mới").fill("một câu dài dễ nhớ")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.locator("#current-error")).to_have_text("Mật khẩu hiện tại không đúng.")
    page.screenshot(path=shots / "account-error-pc.png", full_page=True)
    assert offsite.urls == []
