"""``kiosk scan IMAGE...``: image files through the camera's pipeline. Data is fictional."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.damaged_images import DAMAGES, good_png
from tests.qr_images import CARD, qr_pil

CARD_JSON = {
    "id_number": "001099012345",
    "old_id_number": "123456789",
    "full_name": "Nguyễn Văn An",
    "birth_date": "1999-03-15",
    "sex": "male",
    "address": "Số 1 Phố Huế, Hoàn Kiếm, Hà Nội",
    "issue_date": "2021-04-20",
}


@pytest.fixture
def pictures(tmp_path: Path) -> dict[str, Path]:
    """A card, a receipt, a web address, a blank picture, and a file that is no picture."""
    folder = tmp_path / "pictures"
    folder.mkdir()
    files = {
        "card": folder / "card.png",
        "receipt": folder / "receipt.jpg",
        "url": folder / "portal.png",
        "blank": folder / "blank.png",
        "broken": folder / "broken.png",
    }
    qr_pil(CARD).save(files["card"])
    qr_pil("MOTCUA:R:K7QM3XP5", module_px=6).save(files["receipt"], quality=90)
    qr_pil("https://dichvucong.gov.vn/p/home").save(files["url"])
    qr_pil("x").point(lambda value: 255).save(files["blank"])
    files["broken"].write_bytes(b"\x89PNG not really")
    return files


@pytest.mark.parametrize("decoder", ["zxing", "pyzbar"])
def test_json_reports_each_file_s_codes_classified(
    kiosk: Callable[..., Any], pictures: dict[str, Path], decoder: str
) -> None:
    # GIVEN pictures of a card, a receipt, a portal address and a blank page
    names = ["card", "receipt", "url", "blank"]
    # WHEN they are scanned with --json
    result = kiosk("scan", *(str(pictures[name]) for name in names), "--json",
                   "--decoder", decoder)
    # THEN every file is listed with its codes, classified and parsed
    assert (result.status, result.err) == (0, "")
    assert result.json() == [
        {"file": str(pictures["card"]),
         "codes": [{"kind": "citizen_id", "raw": CARD, "parsed": CARD_JSON}]},
        {"file": str(pictures["receipt"]),
         "codes": [{"kind": "receipt_code", "raw": "MOTCUA:R:K7QM3XP5",
                    "parsed": {"receipt_code": "K7QM3XP5"}}]},
        {"file": str(pictures["url"]),
         "codes": [{"kind": "url", "raw": "https://dichvucong.gov.vn/p/home", "parsed": None}]},
        {"file": str(pictures["blank"]), "codes": []},
    ]


def test_an_unreadable_file_is_an_error_and_the_others_are_still_reported(
    kiosk: Callable[..., Any], pictures: dict[str, Path], tmp_path: Path
) -> None:
    # GIVEN a broken picture and a missing file between two good ones
    missing = tmp_path / "missing.png"
    files = [pictures["card"], pictures["broken"], missing, pictures["url"]]
    # WHEN they are scanned
    result = kiosk("scan", *(str(path) for path in files), "--json")
    # THEN the exit status is 2, each bad file has a clear error, and the good ones are read
    assert result.status == 2
    assert result.err == (
        f"kiosk: scan: {pictures['broken']}: cannot read the image: not an image file "
        "Pillow can read (PNG, JPEG, ...)\n"
        f"kiosk: scan: {missing}: cannot read the image: no such file\n"
    )
    report = result.json()
    assert [entry["file"] for entry in report] == [str(path) for path in files]
    assert [len(entry["codes"]) for entry in report] == [1, 0, 0, 1]
    assert report[1]["error"] == "not an image file Pillow can read (PNG, JPEG, ...)"
    assert report[2]["error"] == "no such file"


def test_damaged_pngs_are_each_an_error_and_the_others_are_still_decoded(
    kiosk: Callable[..., Any], pictures: dict[str, Path], tmp_path: Path
) -> None:
    # GIVEN PNGs damaged in every way Pillow reports differently (a broken chunk is a
    # SyntaxError from exif_transpose, an oversized text chunk a ValueError, ...), between
    # two good pictures
    damaged = []
    for name, (make, _) in sorted(DAMAGES.items()):
        damaged.append(tmp_path / f"{name}.png")
        damaged[-1].write_bytes(make(good_png(CARD)))
    files = [pictures["card"], *damaged, pictures["url"]]
    # WHEN they are scanned
    result = kiosk("scan", *(str(path) for path in files), "--json")
    # THEN the exit status is 2, each damaged file has one line of error, no traceback
    assert result.status == 2
    errors = result.err.splitlines()
    assert [line.split(": cannot read the image: ")[0] for line in errors] == [
        f"kiosk: scan: {path}" for path in damaged
    ]
    assert "Traceback" not in result.err
    # ... and the good pictures are still decoded
    report = result.json()
    assert [entry["file"] for entry in report] == [str(path) for path in files]
    assert [len(entry["codes"]) for entry in report] == [1, *[0] * len(damaged), 1]
    assert all(entry["error"] for entry in report[1:-1])


def test_text_output(kiosk: Callable[..., Any], pictures: dict[str, Path]) -> None:
    result = kiosk("scan", str(pictures["receipt"]), str(pictures["blank"]))
    assert (result.status, result.err) == (0, "")
    assert result.out == (
        f"{pictures['receipt']}: receipt_code: MOTCUA:R:K7QM3XP5\n"
        f"{pictures['blank']}: no QR code found (decoder zxing)\n"
    )


def test_a_refused_id_card_says_why(kiosk: Callable[..., Any], tmp_path: Path) -> None:
    # GIVEN a picture of a card whose ID number lost a digit
    picture = tmp_path / "bad-card.png"
    qr_pil(CARD.replace("001099012345", "00109901234")).save(picture)
    # WHEN it is scanned
    result = kiosk("scan", str(picture), "--json")
    # THEN it is OTHER, with the parser's reason
    assert result.json()[0]["codes"][0]["kind"] == "other"
    assert result.json()[0]["codes"][0]["problem"] == (
        "the ID number (field 1) must be exactly 12 digits; it has 11 digits"
    )


def test_the_configured_decoder_is_used(
    kiosk: Callable[..., Any], pictures: dict[str, Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[scanner]\ndecoder = "pyzbar"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(site))
    result = kiosk("scan", str(pictures["blank"]))
    assert result.out == f"{pictures['blank']}: no QR code found (decoder pyzbar)\n"


def test_no_decoder_available_is_a_fault(
    kiosk: Callable[..., Any], pictures: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    result = kiosk("scan", str(pictures["card"]), "--decoder", "zxing")
    assert result.status == 1
    assert result.err.startswith("kiosk: scan: zxing-cpp is not installed")


def test_a_pipeline_that_cannot_load_is_a_fault_with_the_reason(
    kiosk: Callable[..., Any], pictures: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN OpenCV cannot be imported (a broken install)
    import sys

    monkeypatch.setitem(sys.modules, "cv2", None)
    monkeypatch.delitem(sys.modules, "devices.qr_pipeline", raising=False)
    # WHEN a picture is scanned, THEN the command says what failed to load, exit status 1
    result = kiosk("scan", str(pictures["card"]))
    assert result.status == 1
    assert result.err.startswith("kiosk: scan: the decoding pipeline cannot load: import of cv2")
