"""The satisfaction page and its CSV over HTTP: unit scope, the ranking for city-wide roles
only, bad dates refused beside their field, the same figures in the CSV as on the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from office.app import create_app
from office.store.users import UserRole
from office.web.charts import Bar, bar_chart, nice_ceiling
from tests.sync.back_office import BA_DINH, HOAN_KIEM, PASSWORD, signed_in
from tests.sync.conftest import Backend
from tests.sync.satisfaction_data import TODAY, YESTERDAY, seed_satisfaction


@pytest.fixture
def web(backend: Backend, kiosks: Any) -> Callable[[str], TestClient]:
    """A signed-in client of the named user, over seeded ratings and queue events."""
    seed_satisfaction(backend, kiosks)
    users = backend.store.users
    users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    users.add_user("canbo.badinh", UserRole.COMMUNE_OFFICER, BA_DINH, PASSWORD)
    users.add_user("kiemtra", UserRole.AUDITOR, None, PASSWORD)
    app = create_app(backend.store, rate_limit="10000/second", session_secret="test")

    def client(username: str) -> TestClient:
        made = TestClient(app, base_url="http://127.0.0.1")
        signed_in(made, username)
        return made

    return client


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_commune_officer_sees_their_unit_only_and_no_ranking(
        web: Callable[[str], TestClient]) -> None:
    officer = web("canbo.badinh")
    page = officer.get("/bo/satisfaction", params={"from": TODAY.isoformat(),
                                                    "to": TODAY.isoformat()})
    assert page.status_code == 200
    assert "Mức độ hài lòng · Phường Ba Đình" in page.text
    assert '<span class="big">5</span> đánh giá' in page.text
    assert '<span class="big">60%</span> hài lòng' in page.text
    assert 'id="ranking"' not in page.text
    assert "Phường Hoàn Kiếm" not in page.text
    # Another unit's figures: refused, page and CSV
    assert officer.get("/bo/satisfaction", params={"unit": HOAN_KIEM}).status_code == 403
    assert officer.get("/bo/satisfaction.csv", params={"unit": HOAN_KIEM}).status_code == 403
    # Its own unit named explicitly is fine
    assert officer.get("/bo/satisfaction", params={"unit": BA_DINH}).status_code == 200


def test_city_roles_see_the_126_units_ranked_unrated_ones_as_such(
        web: Callable[[str], TestClient]) -> None:
    for username in ("admin", "kiemtra"):
        page = web(username).get("/bo/satisfaction").text
        assert '<h2 id="ranking-heading">Xếp hạng 126 đơn vị</h2>' in page
        ranking = page.split('id="ranking"')[1]
        assert ranking.count("<tr") == 127  # the header and 126 units
        assert ranking.count("Chưa có đánh giá") == 124
        # The last 30 days: both at 50 %, Ba Đình first with more ratings (6 to 2)
        first, second = ranking.split("<tbody>")[1].split("</tr>")[:2]
        assert "Phường Ba Đình" in first and "50%" in first and '"num">1<' in first
        assert "Phường Hoàn Kiếm" in second and '"num">2<' in second


def test_the_charts_are_svg_with_a_title_a_description_and_the_daily_table(
        web: Callable[[str], TestClient]) -> None:
    page = web("admin").get("/bo/satisfaction", params={
        "from": YESTERDAY.isoformat(), "to": TODAY.isoformat()}).text
    assert page.count('role="img"') == 2
    assert 'aria-describedby="by-day"' in page and '<table class="figures" id="by-day">' in page
    assert "<title id=\"chart-share-title\">Tỷ lệ hài lòng theo ngày</title>" in page
    assert f"{TODAY.strftime('%d/%m/%Y')}: 57,1%" in page  # the bar's tooltip, decimal comma
    assert "<script" not in page.split("<main")[1]


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"from": "07/12/2026"}, "from", "Ngày viết theo dạng năm-tháng-ngày"),
    ({"from": "2026-12-07", "to": "2026-12-01"}, "to", "Ngày kết thúc trước ngày bắt đầu."),
    ({"from": "2024-01-01", "to": "2026-12-01"}, "from", "Mỗi lần xem tối đa 366 ngày."),
    ({"unit": "99999"}, "unit", "Không có đơn vị này."),
])
def test_bad_filters_are_refused_beside_their_field(
        web: Callable[[str], TestClient], params: dict[str, str], field: str,
        message: str) -> None:
    admin = web("admin")
    page = admin.get("/bo/satisfaction", params=params)
    assert page.status_code == 422
    assert f'<span class="error" id="{field}-error">{message}' in page.text
    assert admin.get("/bo/satisfaction.csv", params=params).status_code == 422


def test_the_csv_has_the_figures_of_the_page(web: Callable[[str], TestClient]) -> None:
    answer = web("admin").get("/bo/satisfaction.csv", params={
        "from": TODAY.isoformat(), "to": TODAY.isoformat()})
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = rows_of(answer.text)
    assert rows[0][:4] == ["Nhóm", "Mục", "Số đánh giá", "Rất hài lòng"]
    by_name = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert by_name[("Tổng", "")] == ["7", "2", "2", "1", "2", "57.1", "3", "12.7", "12", ""]
    assert by_name[("Theo quầy", "Quầy 1")] == ["2", "2", "0", "0", "0", "100", "2", "9",
                                                 "9", ""]
    assert by_name[("Theo dịch vụ (hàng đợi)", "Dịch vụ B")] == [
        "0", "0", "0", "0", "0", "", "1", "6", "6", ""]  # no rating: empty, not 0
    assert by_name[("Đơn vị", "Phường Ba Đình")][-1] == "1"
    assert by_name[("Đơn vị", "Phường Hoàn Kiếm")][-1] == "2"
    assert sum(1 for row in rows if row[0] == "Đơn vị") == 126
    # A commune officer's CSV: their unit, no ranking
    mine = rows_of(web("canbo.badinh").get("/bo/satisfaction.csv", params={
        "from": TODAY.isoformat(), "to": TODAY.isoformat()}).text)
    assert [row[:3] + row[-1:] for row in mine if row[0] == "Đơn vị"] == [
        ["Đơn vị", "Phường Ba Đình", "5", ""]]


def test_the_page_needs_a_session(backend: Backend) -> None:
    client = TestClient(create_app(backend.store, session_secret="test"),
                        base_url="http://127.0.0.1")
    assert client.get("/bo/satisfaction", follow_redirects=False).headers[
        "location"] == "/bo/sign-in"
    assert client.get("/bo/satisfaction.csv", follow_redirects=False).status_code == 303


def test_a_chart_draws_a_bar_per_value_and_none_for_no_data() -> None:
    svg = str(bar_chart("c", "T <1>", "D", [Bar("a", "a", 50.0), Bar("b", "b", None),
                                           Bar("c", "c", 100.0)], top=100.0))
    assert svg.count("<rect") == 2 and "T &lt;1&gt;" in svg
    assert [nice_ceiling(v) for v in (0, 0.5, 3, 12.7, 20, 101)] == [1, 1, 5, 20, 20, 200]
