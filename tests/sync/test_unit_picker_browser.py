"""The unit picker in a real browser (Debian's Chromium) with the national list loaded
(3,321 communes): typed without accents it finds the ward, choosing it filters the page, by
mouse, by keyboard (down arrow, Enter) and without JavaScript (the form sent, the matches
offered). Screenshots of the pages with the picker go to ``$BACK_OFFICE_SCREENSHOTS``."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from office.units_file import NATIONAL_UNITS, parse_units
from tests.browser import OffsiteRequests
from tests.servers import ServerThread
from tests.sync.back_office import BA_DINH, Seeded
from tests.sync.back_office_pages import signed_in
from tests.sync.conftest import Backend

pytestmark = pytest.mark.slow

DONG_DA = 235


@pytest.fixture
def national(backend: Backend, seeded: Seeded) -> None:
    """Every commune of Vietnam served, besides the seeded Hà Nội."""
    backend.store.served_units.load(parse_units(NATIONAL_UNITS.read_text(encoding="utf-8")))


def unit_cells(page: Page) -> list[str]:
    """The inbox's "Đơn vị" column."""
    return page.locator("tbody tr td:nth-child(4)").all_inner_texts()


def test_typing_ba_dinh_finds_the_ward_and_choosing_it_filters_the_inbox(
    national: None, server: ServerThread, page: Page, offsite: OffsiteRequests, shots: Path,
) -> None:
    signed_in(page, server.url, "admin")
    everything = unit_cells(page)
    ba_dinh = [unit for unit in everything if unit == "Phường Ba Đình"]
    assert ba_dinh and len(ba_dinh) < len(everything)
    expect(page.get_by_role("radio", name="Tất cả")).to_be_checked()
    page.get_by_label("Đơn vị").press_sequentially("Ba Dinh", delay=30)
    expect(page.locator("#unit-status")).to_have_text("6 đơn vị khớp “Ba Dinh”: chọn một.")
    choices = page.locator("#unit-choices label")
    expect(choices).to_have_text([
        "Tất cả", "Phường Ba Đình", "Xã Ba Đình (Thanh Hóa)", "Xã Ba Dinh (Quảng Ngãi)",
        "Xã Đình Phong (Cao Bằng)", "Xã Tân Dĩnh (Bắc Ninh)", "Xã Yên Định (Bắc Ninh)"])
    page.screenshot(path=shots / "unit-picker-typed-pc.png", full_page=True)
    page.get_by_role("radio", name="Phường Ba Đình").click()
    expect(page).to_have_url(f"{server.url}/bo/inbox?unit_q=Ph%C6%B0%E1%BB%9Dng+Ba+%C4%90%C3%ACnh"
                             f"&unit_shown=&unit={BA_DINH}&kind=&state=&from=&to=&procedure=")
    assert unit_cells(page) == ba_dinh
    # The filter stays in sight: the name in the box, its choice checked
    expect(page.get_by_label("Đơn vị")).to_have_value("Phường Ba Đình")
    expect(page.get_by_role("radio", name="Phường Ba Đình")).to_be_checked()
    page.screenshot(path=shots / "unit-picker-chosen-pc.png", full_page=True)
    # The export links carry the code
    expect(page.get_by_role("link", name="CSV", exact=True)).to_have_attribute(
        "href", f"/bo/inbox.csv?unit={BA_DINH}")
    # At phone size, and on the other pages with a picker
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Đơn vị").fill("")
    page.get_by_label("Đơn vị").press_sequentially("hoan", delay=30)
    expect(page.get_by_role("radio", name="Phường Hoàn Kiếm")).to_be_visible()
    page.screenshot(path=shots / "unit-picker-typed-phone.png")
    page.set_viewport_size({"width": 1366, "height": 768})
    for link, name in (("Người dùng", "users"), ("Điểm phục vụ", "service-points")):
        page.get_by_role("link", name=link).click()
        page.get_by_role("searchbox", name="Đơn vị").press_sequentially("cai khe", delay=30)
        expect(page.get_by_role("radio", name="Phường Cái Khế (Cần Thơ)")).to_be_visible()
        page.screenshot(path=shots / f"unit-picker-{name}-pc.png")
    assert offsite.urls == []


def test_dong_da_is_chosen_with_the_keyboard(
    national: None, server: ServerThread, page: Page, shots: Path,
) -> None:
    signed_in(page, server.url, "admin")
    page.get_by_role("link", name="Thiết bị").click()
    box = page.get_by_label("Đơn vị")
    box.press_sequentially("dong da", delay=30)
    expect(page.locator("#unit-status")).to_contain_text("44 đơn vị khớp “dong da”")
    expect(page.locator("#unit-choices label").nth(1)).to_have_text("Phường Đống Đa")
    box.press("ArrowDown")
    expect(page.get_by_role("radio", name="Phường Đống Đa")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thiết bị · Phường Đống Đa")
    assert f"unit={DONG_DA}" in page.url
    expect(page.get_by_label("Đơn vị")).to_have_value("Phường Đống Đa")
    page.screenshot(path=shots / "unit-picker-fleet-pc.png", full_page=True)
    # Back to every unit: the first choice, by keyboard again
    page.get_by_label("Đơn vị").press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("radio", name="Tất cả")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thiết bị")
    expect(page.get_by_label("Đơn vị")).to_have_value("")


def test_without_javascript_the_form_offers_the_matches_to_choose_from(
    national: None, server: ServerThread, chromium: Browser, offsite: OffsiteRequests,
    shots: Path,
) -> None:
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                   java_script_enabled=False)
    context.route("**/*", offsite.route)
    page = context.new_page()
    try:
        signed_in(page, server.url, "admin")
        page.get_by_role("link", name="Hài lòng").click()
        page.get_by_label("Đơn vị", exact=True).fill("ba dinh")
        page.get_by_label("Đơn vị", exact=True).press("Enter")
        expect(page.locator("#unit-status")).to_have_text("6 đơn vị khớp “ba dinh”: chọn một.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Mức độ hài lòng")
        page.screenshot(path=shots / "unit-picker-no-js-pc.png")
        page.get_by_role("radio", name="Phường Ba Đình").check()
        page.get_by_role("button", name="Xem").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Mức độ hài lòng · Phường Ba Đình")
        expect(page.get_by_role("radio", name="Phường Ba Đình")).to_be_checked()
        # One unit named so whole is taken at once: "dong da"
        page.get_by_label("Đơn vị", exact=True).fill("dong da")
        page.get_by_role("button", name="Xem").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Mức độ hài lòng · Phường Đống Đa")
    finally:
        context.close()
