"""The catalog and service-points pages and the API docs in a real browser (Debian's
Chromium), nothing loaded from off this machine: a bad catalog file shows each bad record
and publishes nothing, a good one is published; a service point is published with its
refusals beside the fields; the Swagger page lists the operations with no CDN.

Screenshots at PC size go to ``$BACK_OFFICE_SCREENSHOTS`` when set, else the test's
temporary directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kiosk.catalog import demo_catalog_bytes
from office.store import CatalogKind
from tests.browser import OffsiteRequests
from tests.servers import ServerThread
from tests.sync.back_office import BA_DINH
from tests.sync.back_office_pages import signed_in as sign_in
from tests.sync.conftest import Backend

pytestmark = pytest.mark.slow


def test_a_bad_catalog_shows_its_bad_records_and_a_good_one_is_published(
    server: ServerThread, page: Page, backend: Backend, offsite: OffsiteRequests,
    shots: Path, tmp_path: Path,
) -> None:
    broken = json.loads(demo_catalog_bytes())
    broken["version"] += 1
    broken["procedures"][0]["code"] = "x"
    broken["procedures"][5]["title"] = ""
    bad = tmp_path / "danh-muc-loi.json"
    bad.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    good = tmp_path / "catalog-hanoi.json"
    good.write_bytes(demo_catalog_bytes())
    sign_in(page, server.url, "admin")
    page.get_by_role("link", name="Danh mục thủ tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Danh mục thủ tục cho các ki-ốt")
    # WHEN the bad file is uploaded as the catalog
    page.get_by_label("Tệp JSON mới", exact=False).first.set_input_files(bad)
    page.get_by_role("button", name="Kiểm tra và đăng").first.click()
    # THEN each bad record is listed beside the form, and nothing is published
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Không đăng gì từ danh-muc-loi.json:")
    items = page.locator(".record-errors li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("procedures[0] (x)")
    expect(items.nth(1)).to_contain_text(f"procedures[5] ({broken['procedures'][5]['code']})")
    expect(page.locator("#catalog-title ~ dl .current-version")).to_have_text("chưa đăng")
    page.screenshot(path=shots / "catalog-refused-pc.png", full_page=True)
    assert backend.store.published(CatalogKind.CATALOG) is None
    # AND the shipped file is published, its version shown
    page.get_by_label("Tệp JSON mới", exact=False).first.set_input_files(good)
    page.get_by_role("button", name="Kiểm tra và đăng").first.click()
    version = json.loads(demo_catalog_bytes())["version"]
    expect(page.get_by_role("status")).to_have_text(
        f"Đã đăng: Danh mục thủ tục, phiên bản {version}.")
    page.screenshot(path=shots / "catalog-pc.png", full_page=True)
    served = backend.store.published(CatalogKind.CATALOG)
    assert served is not None and served.body == demo_catalog_bytes()
    assert offsite.urls == []


def test_an_officer_publishes_the_service_point_of_their_unit(
    server: ServerThread, page: Page, backend: Backend, offsite: OffsiteRequests, shots: Path,
) -> None:
    sign_in(page, server.url, "canbo.badinh")
    page.get_by_role("link", name="Điểm phục vụ").click()
    page.get_by_label("Địa chỉ").fill("Số 1 Đội Cấn, Ba Đình")
    page.get_by_label("Đường dây nóng").fill("gọi 1022")
    page.get_by_label("Giờ làm việc").fill("Thứ 2 - Thứ 6: 8:00-17:00; sáng Thứ 7")
    page.get_by_label("Đường dẫn bản đồ").fill("maps.app.goo.gl/Ab1")
    page.get_by_role("button", name="Đăng cho các ki-ốt").click()
    expect(page.locator("#hotline-error")).to_contain_text("số điện thoại chỉ gồm chữ số")
    expect(page.locator("#map_link-error")).to_contain_text("https://")
    page.screenshot(path=shots / "service-point-refused-pc.png", full_page=True)
    page.get_by_label("Đường dây nóng").fill("024 3825 1234")
    page.get_by_label("Đường dẫn bản đồ").fill("https://maps.app.goo.gl/Ab1")
    page.get_by_role("button", name="Đăng cho các ki-ốt").click()
    expect(page.get_by_role("status")).to_have_text("Đã đăng (danh bạ phiên bản 1).")
    expect(page.locator("tbody tr")).to_have_count(1)
    page.screenshot(path=shots / "service-points-pc.png", full_page=True)
    served = backend.store.published(CatalogKind.DIRECTORY)
    assert served is not None
    assert json.loads(served.body)["details"] == [{
        "code": BA_DINH, "address": "Số 1 Đội Cấn, Ba Đình", "hotline": "024 3825 1234",
        "opening_hours": "Thứ 2 - Thứ 6: 8:00-17:00; sáng Thứ 7",
        "map_link": "https://maps.app.goo.gl/Ab1"}]
    assert offsite.urls == []


def test_the_api_docs_list_the_operations_with_no_cdn(
    server: ServerThread, page: Page, offsite: OffsiteRequests, shots: Path,
) -> None:
    page.goto(server.url + "/docs")
    expect(page).to_have_url(server.url + "/v1/docs")
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v1/kiosk/heartbeat" in [path.replace("\u200b", "") for path in paths]
    assert "/readyz" in [path.replace("\u200b", "") for path in paths]
    page.screenshot(path=shots / "api-docs-pc.png")
    assert offsite.urls == []
