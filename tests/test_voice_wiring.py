"""The kiosk's voice as the composition root builds it from the configuration."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from devices.audio_aplay import AplayOutput
from devices.audio_file import FileAudioOutput
from kiosk.config import Config, load_config
from motcua.wiring import build_voice


def settings(tmp_path: Path, **changes: str | int | bool) -> Config:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    return replace(config, values={**config.values,
                                   **{f"speech.{key}": value for key, value in changes.items()}})


def test_no_voice_when_nothing_can_be_said_or_heard(tmp_path: Path) -> None:
    assert build_voice(settings(tmp_path, engine="none")) is None
    assert build_voice(settings(tmp_path, engine="fake", output="none")) is None
    # A Piper voice without its files cannot speak: no Listen button, the check says why.
    assert build_voice(settings(tmp_path, engine="piper", piper_binary="/nonexistent")) is None


def test_demo_mode_saves_what_is_said_in_the_data_directory(tmp_path: Path) -> None:
    voice = build_voice(settings(tmp_path, engine="fake", output="file", volume=70))
    assert voice is not None
    try:
        assert isinstance(voice.output, FileAudioOutput)
        assert voice.output.folder == tmp_path / "data" / "spoken"
        assert voice.renderer.volume_percent == 70
    finally:
        voice.close()


def test_headphone_mode_plays_on_the_jack_at_the_headphone_volume(tmp_path: Path) -> None:
    voice = build_voice(settings(tmp_path, engine="fake", output="alsa", headphones=True,
                                 headphone_device="plughw:CARD=Headphones",
                                 headphone_volume=35, touch_sound=True))
    assert voice is not None
    try:
        assert isinstance(voice.output, AplayOutput)
        assert voice.output.device == "plughw:CARD=Headphones"
        assert voice.renderer.volume_percent == 35
        assert voice.cues.touch and not voice.cues.error
    finally:
        voice.close()
