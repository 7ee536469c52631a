"""Technician mode by touch: the hidden entry, the PIN, the checks, the actions, leaving."""

from __future__ import annotations

import json
import logging
import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import receipt_code
from kiosk.kinds import FeedbackCategory, FeedbackRequest
from kiosk.printing import PrintJobs
from kiosk.storage import open_database
from kiosk.submissions import Outbox
from kiosk.technician_pin import LOCK_SECONDS, MAX_FAILURES, PIN_STATE_FILE, hash_pin
from tests.ui.conftest import CARD_AN, CLOSED_BACKEND, Kiosk, start_kiosk

PIN = "135790"
PIN_HASH = hash_pin(PIN)


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    """The kiosk with a technician PIN set and a backend that cannot be reached."""
    running = start_kiosk(
        tmp_path, **{"technician.pin_hash": PIN_HASH, "sync.backend_url": CLOSED_BACKEND}
    )
    yield running
    running.driver.close()


def open_pin_pad(kiosk: Kiosk) -> None:
    kiosk.driver.hold(kiosk.driver.find("technician_corner"), 5, kiosk.clock)
    assert kiosk.screen.name == "technician_pin"


def enter_pin(kiosk: Kiosk, pin: str) -> None:
    kiosk.driver.type(pin)
    kiosk.driver.tap_id("enter_button")


def enter_technician_mode(kiosk: Kiosk) -> None:
    open_pin_pad(kiosk)
    enter_pin(kiosk, PIN)
    assert kiosk.screen.name == "technician"
    assert kiosk.app.technician_active


def check_lines(kiosk: Kiosk) -> dict[str, tuple[str, str, str]]:
    """The checks shown: name -> (badge, detail, fix)."""
    box = kiosk.screen.ids.check_box
    return {
        line.name: (line.badge, line.detail, line.fix)
        for line in reversed(box.children) if hasattr(line, "badge")
    }


def test_a_long_press_in_the_corner_opens_the_pin_pad_and_a_tap_does_not(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    corner = driver.find("technician_corner")
    # GIVEN the welcome screen; WHEN the corner is tapped, or held for 4 s only
    driver.tap(corner)
    assert kiosk.screen.name == "welcome"
    driver.hold(corner, 4, kiosk.clock)
    assert kiosk.screen.name == "welcome"
    # WHEN it is held for 5 s
    driver.hold(corner, 5, kiosk.clock)
    # THEN the PIN pad asks for the PIN
    assert kiosk.screen.name == "technician_pin"
    assert kiosk.screen.message_text == "Nhập mã PIN kỹ thuật viên (6 đến 12 chữ số)."
    assert driver.find("enter_button").disabled


def test_a_wrong_pin_shows_the_delay_and_refuses_entry_until_it_is_over(kiosk: Kiosk) -> None:
    driver, screen = kiosk.driver, None
    driver.tap_id("language_en")
    open_pin_pad(kiosk)
    screen = kiosk.screen
    # WHEN a wrong PIN is entered
    enter_pin(kiosk, "000000")
    # THEN the PIN is gone from the field, the wait is shown and Enter is off
    assert screen.ids.pin_field.value == ""
    assert screen.message_text == "Wrong PIN. You may try again in 1 second."
    # ... and the right PIN typed during the wait cannot be entered: the gate refuses it
    driver.type(PIN)
    assert driver.find("enter_button").disabled
    screen.do_enter()
    driver.settle()
    assert kiosk.screen.name == "technician_pin"
    assert not kiosk.app.technician_active
    assert screen.message_text == "Too soon after a wrong PIN: wait 1 second."
    # WHEN the wait is over, the right PIN opens technician mode
    kiosk.clock.advance(1)
    driver.pause(0.3)
    assert screen.message_text == "You may try again now."
    enter_pin(kiosk, PIN)
    assert kiosk.screen.name == "technician"


def test_a_locked_entry_says_for_how_long_and_refuses_any_pin(kiosk: Kiosk) -> None:
    # GIVEN the PIN gate locked by 8 wrong PINs just now (the count outlives restarts)
    state = kiosk.config.data_dir / PIN_STATE_FILE
    state.write_text(json.dumps({"failures": MAX_FAILURES, "last_failure": kiosk.clock()}))
    kiosk.driver.tap_id("language_en")
    # WHEN the PIN pad is opened and the right PIN typed
    open_pin_pad(kiosk)
    kiosk.driver.type(PIN)
    # THEN the lock is shown with its time, and Enter stays off
    assert kiosk.screen.message_text == (
        "Too many wrong PINs: technician entry is locked for 60 more minutes "
        "(or until 'kiosk technician unlock' is run on the device)."
    )
    assert kiosk.driver.find("enter_button").disabled
    kiosk.clock.advance(LOCK_SECONDS - 90)
    kiosk.driver.pause(0.3)
    assert "locked for 2 more minutes" in kiosk.screen.message_text


def test_the_technician_screen_lists_every_check_with_the_fix_of_a_fault(kiosk: Kiosk) -> None:
    kiosk.driver.tap_id("language_en")
    enter_technician_mode(kiosk)
    lines = check_lines(kiosk)
    # THEN the devices and dependencies are all there
    for name in ("software", "data directory", "disk space", "clock", "database", "outbox",
                 "receipt printer", "print queue", "code reader", "city backend", "last sync"):
        assert name in lines, name
    # ... the printer and reader held by the app are reported live
    assert lines["receipt printer"][0] == "OK"
    assert lines["code reader"] == ("OK", "simulated scanner", "")
    # ... and the unreachable backend is a fault with its fix, listed first
    badge, detail, fix = lines["city backend"]
    assert badge == "Fault"
    assert detail.startswith(f"{CLOSED_BACKEND} is not reachable")
    assert fix == ("Fix: check the network cable/Wi-Fi and that the address is right; "
                   "submissions wait safely in the outbox meanwhile")
    assert next(iter(lines.values()))[0] == "Fault"
    assert kiosk.screen.summary_text.startswith("Faults: ")


def test_the_check_names_follow_the_language(kiosk: Kiosk) -> None:
    # GIVEN the kiosk in Vietnamese (its default)
    enter_technician_mode(kiosk)
    lines = check_lines(kiosk)
    # THEN the checks are named in Vietnamese, with the badge of their state
    assert lines["máy chủ thành phố"][0] == "Lỗi"
    assert lines["máy in phiếu"][0] == "Tốt"
    assert "city backend" not in lines


def test_a_technician_card_asks_for_the_pin(kiosk: Kiosk) -> None:
    # WHEN the technician's QR card is scanned on the welcome screen
    kiosk.scan("MOTCUA:TECH:card-07")
    # THEN the PIN pad opens (the card alone is not enough)
    assert kiosk.screen.name == "technician_pin"
    assert not kiosk.app.technician_active


def test_test_print_puts_a_slip_through_the_print_queue(kiosk: Kiosk) -> None:
    enter_technician_mode(kiosk)
    kiosk.driver.tap_id("language_en")
    kiosk.driver.tap_id("test_print_button")
    # THEN the file printer wrote the ESC/POS bytes of the test slip
    [slip] = kiosk.printed_dir.glob("*-test.escpos")
    assert slip.stat().st_size > 1000
    assert kiosk.screen.outcome_text == (
        "The test slip was printed: check every letter and the QR code on it."
    )


@pytest.mark.parametrize(
    ("printer", "note", "said", "badge"),
    [
        ({"printer.driver": "none"},
         "This kiosk has no printer: codes are shown on screen.",
         "This kiosk has no printer (printer.driver = none).", "Warning"),
        ({"printer.driver": "network", "printer.host": ""},
         "The printer has a problem: codes are shown on screen to note down.",
         "No printer: printer.driver is 'network' but printer.host is empty: set it to the "
         "printer's address (kiosk config set printer.host ...)", "Fault"),
    ],
)
def test_without_a_printer_the_note_the_test_print_and_the_check_say_why(
    tmp_path: Path, printer: dict[str, str], note: str, said: str, badge: str
) -> None:
    # GIVEN a kiosk with no printer configured, or one whose printer cannot be built
    kiosk = start_kiosk(tmp_path, **{"technician.pin_hash": PIN_HASH,
                                     "sync.backend_url": CLOSED_BACKEND, **printer})
    try:
        # THEN the welcome screen says so before anyone asks for a slip
        assert kiosk.app.printer_note == note
        # WHEN the technician prints a test slip THEN nothing is queued and the screen says why
        enter_technician_mode(kiosk)
        kiosk.driver.tap_id("language_en")
        kiosk.driver.tap_id("test_print_button")
        assert kiosk.screen.outcome_text == said
        db = open_database(kiosk.config.database_path)
        try:
            assert PrintJobs(db).counts()["queued"] == 0
        finally:
            db.close()
        # AND the printer's check is a warning (none configured) or a fault (cannot load)
        kiosk.driver.tap_id("check_button")
        assert check_lines(kiosk)["receipt printer"][0] == badge
    finally:
        kiosk.driver.close()


def test_test_scan_shows_how_the_next_code_was_classified(kiosk: Kiosk) -> None:
    enter_technician_mode(kiosk)
    kiosk.driver.tap_id("language_en")
    kiosk.driver.tap_id("test_scan_button")
    assert kiosk.screen.scan_text == "Test scan: hold a code to the reader."
    # WHEN a receipt code is read
    code = "K7QM3XP5"
    kiosk.scan(receipt_code.qr_payload(code))
    # THEN its classification shows, and the citizen's handling did not run
    assert kiosk.screen.name == "technician"
    assert kiosk.screen.scan_text == (
        "Read 17 characters: a receipt code of this kiosk.\nK7QM-3XP5"
    )
    # ... an ID card shows masked, and identifies nobody
    kiosk.scan(CARD_AN)
    assert kiosk.screen.scan_text.splitlines()[1] == "N. V. A. ********2345"
    assert not kiosk.app.identified
    assert kiosk.app.session.citizen is None


def test_editing_the_idle_time_checks_the_value_and_writes_the_technician_layer(
    kiosk: Kiosk,
) -> None:
    driver = kiosk.driver
    enter_technician_mode(kiosk)
    driver.tap_id("language_en")
    driver.tap_id("settings_button")
    assert kiosk.screen.name == "technician_settings"
    [row] = [r for r in kiosk.screen.ids.results.box.children if r.key == "ui.idle_seconds"]
    driver.tap(row)
    editor = kiosk.screen
    assert (editor.name, editor.ids.value_field.value) == ("technician_setting", "60")
    assert editor.ids.keyboard.mode == "digits"
    # WHEN 5 is typed and saved
    driver.tap(driver._key(editor.ids.keyboard, "clear"))
    driver.type("5")
    driver.tap_id("save_button")
    # THEN the error is said in words and nothing is written
    assert editor.message_text == (
        "Not saved: ui.idle_seconds = '5' is not allowed: must be an integer >= 15, <= 600"
    )
    assert editor.problem
    technician_file = kiosk.config.technician_path
    assert not technician_file.exists()
    # WHEN 90 is typed and saved
    driver.tap(driver._key(editor.ids.keyboard, "clear"))
    driver.type("90")
    driver.tap_id("save_button")
    # THEN it is in the technician layer, applying after a restart
    layer = tomllib.loads(technician_file.read_text(encoding="utf-8"))
    assert layer == {"ui": {"idle_seconds": 90}}
    assert editor.message_text == (
        f"Saved in {technician_file}. It applies after the app restarts."
    )
    assert editor.current_text == "Value after the restart: 90"
    # ... and the list says so too
    driver.tap_id("list_button")
    [row] = [r for r in kiosk.screen.ids.results.box.children if r.key == "ui.idle_seconds"]
    assert row.title == "ui.idle_seconds = 90 (after a restart)"


def test_a_choice_is_a_button_and_a_secret_is_never_shown(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    enter_technician_mode(kiosk)
    driver.tap_id("language_en")
    driver.tap_id("settings_button")
    [row] = [r for r in kiosk.screen.ids.results.box.children if r.key == "ui.language"]
    driver.tap(row)
    editor = kiosk.screen
    # WHEN the allowed value "en" is touched and saved
    driver.tap_text("en")
    driver.tap_id("save_button")
    # THEN it is written; no keyboard was offered for it
    layer = tomllib.loads(kiosk.config.technician_path.read_text(encoding="utf-8"))
    assert layer == {"ui": {"language": "en"}}
    assert editor.ids.keyboard.parent is None
    # ... and the backend token shows only its last characters, its field starts empty
    kiosk.app.do_go("technician_setting", key="sync.token")
    driver.settle()
    assert editor.ids.value_field.value == ""
    assert editor.current_text == "Value now: ********cret"
    assert not any("demo-kiosk-token" in text for text in driver.texts())


def test_the_logs_view_shows_recent_lines_with_long_numbers_masked(kiosk: Kiosk) -> None:
    enter_technician_mode(kiosk)
    logging.getLogger("kiosk.test").warning("printer back after card 001099012345")
    kiosk.driver.tap_id("logs_button")
    shown = kiosk.screen.ids.lines.shown
    assert any(line.endswith("WARNING kiosk.test: printer back after card ************")
               for line in shown[:3])
    assert any("technician mode entered with the PIN" in line for line in shown)


def test_leaving_technician_mode_returns_to_welcome_and_forgets_it(kiosk: Kiosk) -> None:
    enter_technician_mode(kiosk)
    kiosk.driver.tap_id("language_en")
    kiosk.driver.tap_id("leave_button")
    assert kiosk.screen.name == "welcome"
    assert not kiosk.app.technician_active
    assert kiosk.app.technician_worker is None
    assert kiosk.app.session.language == "vi"
    # ... the next scan is a citizen's again
    kiosk.scan(CARD_AN)
    assert kiosk.app.greeting_name == "An"


def test_technician_mode_ends_by_itself_after_the_idle_time(kiosk: Kiosk) -> None:
    enter_technician_mode(kiosk)
    app = kiosk.app
    kiosk.clock.advance(app.session.idle_seconds)
    app.check_idle()
    kiosk.clock.advance(app.session.warning_seconds)
    app.check_idle()
    kiosk.driver.settle()
    assert kiosk.screen.name == "welcome"
    assert not app.technician_active


def test_sync_now_says_why_it_failed_and_retry_requeues_failed_items(kiosk: Kiosk) -> None:
    db = open_database(kiosk.config.database_path)
    try:
        outbox = Outbox(db, kiosk_id="DEMO-K1", queue_prefix="1")
        submission = outbox.create(FeedbackRequest(FeedbackCategory.LAND, "đường hỏng", None))
        outbox.mark_failed(submission.uuid, "refused: bad category")
    finally:
        db.close()
    enter_technician_mode(kiosk)
    kiosk.driver.tap_id("language_en")
    [failed] = kiosk.screen.diagnosis.failed
    assert failed.reason == "refused: bad category"
    kiosk.driver.tap_id("sync_button")
    assert kiosk.screen.outcome_text.startswith("Sync failed: ")
    kiosk.driver.tap_id("retry_button")
    assert kiosk.screen.outcome_text == "1 failed submission was queued again."
    assert kiosk.screen.diagnosis.failed == ()


def test_restart_without_systemd_says_so_and_keeps_running(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    enter_technician_mode(kiosk)
    kiosk.driver.tap_id("language_en")
    kiosk.driver.tap_id("restart_button")
    assert kiosk.screen.outcome_text.startswith("This app is not run by systemd")
    # ... and Home leaves technician mode as "Leave" does: nothing of it stays
    kiosk.driver.tap_id("home_button")
    assert (kiosk.screen.name, kiosk.app.technician_active) == ("welcome", False)
    assert kiosk.app.session.language == "vi"


def test_restart_under_systemd_stops_the_app_cleanly(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    address = str(tmp_path / "notify")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    stopped: list[bool] = []
    monkeypatch.setattr(kiosk.app, "stop", lambda *_args: stopped.append(True))
    try:
        enter_technician_mode(kiosk)
        kiosk.driver.tap_id("restart_button")
        assert stopped == [True]
        assert listener.recv(200) == b"STATUS=restarting at a technician's request"
    finally:
        listener.close()


def test_the_space_key_speaks_english_in_english(kiosk: Kiosk) -> None:
    kiosk.driver.tap_id("choice_feedback")
    keyboard = kiosk.screen.ids.keyboard
    assert kiosk.driver._key(keyboard, "space").text == "dấu cách"
    kiosk.driver.tap_id("language_en")
    assert kiosk.driver._key(keyboard, "space").text == "space"
