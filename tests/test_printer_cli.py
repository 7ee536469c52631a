"""``kiosk printer`` and ``kiosk receipt`` through the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from kiosk import receipt_code
from kiosk.servicepoint.ticket_page import page_token, page_url
from tests import fake_tcp_printer as script
from tests.conftest import Result
from tests.escpos_stream import paper, parse
from tests.fake_tcp_printer import ScriptedTcpPrinter

Kiosk = Callable[..., Result]


def qr_texts(image: Image.Image) -> list[str]:
    return [symbol.data.decode("utf-8") for symbol in decode(image.convert("L"))]


def use_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(path))


def test_printer_test_to_a_file_writes_the_job_and_its_preview(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "test.escpos"
    result = kiosk("--demo", "printer", "test", "--to", str(target))
    assert result.status == 0, result.err
    job = target.read_bytes()
    assert result.out == (f"wrote {len(job)} bytes of ESC/POS to {target} and the preview "
                          f"to {target}.png\n")
    # The bytes print the preview, dot for dot, and its QR code scans
    preview = Image.open(f"{target}.png")
    assert paper(job, 384).tobytes() == preview.convert("1").tobytes()
    assert qr_texts(preview) == ["MOTCUA:R:TESTQRK7"]
    assert [c.name for c in parse(job)][:2] == ["ESC @", "GS v 0"]


def test_printer_test_prints_on_the_demo_file_printer(kiosk: Kiosk, tmp_path: Path) -> None:
    result = kiosk("--demo", "printer", "test")
    assert result.status == 0, result.err
    assert result.out.startswith(f"test slip printed on file printer {tmp_path}/data/printed")
    written = sorted(path.name for path in (tmp_path / "data" / "printed").iterdir())
    assert len(written) == 2
    assert written[0].endswith("-test.escpos") and written[1].endswith("-test.escpos.png")


def test_printer_status_of_the_demo_file_printer(kiosk: Kiosk, tmp_path: Path) -> None:
    result = kiosk("--demo", "printer", "status", "--json")
    assert result.status == 0, result.err
    assert result.json() == {
        "driver": "file",
        "printer": f"file printer {tmp_path}/data/printed "
                   "(default, 384 dots, QR by printer, cutter)",
        "state": "ready",
        "can_print": True,
        "detail": f"writing to {tmp_path}/data/printed",
        "message": "Máy in sẵn sàng",
        "jobs": {"queued": 0, "printed": 0, "expired": 0},
    }


def test_no_printer_configured_is_disabled_and_exit_status_1(kiosk: Kiosk) -> None:
    result = kiosk("printer", "status")
    assert result.status == 1
    assert result.out.splitlines()[:2] == [
        "printer: no printer (printer.driver = none)",
        "state:   disabled (Ki-ốt không có máy in)",
    ]


def test_a_printer_that_cannot_load_is_a_fault_with_its_fix(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_config(monkeypatch, tmp_path, '[printer]\ndriver = "network"\n')
    result = kiosk("printer", "test")
    assert (result.status, result.out) == (1, "")
    assert result.err == (
        "kiosk: printer fault: printer.driver is 'network' but printer.host is empty: set it "
        "to the printer's address (kiosk config set printer.host ...)\n"
    )
    status = kiosk("printer", "status", "--json")
    assert status.status == 1
    assert status.json()["state"] is None
    assert status.json()["detail"].startswith("printer.driver is 'network'")


def test_an_unknown_profile_is_refused_when_writing_a_test_file(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_config(monkeypatch, tmp_path, '[printer]\nprofile = "XP-58"\n')
    result = kiosk("printer", "test", "--to", str(tmp_path / "t.escpos"))
    assert result.status == 2
    assert result.err.startswith("kiosk: unknown printer profile 'XP-58'; known: ")


def test_receipt_preview_draws_the_slip_of_a_submission(kiosk: Kiosk, tmp_path: Path) -> None:
    # GIVEN a queue ticket taken on the demo kiosk
    created = kiosk("--demo", "submissions", "create", "--kind", "queue_ticket",
                    "--service", "A", "--json")
    assert created.status == 0, created.err
    code = created.json()["receipt_code"]
    out = tmp_path / "previews" / "ticket.png"
    # WHEN support previews it by its code, typed in lower case with a dash, 80 mm wide
    typed = receipt_code.display(code).lower()
    result = kiosk("--demo", "receipt", "preview", typed, "--png", str(out), "--width", "576",
                   "--escpos", str(tmp_path / "ticket.escpos"))
    # THEN the picture is the ticket, 576 dots wide, and its QR code opens its phone page on
    # the demo backend (queue.ticket_page_url in demo.toml)
    assert result.status == 0, result.err
    assert result.out.startswith("queue_ticket A1-001: preview 576x")
    image = Image.open(out)
    assert image.width == 576
    assert qr_texts(image) == [
        page_url("http://127.0.0.1:8765/ve/", page_token(created.json()["uuid"]))]
    assert paper((tmp_path / "ticket.escpos").read_bytes(), 576).tobytes() == (
        image.convert("1").tobytes())


def test_receipt_preview_of_an_unknown_or_invalid_code_is_bad_input(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    valid = "TEST-QRK7"
    missing = kiosk("--demo", "receipt", "preview", valid, "--png", str(tmp_path / "a.png"))
    assert (missing.status, missing.err) == (
        2, "kiosk: no submission with receipt code TEST-QRK7 on this kiosk\n")
    invalid = kiosk("--demo", "receipt", "preview", "TEST-QRK8", "--png", str(tmp_path / "a.png"))
    assert (invalid.status, invalid.err) == (
        2, "kiosk: 'TEST-QRK8' is not a valid receipt code (XXXX-XXXX)\n")
    assert not (tmp_path / "a.png").exists()


def test_a_network_printer_out_of_paper_keeps_the_reprint_queued_until_retried(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    created = kiosk("--demo", "submissions", "create", "--kind", "rating",
                    "--level", "satisfied", "--json")
    code = created.json()["receipt_code"]
    with ScriptedTcpPrinter(script.PAPER_OUT) as printer:
        use_config(monkeypatch, tmp_path,
                   f'[printer]\ndriver = "network"\nhost = "127.0.0.1"\n'
                   f"port = {printer.port}\ntimeout_ms = 300\n")
        # GIVEN the printer is out of paper
        status = kiosk("--demo", "printer", "status")
        assert status.status == 1
        assert "state:   paper_out (Máy in hết giấy)" in status.out
        # WHEN the slip is printed again, it waits in the queue
        again = kiosk("--demo", "receipt", "print", code, "--json")
        assert again.status == 1
        assert (again.json()["printed"], again.json()["printer_state"]) == (False, "paper_out")
        queued = kiosk("--demo", "printer", "queue", "--json").json()
        assert [(job["kind"], job["state"]) for job in queued] == [("rating_thanks", "queued")]
        # WHEN paper is loaded and the queue retried, it prints and nothing is left
        printer.script(script.READY)
        retried = kiosk("--demo", "printer", "retry")
        assert (retried.status, retried.out.splitlines()[-1]) == (0, "0 job(s) still queued")
        listing = kiosk("--demo", "printer", "queue")
        assert " printed " in listing.out and "rating_thanks" in listing.out
    assert json.loads(kiosk("--demo", "printer", "queue", "--json").out)[0]["attempts"] == 2
