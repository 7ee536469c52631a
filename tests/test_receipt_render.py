"""Drawing slips: Vietnamese fonts, layout inside the paper, QR codes that scan back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont
from pyzbar.pyzbar import decode

from devices.escpos_raster import printer_raster_bytes, remove_realtime_commands
from devices.fonts import (
    VIETNAMESE_LETTERS,
    FontFiles,
    FontMissingError,
    candidates,
    find_fonts,
    missing_characters,
)
from devices.receipt_render import QrPart, RasterPart, ReceiptRenderer, Sizes
from kiosk.clock import HANOI
from kiosk.receipt import (
    Align,
    BigNumber,
    CheckItem,
    Field,
    Line,
    QrCode,
    Receipt,
    Separator,
    SlipContext,
    SlipKind,
    TextSize,
    Title,
    printer_test_slip,
)
from kiosk.receipt_strings import keys, text

AFTERNOON = dt.datetime(2026, 12, 1, 14, 5, tzinfo=HANOI)
VI = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "vi")
PORTAL = "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc=1.004222"
EVERY_BLOCK = Receipt(
    SlipKind.TEST,
    (
        Title("HỒ SƠ CẦN CHUẨN BỊ"),
        BigNumber("A1-U007"),
        Line("Đăng ký khai sinh – Nguyễn Thị Ánh Tuyết", TextSize.LARGE, bold=True,
             align=Align.CENTER),
        Field("Thời hạn giải quyết", "Trong ngày tiếp nhận yêu cầu, hoặc ngày làm việc tiếp "
                                     "theo nếu tiếp nhận sau 15 giờ"),
        CheckItem("Giấy tờ, tài liệu chứng minh việc sở hữu chỗ ở hợp pháp (1 bản sao)",
                  note="Không phải nộp nếu thông tin đã có trong cơ sở dữ liệu"),
        CheckItem("Tờ khai", checked=True),
        Separator(),
        Line("https://dichvucong.gov.vn/p/home/a-very-long-address-without-any-space-in-it"),
        QrCode(PORTAL, caption="Quét mã để xem thủ tục"),
        QrCode("MOTCUA:R:TESTQRK7"),
        Line("Đường dây nóng: 1022", bold=True, align=Align.CENTER),
    ),
)


def blank(image: Image.Image) -> bool:
    """Whether every dot of ``image`` is white."""
    return image.convert("L").getextrema() == (255, 255)


def qr_texts(image: Image.Image) -> list[str]:
    return sorted(symbol.data.decode("utf-8") for symbol in decode(image.convert("L")))


def test_the_fonts_we_draw_with_have_every_vietnamese_letter_and_every_printed_sign() -> None:
    # GIVEN the font pair found on this machine (DejaVu Sans from fonts-dejavu-core)
    fonts = find_fonts()
    assert fonts.name == "DejaVu Sans"
    printed = set(VIETNAMESE_LETTERS) | {ch for key in keys() for lang in ("vi", "en")
                                         for ch in text(key, lang)}
    # THEN neither face lacks a glyph for any letter or sign a slip can carry
    assert len(VIETNAMESE_LETTERS) == 178
    assert missing_characters(fonts.regular, printed) == []
    assert missing_characters(fonts.bold, printed) == []


def test_the_glyph_check_does_find_a_missing_glyph() -> None:
    # Kivy's Roboto has Vietnamese but no check mark: the check must say so.
    roboto = candidates()[-1]
    assert roboto.name == "Roboto (Kivy)"
    assert missing_characters(roboto.regular, "Ưu tiên ✓") == ["✓"]


def test_no_font_found_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    absent = FontFiles("nothing", tmp_path / "a.ttf", tmp_path / "b.ttf")
    monkeypatch.setattr("devices.fonts.candidates", lambda: [absent])
    find_fonts.cache_clear()
    try:
        with pytest.raises(FontMissingError, match="install the Debian package fonts-dejavu-core"):
            find_fonts()
    finally:
        find_fonts.cache_clear()


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize("native_qr", [True, False])
def test_every_block_stays_inside_the_margins_and_every_qr_scans_back(
    width: int, native_qr: bool
) -> None:
    # GIVEN a receipt with every kind of block, long words and two QR codes
    rendered = ReceiptRenderer(width, native_qr=native_qr).render(EVERY_BLOCK)
    page = rendered.preview()
    # THEN the paper is the printer's width, 1 bit per dot
    assert (page.width, page.mode) == (width, "1")
    # AND nothing is drawn in the side margins (a clipped or overflowing line would be)
    margin = Sizes.for_width(width).margin
    assert blank(page.crop((0, 0, margin, page.height)))
    assert blank(page.crop((width - margin, 0, width, page.height)))
    assert not blank(page.crop((margin, 0, width - margin, page.height)))
    # AND both QR codes decode back to their payloads, drawn by the printer or not
    assert qr_texts(page) == sorted([PORTAL, "MOTCUA:R:TESTQRK7"])
    kinds = [type(part) for part in rendered.parts]
    expected = [RasterPart, QrPart, RasterPart, QrPart, RasterPart] if native_qr else [RasterPart]
    assert kinds == expected


def test_qr_modules_are_large_enough_for_a_camera() -> None:
    rendered = ReceiptRenderer(384, native_qr=True).render(EVERY_BLOCK)
    modules = [part.module_dots for part in rendered.parts if isinstance(part, QrPart)]
    assert modules == [5, 8]  # the portal URL is a bigger symbol, so smaller modules


def test_big_number_shrinks_to_fit_the_58_mm_paper() -> None:
    slip = Receipt(SlipKind.TEST, (BigNumber("WWWW-WWWW"),))
    page = ReceiptRenderer(384, native_qr=True).render(slip).preview()
    box = ImageChops.invert(page.convert("L")).getbbox()
    assert box is not None
    left, _, right, _ = box
    assert left >= Sizes.for_width(384).margin
    assert right <= 384 - Sizes.for_width(384).margin


@pytest.mark.parametrize("bold", [True, False])
def test_stacked_tone_marks_are_not_cut_off_at_the_top(bold: bool) -> None:
    # GIVEN capitals with marks above marks, drawn once with all the room in the world
    words = "ẪỖỮẤ Ẫ"
    fonts = find_fonts()
    face = fonts.bold if bold else fonts.regular
    font = ImageFont.truetype(str(face), Sizes.for_width(384).large)
    free = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(free).text((10, 100), words, font=font, fill=0, anchor="ls")
    free_box = ImageChops.invert(free.point(lambda v: 255 if v >= 160 else 0)).getbbox()
    # WHEN the same words are the first line of a slip
    slip = Receipt(SlipKind.TEST, (Line(words, TextSize.LARGE, bold=bold),))
    page = ReceiptRenderer(384, native_qr=True).render(slip).preview()
    box = ImageChops.invert(page.convert("L")).getbbox()
    # THEN the ink is as tall on the slip as drawn freely: no mark was cut off
    assert free_box is not None and box is not None
    assert box[3] - box[1] == free_box[3] - free_box[1]


def test_the_test_slip_prints_every_letter_legibly_at_both_widths(tmp_path: Path) -> None:
    for width in (384, 576):
        slip = printer_test_slip(VI, printer="file", printed_at=AFTERNOON)
        page = ReceiptRenderer(width, native_qr=False).render(slip).preview()
        page.save(tmp_path / f"test-{width}.png")
        assert qr_texts(page) == ["MOTCUA:R:TESTQRK7"]
        assert page.height > 800


def test_realtime_commands_are_removed_from_raster_bytes_by_clearing_one_dot() -> None:
    # GIVEN an image whose raster bytes spell DLE EOT 1 and DLE ENQ 2 (0x10 0x04 0x01 ...)
    image = Image.new("1", (64, 2), 1)
    row = bytes([0x10, 0x04, 0x01, 0xFF, 0x10, 0x05, 0x02, 0x00])
    inverted = bytes(255 - value for value in row * 2)
    image = Image.frombytes("1", (64, 2), inverted)
    assert b"\x10\x04\x01" in printer_raster_bytes(image)
    # WHEN it is made safe
    cleaned, changed = remove_realtime_commands(image)
    data = printer_raster_bytes(cleaned)
    # THEN no real-time command is left, and only those four dots changed
    assert changed == 4
    assert b"\x10\x04" not in data and b"\x10\x05" not in data
    assert data == bytes([0x00, 0x04, 0x01, 0xFF, 0x00, 0x05, 0x02, 0x00]) * 2
    assert remove_realtime_commands(cleaned) == (cleaned, 0)
