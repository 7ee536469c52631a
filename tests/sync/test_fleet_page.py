"""The fleet page over HTTP: alerts counted at the top and shown per device, unit scope,
the alert filter, bad input beside its field (tests/sync/fleet_data.py: the fleet)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from office.app import create_app
from office.store.users import UserRole
from tests.sync.back_office import BA_DINH, HOAN_KIEM, PASSWORD, signed_in
from tests.sync.conftest import Backend
from tests.sync.fleet_data import seed_fleet


@pytest.fixture
def web(backend: Backend) -> Callable[[str], TestClient]:
    store, _clock = seed_fleet(backend)
    store.users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    store.users.add_user("canbo.hoankiem", UserRole.COMMUNE_OFFICER, HOAN_KIEM, PASSWORD)
    app = create_app(store, rate_limit="10000/second", session_secret="test")

    def client(username: str) -> TestClient:
        made = TestClient(app, base_url="http://127.0.0.1")
        signed_in(made, username)
        return made

    return client


def tiles(page: str) -> dict[str, int]:
    """The counts at the top: label -> number."""
    return {label: int(number) for number, label in re.findall(
        r'<span class="big">(\d+)</span> (?:<a [^>]*>)?([^<]+)', page)}


def test_the_alerts_are_counted_at_the_top_and_shown_per_device(
        web: Callable[[str], TestClient]) -> None:
    page = web("admin").get("/bo/fleet").text
    assert tiles(page) == {
        "thiết bị": 11, "cần xử lý": 7, "Mất kết nối quá 15 phút": 1,
        "Chưa từng gửi tín hiệu": 1, "Hết giấy": 1, "Máy in lỗi": 1, "Sắp hết giấy": 1,
        "Dữ liệu chờ gửi tăng": 1, "Lệch giờ quá 2 phút": 1, "Cập nhật bị hoàn tác": 0,
        "Không cập nhật được": 0}
    rows = page.split("<tbody>")[1].split("</tr>")
    # Critical first (offline, paper out, printer fault, backlog), then warnings
    order = [re.search(r'<th scope="row">([^<]+)<', row).group(1)  # type: ignore[union-attr]
             for row in rows if '<th scope="row">' in row]
    assert order == ["K-GROW", "K-JAM", "K-OFF", "K-PAPER", "K-CLOCK", "K-LOW", "K-NEW",
                     "H-BD", "K-EDGE", "K-GONE", "K-OK"]
    grow = rows[0]
    assert "4 <small>(+3)</small>" in grow and "1 lỗi" in grow
    assert '<span class="badge critical">Dữ liệu chờ gửi tăng</span>' in grow
    clock = rows[4]
    assert "+5 ph 00 s" in clock and '<span class="badge warning">Lệch giờ' in clock
    assert "Máy chủ điểm phục vụ" in rows[7] and "40 phút trước" in rows[7]
    assert "đã thu hồi" in rows[9]


def test_the_alert_filter_and_a_bad_one(web: Callable[[str], TestClient]) -> None:
    admin = web("admin")
    page = admin.get("/bo/fleet", params={"alert": "paper_out"}).text
    assert page.split("<tbody>")[1].count('<th scope="row">') == 1 and "K-PAPER" in page
    bad = admin.get("/bo/fleet", params={"alert": "on_fire"})
    assert bad.status_code == 422
    assert '<span class="error" id="alert-error">Không có cảnh báo này.</span>' in bad.text
    bad = admin.get("/bo/fleet", params={"unit": "abc"})
    assert '<span class="error" id="unit-error">Không có đơn vị này.</span>' in bad.text


def test_a_commune_officer_sees_their_units_devices_only(
        web: Callable[[str], TestClient]) -> None:
    officer = web("canbo.hoankiem")
    page = officer.get("/bo/fleet").text
    assert "Thiết bị · Phường Hoàn Kiếm" in page
    assert page.split("<tbody>")[1].count('<th scope="row">') == 1 and "K-LOW" in page
    assert tiles(page)["thiết bị"] == 1
    assert officer.get("/bo/fleet", params={"unit": BA_DINH}).status_code == 403
