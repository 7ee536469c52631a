"""``kiosk run`` without a display, and ``kiosk tour``: the scripted journey, headless."""

from __future__ import annotations

import argparse
import logging
import os
import struct
from pathlib import Path

import pytest

from kiosk.config import load_config
from motcua.cli import main, run
from motcua.tour.driver import PORTRAIT
from motcua.tour.tour import run_tour


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"DISPLAY": ":0"}, True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, True),
        ({"SDL_VIDEODRIVER": "kmsdrm"}, True),  # the kiosk's systemd unit
        ({"SDL_VIDEODRIVER": "offscreen", "DISPLAY": ":0"}, False),
        ({"SDL_VIDEODRIVER": "dummy"}, False),
    ],
)
def test_has_display(environ: dict[str, str], expected: bool) -> None:
    assert run.has_display(environ) is expected


def test_run_without_a_display_runs_the_tour_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN no display at all
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    toured: list[tuple[Path, tuple[str, ...]]] = []

    def fake_tour(context: object, out: Path, languages: tuple[str, ...]) -> int:
        toured.append((out, languages))
        return 0

    monkeypatch.setattr(run, "_write_tour", fake_tour)
    configured = quiet_logging(monkeypatch)
    # WHEN the kiosk is started
    status = main(["--demo", "run"])
    # THEN it runs the tour into the data directory instead of dying, and says why
    assert status == 0
    assert toured == [(tmp_path / "tour", ("vi", "en"))]
    assert "no display" in capsys.readouterr().err
    assert configured == [logging.INFO]


def quiet_logging(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the logging set-up ``kiosk run`` asks for instead of doing it in this process."""
    configured: list[int] = []

    def configure(level: int = logging.INFO) -> logging.Handler:
        configured.append(level)
        return logging.NullHandler()

    monkeypatch.setattr(run, "configure_logging", configure)
    # Set and removed again: the variable is restored (to absent) when the test ends.
    monkeypatch.setenv("KIVY_LOG_MODE", "KIVY")
    monkeypatch.delenv("KIVY_LOG_MODE")
    return configured


def test_run_logs_for_journald_with_kivys_lines_through_the_same_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a display (the kiosk's unit sets SDL_VIDEODRIVER=kmsdrm)
    monkeypatch.setenv("SDL_VIDEODRIVER", "kmsdrm")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    started: list[bool] = []
    monkeypatch.setattr("motcua.runner.run_app", lambda config, windowed: started.append(windowed))
    configured = quiet_logging(monkeypatch)
    # WHEN the kiosk is started
    assert main(["--demo", "run", "--windowed"]) == 0
    # THEN logging was set up for journald before the app ran, Kivy in its Python mode
    assert configured == [logging.INFO]
    assert started == [True]
    assert os.environ["KIVY_LOG_MODE"] == "PYTHON"


def test_tour_writes_a_screenshot_of_every_screen_and_the_slips(tmp_path: Path) -> None:
    # GIVEN the demo configuration
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "kiosk")})
    # WHEN the tour runs in English, portrait, normal text only (the command does all)
    result = run_tour(config, tmp_path / "tour", languages=("en",), orientations=(PORTRAIT,),
                      text_sizes=(False,))
    # THEN there is one screenshot per step, 1080x1920 PNG, and the four slips printed
    names = [path.name for path in result.screenshots]
    assert names[0] == "01-welcome-en-portrait.png"
    assert names[4:7] == [
        "05-procedure-en-portrait.png", "06-procedure-case-en-portrait.png",
        "07-checklist-printed-en-portrait.png",
    ]  # fmt: skip
    assert names[11:13] == ["12-life-events-en-portrait.png", "13-life-event-en-portrait.png"]
    assert names[17:20] == [
        "18-rating-en-portrait.png", "19-rating-counter-en-portrait.png",
        "20-rating-thanks-en-portrait.png",
    ]  # fmt: skip
    assert names[24] == "25-welcome-large-contrast-en-portrait.png"
    assert names[25:] == [
        "26-technician-pin-en-portrait.png", "27-technician-en-portrait.png",
        "28-technician-settings-en-portrait.png", "29-technician-setting-en-portrait.png",
        "30-technician-logs-en-portrait.png",
    ]  # fmt: skip
    header = result.screenshots[0].read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1080, 1920)
    kinds = sorted(path.name.split("-", 3)[3].split("-")[0] for path in result.slips)
    assert kinds == [
        "procedure_checklist", "queue_ticket", "submission_receipt", "submission_receipt",
    ]  # fmt: skip
    assert all(path.with_suffix("").stat().st_size > 0 for path in result.slips)


def test_run_and_tour_are_commands() -> None:
    from motcua.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["tour", "--out", "x", "--language", "en"])
    assert isinstance(args, argparse.Namespace)
    assert (args.out, args.language) == (Path("x"), "en")
    assert parser.parse_args(["run", "--windowed"]).windowed is True
