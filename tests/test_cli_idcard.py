"""``kiosk id parse``: output, exit status and standard input. Data is fictional."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json

import pytest

from motcua.cli import idcard as cli_idcard
from motcua.cli import main

CARD = "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021"
ISSUED_2024 = "001099012345||Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|10052024"
CARD_JSON = {
    "id_number": "001099012345",
    "old_id_number": "123456789",
    "full_name": "Nguyễn Văn An",
    "birth_date": "1999-03-15",
    "sex": "male",
    "address": "Số 1 Phố Huế, Hoàn Kiếm, Hà Nội",
    "issue_date": "2021-04-20",
}
BAD_PROVINCE = CARD.replace("001099012345", "003099012345")
BAD_PROVINCE_MESSAGE = (
    "the ID number starts with 003, which is not a province code in the official list"
)


class UntouchableContext:
    """A context whose configuration and database must not be used by ``id parse``."""

    demo = False

    @property
    def config(self) -> object:
        raise AssertionError("kiosk id parse must not load the configuration")

    @property
    def database(self) -> object:
        raise AssertionError("kiosk id parse must not open the database")

    def close(self) -> None:
        pass


class TerminalInput(io.StringIO):
    """Standard input at a terminal, as a keyboard-mode scanner types into it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A trusted clock on 27 November 2026 unless a test sets another."""
    monkeypatch.setattr(cli_idcard, "trusted_today", lambda: dt.date(2026, 11, 27))


def run(*argv: str) -> int:
    """Run ``kiosk ARGV`` through this area's own parser, with an untouchable context."""
    parser = argparse.ArgumentParser(prog="kiosk")
    commands = parser.add_subparsers(dest="command", required=True)
    cli_idcard.register(commands)
    args = parser.parse_args(argv)
    status: int = args.handler(args, UntouchableContext())
    return status


def stdin_bytes(monkeypatch: pytest.MonkeyPatch, data: bytes) -> io.BytesIO:
    """Make standard input a pipe holding ``data``; returns the underlying bytes."""
    raw = io.BytesIO(data)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(raw, encoding="utf-8"))
    return raw


# --- success ------------------------------------------------------------------------------


def test_parse_json_prints_the_card(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a valid card payload WHEN `kiosk id parse PAYLOAD --json`
    status = run("id", "parse", CARD, "--json")
    # THEN exit 0 and the card's JSON object on stdout, nothing on stderr
    out, err = capsys.readouterr()
    assert status == 0
    assert json.loads(out) == CARD_JSON
    assert "Nguyễn Văn An" in out  # readable, not \u escapes
    assert err == ""


def test_parse_prints_aligned_lines(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a valid card payload WHEN `kiosk id parse PAYLOAD`
    status = run("id", "parse", CARD)
    # THEN exit 0 and one aligned line per field
    out, err = capsys.readouterr()
    assert status == 0
    assert out == (
        "id_number      001099012345\n"
        "old_id_number  123456789\n"
        "full_name      Nguyễn Văn An\n"
        "birth_date     1999-03-15\n"
        "sex            male\n"
        "address        Số 1 Phố Huế, Hoàn Kiếm, Hà Nội\n"
        "issue_date     2021-04-20\n"
    )
    assert err == ""


def test_parse_shows_a_missing_old_number_as_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("id", "parse", CARD.replace("|123456789|", "||")) == 0
    assert "old_id_number  (none)\n" in capsys.readouterr().out


def test_parse_json_shows_a_missing_old_number_as_null(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run("id", "parse", CARD.replace("|123456789|", "||"), "--json") == 0
    assert json.loads(capsys.readouterr().out)["old_id_number"] is None


# --- refusal ------------------------------------------------------------------------------


def test_invalid_payload_exits_2_with_the_reason_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a payload with an unknown province WHEN `kiosk id parse PAYLOAD`
    status = run("id", "parse", BAD_PROVINCE)
    # THEN exit 2, the reason on stderr and nothing on stdout
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err == f"kiosk: invalid ID card QR code (unknown_province): {BAD_PROVINCE_MESSAGE}\n"


def test_invalid_payload_with_json_prints_the_error_object(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the same payload WHEN `kiosk id parse PAYLOAD --json`
    status = run("id", "parse", BAD_PROVINCE, "--json")
    # THEN exit 2, the error object on stdout and the reason on stderr
    out, err = capsys.readouterr()
    assert status == 2
    assert json.loads(out) == {"error": "unknown_province", "message": BAD_PROVINCE_MESSAGE}
    assert err == f"kiosk: invalid ID card QR code (unknown_province): {BAD_PROVINCE_MESSAGE}\n"


def test_argument_that_is_not_utf8_is_refused_not_crashed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an argument with a byte that is not UTF-8 (Python keeps it as a lone surrogate)
    status = run("id", "parse", CARD.replace("An", "A\udcff"), "--json")
    # THEN a clean refusal whose message can be printed
    out, err = capsys.readouterr()
    assert status == 2
    assert json.loads(out)["error"] == "bad_character"
    assert "U+DCFF" in err


# --- the clock ----------------------------------------------------------------------------


def test_untrusted_clock_accepts_a_card_issued_in_2024(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a kiosk booted in 1970: trusted_today() says None
    monkeypatch.setattr(cli_idcard, "trusted_today", lambda: None)
    # WHEN a card issued in 2024 is parsed
    status = run("id", "parse", ISSUED_2024, "--json")
    # THEN it is accepted
    assert status == 0
    assert json.loads(capsys.readouterr().out)["issue_date"] == "2024-05-10"


def test_trusted_clock_refuses_a_card_issued_after_today(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_idcard, "trusted_today", lambda: dt.date(2020, 1, 1))
    assert run("id", "parse", ISSUED_2024, "--json") == 2
    assert json.loads(capsys.readouterr().out) == {
        "error": "issued_in_future",
        "message": "the issue date is after today (2020-01-01); if the card is real, the "
        "kiosk clock is wrong",
    }


# --- standard input -----------------------------------------------------------------------


def test_dash_reads_the_payload_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the payload piped in with a CR/LF, as a scanner writes it
    stdin_bytes(monkeypatch, CARD.encode() + b"\r\n")
    # WHEN `kiosk id parse - --json`
    status = run("id", "parse", "-", "--json")
    # THEN it is parsed like the argument
    assert status == 0
    assert json.loads(capsys.readouterr().out) == CARD_JSON


def test_standard_input_with_a_byte_order_mark(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin_bytes(monkeypatch, b"\xef\xbb\xbf" + CARD.encode() + b"\r\n")
    assert run("id", "parse", "-", "--json") == 0
    assert json.loads(capsys.readouterr().out) == CARD_JSON


def test_standard_input_that_is_not_utf8_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a payload saved in a legacy 8-bit encoding ("ê" as the single byte 0xEA)
    stdin_bytes(monkeypatch, b"001099012345||Nguy\xean Van An|15031999|Nam|Ha Noi|20042021")
    # WHEN it is piped in
    status = run("id", "parse", "-", "--json")
    # THEN exit 2 with not_text, no traceback
    out, err = capsys.readouterr()
    assert status == 2
    assert json.loads(out) == {"error": "not_text", "message": "standard input is not UTF-8 text"}
    assert err == "kiosk: invalid ID card QR code (not_text): standard input is not UTF-8 text\n"


def test_large_standard_input_is_refused_after_reading_only_its_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a 10 MB file piped in by mistake
    raw = stdin_bytes(monkeypatch, b"x" * 10_000_000)
    # WHEN `kiosk id parse -`
    status = run("id", "parse", "-", "--json")
    # THEN it is refused as too long, and most of it was never read
    assert status == 2
    assert json.loads(capsys.readouterr().out) == {
        "error": "too_long",
        "message": "standard input holds more than 1,000 characters; an ID card QR code has "
        "at most 1,000",
    }
    assert raw.tell() < 100_000


def test_standard_input_of_exactly_the_cap_is_handed_to_the_parser(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1,000 characters is not too long: the parser decides (here: not enough fields).
    stdin_bytes(monkeypatch, b"x" * 1000)
    assert run("id", "parse", "-", "--json") == 2
    assert json.loads(capsys.readouterr().out)["error"] == "not_enough_fields"


def test_at_a_terminal_one_scanned_line_is_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a technician at a terminal scanning a card (the scanner types it and Enter)
    monkeypatch.setattr("sys.stdin", TerminalInput(CARD + "\nnot read\n"))
    # WHEN `kiosk id parse -`
    status = run("id", "parse", "-", "--json")
    # THEN the first line is parsed without waiting for end of input
    assert status == 0
    assert json.loads(capsys.readouterr().out) == CARD_JSON


# --- wiring -------------------------------------------------------------------------------


def test_kiosk_main_runs_id_parse(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the real `kiosk` entry point WHEN `kiosk id parse PAYLOAD --json`
    status = main(["id", "parse", CARD, "--json"])
    # THEN the area is registered and answers
    assert status == 0
    assert json.loads(capsys.readouterr().out) == CARD_JSON


def test_kiosk_main_exits_2_on_an_invalid_card(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["id", "parse", BAD_PROVINCE]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"kiosk: invalid ID card QR code (unknown_province): {BAD_PROVINCE_MESSAGE}\n"


def test_id_parse_without_payload_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run("id", "parse")
    assert exited.value.code == 2
    assert "PAYLOAD" in capsys.readouterr().err
