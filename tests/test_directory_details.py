"""Service-point details the city publishes for the commune directory, as the kiosk takes them."""

from __future__ import annotations

import pytest

from kiosk.directory import (
    Commune,
    DirectoryError,
    apply_details,
    detail_problem,
    load_directory,
    seed_directory,
)
from kiosk.storage import Database

WARD = 4  # Phường Ba Đình


def ward(db: Database) -> Commune:
    (commune,) = [c for c in load_directory(db) if c.code == WARD]
    return commune


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("hotline", "1022"),
        ("hotline", "024 3825 1234"),
        ("phone", "+84 24.3825.1234"),
        ("phone", "(024) 3825-1234"),
        ("map_link", "https://maps.app.goo.gl/AbC123"),
        ("map_link", "http://www.openstreetmap.org/?mlat=21.03&mlon=105.83"),
        ("opening_hours", "Thứ 2 - Thứ 6: 8:00-17:00; sáng Thứ 7"),
        ("address", "Số 1 Đội Cấn"),
    ],
)
def test_well_formed_details_are_accepted(key: str, value: str) -> None:
    assert detail_problem(key, value) is None


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("hotline", "gọi 1022", "số điện thoại chỉ gồm chữ số (3 đến 15 số), ví dụ 024 3825 1234"),
        ("phone", "12", "số điện thoại chỉ gồm chữ số (3 đến 15 số), ví dụ 024 3825 1234"),
        ("phone", "+84 24 3825 1234 5678 90", "số điện thoại chỉ gồm chữ số (3 đến 15 số), "
                                               "ví dụ 024 3825 1234"),
        ("map_link", "javascript:alert(1)", "đường dẫn bản đồ phải bắt đầu bằng https:// hoặc "
                                            "http://"),
        ("map_link", "ftp://maps.example/x", "đường dẫn bản đồ phải bắt đầu bằng https:// hoặc "
                                             "http://"),
        ("map_link", "https://has space.vn/x", "đường dẫn bản đồ phải bắt đầu bằng https:// hoặc "
                                               "http://"),
        ("opening_hours", "--- : ---", "cần có chữ hoặc số"),
        ("address", "x" * 201, "cần từ 1 đến 200 ký tự"),
        ("address", "   ", "cần từ 1 đến 200 ký tự"),
    ],
)
def test_malformed_details_are_refused_with_the_reason(key: str, value: str, problem: str) -> None:
    assert detail_problem(key, value) == problem


def test_a_published_map_link_becomes_the_directory_qr(db: Database) -> None:
    seed_directory(db)
    centre = ward(db).map_url
    assert centre.startswith("https://www.openstreetmap.org/?mlat=")
    # WHEN the city publishes the service point's own map link
    apply_details(db, [{"code": WARD, "map_link": "https://maps.app.goo.gl/AbC123",
                        "hotline": "024 3825 1234"}], version=2)
    # THEN the directory's QR opens it, and the hotline is shown
    commune = ward(db)
    assert commune.map_url == "https://maps.app.goo.gl/AbC123"
    assert commune.hotline == "024 3825 1234"
    # AND null clears it: the centre's map again
    apply_details(db, [{"code": WARD, "map_link": None}], version=3)
    assert ward(db).map_url == centre


def test_a_bad_detail_refuses_the_whole_publication(db: Database) -> None:
    seed_directory(db)
    with pytest.raises(DirectoryError, match=r"details\[1\] \(4\): map_link: đường dẫn"):
        apply_details(db, [{"code": 8, "address": "Số 2"},
                           {"code": WARD, "map_link": "javascript:alert(1)"}], version=2)
    assert [c.address for c in load_directory(db) if c.code == 8] == [None]
