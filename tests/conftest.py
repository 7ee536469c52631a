"""Shared fixtures: a real SQLite file, a small catalog, and the CLI run in-process."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk import doctor
from kiosk.catalog import import_catalog
from kiosk.doctor import mount_table
from kiosk.storage import Database, open_database
from motcua.cli import main

#: The real browser for the web pages' tests (chromium, page, offsite fixtures).
pytest_plugins = ["tests.browser"]

#: A mounts table with everything on one persistent disk. Tests give it to the doctor so
#: that what they assert does not depend on where pytest's temporary directory lives
#: (Debian 13 mounts /tmp as tmpfs, which the doctor rightly calls volatile).
PERSISTENT_MOUNTS = "/dev/root / ext4 rw,noatime 0 0\n"
on_persistent_disk = mount_table(PERSISTENT_MOUNTS)

SMALL_CATALOG: dict[str, Any] = {
    "format": "motcua-catalog/1",
    "version": 1,
    "published": "2026-11-01",
    "services": [
        {"code": "A", "name": "Hộ tịch", "name_en": "Civil status", "counter": "Quầy số 1"},
        {"code": "C", "name": "Chứng thực", "counter": "Quầy số 3"},
    ],
    "procedures": [
        {
            "code": "1.001193",
            "title": "Đăng ký khai sinh",
            "field": "Hộ tịch",
            "level": "commune",
            "agency": "Ủy ban nhân dân cấp xã",
            "service": "A",
            "documents": [
                {"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0},
                {"name": "Giấy chứng sinh", "originals": 1, "copies": 0},
            ],
            "fees": [{"channel": "in_person", "amount_vnd": 0, "note": "đúng hạn"}],
            "processing_time": "Ngay trong ngày",
            "channels": ["in_person", "online"],
            "aliases": ["giấy khai sinh"],
        },
        {
            "code": "1.000656",
            "title": "Đăng ký khai tử",
            "field": "Hộ tịch",
            "level": "commune",
            "agency": "Ủy ban nhân dân cấp xã",
            "service": "A",
            "documents": [{"name": "Tờ khai đăng ký khai tử", "originals": 1, "copies": 0}],
            "fees": [],
            "processing_time": "Ngay trong ngày",
            "channels": ["in_person"],
            "aliases": ["báo tử"],
        },
        {
            "code": "2.000815",
            "title": "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "field": "Chứng thực",
            "level": "commune",
            "agency": "Ủy ban nhân dân cấp xã",
            "service": "C",
            "documents": [{"name": "Bản chính giấy tờ", "originals": 1, "copies": 1}],
            "fees": [
                {"channel": "in_person", "amount_vnd": None,
                 "note": "2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang"}
            ],
            "processing_time": "Trong ngày",
            "channels": ["in_person"],
            "aliases": ["sao y", "sao y bản chính"],
        },
        {
            "code": "1.004194",
            "title": "Đăng ký tạm trú",
            "field": "Cư trú",
            "level": "commune",
            "agency": "Công an cấp xã",
            "documents": [],
            "fees": [{"channel": "online", "amount_vnd": 7000}],
            "processing_time": "03 ngày làm việc",
            "channels": ["in_person", "online"],
            "legal_basis": ["Luật Cư trú 2020"],
        },
    ],
}


def v2_catalog() -> dict[str, Any]:
    """A small ``motcua-catalog/2`` file: two cases, papers to show, a hidden variant."""
    return {
        "format": "motcua-catalog/2",
        "version": 5,
        "published": "2026-12-01",
        "services": [{"code": "A", "name": "Hộ tịch"}],
        "fields": [{"name": "Hộ tịch", "name_en": "Civil status"},
                   {"name": "Cư trú", "name_en": "Residence"}],
        "life_events": [
            {"key": "sinh-con", "title": "Sinh con", "title_en": "A child is born",
             "procedures": ["1.001193", "1.004222"], "note": "Làm theo thứ tự"},
        ],
        "procedures": [
            {
                "code": "1.001193", "former_codes": ["1.999001"],
                "title": "Đăng ký khai sinh", "field": "Hộ tịch", "level": "commune",
                "receiver": "commune_desk", "agency": "UBND cấp xã", "service": "A",
                "who_may_apply": "Cha, mẹ hoặc người thân thích",
                "cases": [
                    {"key": "dung-han", "title": "Đăng ký khai sinh đúng hạn (trong 60 ngày)",
                     "submit": [{"name": "Tờ khai đăng ký khai sinh", "originals": 1,
                                 "copies": 0, "form": "Mẫu TP/HT-2020-KS.1"},
                                {"name": "Giấy chứng sinh", "originals": 1, "copies": 0}],
                     "show": [{"name": "Thẻ căn cước của người đi đăng ký", "originals": 1,
                               "copies": 0}]},
                    {"key": "tre-bi-bo-roi", "title": "Khai sinh cho trẻ bị bỏ rơi",
                     "submit": [{"name": "Biên bản về việc trẻ bị bỏ rơi", "originals": 1,
                                 "copies": 0}]},
                ],
                "fees": [{"channel": "in_person", "amount_vnd": 0}],
                "times": [{"channel": "in_person", "text": "1 ngày làm việc"},
                          {"channel": "online", "text": "1 ngày làm việc"}],
                "channels": ["in_person", "online"],
                "steps": ["Nộp hồ sơ", "Nhận kết quả"],
                "result": "Giấy khai sinh",
            },
            {
                "code": "1.004222", "title": "Đăng ký thường trú", "field": "Cư trú",
                "level": "commune", "receiver": "commune_police", "agency": "Công an cấp xã",
                "cases": [{"key": "mac-dinh", "title": "Đăng ký thường trú",
                           "submit": [{"name": "Tờ khai thay đổi thông tin cư trú",
                                       "originals": 1, "copies": 0, "form": "Mẫu CT01"}]}],
                "fees": [],
                "times": [{"channel": "in_person", "text": "07 ngày làm việc"},
                          {"channel": "online", "text": "5", "note": "Cổng ghi số không đơn vị"}],
                "channels": ["in_person", "online"],
            },
            {
                "code": "1.001247", "title": "Cấp thẻ căn cước (tại cấp trung ương)",
                "field": "Cư trú", "level": "central", "receiver": "other",
                "agency": "Cục Cảnh sát QLHC về TTXH", "hidden": True,
                "cases": [{"key": "mac-dinh", "title": "Cấp thẻ căn cước", "submit": []}],
                "fees": [], "times": [], "channels": ["in_person"],
            },
        ],
    }


@pytest.fixture
def small_catalog() -> dict[str, Any]:
    """A fresh deep copy of the small test catalog, free to modify."""
    return copy.deepcopy(SMALL_CATALOG)


def catalog_bytes(catalog: dict[str, Any]) -> bytes:
    """A catalog as the bytes of a file."""
    return json.dumps(catalog, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """A migrated database in a real file."""
    database = open_database(tmp_path / "kiosk.sqlite3")
    yield database
    database.close()


@pytest.fixture
def catalog_db(db: Database, small_catalog: dict[str, Any]) -> Database:
    """The database with the small catalog imported."""
    import_catalog(db, catalog_bytes(small_catalog))
    return db


@dataclass
class Result:
    """What one CLI run did."""

    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def kiosk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Result]:
    """Run the ``kiosk`` command in-process with its own data directory.

    ``kiosk doctor`` reads a mounts table that puts the data directory on a persistent
    disk, wherever the test's temporary directory really is.
    """
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    mounts = tmp_path / "proc-self-mounts"
    mounts.write_text(PERSISTENT_MOUNTS)
    monkeypatch.setattr(doctor, "MOUNTS_TABLE", mounts)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)

    def run(*argv: str) -> Result:
        capsys.readouterr()
        try:
            status = main(list(argv))
        except SystemExit as exit_:
            status = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run
