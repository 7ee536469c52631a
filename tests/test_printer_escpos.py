"""The ESC/POS adapter against python-escpos's Dummy printer: the exact bytes it sends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from escpos.printer import Dummy
from PIL import Image
from pyzbar.pyzbar import decode

from devices.escpos_encode import FRAGMENT_HEIGHT, encode_receipt, render_job
from devices.escpos_printer import EscposReceiptPrinter
from devices.escpos_status import decode as decode_status
from devices.printer_profile import ProfileError, known_profiles, resolve_profile
from devices.receipt_render import ReceiptRenderer
from kiosk.clock import HANOI
from kiosk.printing import PrinterError, PrinterState
from kiosk.receipt import (
    Line,
    QrCode,
    Receipt,
    SlipContext,
    SlipKind,
    printer_test_slip,
)
from tests.escpos_stream import paper, parse

SAMPLE = "Đăng ký khai sinh – Nguyễn Thị Ánh Tuyết"
STATUS_QUERIES = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
READY = {1: 0x12, 2: 0x12, 4: 0x12}
AFTERNOON = dt.datetime(2026, 12, 1, 14, 5, tzinfo=HANOI)
VI = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "vi")
GENERIC_58 = resolve_profile("default", 384)


class AnsweringDummy(Dummy):
    """python-escpos's Dummy, answering DLE EOT from a script like a printer would."""

    def __init__(self, answers: dict[int, int] | None = None, *,
                 fail_write_after: int | None = None) -> None:
        super().__init__()
        self.answers = READY if answers is None else answers
        self.fail_write_after = fail_write_after
        self.pending: list[int] = []
        self.closed = 0

    def _raw(self, msg: bytes) -> None:
        if self.fail_write_after is not None and len(self.output) >= self.fail_write_after:
            raise BrokenPipeError(32, "Broken pipe")
        super()._raw(msg)
        if msg[:2] == b"\x10\x04" and msg[2] in self.answers:
            self.pending.append(self.answers[msg[2]])

    def _read(self) -> bytes:
        return bytes([self.pending.pop(0)]) if self.pending else b""

    def close(self) -> None:
        self.closed += 1


def adapter(device: AnsweringDummy, profile_name: str = "default",
            width: int = 384) -> EscposReceiptPrinter:
    return EscposReceiptPrinter(lambda: device, resolve_profile(profile_name, width),
                                description="dummy", keep_open=False)


def text_outside_commands(job: bytes) -> bytes:
    return b"".join(c.data for c in parse(job) if c.name == "TEXT")


def test_vietnamese_goes_out_as_a_raster_image_and_never_as_question_marks() -> None:
    # GIVEN a slip with the sample line, on a 58 mm printer whose profile lists CP1258
    slip = Receipt(SlipKind.TEST, (Line(SAMPLE),))
    profile = resolve_profile("POS-5890", 384)
    # WHEN it is encoded
    _, job = render_job(slip, profile)
    commands = parse(job)
    # THEN the line went as a GS v 0 raster image 48 bytes (384 dots) wide ...
    assert [c.name for c in commands] == ["ESC @", "GS v 0", "ESC d"]
    assert commands[1].args[:3] == b"\x00\x30\x00"
    # ... no byte of it was sent as text, so no letter can turn into "?"
    assert text_outside_commands(job) == b""
    assert b"?" not in job.replace(commands[1].data, b"")


def test_python_escpos_text_mode_loses_those_letters_which_is_why_we_draw_them() -> None:
    # The baseline this design avoids: the same line through python-escpos's text mode.
    printer = Dummy(profile="POS-5890")
    printer.text(SAMPLE)
    assert b"Nguy?n Th?" in printer.output
    printer = Dummy(profile="POS-5890")
    printer.charcode("CP1258")
    printer.text(SAMPLE)
    assert printer.output.count(b"?") == 4  # ký, Nguyễn, Thị, Tuyết


def test_a_receipt_job_is_init_raster_centred_native_qr_feed_raster_and_full_cut() -> None:
    # GIVEN a short slip with a QR code, for a generic printer with GS ( k and a cutter
    slip = Receipt(SlipKind.TEST, (Line("Mã biên nhận"), QrCode("MOTCUA:R:TESTQRK7"),
                                   Line("Đường dây nóng: 1022")))
    rendered = ReceiptRenderer(384, native_qr=True).render(slip)
    # WHEN it is encoded
    job = encode_receipt(rendered, GENERIC_58)
    # THEN the bytes are exactly: ESC @, raster, ESC a 1, the QR sequence, ESC a 0,
    # ESC J (quiet zone), raster, ESC d 6, GS V 0
    first, second = (part.image for part in rendered.parts[::2])
    qr = b"MOTCUA:R:TESTQRK7"
    expected = b"".join([
        b"\x1b@",
        b"\x1dv0\x00\x30\x00" + bytes([first.height, 0]) + _raster(first),
        b"\x1ba\x01",
        b"\x1d(k\x04\x00\x31\x41\x32\x00",  # model 2
        b"\x1d(k\x03\x00\x31\x43\x08",  # 8 dots per module
        b"\x1d(k\x03\x00\x31\x45\x31",  # error correction M
        b"\x1d(k" + bytes([len(qr) + 3, 0]) + b"\x31\x50\x30" + qr,  # store
        b"\x1d(k\x03\x00\x31\x51\x30",  # print
        b"\x1ba\x00",
        b"\x1bJ\x10",  # 2 modules of 8 dots
        b"\x1dv0\x00\x30\x00" + bytes([second.height, 0]) + _raster(second),
        b"\x1bd\x06\x1dV\x00",
    ])
    assert job == expected


def _raster(image: Image.Image) -> bytes:
    return bytes(255 - value for value in image.tobytes())


@pytest.mark.parametrize(("profile_name", "width"), [("default", 384), ("default", 576),
                                                     ("POS-5890", 384), ("TM-T20II", 384)])
def test_the_paper_the_bytes_print_is_the_preview(profile_name: str, width: int) -> None:
    # GIVEN the test slip for each kind of printer
    profile = resolve_profile(profile_name, width)
    slip = printer_test_slip(VI, printer="dummy", printed_at=AFTERNOON)
    # WHEN it is encoded, and the bytes are read back by an independent interpreter
    rendered, job = render_job(slip, profile)
    printed = paper(job, profile.width_dots)
    # THEN what the printer prints is, dot for dot, the preview; and its QR code scans
    assert printed.tobytes() == rendered.preview().tobytes()
    assert [s.data for s in decode(printed.convert("L"))] == [b"MOTCUA:R:TESTQRK7"]
    # AND the job never contains a real-time command the printer would obey mid-slip
    assert all(prefix not in job for prefix in (b"\x10\x04", b"\x10\x05", b"\x10\x14"))
    # AND big images are cut into fragments a small printer can buffer
    heights = [c.args[3] + 256 * c.args[4] for c in parse(job) if c.name == "GS v 0"]
    assert max(heights) <= FRAGMENT_HEIGHT


def test_profiles_decide_qr_command_cutter_and_width() -> None:
    slip = printer_test_slip(VI, printer="dummy", printed_at=AFTERNOON)
    names = {name: [c.name for c in parse(render_job(slip, resolve_profile(name, 384))[1])]
             for name in ("default", "POS-5890", "TM-T20II")}
    # default: GS ( k and a cut; POS-5890 (cheap 58 mm): QR as raster, no cutter
    assert "GS ( k" in names["default"] and names["default"][-2:] == ["ESC d", "GS V"]
    assert "GS ( k" not in names["POS-5890"] and names["POS-5890"][-1] == "ESC d"
    assert "GS V" not in names["POS-5890"]
    # TM-T20II declares its own width (576 dots): it wins over the configured one
    assert resolve_profile("TM-T20II", 384).width_dots == 576
    assert resolve_profile("default", 576).width_dots == 576
    with pytest.raises(ProfileError, match="unknown printer profile 'XP-58'; known: "):
        resolve_profile("XP-58", 384)
    with pytest.raises(ProfileError, match="is 100 dots wide"):
        resolve_profile("AF-240", 384)
    assert "POS-5890" in known_profiles()


def test_the_adapter_asks_status_sends_the_job_and_asks_again_on_one_connection() -> None:
    # GIVEN a ready printer
    device = AnsweringDummy()
    printer = adapter(device)
    slip = printer_test_slip(VI, printer="dummy", printed_at=AFTERNOON)
    # WHEN a slip is printed
    after = printer.print_receipt(slip)
    # THEN the bytes are status queries, the whole job, status queries; and it is ready
    _, job = render_job(slip, resolve_profile("default", 384))
    assert device.output == STATUS_QUERIES + job + STATUS_QUERIES
    assert after.state is PrinterState.READY
    assert after.detail == "status 0x12 0x12 0x12"
    assert device.closed == 1  # keep_open=False: closed after the exchange


@pytest.mark.parametrize(
    ("answers", "state"),
    [
        ({1: 0x1A, 2: 0x32, 4: 0x72}, PrinterState.PAPER_OUT),
        ({1: 0x1A, 2: 0x16, 4: 0x12}, PrinterState.COVER_OPEN),
        ({1: 0x1A, 2: 0x12, 4: 0x12}, PrinterState.OFFLINE),
        ({}, PrinterState.UNKNOWN),
    ],
)
def test_nothing_is_sent_to_a_printer_that_cannot_print(
    answers: dict[int, int], state: PrinterState
) -> None:
    device = AnsweringDummy(answers)
    after = adapter(device).print_receipt(printer_test_slip(VI, printer="d"))
    assert after.state is state
    expected = STATUS_QUERIES if answers else b"\x10\x04\x01"  # silence stops at the first
    assert device.output == expected


def test_a_broken_connection_during_the_job_raises_and_is_closed() -> None:
    device = AnsweringDummy(fail_write_after=5000)
    printer = adapter(device)
    with pytest.raises(PrinterError, match=r"job to dummy failed: .*Broken pipe"):
        printer.print_receipt(printer_test_slip(VI, printer="d"))
    assert device.closed == 1


def test_a_printer_that_cannot_be_opened_is_unreachable() -> None:
    def refuse() -> Any:
        raise ConnectionRefusedError(111, "Connection refused")

    printer = EscposReceiptPrinter(refuse, GENERIC_58, description="network printer x:9100",
                                   keep_open=False)
    status = printer.status()
    assert status.state is PrinterState.UNREACHABLE
    assert status.detail == "cannot open network printer x:9100: [Errno 111] Connection refused"
    assert printer.print_receipt(printer_test_slip(VI, printer="d")) == status


@pytest.mark.parametrize(
    ("answers", "state", "detail"),
    [
        ({1: 0x12, 2: 0x12, 4: 0x12}, PrinterState.READY, "status 0x12 0x12 0x12"),
        ({1: 0x12, 2: 0x12, 4: 0x1E}, PrinterState.PAPER_NEAR_END, "status 0x12 0x12 0x1e"),
        ({1: 0x12, 2: 0x12, 4: 0x72}, PrinterState.PAPER_OUT, "status 0x12 0x12 0x72"),
        ({1: 0x1A, 2: 0x32, 4: 0x12}, PrinterState.PAPER_OUT, "status 0x1a 0x32 0x12"),
        ({1: 0x1A, 2: 0x16, 4: 0x72}, PrinterState.COVER_OPEN, "status 0x1a 0x16 0x72"),
        ({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}, PrinterState.ERROR,
         "cutter error (status 0x1a 0x52 0x12)"),
        ({1: 0x1A, 2: 0x52, 4: 0x12}, PrinterState.ERROR, "error (status 0x1a 0x52 0x12)"),
        ({1: 0x1A, 2: 0x12, 4: 0x12}, PrinterState.OFFLINE, "status 0x1a 0x12 0x12"),
        ({1: 0x12, 2: 0x12}, PrinterState.UNKNOWN, "no answer to DLE EOT 4"),
        ({1: 0xFF, 2: 0x12, 4: 0x12}, PrinterState.UNKNOWN,
         "DLE EOT 1 answered 0xff, not a status"),
    ],
)
def test_status_bytes_decode_to_states(
    answers: dict[int, int], state: PrinterState, detail: str
) -> None:
    status = decode_status({n: answers.get(n) for n in (1, 2, 3, 4)})
    assert (status.state, status.detail) == (state, detail)


def test_our_raster_command_is_byte_for_byte_python_escpos_image() -> None:
    from devices.escpos_encode import _raster

    slip = printer_test_slip(VI, printer="dummy", printed_at=AFTERNOON)
    band = ReceiptRenderer(384, native_qr=True).render(slip).parts[0].image.crop((0, 0, 384, 200))
    theirs, ours = Dummy(), Dummy()
    theirs.image(band, impl="bitImageRaster")
    _raster(ours, band)
    assert ours.output == theirs.output
    assert len(ours.output) == 8 + 48 * 200
