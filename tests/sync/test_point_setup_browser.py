"""Publishing a service point's counters and officers in a real browser (Debian's
Chromium), nothing loaded from off this machine: an officer adds a counter and an officer
(a mistyped PIN refused beside its field first), and the hub's set-up is the new version.

Screenshots at PC size go to ``$BACK_OFFICE_SCREENSHOTS`` when set, else the test's
temporary directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kiosk.technician_pin import verify_pin
from office.store.service_points import ServicePoints
from sync import hub_wire
from tests.browser import OffsiteRequests
from tests.servers import ServerThread
from tests.sync.back_office import BA_DINH, PASSWORD
from tests.sync.conftest import Backend

pytestmark = pytest.mark.slow
PIN = "24681012"


def test_an_officer_adds_a_counter_and_an_officer_for_the_hub(
    server: ServerThread, page: Page, backend: Backend, offsite: OffsiteRequests, shots: Path,
) -> None:
    page.goto(server.url + "/bo/sign-in")
    page.get_by_label("Tên đăng nhập").fill("canbo.badinh")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Điểm phục vụ").click()
    page.get_by_role("link", name="Quầy và cán bộ của điểm (cho máy chủ hub)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quầy và cán bộ · Phường Ba Đình")
    # WHEN a counter is added
    page.get_by_label("Số quầy").fill("2")
    page.get_by_label("Tên quầy").fill("Quầy số 2")
    page.get_by_label("Mã dịch vụ phục vụ", exact=False).fill("A, C")
    page.get_by_role("button", name="Đăng quầy").click()
    expect(page.get_by_role("status")).to_have_text("Đã đăng phiên bản 1.")
    expect(page.locator("#counter-2")).to_contain_text("Quầy số 2")
    # AND an officer, with the PIN mistyped the second time, then right
    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Họ tên").fill("Nguyễn Thị Lan")
    page.get_by_label("Mã PIN (6–12 chữ số)").fill(PIN)
    page.get_by_label("Nhập lại mã PIN").fill("24681013")
    page.get_by_role("button", name="Thêm cán bộ").click()
    expect(page.locator("#pin_again-error")).to_have_text("Hai lần nhập mã PIN không khớp.")
    expect(page.get_by_label("Mã PIN (6–12 chữ số)")).to_have_value("")
    expect(page.get_by_label("Họ tên")).to_have_value("Nguyễn Thị Lan")
    page.get_by_label("Mã PIN (6–12 chữ số)").fill(PIN)
    page.get_by_label("Nhập lại mã PIN").fill(PIN)
    page.get_by_role("button", name="Thêm cán bộ").click()
    # THEN version 2 lists both, and that is what the hub will pull
    expect(page.get_by_role("status")).to_have_text("Đã đăng phiên bản 2.")
    expect(page.locator("#officer-lan")).to_contain_text("Nguyễn Thị Lan")
    page.screenshot(path=shots / "point-setup-pc.png", full_page=True)
    state = ServicePoints(backend.store.engine).setup(BA_DINH)
    assert state is not None and state.version == 2
    assert state.setup.counters == [hub_wire.PointCounter(number=2, name="Quầy số 2",
                                                           services=["A", "C"])]
    (lan,) = state.setup.officers
    assert lan.login == "lan" and verify_pin(PIN, lan.pin_hash)
    assert PIN not in page.content()
    assert offsite.urls == []
