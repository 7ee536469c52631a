"""Technician mode's core: the logged PIN gate, the diagnosis, settings, scans, log lines."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from devices.printer_checks import check_printer_status
from devices.reader_checks import check_running_reader
from kiosk.config import SETTINGS_BY_KEY, Config, ConfigError, load_config
from kiosk.doctor import Check, CheckStatus
from kiosk.idcard import parse_id_qr
from kiosk.kinds import FeedbackCategory, FeedbackRequest
from kiosk.logs import RecentLogs, install_recent_logs
from kiosk.printing import PrinterState, PrinterStatus
from kiosk.reading import ReaderState, ReaderStatus
from kiosk.scanned import ScanKind, ScannedCode, classify
from kiosk.storage import open_database
from kiosk.submissions import Outbox
from kiosk.technician import (
    EDITABLE_KEYS,
    SHOWN_CODE_LENGTH,
    TechnicianDesk,
    current_pin_hash,
    describe_scan,
    editable_settings,
    open_technician_desk,
    setting_view,
    summarise_sync,
)
from kiosk.technician_pin import LOCK_SECONDS, MAX_FAILURES, PinOutcome, hash_pin
from motcua.wiring import all_check_sources, running_app_sources
from tests.conftest import on_persistent_disk

PIN = "246810"
PIN_HASH = hash_pin(PIN)
CARD = (
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021"
)


class Clock:
    """Wall-clock seconds a test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def config_in(tmp_path: Path, **overrides: str | int | bool) -> Config:
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    return replace(config, values={**config.values, "technician.pin_hash": PIN_HASH, **overrides})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(tmp_path: Path, clock: Clock) -> TechnicianDesk:
    config = config_in(tmp_path)
    config.data_dir.mkdir(parents=True)
    technician = open_technician_desk(config, clock=clock, file_system=on_persistent_disk)
    yield technician
    technician.close()


# -- the technician card -----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["MOTCUA:TECH", "motcua:tech:card-07", " MOTCUA:TECH:HN.12\r\n"])
def test_a_technician_card_is_classified_as_one(raw: str) -> None:
    assert classify(raw, today=None) == ScannedCode(kind=ScanKind.TECHNICIAN_CARD, raw=raw)


@pytest.mark.parametrize("raw", ["MOTCUA:TECHX", "MOTCUA:TECH:", "MOTCUA:TECH:a b", "TECH"])
def test_look_alikes_of_the_technician_card_are_not_one(raw: str) -> None:
    assert classify(raw, today=None).kind is ScanKind.OTHER


# -- the PIN -------------------------------------------------------------------------------------


def test_the_right_pin_lets_in_and_is_logged_without_the_pin(
    desk: TechnicianDesk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.technician")
    assert desk.enter_pin(PIN).outcome is PinOutcome.ACCEPTED
    assert caplog.messages == ["technician mode entered with the PIN"]


def test_every_wrong_pin_is_logged_with_the_wait_and_never_the_pin(
    desk: TechnicianDesk, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.technician")
    # WHEN a wrong PIN is entered, again too early, then again after the wait
    first = desk.enter_pin("111111")
    early = desk.enter_pin(PIN)
    clock.now += first.retry_after
    second = desk.enter_pin("222222")
    # THEN the waits grow, the early try is refused unchecked, and all is logged
    assert (first.outcome, first.retry_after, first.failures) == (PinOutcome.REJECTED, 1.0, 1)
    assert (early.outcome, early.retry_after) == (PinOutcome.WAIT, 1.0)
    assert (second.outcome, second.retry_after) == (PinOutcome.REJECTED, 2.0)
    assert caplog.messages == [
        f"wrong technician PIN (1 of {MAX_FAILURES} before the lock); next try in 1 s",
        "technician PIN tried 1 s too early: refused unchecked",
        f"wrong technician PIN (2 of {MAX_FAILURES} before the lock); next try in 2 s",
    ]
    assert [r.levelname for r in caplog.records] == ["WARNING"] * 3
    assert not any(pin in caplog.text for pin in ("111111", "222222", PIN))


def test_the_lock_is_logged_as_an_error_and_refuses_the_right_pin(
    desk: TechnicianDesk, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.technician")
    result = None
    for attempt in range(MAX_FAILURES):
        result = desk.enter_pin(f"99999{attempt}")
        clock.now += result.retry_after
    assert result is not None and result.outcome is PinOutcome.LOCKED
    assert caplog.records[-1].levelname == "ERROR"
    assert caplog.messages[-1] == (
        f"technician entry locked after {MAX_FAILURES} wrong PINs; {LOCK_SECONDS} s left "
        "(or: kiosk technician unlock)"
    )
    clock.now -= LOCK_SECONDS - 60
    assert desk.pin_status().outcome is PinOutcome.LOCKED
    assert desk.enter_pin(PIN).outcome is PinOutcome.LOCKED


def test_no_pin_set_is_said_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = config_in(tmp_path, **{"technician.pin_hash": ""})
    desk = TechnicianDesk(config, open_database(tmp_path / "k.sqlite3"))
    try:
        assert desk.enter_pin(PIN).outcome is PinOutcome.NOT_SET
    finally:
        desk.close()
    assert "none is set" in caplog.text


def test_a_pin_set_while_the_app_runs_counts_at_once(desk: TechnicianDesk) -> None:
    # GIVEN `kiosk technician set-pin` wrote a new PIN to the technician layer
    from kiosk.config import write_technician_layer

    write_technician_layer(desk.config, {"technician.pin_hash": hash_pin("97531024")})
    # THEN the new PIN opens, the PIN loaded at start no longer does
    assert current_pin_hash(desk.config) != PIN_HASH
    assert desk.enter_pin("97531024").outcome is PinOutcome.ACCEPTED


def test_an_unreadable_layer_keeps_the_pin_loaded_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = config_in(tmp_path)
    config.data_dir.mkdir(parents=True)
    config.technician_path.write_text("[ui]\nidle_seconds = 'soon'\n", encoding="utf-8")
    assert current_pin_hash(config) == PIN_HASH
    assert "the technician layer cannot be read" in caplog.text


# -- the diagnosis -----------------------------------------------------------------------------


def test_the_diagnosis_has_the_core_checks_the_sources_and_the_failed_items(
    desk: TechnicianDesk,
) -> None:
    outbox = Outbox(desk.db, kiosk_id="DEMO-K1", queue_prefix="1")
    item = outbox.create(FeedbackRequest(FeedbackCategory.LAND, "đường hỏng", None))
    outbox.mark_failed(item.uuid, "refused: unknown category")

    def printer(_config: Config) -> list[Check]:
        return [Check("receipt printer", CheckStatus.FAULT, "paper_out", "put a new paper roll in")]

    def broken(_config: Config) -> list[Check]:
        raise RuntimeError("boom")

    diagnosis = desk.diagnose([printer, broken])
    names = [check.name for check in diagnosis.checks]
    assert names[:3] == ["software", "kiosk identity", "data directory"]
    assert "outbox" in names
    assert diagnosis.checks[-2] == Check(
        "receipt printer", CheckStatus.FAULT, "paper_out", "put a new paper roll in"
    )
    assert diagnosis.checks[-1].detail == "the check itself failed: boom"
    assert diagnosis.count(CheckStatus.FAULT) >= 2
    [failed] = diagnosis.failed
    assert (failed.kind, failed.reason) == ("feedback", "refused: unknown category")
    assert failed.receipt_code[4] == "-"
    # WHEN the failed items are queued again
    assert desk.retry_failed() == 1
    assert desk.diagnose([]).failed == ()


def test_the_running_apps_devices_are_reported_live_not_opened_again() -> None:
    printer = Check("receipt printer", CheckStatus.OK, "live")
    reader = Check("code reader", CheckStatus.OK, "live")
    sources = running_app_sources(printer, reader)
    assert len(sources) == len(all_check_sources()) == 6
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": "/nonexistent"})
    assert list(sources[1](config)) == [reader]  # the fake reader: no decoder check
    camera = replace(config, values={**config.values, "scanner.driver": "camera"})
    assert [c.name for c in sources[1](camera)] == ["code reader", "QR decoder"]
    assert next(iter(sources[0](config))) is printer


def test_a_live_printer_state_becomes_a_check_with_its_fix(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    out = check_printer_status(config, "file printer", PrinterStatus(PrinterState.PAPER_OUT))
    assert out == Check("receipt printer", CheckStatus.FAULT, "file printer: paper_out",
                        "put a new paper roll in")
    ready = check_printer_status(config, "file printer", PrinterStatus(PrinterState.READY))
    assert ready.status is CheckStatus.OK


@pytest.mark.parametrize(
    ("state", "fault", "expected"),
    [
        (ReaderState.READING, None, CheckStatus.OK),
        (ReaderState.FAILED, "serial scanner on /dev/ttyACM0: no such device", CheckStatus.FAULT),
        (ReaderState.STARTING, None, CheckStatus.WARNING),
    ],
)
def test_a_running_readers_state_becomes_a_check(
    tmp_path: Path, state: ReaderState, fault: str | None, expected: CheckStatus
) -> None:
    status = ReaderStatus(state, "serial scanner on /dev/ttyACM0", fault, None)
    check = check_running_reader(config_in(tmp_path), status)
    assert check.status is expected
    assert (check.fix == "") is (expected is CheckStatus.OK)
    if fault is not None:
        assert check.detail == fault


# -- settings ----------------------------------------------------------------------------------


def test_every_editable_key_is_declared_and_shown_as_typed(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    views = {view.key: view for view in editable_settings(config, {"ui.idle_seconds": 90})}
    assert list(views) == list(EDITABLE_KEYS)
    assert set(EDITABLE_KEYS) <= set(SETTINGS_BY_KEY)
    idle = views["ui.idle_seconds"]
    assert (idle.shown, idle.editable, idle.numeric, idle.pending) == ("90", "90", True, True)
    assert views["printer.width_dots"].choices == ("384", "576")
    assert not views["printer.width_dots"].numeric
    assert views["ui.language"].choices == ("vi", "en")
    assert views["kiosk.service_point_name"].words
    token = views["sync.token"]
    assert (token.secret, token.editable, token.shown) == (True, "", "********cret")
    flag = setting_view(SETTINGS_BY_KEY["ui.large_text"], value=False)
    assert (flag.choices, flag.editable) == (("true", "false"), "false")


def test_a_setting_is_written_to_the_technician_layer_and_a_secret_never_logged(
    desk: TechnicianDesk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.technician")
    path = desk.save_setting("ui.idle_seconds", 90)
    desk.save_setting("sync.token", "a-very-secret-token-1234")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "ui": {"idle_seconds": 90}, "sync": {"token": "a-very-secret-token-1234"},
    }  # fmt: skip
    assert "a-very-secret" not in caplog.text
    assert f"technician set sync.token = ********1234 in {path}" in caplog.messages


def test_a_broken_layer_on_disk_is_not_overwritten(desk: TechnicianDesk) -> None:
    desk.config.technician_path.write_text("[ui]\nidle_seconds = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        desk.save_setting("ui.idle_seconds", 90)
    assert "'x'" in desk.config.technician_path.read_text(encoding="utf-8")


# -- test scans and sync rounds ----------------------------------------------------------------


def test_an_id_card_scanned_in_a_test_shows_masked() -> None:
    scanned = ScannedCode(ScanKind.CITIZEN_ID, CARD, card=parse_id_qr(CARD, today=None))
    report = describe_scan(scanned)
    assert (report.kind, report.shown, report.length) == (
        ScanKind.CITIZEN_ID, "N. V. A. ********2345", len(CARD),
    )  # fmt: skip


def test_a_refused_id_card_shows_the_reason_and_nothing_of_its_text() -> None:
    report = describe_scan(classify("001099012345|Nguyễn Văn An", today=None))
    assert report.shown == ""
    assert report.problem is not None


def test_other_codes_show_as_read_and_long_ones_cut() -> None:
    assert describe_scan(classify("8935049500421", today=None)).shown == "8935049500421"
    long = describe_scan(classify("x" * 300, today=None))
    assert long.shown == "x" * SHOWN_CODE_LENGTH + "…"
    assert long.length == 300
    assert describe_scan(classify("MOTCUA:R:K7QM3XP5", today=None)).shown == "K7QM-3XP5"


def test_a_sync_round_is_summarised_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.technician")
    assert summarise_sync(2, 0, 1, None, ["catalog 7"]).notes == ("catalog 7",)
    failed = summarise_sync(0, 0, 3, "backend unreachable", [])
    assert failed.error == "backend unreachable"
    assert caplog.records[-1].levelname == "WARNING"


# -- recent log lines --------------------------------------------------------------------------


def test_recent_logs_keep_the_newest_lines_first_with_long_numbers_masked() -> None:
    logger = logging.getLogger("test.recent")
    logger.propagate = False
    handler = install_recent_logs(capacity=3, logger=logger)
    try:
        for number in range(4):
            logger.info("line %d", number)
        logger.warning("card 001099012345\nsecond line")
        logger.debug("not kept: below INFO")
        lines = handler.lines()
        assert [line.split(" ", 1)[1] for line in lines] == [
            "WARNING test.recent: card ************ | second line",
            "INFO test.recent: line 3",
            "INFO test.recent: line 2",
        ]
        # A second install (a new app in the same process) replaces the first.
        again = install_recent_logs(capacity=3, logger=logger)
        assert [h for h in logger.handlers if isinstance(h, RecentLogs)] == [again]
    finally:
        for existing in list(logger.handlers):
            logger.removeHandler(existing)
        logger.propagate = True
