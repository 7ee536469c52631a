"""The voice and the sound output as kiosk doctor sees them."""

from __future__ import annotations

import shutil
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from devices.speech_checks import check_sound_output, speech_checks
from kiosk.config import Config, load_config
from kiosk.doctor import CheckStatus


def settings(tmp_path: Path, **changes: str | int | bool) -> Config:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    return replace(config, values={**config.values,
                                   **{f"speech.{key}": value for key, value in changes.items()}})


def fake_program(folder: Path, name: str, script: str) -> None:
    program = folder / name
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(program.stat().st_mode | stat.S_IXUSR)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_is_checked_by_saying_a_greeting(tmp_path: Path) -> None:
    voice = speech_checks(settings(tmp_path))[0]
    assert voice.name == "voice"
    assert voice.status is CheckStatus.OK
    assert "espeak-ng" in voice.detail and "says 'Xin chào.' in" in voice.detail


def test_no_voice_is_a_warning_and_no_output_is_checked(tmp_path: Path) -> None:
    [voice] = speech_checks(settings(tmp_path, engine="none"))
    assert (voice.status, voice.detail) == (
        CheckStatus.WARNING, "speech.engine is none: nothing is spoken"
    )


def test_a_missing_piper_voice_is_a_fault_naming_the_key(tmp_path: Path) -> None:
    fake_program(tmp_path, "piper", "exit 0\n")
    voice = speech_checks(settings(tmp_path, engine="piper", piper_binary=str(tmp_path / "piper"),
                                   piper_model="/nowhere/vi.onnx"))[0]
    assert voice.status is CheckStatus.FAULT
    assert voice.detail == "the Piper voice /nowhere/vi.onnx does not exist (speech.piper_model)"
    assert "docs/speech.md" in voice.fix


def test_a_voice_that_renders_nothing_is_a_fault(tmp_path: Path) -> None:
    fake_program(tmp_path, "piper", "echo 'model broken' >&2; exit 2\n")
    model = tmp_path / "vi.onnx"
    model.write_bytes(b"x")
    (tmp_path / "vi.onnx.json").write_text("{}")
    voice = speech_checks(settings(tmp_path, engine="piper", piper_binary=str(tmp_path / "piper"),
                                   piper_model=str(model)))[0]
    assert voice.status is CheckStatus.FAULT
    assert voice.detail.endswith("piper exited 2: model broken")


@pytest.mark.parametrize(
    ("listing", "status", "detail"),
    [
        ("card 0: Headphones [bcm2835 Headphones], device 0: bcm2835 Headphones",
         CheckStatus.OK, "card 0: Headphones [bcm2835 Headphones], device 0: bcm2835 Headphones"),
        ("", CheckStatus.WARNING, "no sound card found: nothing will be heard"),
    ],
)
def test_the_sound_output_needs_a_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listing: str, status: CheckStatus,
    detail: str,
) -> None:
    fake_program(tmp_path, "aplay", f"echo '**** List of PLAYBACK Hardware Devices ****'\n"
                                    f"echo '{listing}'\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    check = check_sound_output()
    assert (check.status, check.detail) == (status, detail)


def test_no_aplay_is_a_fault_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    check = check_sound_output()
    assert (check.status, check.fix) == (
        CheckStatus.FAULT, "apt-get install alsa-utils (scripts/setup installs it)"
    )


def test_file_output_is_checked_by_its_folder_and_not_by_a_sound_card(tmp_path: Path) -> None:
    checks = speech_checks(settings(tmp_path, engine="fake", output="file"))
    output = checks[1]
    assert (output.name, output.status, output.detail) == (
        "sound output", CheckStatus.OK,
        f"WAV files in {tmp_path / 'data' / 'spoken'} (speech.output = file)",
    )


def test_a_file_output_that_cannot_write_is_a_fault(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "spoken").write_text("a file where the folder should be")
    output = speech_checks(settings(tmp_path, engine="fake", output="file"))[1]
    assert output.status is CheckStatus.FAULT
    assert output.detail.startswith(f"cannot create {tmp_path / 'data' / 'spoken'}")


def test_no_output_checks_only_the_voice(tmp_path: Path) -> None:
    assert [check.name for check in speech_checks(settings(tmp_path, output="none"))] == ["voice"]


def test_the_sound_output_says_where_the_voice_goes_and_how_loud(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = "card 0: Headphones [bcm2835 Headphones], device 0: bcm2835 Headphones"
    fake_program(tmp_path, "aplay", f"echo '{card}'\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    checks = speech_checks(settings(tmp_path, engine="fake", output="alsa", headphones=True,
                                    headphone_device="plughw:CARD=Headphones",
                                    headphone_volume=40))
    assert (checks[1].name, checks[1].status, checks[1].detail) == (
        "sound output", CheckStatus.OK,
        f"{card}; headphone mode on plughw:CARD=Headphones at 40%",
    )
